#include "index-ops.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "args.h"
#include "gemm.h"
#include "thread-pool.h"
#include "vector-math.h"

namespace genie {

namespace {

// Rows of x compared against the whole codebook per sgemm in nearestCode.
constexpr int64_t kCodeRowBlock = 64;

// Every id must lie in [0, limit) (or be negative, meaning "ignored", where allowed); checked before any
// memory is touched.
void checkIds(const Args& args, const IntSpan& ids, int64_t limit, const char* limitName, bool allowIgnored) {
  for (int64_t i = 0; i < ids.length; i++) {
    const int32_t id = ids.data[i];
    if (id >= limit || (id < 0 && !allowIgnored)) {
      args.failRange("id " + std::to_string(id) + " at ids[" + std::to_string(i) + "] is out of range for " + limitName + " " +
                     std::to_string(limit) + (allowIgnored ? " (negative ids mean ignored)" : ""));
    }
  }
}

}  // namespace

Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args args(info, "gather");
  FloatSpan table = args.floats(0, "table");
  IntSpan ids = args.ints(1, "ids");
  FloatSpan out = args.floats(2, "out");
  const int64_t vocab = args.size(3, "vocab");
  const int64_t dim = args.size(4, "dim");
  args.requireLength("table", table.length, checkedMul(args, vocab, dim));
  args.requireLength("out", out.length, checkedMul(args, ids.length, dim));
  checkIds(args, ids, vocab, "vocab size", false);
  parallelFor(ids.length, std::max<int64_t>(1, kCheapGrain / std::max<int64_t>(1, dim)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) std::copy_n(table.data + ids.data[i] * dim, dim, out.data + i * dim);
  });
  return info.Env().Undefined();
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAdd");
  FloatSpan dOut = args.floats(0, "dOut");
  IntSpan ids = args.ints(1, "ids");
  FloatSpan dTable = args.floats(2, "dTable");
  const int64_t vocab = args.size(3, "vocab");
  const int64_t dim = args.size(4, "dim");
  args.requireLength("dOut", dOut.length, checkedMul(args, ids.length, dim));
  args.requireLength("dTable", dTable.length, checkedMul(args, vocab, dim));
  checkIds(args, ids, vocab, "vocab size", false);
  // Repeated ids add into the same row, so threads split the columns, not the ids: no races, and every
  // element receives its additions in id order, like the reference.
  constexpr int64_t kColumns = 64;
  const int64_t blocks = (dim + kColumns - 1) / kColumns;
  parallelFor(blocks, std::max<int64_t>(1, kCheapGrain / std::max<int64_t>(1, ids.length * kColumns)), [&](int64_t begin, int64_t end) {
    const int64_t from = begin * kColumns, to = std::min(dim, end * kColumns);
    for (int64_t i = 0; i < ids.length; i++) {
      float* row = dTable.data + ids.data[i] * dim;
      const float* grad = dOut.data + i * dim;
      for (int64_t d = from; d < to; d++) row[d] += grad[d];
    }
  });
  return info.Env().Undefined();
}

Napi::Value Pick(const Napi::CallbackInfo& info) {
  Args args(info, "pick");
  FloatSpan x = args.floats(0, "x");
  IntSpan ids = args.ints(1, "ids");
  FloatSpan out = args.floats(2, "out");
  const int64_t rows = args.size(3, "rows");
  const int64_t cols = args.size(4, "cols");
  args.requireLength("x", x.length, checkedMul(args, rows, cols));
  args.requireLength("ids", ids.length, rows);
  args.requireLength("out", out.length, rows);
  checkIds(args, ids, cols, "cols", true);
  for (int64_t r = 0; r < rows; r++) out.data[r] = ids.data[r] < 0 ? 0.0f : x.data[r * cols + ids.data[r]];
  return info.Env().Undefined();
}

Napi::Value PickBackward(const Napi::CallbackInfo& info) {
  Args args(info, "pickBackward");
  FloatSpan dOut = args.floats(0, "dOut");
  IntSpan ids = args.ints(1, "ids");
  FloatSpan dx = args.floats(2, "dx");
  const int64_t rows = args.size(3, "rows");
  const int64_t cols = args.size(4, "cols");
  args.requireLength("dOut", dOut.length, rows);
  args.requireLength("ids", ids.length, rows);
  args.requireLength("dx", dx.length, checkedMul(args, rows, cols));
  checkIds(args, ids, cols, "cols", true);
  float* d = dx.data;
  parallelFor(dx.length, kCheapGrain, [&](int64_t begin, int64_t end) { std::fill(d + begin, d + end, 0.0f); });
  for (int64_t r = 0; r < rows; r++) if (ids.data[r] >= 0) d[r * cols + ids.data[r]] = dOut.data[r];
  return info.Env().Undefined();
}

Napi::Value NearestCode(const Napi::CallbackInfo& info) {
  Args args(info, "nearestCode");
  FloatSpan x = args.floats(0, "x");
  FloatSpan codebook = args.floats(1, "codebook");
  IntSpan out = args.ints(2, "out");
  const int64_t n = args.size(3, "n");
  const int64_t k = args.size(4, "k");
  const int64_t dim = args.size(5, "dim");
  args.requireLength("x", x.length, checkedMul(args, n, dim));
  args.requireLength("codebook", codebook.length, checkedMul(args, k, dim));
  args.requireLength("out", out.length, n);
  if (n == 0) return info.Env().Undefined();
  if (k == 0) args.failRange("the codebook is empty (k = 0)");
  if (k > INT32_MAX || dim > INT32_MAX) args.failRange("k or dim is too large for 32-bit BLAS");
  if (dim == 0) {
    std::fill(out.data, out.data + n, 0);
    return info.Env().Undefined();
  }
  // |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and |x|^2 is the same for every code, so each row's argmin is that
  // of |c|^2 - 2 x.c, with x.c for a block of rows from one sgemm.
  std::vector<float> codeNorms(k);
  for (int64_t c = 0; c < k; c++) codeNorms[c] = static_cast<float>(sumSquaresDouble(codebook.data + c * dim, dim, 0.0));
  const int workers = threadCount();
  std::vector<float> scratch(static_cast<size_t>(workers) * kCodeRowBlock * k);
  const int64_t blocks = (n + kCodeRowBlock - 1) / kCodeRowBlock;
  parallelItems(blocks, workers, [&](int64_t block, int worker) {
    const int64_t first = block * kCodeRowBlock;
    const int64_t rows = std::min(kCodeRowBlock, n - first);
    float* dots = scratch.data() + static_cast<size_t>(worker) * kCodeRowBlock * k;
    sgemmSerial(false, true, static_cast<int>(rows), static_cast<int>(k), static_cast<int>(dim), 1.0f, x.data + first * dim,
                static_cast<int>(dim), codebook.data, static_cast<int>(dim), 0.0f, dots, static_cast<int>(k));
    for (int64_t r = 0; r < rows; r++) {
      int32_t best = 0;
      float bestDistance = std::numeric_limits<float>::infinity();
      for (int64_t c = 0; c < k; c++) {
        const float distance = codeNorms[c] - 2.0f * dots[r * k + c];
        if (distance < bestDistance) {  // strict: ties keep the lower index; NaN never wins
          bestDistance = distance;
          best = static_cast<int32_t>(c);
        }
      }
      out.data[first + r] = best;
    }
  });
  return info.Env().Undefined();
}

}  // namespace genie
