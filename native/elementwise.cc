#include "elementwise.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "strided.h"
#include "thread-pool.h"
#include "vector-math.h"

namespace genie {

namespace {

enum class UnaryOp { Neg, Exp, Log, Sqrt, Rsqrt, Abs, Square, Relu, Gelu, Silu, Sigmoid, Tanh, PowScalar, MulScalar, AddScalar };
enum class BinaryOp { Add, Sub, Mul, Div, Max, Min };

UnaryOp parseUnary(const Args& args, const std::string& name) {
  static const std::pair<const char*, UnaryOp> table[] = {
      {"neg", UnaryOp::Neg},         {"exp", UnaryOp::Exp},         {"log", UnaryOp::Log},           {"sqrt", UnaryOp::Sqrt},
      {"rsqrt", UnaryOp::Rsqrt},     {"abs", UnaryOp::Abs},         {"square", UnaryOp::Square},     {"relu", UnaryOp::Relu},
      {"gelu", UnaryOp::Gelu},       {"silu", UnaryOp::Silu},       {"sigmoid", UnaryOp::Sigmoid},   {"tanh", UnaryOp::Tanh},
      {"powScalar", UnaryOp::PowScalar}, {"mulScalar", UnaryOp::MulScalar}, {"addScalar", UnaryOp::AddScalar},
  };
  for (const auto& [key, op] : table) if (name == key) return op;
  args.failType("unknown unary op '" + name + "'");
}

BinaryOp parseBinary(const Args& args, const std::string& name) {
  static const std::pair<const char*, BinaryOp> table[] = {
      {"add", BinaryOp::Add}, {"sub", BinaryOp::Sub}, {"mul", BinaryOp::Mul},
      {"div", BinaryOp::Div}, {"max", BinaryOp::Max}, {"min", BinaryOp::Min},
  };
  for (const auto& [key, op] : table) if (name == key) return op;
  args.failType("unknown binary op '" + name + "'");
}

bool isCostly(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: case UnaryOp::Log: case UnaryOp::Gelu: case UnaryOp::Silu: case UnaryOp::Sigmoid:
    case UnaryOp::Tanh: case UnaryOp::PowScalar: return true;
    default: return false;
  }
}

// out[i] = f(i) over [0, n), split over the pool.
template <class F>
void mapIndices(int64_t n, int64_t grain, F f) {
  parallelFor(n, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) f(i);
  });
}

template <class F>
void mapUnary(const float* x, float* y, int64_t n, int64_t grain, F f) {
  mapIndices(n, grain, [=](int64_t i) { y[i] = f(x[i]); });
}

