#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>

namespace genie {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1, JS Number.MAX_SAFE_INTEGER

std::string formatNumber(double number) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", number);
  return text;
}

std::string describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) return "the number " + formatNumber(value.As<Napi::Number>().DoubleValue());
  if (value.IsTypedArray()) {
    switch (value.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float32_array: return "a Float32Array";
      case napi_int32_array: return "an Int32Array";
      case napi_float64_array: return "a Float64Array";
      case napi_uint16_array: return "a Uint16Array";
      default: return "a typed array of another type";
    }
  }
  if (value.IsArray()) return "an array";
  if (value.IsString()) return "a string";
  if (value.IsBoolean()) return "a boolean";
  return "an object";
}

}  // namespace

Args::Args(const Napi::CallbackInfo& info, std::string kernel) : info_(info), kernel_(std::move(kernel)) {}

void Args::fail(const std::string& message) const { throw Napi::Error::New(env(), kernel_ + ": " + message); }
void Args::failType(const std::string& message) const { throw Napi::TypeError::New(env(), kernel_ + ": " + message); }
void Args::failRange(const std::string& message) const { throw Napi::RangeError::New(env(), kernel_ + ": " + message); }

Napi::Value Args::at(size_t index, const char* name) const {
  if (index >= info_.Length()) failType(std::string("missing argument ") + name);
  return info_[index];
}

template <class T, class Array>
Span<T> Args::typedArray(const Napi::Value& value, napi_typedarray_type type, const char* typeName, const std::string& what) const {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    failType(what + " must be a" + (typeName[0] == 'I' ? "n " : " ") + typeName + ", got " + describe(value));
  }
  auto array = value.As<Array>();
  return {array.Data(), static_cast<int64_t>(array.ElementLength())};
}

FloatSpan Args::floats(size_t index, const char* name) const {
  return typedArray<float, Napi::Float32Array>(at(index, name), napi_float32_array, "Float32Array", name);
}

FloatSpan Args::optionalFloats(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (value.IsNull() || value.IsUndefined()) return {};
  return floats(index, name);
}

IntSpan Args::ints(size_t index, const char* name) const {
  return typedArray<int32_t, Napi::Int32Array>(at(index, name), napi_int32_array, "Int32Array", name);
}

IntSpan Args::optionalInts(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (value.IsNull() || value.IsUndefined()) return {};
  return ints(index, name);
}

Uint16Span Args::uint16s(size_t index, const char* name) const {
  return typedArray<uint16_t, Napi::Uint16Array>(at(index, name), napi_uint16_array, "Uint16Array", name);
}

Uint8Span Args::uint8s(size_t index, const char* name) const {
  return typedArray<uint8_t, Napi::Uint8Array>(at(index, name), napi_uint8_array, "Uint8Array", name);
}

DoubleSpan Args::doubles(size_t index, const char* name) const {
  return typedArray<double, Napi::Float64Array>(at(index, name), napi_float64_array, "Float64Array", name);
}

std::string Args::string(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (!value.IsString()) failType(std::string(name) + " must be a string, got " + describe(value));
  return value.As<Napi::String>().Utf8Value();
}

double Args::number(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (!value.IsNumber()) failType(std::string(name) + " must be a number, got " + describe(value));
  return value.As<Napi::Number>().DoubleValue();
}

bool Args::boolean(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (!value.IsBoolean()) failType(std::string(name) + " must be a boolean, got " + describe(value));
  return value.As<Napi::Boolean>().Value();
}

int64_t Args::toInteger(const Napi::Value& value, const std::string& what, bool nonNegative) const {
  if (!value.IsNumber()) failType(what + " must be an integer, got " + describe(value));
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number != std::floor(number) || std::fabs(number) > kMaxSafeInteger) {
    failType(what + " must be an integer, got " + formatNumber(number));
  }
  if (nonNegative && number < 0) failRange(what + " must be >= 0, got " + std::to_string(static_cast<int64_t>(number)));
  return static_cast<int64_t>(number);
}

int64_t Args::size(size_t index, const char* name) const { return toInteger(at(index, name), name, true); }

int64_t Args::integer(size_t index, const char* name) const { return toInteger(at(index, name), name, false); }

std::vector<int64_t> Args::dims(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (!value.IsArray()) failType(std::string(name) + " must be an array of integers, got " + describe(value));
  auto array = value.As<Napi::Array>();
  if (array.Length() > kMaxRank) {
    failRange(std::string(name) + " has rank " + std::to_string(array.Length()) + ", the most is " + std::to_string(kMaxRank));
  }
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    out[i] = toInteger(array.Get(i), std::string(name) + "[" + std::to_string(i) + "]", false);
  }
  return out;
}

Napi::Object Args::object(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray()) failType(std::string(name) + " must be an object, got " + describe(value));
  return value.As<Napi::Object>();
}

Napi::Object Args::optionalObject(size_t index, const char* name) const {
  Napi::Value value = at(index, name);
  if (value.IsNull() || value.IsUndefined()) return Napi::Object();
  return object(index, name);
}

