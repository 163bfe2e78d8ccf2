#include "gemm.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "args.h"
#include "thread-pool.h"
#include "vector-math.h"

// Declared here rather than taken from <cblas.h>: Debian's cblas.h is an alternatives link that may point at
// another BLAS, while -lopenblas always gives OpenBLAS (LP64 build: 32-bit ints).
extern "C" {
enum CBLAS_ORDER_ { CblasRowMajor_ = 101 };
enum CBLAS_TRANSPOSE_ { CblasNoTrans_ = 111, CblasTrans_ = 112 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int threads);
}

namespace genie {

namespace {

// Below this many multiply-adds per task a product runs on one thread: 64^3 take about 5 us on one core,
// roughly what handing a task to a worker and joining it costs.
constexpr double kMinParallelWork = 64 * 64 * 64;
// A split block keeps at least this many rows or columns so the sgemm kernels stay efficient.
constexpr int64_t kMinSplitExtent = 32;
// k at least this many times m and n: split k rather than rows or columns (gemmSplitK).
constexpr int64_t kMinSplitKRatio = 8;

struct GemmShape {
  int64_t batch, m, n, k;
  bool transA, transB;
  float alpha, beta;
  int64_t lda, ldb, ldc, strideA, strideB, strideC, offsetA, offsetB, offsetC;
};

GemmShape readParams(const Args& args, const Napi::Object& p) {
  GemmShape g;
  g.batch = args.sizeField(p, "p", "batch");
  g.m = args.sizeField(p, "p", "m");
  g.n = args.sizeField(p, "p", "n");
  g.k = args.sizeField(p, "p", "k");
  g.transA = args.booleanField(p, "p", "transA");
  g.transB = args.booleanField(p, "p", "transB");
  g.alpha = static_cast<float>(args.numberField(p, "p", "alpha"));
  g.beta = static_cast<float>(args.numberField(p, "p", "beta"));
  g.lda = args.sizeField(p, "p", "lda");
  g.ldb = args.sizeField(p, "p", "ldb");
  g.ldc = args.sizeField(p, "p", "ldc");
  g.strideA = args.sizeField(p, "p", "strideA");
  g.strideB = args.sizeField(p, "p", "strideB");
  g.strideC = args.sizeField(p, "p", "strideC");
  g.offsetA = args.sizeField(p, "p", "offsetA");
  g.offsetB = args.sizeField(p, "p", "offsetB");
  g.offsetC = args.sizeField(p, "p", "offsetC");
  return g;
}

// Checks one stored operand (rows x cols with leading dimension ld) against its buffer.
void checkOperand(const Args& args, const char* name, const FloatSpan& buffer, int64_t batch, int64_t rows, int64_t cols,
                  int64_t ld, int64_t stride, int64_t offset, const char* ldName) {
  if (ld < cols) {
    args.failRange(std::string("p.") + ldName + " (" + std::to_string(ld) + ") must be >= " + std::to_string(cols) + ", the row length of " + name);
  }
  if (ld > INT_MAX || rows > INT_MAX || cols > INT_MAX) args.failRange(std::string(name) + " is too large for 32-bit BLAS");
  requireView(args, name, buffer.length, offset, {batch, rows, cols}, {stride, ld, 1});
}

// Element range [first, last] a view occupies, as addresses, to detect C overlapping an input.
bool viewsOverlap(const float* a, const OffsetRange& ra, const float* b, const OffsetRange& rb) {
  const float* aFirst = a + ra.lowest;
  const float* aLast = a + ra.highest;
  const float* bFirst = b + rb.lowest;
  const float* bLast = b + rb.highest;
  return aFirst <= bLast && bFirst <= aLast;
}

// C = alpha op(A) op(B) + beta C on [rowBegin, rowEnd) x [colBegin, colEnd) of one batch item.
void gemmBlock(const GemmShape& g, const float* a, const float* b, float* c, int64_t rowBegin, int64_t rowEnd, int64_t colBegin,
               int64_t colEnd) {
  const float* aBlock = a + (g.transA ? rowBegin : rowBegin * g.lda);
  const float* bBlock = b + (g.transB ? colBegin * g.ldb : colBegin);
  float* cBlock = c + rowBegin * g.ldc + colBegin;
  sgemmSerial(g.transA, g.transB, static_cast<int>(rowEnd - rowBegin), static_cast<int>(colEnd - colBegin), static_cast<int>(g.k),
              g.alpha, aBlock, static_cast<int>(g.lda), bBlock, static_cast<int>(g.ldb), g.beta, cBlock, static_cast<int>(g.ldc));
}

// A long reduction into a small C (a weight gradient: k = the rows of the batch, m x n = the weight) gives
// too few row or column blocks to split well (96 x 96 x 8192: 3 column blocks of 32 for 2 threads, 115
// GFLOP/s). Split k instead: each thread multiplies one slab of k, into C (the first, with beta) or into its
// own partial, and the partials are added in order, so the result does not depend on timing.
void gemmSplitK(const GemmShape& g, const float* a, const float* b, float* c, int threads) {
  const int64_t slab = (g.k + threads - 1) / threads;
  const int64_t size = g.m * g.n;
  std::vector<float> partials(static_cast<size_t>((threads - 1) * size));
  parallelFor(threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      const int64_t from = std::min(g.k, t * slab);
      const int64_t to = std::min(g.k, from + slab);
      const float* aSlab = a + (g.transA ? from * g.lda : from);  // k runs down A's rows when transposed
      const float* bSlab = b + (g.transB ? from : from * g.ldb);
      float* out = t == 0 ? c : partials.data() + (t - 1) * size;
      sgemmSerial(g.transA, g.transB, static_cast<int>(g.m), static_cast<int>(g.n), static_cast<int>(to - from), g.alpha, aSlab,
                  static_cast<int>(g.lda), bSlab, static_cast<int>(g.ldb), t == 0 ? g.beta : 0.0f, out, static_cast<int>(t == 0 ? g.ldc : g.n));
    }
  });
  for (int t = 1; t < threads; t++) {
    const float* partial = partials.data() + (t - 1) * size;
    for (int64_t i = 0; i < g.m; i++) {
      for (int64_t j = 0; j < g.n; j++) c[i * g.ldc + j] += partial[i * g.n + j];
    }
  }
}

