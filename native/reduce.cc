#include "reduce.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "thread-pool.h"
#include "vector-math.h"

namespace genie {

namespace {

// Columns of `inner` summed together in one task when reducing over a strided middle axis.
constexpr int64_t kColumnBlock = 256;
// Whole-buffer reductions split into fixed-size parts (not one per thread), so the rounding of the
// result does not depend on the thread count.
constexpr int64_t kPartSize = 1 << 16;

struct ReduceShape {
  int64_t outer, n, inner;
};

ReduceShape readShape(const Args& args, size_t first) {
  ReduceShape s{args.size(first, "outer"), args.size(first + 1, "n"), args.size(first + 2, "inner")};
  checkedMul(args, checkedMul(args, s.outer, s.n), s.inner);
  return s;
}

// Sums of fixed parts of [0, length), combined in order.
template <class PartSum>
double sumOverParts(int64_t length, PartSum partSum) {
  const int64_t parts = std::max<int64_t>(1, (length + kPartSize - 1) / kPartSize);
  std::vector<double> partial(parts, 0.0);
  parallelFor(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t part = begin; part < end; part++) {
      int64_t from = part * kPartSize;
      partial[part] = partSum(from, std::min(length, from + kPartSize));
    }
  });
  double total = 0.0;
  for (double value : partial) total += value;
  return total;
}

}  // namespace

Napi::Value Sum(const Napi::CallbackInfo& info) {
  Args args(info, "sum");
  FloatSpan x = args.floats(0, "x");
  FloatSpan out = args.floats(1, "out");
  ReduceShape s = readShape(args, 2);
  args.requireLength("x", x.length, s.outer * s.n * s.inner);
  args.requireLength("out", out.length, s.outer * s.inner);
  const float* xs = x.data;
  float* os = out.data;
  if (s.inner == 1) {
    parallelFor(s.outer, std::max<int64_t>(1, kCheapGrain / std::max<int64_t>(1, s.n)), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) os[o] = static_cast<float>(sumDouble(xs + o * s.n, s.n));
    });
    return info.Env().Undefined();
  }
  // Rows of a block of columns are added into double accumulators, one contiguous row at a time.
  const int64_t blocks = (s.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t taskWork = std::max<int64_t>(1, s.n * std::min(s.inner, kColumnBlock));
  parallelFor(s.outer * blocks, std::max<int64_t>(1, kCheapGrain / taskWork), [&](int64_t begin, int64_t end) {
    double acc[kColumnBlock];
    for (int64_t task = begin; task < end; task++) {
      const int64_t o = task / blocks;
      const int64_t j0 = (task % blocks) * kColumnBlock;
      const int64_t width = std::min(kColumnBlock, s.inner - j0);
      std::fill(acc, acc + width, 0.0);
      for (int64_t r = 0; r < s.n; r++) {
        const float* row = xs + (o * s.n + r) * s.inner + j0;
        for (int64_t j = 0; j < width; j++) acc[j] += row[j];
      }
      for (int64_t j = 0; j < width; j++) os[o * s.inner + j0 + j] = static_cast<float>(acc[j]);
    }
  });
  return info.Env().Undefined();
}

Napi::Value Max(const Napi::CallbackInfo& info) {
  Args args(info, "max");
  FloatSpan x = args.floats(0, "x");
  FloatSpan out = args.floats(1, "out");
  IntSpan argmax = args.ints(2, "argmax");
  ReduceShape s = readShape(args, 3);
  args.requireLength("x", x.length, s.outer * s.n * s.inner);
  args.requireLength("out", out.length, s.outer * s.inner);
  args.requireLength("argmax", argmax.length, s.outer * s.inner);
  if (s.outer * s.inner == 0) return info.Env().Undefined();
  if (s.n == 0) args.failRange("n is 0: the max of an empty axis is undefined");
  if (s.n > INT32_MAX) args.failRange("n is too large for Int32 argmax");
  const float* xs = x.data;
  float* os = out.data;
  int32_t* as = argmax.data;
  // Row by row over the reduced axis, keeping the running best of every column; strict > keeps the first
  // maximum and ignores NaN after the first element, exactly like the reference.
  parallelFor(s.outer, std::max<int64_t>(1, kCheapGrain / std::max<int64_t>(1, s.n * s.inner)), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; o++) {
      float* best = os + o * s.inner;
      int32_t* index = as + o * s.inner;
      const float* first = xs + o * s.n * s.inner;
      for (int64_t j = 0; j < s.inner; j++) {
        best[j] = first[j];
        index[j] = 0;
      }
      for (int64_t r = 1; r < s.n; r++) {
        const float* row = first + r * s.inner;
        for (int64_t j = 0; j < s.inner; j++) {
          bool better = row[j] > best[j];
          best[j] = better ? row[j] : best[j];
          index[j] = better ? static_cast<int32_t>(r) : index[j];
        }
      }
    }
  });
  return info.Env().Undefined();
}

Napi::Value MaxBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxBackward");
  FloatSpan dOut = args.floats(0, "dOut");
  IntSpan argmax = args.ints(1, "argmax");
  FloatSpan dx = args.floats(2, "dx");
  ReduceShape s = readShape(args, 3);
  args.requireLength("dOut", dOut.length, s.outer * s.inner);
  args.requireLength("argmax", argmax.length, s.outer * s.inner);
  args.requireLength("dx", dx.length, s.outer * s.n * s.inner);
  for (int64_t i = 0; i < argmax.length; i++) {
    if (argmax.data[i] < 0 || argmax.data[i] >= s.n) {
      args.failRange("argmax[" + std::to_string(i) + "] = " + std::to_string(argmax.data[i]) + " is out of range [0, " + std::to_string(s.n) + ")");
    }
  }
  float* d = dx.data;
  const float* g = dOut.data;
  const int32_t* a = argmax.data;
  std::fill(d, d + dx.length, 0.0f);
  for (int64_t o = 0; o < s.outer; o++) {
    for (int64_t j = 0; j < s.inner; j++) d[(o * s.n + a[o * s.inner + j]) * s.inner + j] = g[o * s.inner + j];
  }
  return info.Env().Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares");
  FloatSpan x = args.floats(0, "x");
  const float* xs = x.data;
  double total = sumOverParts(x.length, [&](int64_t from, int64_t to) { return sumSquaresDouble(xs + from, to - from, 0.0); });
  return Napi::Number::New(info.Env(), total);
}

Napi::Value CountNonFinite(const Napi::CallbackInfo& info) {
  Args args(info, "countNonFinite");
  FloatSpan x = args.floats(0, "x");
  const float* xs = x.data;
  double total = sumOverParts(x.length, [&](int64_t from, int64_t to) {
    int64_t count = 0;
    // All exponent bits set is Inf or NaN; integer compares keep this vectorised and exact.
    for (int64_t i = from; i < to; i++) count += (__builtin_bit_cast(uint32_t, xs[i]) & 0x7f800000u) == 0x7f800000u;
    return static_cast<double>(count);
  });
  return Napi::Number::New(info.Env(), total);
}

}  // namespace genie