void unaryForward(UnaryOp op, const float* x, float* y, int64_t n, double s) {
  const int64_t grain = isCostly(op) ? kCostlyGrain : kCheapGrain;
  const float sf = static_cast<float>(s);
  switch (op) {
    case UnaryOp::Neg: return mapUnary(x, y, n, grain, [](float v) { return -v; });
    case UnaryOp::Exp: return mapUnary(x, y, n, grain, [](float v) { return fastExp(v); });
    case UnaryOp::Log: return mapUnary(x, y, n, grain, [](float v) { return std::log(v); });
    case UnaryOp::Sqrt: return mapUnary(x, y, n, grain, [](float v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt: return mapUnary(x, y, n, grain, [](float v) { return 1.0f / std::sqrt(v); });
    case UnaryOp::Abs: return mapUnary(x, y, n, grain, [](float v) { return std::fabs(v); });
    case UnaryOp::Square: return mapUnary(x, y, n, grain, [](float v) { return v * v; });
    case UnaryOp::Relu: return mapUnary(x, y, n, grain, [](float v) { return v > 0.0f ? v : 0.0f; });
    case UnaryOp::Gelu: return mapUnary(x, y, n, grain, [](float v) { return gelu(v); });
    case UnaryOp::Silu: return mapUnary(x, y, n, grain, [](float v) { return v * sigmoid(v); });
    case UnaryOp::Sigmoid: return mapUnary(x, y, n, grain, [](float v) { return sigmoid(v); });
    case UnaryOp::Tanh: return mapUnary(x, y, n, grain, [](float v) { return std::tanh(v); });
    case UnaryOp::PowScalar:
      return mapUnary(x, y, n, grain, [s](float v) { return static_cast<float>(std::pow(static_cast<double>(v), s)); });
    case UnaryOp::MulScalar: return mapUnary(x, y, n, grain, [sf](float v) { return v * sf; });
    case UnaryOp::AddScalar: return mapUnary(x, y, n, grain, [sf](float v) { return v + sf; });
  }
}

// dx[i] = dy[i] * d(x[i], y[i]) where d is f'(x) given x and y = f(x).
template <class D>
void mapDerivative(const float* x, const float* y, const float* dy, float* dx, int64_t n, int64_t grain, D d) {
  mapIndices(n, grain, [=](int64_t i) { dx[i] = dy[i] * d(x[i], y[i]); });
}

void unaryBackward(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, double s) {
  const int64_t grain = isCostly(op) ? kCostlyGrain : kCheapGrain;
  const float sf = static_cast<float>(s);
  switch (op) {
    case UnaryOp::Neg: return mapDerivative(x, y, dy, dx, n, grain, [](float, float) { return -1.0f; });
    case UnaryOp::Exp: return mapDerivative(x, y, dy, dx, n, grain, [](float, float fx) { return fx; });
    case UnaryOp::Log: return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) { return 1.0f / v; });
    case UnaryOp::Sqrt: return mapDerivative(x, y, dy, dx, n, grain, [](float, float fx) { return 0.5f / fx; });
    case UnaryOp::Rsqrt: return mapDerivative(x, y, dy, dx, n, grain, [](float, float fx) { return -0.5f * fx * fx * fx; });
    case UnaryOp::Abs:
      return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); });
    case UnaryOp::Square: return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) { return 2.0f * v; });
    case UnaryOp::Relu: return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
    case UnaryOp::Gelu: return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) { return geluDerivative(v); });
    case UnaryOp::Silu:
      return mapDerivative(x, y, dy, dx, n, grain, [](float v, float) {
        float sg = sigmoid(v);
        return sg * (1.0f + v * (1.0f - sg));
      });
    case UnaryOp::Sigmoid: return mapDerivative(x, y, dy, dx, n, grain, [](float, float fx) { return fx * (1.0f - fx); });
    case UnaryOp::Tanh: return mapDerivative(x, y, dy, dx, n, grain, [](float, float fx) { return 1.0f - fx * fx; });
    case UnaryOp::PowScalar:
      return mapDerivative(x, y, dy, dx, n, grain, [s](float v, float) {
        return s == 0.0 ? 0.0f : static_cast<float>(s * std::pow(static_cast<double>(v), s - 1.0));
      });
    case UnaryOp::MulScalar: return mapDerivative(x, y, dy, dx, n, grain, [sf](float, float) { return sf; });
    case UnaryOp::AddScalar: return mapDerivative(x, y, dy, dx, n, grain, [](float, float) { return 1.0f; });
  }
}