// With k = 0 the product is empty and C = beta C (beta 0 writes zeros without reading C).
void scaleC(const GemmShape& g, float* c) {
  for (int64_t t = 0; t < g.batch; t++) {
    for (int64_t i = 0; i < g.m; i++) {
      float* row = c + g.offsetC + t * g.strideC + i * g.ldc;
      for (int64_t j = 0; j < g.n; j++) row[j] = g.beta == 0.0f ? 0.0f : g.beta * row[j];
    }
  }
}

}  // namespace

void initGemm() { openblas_set_num_threads(1); }

namespace {

// Products this small cost less as plain loops than as BLAS calls, whose fixed overhead dominates them:
// temporal attention over the tokenizer's 4-frame windows (8,192 products of 4 x 4 x 24 per call) went from
// 18.6 to 7.8 ms forward + backward. From 16 x 16 x 32 (the dynamics model's 16 frames) BLAS is faster again,
// and for single rows (one query frame at play time) BLAS's own matrix-vector path is.
constexpr int64_t kMaxLoopProduct = 8 * 8 * 64;

// C = alpha op(A) op(B) + beta C with loops whose innermost axis is contiguous, so the compiler vectorises
// them: dot products for A B^T, row updates (axpy) for A B and A^T B. A^T B^T never comes this way.
void sgemmLoops(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc) {
  for (int i = 0; i < m; i++) {
    float* row = c + static_cast<int64_t>(i) * ldc;
    for (int j = 0; j < n; j++) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
  }
  if (transB) {
    for (int i = 0; i < m; i++) {
      const float* aRow = a + static_cast<int64_t>(i) * lda;
      float* row = c + static_cast<int64_t>(i) * ldc;
      for (int j = 0; j < n; j++) row[j] += alpha * dotFloat(aRow, b + static_cast<int64_t>(j) * ldb, k);
    }
    return;
  }
  for (int i = 0; i < m; i++) {
    float* row = c + static_cast<int64_t>(i) * ldc;
    for (int l = 0; l < k; l++) {
      const float scale = alpha * (transA ? a[static_cast<int64_t>(l) * lda + i] : a[static_cast<int64_t>(i) * lda + l]);
      const float* bRow = b + static_cast<int64_t>(l) * ldb;
      for (int j = 0; j < n; j++) row[j] += scale * bRow[j];
    }
  }
}

}  // namespace