int64_t Args::sizeField(const Napi::Object& object, const char* objectName, const char* field) const {
  return toInteger(object.Get(field), std::string(objectName) + "." + field, true);
}

int64_t Args::intField(const Napi::Object& object, const char* objectName, const char* field) const {
  return toInteger(object.Get(field), std::string(objectName) + "." + field, false);
}

double Args::numberField(const Napi::Object& object, const char* objectName, const char* field) const {
  Napi::Value value = object.Get(field);
  if (!value.IsNumber()) failType(std::string(objectName) + "." + field + " must be a number, got " + describe(value));
  return value.As<Napi::Number>().DoubleValue();
}

bool Args::booleanField(const Napi::Object& object, const char* objectName, const char* field) const {
  Napi::Value value = object.Get(field);
  if (!value.IsBoolean()) failType(std::string(objectName) + "." + field + " must be a boolean, got " + describe(value));
  return value.As<Napi::Boolean>().Value();
}

Napi::Object Args::objectField(const Napi::Object& object, const char* objectName, const char* field) const {
  Napi::Value value = object.Get(field);
  if (!value.IsObject()) failType(std::string(objectName) + "." + field + " must be an object, got " + describe(value));
  return value.As<Napi::Object>();
}

FloatSpan Args::floatsField(const Napi::Object& object, const char* objectName, const char* field, bool optional) const {
  Napi::Value value = object.Get(field);
  if (optional && (value.IsNull() || value.IsUndefined())) return {};
  return typedArray<float, Napi::Float32Array>(value, napi_float32_array, "Float32Array", std::string(objectName) + "." + field);
}

Uint16Span Args::uint16sField(const Napi::Object& object, const char* objectName, const char* field) const {
  return typedArray<uint16_t, Napi::Uint16Array>(object.Get(field), napi_uint16_array, "Uint16Array", std::string(objectName) + "." + field);
}

Uint8Span Args::uint8sField(const Napi::Object& object, const char* objectName, const char* field) const {
  return typedArray<uint8_t, Napi::Uint8Array>(object.Get(field), napi_uint8_array, "Uint8Array", std::string(objectName) + "." + field);
}

void Args::requireLength(const char* name, int64_t length, int64_t expected) const {
  if (length != expected) {
    failRange(std::string(name) + " has " + std::to_string(length) + " elements, expected " + std::to_string(expected));
  }
}

void Args::requireAtLeast(const char* name, int64_t length, int64_t needed, const std::string& why) const {
  if (length < needed) {
    failRange(std::string(name) + " has " + std::to_string(length) + " elements, but " + why + " needs " + std::to_string(needed));
  }
}

int64_t checkedMul(const Args& args, int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) args.failRange("size overflow: " + std::to_string(a) + " * " + std::to_string(b));
  return out;
}

int64_t checkedAdd(const Args& args, int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) args.failRange("size overflow: " + std::to_string(a) + " + " + std::to_string(b));
  return out;
}

OffsetRange offsetRange(const Args& args, int64_t offset, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  OffsetRange range{offset, offset};
  for (size_t axis = 0; axis < shape.size(); axis++) {
    int64_t reach = checkedMul(args, shape[axis] - 1, strides[axis]);
    if (reach < 0) range.lowest = checkedAdd(args, range.lowest, reach);
    else range.highest = checkedAdd(args, range.highest, reach);
  }
  return range;
}

void requireView(const Args& args, const char* name, int64_t length, int64_t offset, const std::vector<int64_t>& shape,
                 const std::vector<int64_t>& strides) {
  for (int64_t extent : shape) if (extent == 0) return;  // an empty view touches nothing
  OffsetRange range = offsetRange(args, offset, shape, strides);
  if (range.lowest < 0 || range.highest >= length) {
    args.failRange(std::string(name) + " view reaches elements [" + std::to_string(range.lowest) + ", " +
                   std::to_string(range.highest) + "] but the buffer has " + std::to_string(length) + " elements");
  }
}

bool viewIsOneToOne(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  // Sort the axes by |stride|; the view is one-to-one when each stride clears the span of all smaller ones.
  std::vector<size_t> axes;
  for (size_t axis = 0; axis < shape.size(); axis++) {
    if (shape[axis] == 0) return true;
    if (shape[axis] > 1) axes.push_back(axis);
  }
  std::sort(axes.begin(), axes.end(), [&](size_t a, size_t b) { return std::llabs(strides[a]) < std::llabs(strides[b]); });
  int64_t span = 1;  // elements covered by the axes seen so far, as a contiguous-equivalent extent
  for (size_t axis : axes) {
    int64_t stride = std::llabs(strides[axis]);
    if (stride < span) return false;
    span = stride * (shape[axis] - 1) + span;
  }
  return true;
}

bool buffersOverlap(const void* a, int64_t aBytes, const void* b, int64_t bBytes) {
  auto aStart = reinterpret_cast<uintptr_t>(a);
  auto bStart = reinterpret_cast<uintptr_t>(b);
  return aBytes > 0 && bBytes > 0 && aStart < bStart + static_cast<uintptr_t>(bBytes) && bStart < aStart + static_cast<uintptr_t>(aBytes);
}

}  // namespace genie