// One run of a binary op; separate loops for the unit and zero (broadcast) strides so they vectorise.
template <class F>
void binaryRun(F f, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class F>
void binaryAll(F f, const StridedLayout<3>& layout, const float* a, const float* b, float* out, bool parallel) {
  const int last = layout.rank - 1;
  const int64_t sa = layout.strides[0][last], sb = layout.strides[1][last];
  auto span = [&](int64_t begin, int64_t end) {
    forEachRun(layout, begin, end, [&](const std::array<int64_t, 3>& at, int64_t n) {
      binaryRun(f, a + at[0], sa, b + at[1], sb, out + at[2], n);
    });
  };
  if (parallel) parallelFor(layout.count(), kCheapGrain, span);
  else span(0, layout.count());
}

void binaryDispatch(BinaryOp op, const StridedLayout<3>& layout, const float* a, const float* b, float* out, bool parallel) {
  switch (op) {
    case BinaryOp::Add: return binaryAll([](float x, float y) { return x + y; }, layout, a, b, out, parallel);
    case BinaryOp::Sub: return binaryAll([](float x, float y) { return x - y; }, layout, a, b, out, parallel);
    case BinaryOp::Mul: return binaryAll([](float x, float y) { return x * y; }, layout, a, b, out, parallel);
    case BinaryOp::Div: return binaryAll([](float x, float y) { return x / y; }, layout, a, b, out, parallel);
    // Same comparisons as the reference, so NaN handling matches (a NaN b gives b).
    case BinaryOp::Max: return binaryAll([](float x, float y) { return x >= y ? x : y; }, layout, a, b, out, parallel);
    case BinaryOp::Min: return binaryAll([](float x, float y) { return x <= y ? x : y; }, layout, a, b, out, parallel);
  }
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t axis = shape.size(); axis-- > 0;) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

int64_t shapeCount(const Args& args, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (size_t axis = 0; axis < shape.size(); axis++) {
    if (shape[axis] < 0) args.failRange("shape[" + std::to_string(axis) + "] is negative (" + std::to_string(shape[axis]) + ")");
    count = checkedMul(args, count, shape[axis]);
  }
  return count;
}

void requireRank(const Args& args, const char* name, const std::vector<int64_t>& strides, const std::vector<int64_t>& shape) {
  if (strides.size() != shape.size()) {
    args.failRange(std::string(name) + " has " + std::to_string(strides.size()) + " entries but shape has rank " + std::to_string(shape.size()));
  }
}

}  // namespace

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary");
  std::string name = args.string(0, "op");
  Args opArgs(info, "unary " + name);
  UnaryOp op = parseUnary(opArgs, name);
  FloatSpan x = opArgs.floats(1, "x");
  FloatSpan y = opArgs.floats(2, "y");
  double s = opArgs.number(3, "s");
  opArgs.requireLength("y", y.length, x.length);
  unaryForward(op, x.data, y.data, x.length, s);
  return info.Env().Undefined();
}

Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args args(info, "unaryBackward");
  std::string name = args.string(0, "op");
  Args opArgs(info, "unaryBackward " + name);
  UnaryOp op = parseUnary(opArgs, name);
  FloatSpan x = opArgs.floats(1, "x");
  FloatSpan y = opArgs.floats(2, "y");
  FloatSpan dy = opArgs.floats(3, "dy");
  FloatSpan dx = opArgs.floats(4, "dx");
  double s = opArgs.number(5, "s");
  opArgs.requireLength("y", y.length, x.length);
  opArgs.requireLength("dy", dy.length, x.length);
  opArgs.requireLength("dx", dx.length, x.length);
  unaryBackward(op, x.data, y.data, dy.data, dx.data, x.length, s);
  return info.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary");
  std::string name = args.string(0, "op");
  Args opArgs(info, "binary " + name);
  BinaryOp op = parseBinary(opArgs, name);
  // Arrays first: reading their elements can run JS (getters) that might detach a buffer read earlier.
  std::vector<int64_t> aStrides = opArgs.dims(2, "aStrides");
  std::vector<int64_t> bStrides = opArgs.dims(4, "bStrides");
  std::vector<int64_t> shape = opArgs.dims(6, "shape");
  FloatSpan a = opArgs.floats(1, "a");
  FloatSpan b = opArgs.floats(3, "b");
  FloatSpan out = opArgs.floats(5, "out");
  requireRank(opArgs, "aStrides", aStrides, shape);
  requireRank(opArgs, "bStrides", bStrides, shape);
  int64_t count = shapeCount(opArgs, shape);
  opArgs.requireLength("out", out.length, count);
  if (count == 0) return info.Env().Undefined();
  requireView(opArgs, "a", a.length, 0, shape, aStrides);
  requireView(opArgs, "b", b.length, 0, shape, bStrides);

  std::vector<int64_t> outStrides = contiguousStrides(shape);
  // Writing out while a differently laid out view of the same memory is read would make the result depend
  // on the order of the writes; such calls run in the reference's row-major order on one thread.
  const int64_t outBytes = out.length * 4;
  bool orderMatters = (aStrides != outStrides && buffersOverlap(out.data, outBytes, a.data, a.length * 4)) ||
                      (bStrides != outStrides && buffersOverlap(out.data, outBytes, b.data, b.length * 4));
  auto layout = coalesce<3>(shape, {&aStrides, &bStrides, &outStrides}, {0, 0, 0});
  binaryDispatch(op, layout, a.data, b.data, out.data, !orderMatters);
  return info.Env().Undefined();
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  Args args(info, "copy");
  // Arrays first: reading their elements can run JS (getters) that might detach a buffer read earlier.
  std::vector<int64_t> srcStrides = args.dims(2, "srcStrides");
  std::vector<int64_t> dstStrides = args.dims(5, "dstStrides");
  std::vector<int64_t> shape = args.dims(6, "shape");
  FloatSpan src = args.floats(0, "src");
  int64_t srcOffset = args.size(1, "srcOffset");
  FloatSpan dst = args.floats(3, "dst");
  int64_t dstOffset = args.size(4, "dstOffset");
  bool accumulate = args.boolean(7, "accumulate");
  requireRank(args, "srcStrides", srcStrides, shape);
  requireRank(args, "dstStrides", dstStrides, shape);
  int64_t count = shapeCount(args, shape);
  if (count == 0) return info.Env().Undefined();
  requireView(args, "src", src.length, srcOffset, shape, srcStrides);
  requireView(args, "dst", dst.length, dstOffset, shape, dstStrides);

  // Parallel only when every destination element is written once and src is not the same memory;
  // otherwise (accumulating into a broadcast with 0 strides, in-buffer moves) the row-major order counts.
  bool parallel = viewIsOneToOne(shape, dstStrides) && !buffersOverlap(src.data, src.length * 4, dst.data, dst.length * 4);
  auto layout = coalesce<2>(shape, {&srcStrides, &dstStrides}, {srcOffset, dstOffset});
  const int last = layout.rank - 1;
  const int64_t ss = layout.strides[0][last], ds = layout.strides[1][last];
  const float* from = src.data;
  float* to = dst.data;
  auto span = [&](int64_t begin, int64_t end) {
    forEachRun(layout, begin, end, [&](const std::array<int64_t, 2>& at, int64_t n) {
      const float* s = from + at[0];
      float* d = to + at[1];
      if (accumulate) {
        if (ss == 1 && ds == 1) for (int64_t i = 0; i < n; i++) d[i] += s[i];
        else for (int64_t i = 0; i < n; i++) d[i * ds] += s[i * ss];
      } else {
        if (ss == 1 && ds == 1) for (int64_t i = 0; i < n; i++) d[i] = s[i];
        else if (ss == 0 && ds == 1) for (int64_t i = 0; i < n; i++) d[i] = s[0];
        else for (int64_t i = 0; i < n; i++) d[i * ds] = s[i * ss];
      }
    });
  };
  if (parallel) parallelFor(count, kCheapGrain, span);
  else span(0, count);
  return info.Env().Undefined();
}

Napi::Value Axpby(const Napi::CallbackInfo& info) {
  Args args(info, "axpby");
  const float alpha = static_cast<float>(args.number(0, "alpha"));
  FloatSpan x = args.floats(1, "x");
  const float beta = static_cast<float>(args.number(2, "beta"));
  FloatSpan y = args.floats(3, "y");
  args.requireLength("y", y.length, x.length);
  const float* xs = x.data;
  float* ys = y.data;
  // beta = 0 overwrites without reading y (like BLAS), so garbage or NaN in y does not leak.
  if (beta == 0.0f) mapIndices(x.length, kCheapGrain, [=](int64_t i) { ys[i] = alpha * xs[i]; });
  else mapIndices(x.length, kCheapGrain, [=](int64_t i) { ys[i] = alpha * xs[i] + beta * ys[i]; });
  return info.Env().Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  Args args(info, "fill");
  FloatSpan x = args.floats(0, "x");
  const float value = static_cast<float>(args.number(1, "value"));
  float* xs = x.data;
  mapIndices(x.length, kCheapGrain, [=](int64_t i) { xs[i] = value; });
  return info.Env().Undefined();
}

}  // namespace genie
