// Reading and validating kernel arguments. Every kernel checks the sizes it will touch against the
// buffers it was given before touching memory, so bad input from JS is a thrown error naming the kernel
// and the argument, never a segfault or a silent write past the end of a buffer.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace genie {

constexpr int kMaxRank = 6;

// A typed array's elements as the kernel sees them.
template <class T>
struct Span {
  T* data = nullptr;
  int64_t length = 0;
};
using FloatSpan = Span<float>;
using IntSpan = Span<int32_t>;
using DoubleSpan = Span<double>;
using Uint16Span = Span<uint16_t>;
using Uint8Span = Span<uint8_t>;

// One kernel call's arguments. Errors are thrown as JS exceptions whose message starts with the kernel
// name, e.g. "gemm: p.lda (3) must be >= 4, the row length of A".
class Args {
 public:
  Args(const Napi::CallbackInfo& info, std::string kernel);

  const std::string& kernel() const { return kernel_; }
  Napi::Env env() const { return info_.Env(); }

  FloatSpan floats(size_t index, const char* name) const;
  // A Float32Array or null (optional affine weights); null gives {nullptr, 0}.
  FloatSpan optionalFloats(size_t index, const char* name) const;
  IntSpan ints(size_t index, const char* name) const;
  // An Int32Array or null ({nullptr, 0}).
  IntSpan optionalInts(size_t index, const char* name) const;
  Uint16Span uint16s(size_t index, const char* name) const;
  Uint8Span uint8s(size_t index, const char* name) const;
  DoubleSpan doubles(size_t index, const char* name) const;
  std::string string(size_t index, const char* name) const;
  double number(size_t index, const char* name) const;
  bool boolean(size_t index, const char* name) const;
  // A non-negative integer that fits comfortably in int64 (below 2^53, like any JS integer).
  int64_t size(size_t index, const char* name) const;
  // Any integer below 2^53 in magnitude (a negative value may mean "off", like softmax's causalRows).
  int64_t integer(size_t index, const char* name) const;
  // An array of at most kMaxRank integers (strides may be negative; shapes are checked by the caller).
  std::vector<int64_t> dims(size_t index, const char* name) const;
  Napi::Object object(size_t index, const char* name) const;
  // An object, or null (an empty Napi::Object: IsEmpty()).
  Napi::Object optionalObject(size_t index, const char* name) const;

  // Fields of a parameter object such as GemmParams; `name` is used in messages ("p.lda").
  int64_t sizeField(const Napi::Object& object, const char* objectName, const char* field) const;
  int64_t intField(const Napi::Object& object, const char* objectName, const char* field) const;
  double numberField(const Napi::Object& object, const char* objectName, const char* field) const;
  bool booleanField(const Napi::Object& object, const char* objectName, const char* field) const;
  Napi::Object objectField(const Napi::Object& object, const char* objectName, const char* field) const;
  // Typed arrays inside a parameter object; an optional field may be null ({nullptr, 0}).
  FloatSpan floatsField(const Napi::Object& object, const char* objectName, const char* field, bool optional = false) const;
  Uint16Span uint16sField(const Napi::Object& object, const char* objectName, const char* field) const;
  Uint8Span uint8sField(const Napi::Object& object, const char* objectName, const char* field) const;

  void requireLength(const char* name, int64_t length, int64_t expected) const;
  void requireAtLeast(const char* name, int64_t length, int64_t needed, const std::string& why) const;

  [[noreturn]] void fail(const std::string& message) const;       // Error
  [[noreturn]] void failType(const std::string& message) const;   // TypeError
  [[noreturn]] void failRange(const std::string& message) const;  // RangeError

 private:
  Napi::Value at(size_t index, const char* name) const;
  // The elements of a typed array of the given type ("Float32Array"), or a TypeError naming `what`.
  template <class T, class Array>
  Span<T> typedArray(const Napi::Value& value, napi_typedarray_type type, const char* typeName, const std::string& what) const;
  int64_t toInteger(const Napi::Value& value, const std::string& what, bool nonNegative) const;

  const Napi::CallbackInfo& info_;
  std::string kernel_;
};

// Overflow-checked arithmetic for sizes computed from user input; throws through `args` on overflow.
int64_t checkedMul(const Args& args, int64_t a, int64_t b);
int64_t checkedAdd(const Args& args, int64_t a, int64_t b);

// Lowest and highest element offsets a strided view touches (shape has no zero dimension).
struct OffsetRange {
  int64_t lowest;
  int64_t highest;
};
OffsetRange offsetRange(const Args& args, int64_t offset, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides);

// Throws unless the strided view lies inside a buffer of `length` elements.
void requireView(const Args& args, const char* name, int64_t length, int64_t offset, const std::vector<int64_t>& shape,
                 const std::vector<int64_t>& strides);

// True when no two indices of the view share an element (so writes through it can run in parallel).
bool viewIsOneToOne(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides);

// Whether two buffers share any byte.
bool buffersOverlap(const void* a, int64_t aBytes, const void* b, int64_t bBytes);

}  // namespace genie