void sgemmSerial(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc) {
  if (m > 1 && static_cast<int64_t>(m) * n * k <= kMaxLoopProduct && !(transA && transB)) {
    sgemmLoops(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor_, transA ? CblasTrans_ : CblasNoTrans_, transB ? CblasTrans_ : CblasNoTrans_, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm");
  GemmShape g = readParams(args, args.object(0, "p"));
  FloatSpan a = args.floats(1, "a");
  FloatSpan b = args.floats(2, "b");
  FloatSpan c = args.floats(3, "c");
  if (g.batch == 0 || g.m == 0 || g.n == 0) return info.Env().Undefined();

  if (g.ldc < g.n) args.failRange("p.ldc (" + std::to_string(g.ldc) + ") must be >= n (" + std::to_string(g.n) + ")");
  if (g.ldc > INT_MAX || g.m > INT_MAX || g.n > INT_MAX) args.failRange("c is too large for 32-bit BLAS");
  requireView(args, "c", c.length, g.offsetC, {g.batch, g.m, g.n}, {g.strideC, g.ldc, 1});
  if (g.k == 0) {
    scaleC(g, c.data);
    return info.Env().Undefined();
  }
  checkOperand(args, "a", a, g.batch, g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.lda, g.strideA, g.offsetA, "lda");
  checkOperand(args, "b", b, g.batch, g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.ldb, g.strideB, g.offsetB, "ldb");

  OffsetRange cRange = offsetRange(args, g.offsetC, {g.batch, g.m, g.n}, {g.strideC, g.ldc, 1});
  OffsetRange aRange = offsetRange(args, g.offsetA, {g.batch, g.transA ? g.k : g.m, g.transA ? g.m : g.k}, {g.strideA, g.lda, 1});
  OffsetRange bRange = offsetRange(args, g.offsetB, {g.batch, g.transB ? g.n : g.k, g.transB ? g.k : g.n}, {g.strideB, g.ldb, 1});
  if (viewsOverlap(c.data, cRange, a.data, aRange)) args.fail("c overlaps a; the output must not share elements with an input");
  if (viewsOverlap(c.data, cRange, b.data, bRange)) args.fail("c overlaps b; the output must not share elements with an input");

  // Tasks are (batch item, block of rows or columns). Items run in parallel only when their C blocks are
  // disjoint; otherwise (strideC 0 accumulating a broadcast operand's gradient) items run in order and only
  // the blocks of each item are parallel, which keeps the reference's sequential semantics.
  const int threads = threadCount();
  const double itemWork = static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  if (g.batch == 1 && threads > 1 && g.k >= kMinSplitKRatio * std::max(g.m, g.n) && itemWork >= kMinParallelWork * threads) {
    gemmSplitK(g, a.data + g.offsetA, b.data + g.offsetB, c.data + g.offsetC, threads);
    return info.Env().Undefined();
  }
  const bool itemsDisjoint = viewIsOneToOne({g.batch, g.m, g.n}, {g.strideC, g.ldc, 1});
  const int64_t parallelItems = itemsDisjoint ? g.batch : 1;
  const bool splitColumns = g.n >= g.m;
  const int64_t extent = splitColumns ? g.n : g.m;
  // Few items: split each into column (or row) blocks, two per thread, so a thread slowed down by another
  // process leaves blocks for the others to take.
  int64_t parts = 1;
  if (parallelItems < 4 * threads) parts = std::min<int64_t>(2 * threads, std::max<int64_t>(1, extent / kMinSplitExtent));
  const int64_t blockExtent = (extent + parts - 1) / parts;
  const double taskWork = itemWork / static_cast<double>(parts);
  const int64_t grain = taskWork >= kMinParallelWork ? 1 : static_cast<int64_t>(kMinParallelWork / taskWork);

  auto runTasks = [&](int64_t firstItem, int64_t items) {
    parallelFor(items * parts, grain, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; task++) {
        int64_t item = firstItem + task / parts;
        int64_t from = (task % parts) * blockExtent;
        int64_t to = std::min(extent, from + blockExtent);
        const float* aItem = a.data + g.offsetA + item * g.strideA;
        const float* bItem = b.data + g.offsetB + item * g.strideB;
        float* cItem = c.data + g.offsetC + item * g.strideC;
        if (splitColumns) gemmBlock(g, aItem, bItem, cItem, 0, g.m, from, to);
        else gemmBlock(g, aItem, bItem, cItem, from, to, 0, g.n);
      }
    });
  };
  if (itemsDisjoint) runTasks(0, g.batch);
  else for (int64_t item = 0; item < g.batch; item++) runTasks(item, 1);
  return info.Env().Undefined();
}

}  // namespace genie
