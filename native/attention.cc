// Fused scaled-dot-product attention over strided (G1, G2, L, H, Dh) views (AttentionParams in
// src/engine/kernels.ts). Work is split over (group, head) pairs; each pair multiplies its strided slices
// with single-threaded sgemm. Queries go in blocks of kQueryBlock rows, so scratch is kQueryBlock x Lk per
// worker, never L x L per head. Backward recomputes the probabilities from the saved log-sum-exp.
#include "attention.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "bf16.h"
#include "gemm.h"
#include "softmax-norm.h"
#include "thread-pool.h"
#include "vector-math.h"

#ifdef GENIE_BF16
#include <immintrin.h>
#endif

namespace genie {

namespace {

constexpr int64_t kQueryBlock = 64;
// Below this many multiply-adds in total the kernel stays on one thread.
constexpr int64_t kMinParallelWork = 1 << 18;

AttentionStrides readStrides(const Args& args, const Napi::Object& p, const char* name) {
  Napi::Object s = args.objectField(p, "p", name);
  std::string prefix = std::string("p.") + name;
  return {args.sizeField(s, prefix.c_str(), "g1"), args.sizeField(s, prefix.c_str(), "g2"), args.sizeField(s, prefix.c_str(), "row")};
}

AttentionLayout readParams(const Args& args, const Napi::Object& p) {
  AttentionLayout a;
  a.g1 = args.sizeField(p, "p", "g1");
  a.g2 = args.sizeField(p, "p", "g2");
  a.lq = args.sizeField(p, "p", "lq");
  a.lk = args.sizeField(p, "p", "lk");
  a.heads = args.sizeField(p, "p", "heads");
  a.headDim = args.sizeField(p, "p", "headDim");
  a.causal = args.booleanField(p, "p", "causal");
  a.scale = static_cast<float>(args.numberField(p, "p", "scale"));
  a.q = readStrides(args, p, "q");
  a.k = readStrides(args, p, "k");
  a.v = readStrides(args, p, "v");
  a.o = readStrides(args, p, "o");
  checkedMul(args, checkedMul(args, checkedMul(args, a.pairs(), a.lq), a.lk), a.headDim);
  if (a.lq > 0 && a.lk == 0) args.failRange("lk is 0: queries have no keys to attend to");
  if (a.headDim == 0) args.failRange("headDim is 0");
  if (a.causal && a.lq > a.lk) {
    args.failRange("causal attention needs lq <= lk (got lq " + std::to_string(a.lq) + ", lk " + std::to_string(a.lk) +
                   "): the first queries would see no key");
  }
  if (a.headDim > INT32_MAX / 2 || a.lk > INT32_MAX / 2 || a.q.row > INT32_MAX || a.k.row > INT32_MAX || a.v.row > INT32_MAX ||
      a.o.row > INT32_MAX) {
    args.failRange("sizes too large for 32-bit BLAS");
  }
  return a;
}

std::vector<int64_t> viewShape(const AttentionLayout& a, int64_t rows) { return {a.g1, a.g2, rows, a.width()}; }
std::vector<int64_t> viewStrides(const AttentionStrides& s) { return {s.g1, s.g2, s.row, 1}; }

// Checks that a buffer holds the view; outputs must also give every element one index (no overlaps), so
// that pairs can be written in parallel.
void checkView(const Args& args, const char* name, const FloatSpan& buffer, const AttentionLayout& a, const char* layoutName, const AttentionStrides& s,
               int64_t rows, bool isOutput) {
  if (s.row < a.width()) {
    args.failRange(std::string("p.") + layoutName + ".row (" + std::to_string(s.row) + ") is smaller than heads * headDim (" +
                   std::to_string(a.width()) + ")");
  }
  requireView(args, name, buffer.length, 0, viewShape(a, rows), viewStrides(s));
  if (isOutput && !viewIsOneToOne(viewShape(a, rows), viewStrides(s))) {
    args.failRange(std::string(name) + ": the strides make distinct elements share memory, which an output cannot do");
  }
}

void requireSeparate(const Args& args, const char* outName, const FloatSpan& out, const char* inName, const FloatSpan& in) {
  if (buffersOverlap(out.data, out.length * 4, in.data, in.length * 4)) {
    args.fail(std::string(outName) + " shares memory with " + inName + "; outputs must be separate buffers");
  }
}

#ifdef GENIE_BF16
// Softmax of row[0:visible] (scores, overwritten) rounded to bf16 into dst, zero-padded to `length`: one
// pass for the maximum, one for the exponentials and their sum (16 float lanes, a fixed order).
void softmaxToBf16(float* row, int64_t visible, uint16_t* dst, int64_t length) {
  if (visible == 0) {
    std::fill(dst, dst + length, uint16_t{0});
    return;
  }
  bf16RoundRow(row, visible, 1.0f / expShiftedInPlace(row, visible), dst, length);
}
#endif

// The arguments (p, q, k, v, out) that both forward kernels start with.
struct Forward {
  AttentionLayout a;
  FloatSpan q, k, v, out;
};

Forward readForward(const Args& args) {
  return {readParams(args, args.object(0, "p")), args.floats(1, "q"), args.floats(2, "k"), args.floats(3, "v"), args.floats(4, "out")};
}

// The views of a forward call (when it has work), and an output apart from its inputs.
void checkForward(const Args& args, const Forward& f) {
  const AttentionLayout& a = f.a;
  checkView(args, "q", f.q, a, "q", a.q, a.lq, false);
  checkView(args, "k", f.k, a, "k", a.k, a.lk, false);
  checkView(args, "v", f.v, a, "v", a.v, a.lk, false);
  checkView(args, "out", f.out, a, "o", a.o, a.lq, true);
  for (auto [name, input] : {std::pair{"q", f.q}, {"k", f.k}, {"v", f.v}}) requireSeparate(args, "out", f.out, name, input);
}

// Pointers to one (group, head) pair's slices.
struct Pair {
  int64_t qBase, kBase, vBase, oBase, lseBase;
};

Pair locate(const AttentionLayout& a, int64_t pair) {
  const int64_t h = pair % a.heads;
  const int64_t group = pair / a.heads;
  const int64_t i1 = group / a.g2, i2 = group % a.g2;
  const int64_t head = h * a.headDim;
  return {i1 * a.q.g1 + i2 * a.q.g2 + head, i1 * a.k.g1 + i2 * a.k.g2 + head, i1 * a.v.g1 + i2 * a.v.g2 + head,
          i1 * a.o.g1 + i2 * a.o.g2 + head, pair * a.lq};
}

// Keys query i may see: j < visibleKeys(i).
int64_t visibleKeys(const AttentionLayout& a, int64_t i) { return a.causal ? std::min(a.lk, i + (a.lk - a.lq) + 1) : a.lk; }

int workersFor(const AttentionLayout& a) {
  return a.pairs() * a.lq * a.lk * a.headDim < kMinParallelWork ? 1 : threadCount();
}

// scores (rows x keys) = scale * Q[first:first+rows] K[0:keys]^T.
void scores(const AttentionLayout& a, const float* q, const float* k, const Pair& at, int64_t first, int64_t rows, int64_t keys,
            float* out) {
  sgemmSerial(false, true, static_cast<int>(rows), static_cast<int>(keys), static_cast<int>(a.headDim), a.scale,
              q + at.qBase + first * a.q.row, static_cast<int>(a.q.row), k + at.kBase, static_cast<int>(a.k.row), 0.0f, out,
              static_cast<int>(keys));
}

}  // namespace

void attendFloat(const AttentionLayout& a, const float* q, const float* k, const float* v, float* out, float* lse) {
  const int workers = workersFor(a);
  const int64_t blocks = (a.lq + kQueryBlock - 1) / kQueryBlock;
  std::vector<float> scratch(static_cast<size_t>(workers) * kQueryBlock * a.lk);
  parallelItems(a.pairs() * blocks, workers, [&](int64_t item, int worker) {
    const Pair at = locate(a, item / blocks);
    const int64_t first = (item % blocks) * kQueryBlock;
    const int64_t rows = std::min(kQueryBlock, a.lq - first);
    const int64_t keys = visibleKeys(a, first + rows - 1);  // the block's last query sees the most keys
    float* probs = scratch.data() + static_cast<size_t>(worker) * kQueryBlock * a.lk;
    scores(a, q, k, at, first, rows, keys, probs);
    for (int64_t r = 0; r < rows; r++) {
      float* row = probs + r * keys;
      const int64_t visible = visibleKeys(a, first + r);
      const float rowLse = softmaxRow(row, row, visible);
      if (lse) lse[at.lseBase + first + r] = rowLse;
      std::fill(row + visible, row + keys, 0.0f);
    }
    sgemmSerial(false, false, static_cast<int>(rows), static_cast<int>(a.headDim), static_cast<int>(keys), 1.0f, probs,
                static_cast<int>(keys), v + at.vBase, static_cast<int>(a.v.row), 0.0f, out + at.oBase + first * a.o.row,
                static_cast<int>(a.o.row));
  });
}

Napi::Value Attention(const Napi::CallbackInfo& info) {
  Args args(info, "attention");
  const Forward f = readForward(args);
  const AttentionLayout& a = f.a;
  FloatSpan lse = args.floats(5, "lse");
  args.requireLength("lse", lse.length, a.pairs() * a.lq);
  if (a.pairs() * a.lq == 0) return info.Env().Undefined();
  checkForward(args, f);
  for (auto [name, input] : {std::pair{"q", f.q}, {"k", f.k}, {"v", f.v}}) requireSeparate(args, "lse", lse, name, input);
  requireSeparate(args, "out", f.out, "lse", lse);
  attendFloat(a, f.q.data, f.k.data, f.v.data, f.out.data, lse.data);
  return info.Env().Undefined();
}

// Forward only, for inference: bf16 products (bf16.h: AMX tiles or AVX512-BF16), softmax in fp32. Per (group, head)
// pair, K and V are packed once; queries go in blocks of 32 rows. No lse: nothing runs backward.
#ifdef GENIE_BF16
void attendBf16(const AttentionLayout& a, const float* q, const float* k, const float* v, float* out) {
  const int workers = workersFor(a);
  const int64_t keysLength = bf16RowLength(a.lk);  // scores and probabilities rows, padded to whole tiles
  const int64_t queryLength = bf16RowLength(a.headDim);
  const int64_t packedKeys = bf16PackedLength(a.lk, a.headDim), packedValues = bf16PackedLength(a.headDim, a.lk);
  const int64_t perWorker = packedKeys + packedValues + kBf16Block * (queryLength + keysLength);
  std::vector<uint16_t> scratch(static_cast<size_t>(workers * perWorker));
  std::vector<float> scores(static_cast<size_t>(workers * kBf16Block * keysLength));
  parallelItems(a.pairs(), workers, [&](int64_t pair, int worker) {
    const Pair at = locate(a, pair);
    uint16_t* keys = scratch.data() + worker * perWorker;
    uint16_t* values = keys + packedKeys;
    uint16_t* queries = values + packedValues;
    uint16_t* probs = queries + kBf16Block * queryLength;
    float* rows = scores.data() + static_cast<size_t>(worker) * kBf16Block * keysLength;
    bf16Pack(k + at.kBase, a.lk, a.headDim, a.k.row, 1, keys);      // scores = Q K^T: B = K^T
    bf16Pack(v + at.vBase, a.headDim, a.lk, 1, a.v.row, values);    // out = P V: B = V
    for (int64_t first = 0; first < a.lq; first += kBf16Block) {
      const int64_t count = std::min(kBf16Block, a.lq - first);
      const int64_t visibleMost = visibleKeys(a, first + count - 1);
      bf16RoundRows(q + at.qBase + first * a.q.row, count, a.headDim, a.q.row, a.scale, queries, queryLength);
      bf16MultiplyBlock(queries, queryLength, keys, visibleMost, a.headDim, count, nullptr, rows, keysLength);
      // Rows past `count` stay zero.
      for (int64_t r = 0; r < kBf16Block; r++) {
        softmaxToBf16(rows + r * keysLength, r < count ? visibleKeys(a, first + r) : 0, probs + r * keysLength, keysLength);
      }
      bf16MultiplyBlock(probs, keysLength, values, a.headDim, a.lk, count, nullptr, out + at.oBase + first * a.o.row, a.o.row);
    }
  });
}
#endif

Napi::Value AttentionBf16(const Napi::CallbackInfo& info) {
  Args args(info, "attentionBf16");
  const Forward f = readForward(args);
  if (f.a.pairs() * f.a.lq == 0) return info.Env().Undefined();
  checkForward(args, f);
  requireBf16(args);
#ifdef GENIE_BF16
  attendBf16(f.a, f.q.data, f.k.data, f.v.data, f.out.data);
#endif
  return info.Env().Undefined();
}

Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Args args(info, "attentionBackward");
  const AttentionLayout a = readParams(args, args.object(0, "p"));
  FloatSpan q = args.floats(1, "q");
  FloatSpan k = args.floats(2, "k");
  FloatSpan v = args.floats(3, "v");
  FloatSpan out = args.floats(4, "out");
  FloatSpan lse = args.floats(5, "lse");
  FloatSpan dOut = args.floats(6, "dOut");
  FloatSpan dq = args.floats(7, "dq");
  FloatSpan dk = args.floats(8, "dk");
  FloatSpan dv = args.floats(9, "dv");
  args.requireLength("lse", lse.length, a.pairs() * a.lq);
  if (a.pairs() * a.lq == 0) return info.Env().Undefined();
  checkView(args, "q", q, a, "q", a.q, a.lq, false);
  checkView(args, "k", k, a, "k", a.k, a.lk, false);
  checkView(args, "v", v, a, "v", a.v, a.lk, false);
  checkView(args, "out", out, a, "o", a.o, a.lq, false);
  checkView(args, "dOut", dOut, a, "o", a.o, a.lq, false);
  checkView(args, "dq", dq, a, "q", a.q, a.lq, true);
  checkView(args, "dk", dk, a, "k", a.k, a.lk, true);
  checkView(args, "dv", dv, a, "v", a.v, a.lk, true);
  const std::pair<const char*, FloatSpan> inputs[] = {{"q", q}, {"k", k}, {"v", v}, {"out", out}, {"lse", lse}, {"dOut", dOut}};
  const std::pair<const char*, FloatSpan> grads[] = {{"dq", dq}, {"dk", dk}, {"dv", dv}};
  for (const auto& [gradName, grad] : grads) {
    for (const auto& [inputName, input] : inputs) requireSeparate(args, gradName, grad, inputName, input);
  }
  requireSeparate(args, "dq", dq, "dk", dk);
  requireSeparate(args, "dq", dq, "dv", dv);
  requireSeparate(args, "dk", dk, "dv", dv);

  const int workers = workersFor(a);
  const size_t blockSize = static_cast<size_t>(kQueryBlock) * a.lk;
  std::vector<float> scratch(static_cast<size_t>(workers) * 2 * blockSize);
  const int dh = static_cast<int>(a.headDim);
  parallelItems(a.pairs(), workers, [&](int64_t pair, int worker) {
    const Pair at = locate(a, pair);
    float* probs = scratch.data() + static_cast<size_t>(worker) * 2 * blockSize;
    float* dProbs = probs + blockSize;
    float* dkPair = dk.data + at.kBase;
    float* dvPair = dv.data + at.vBase;
    // dK and dV collect contributions from every query block, so they start at zero.
    for (int64_t j = 0; j < a.lk; j++) {
      std::fill(dkPair + j * a.k.row, dkPair + j * a.k.row + a.headDim, 0.0f);
      std::fill(dvPair + j * a.v.row, dvPair + j * a.v.row + a.headDim, 0.0f);
    }
    for (int64_t first = 0; first < a.lq; first += kQueryBlock) {
      const int64_t rows = std::min(kQueryBlock, a.lq - first);
      const int64_t keys = visibleKeys(a, first + rows - 1);
      const int n = static_cast<int>(keys), m = static_cast<int>(rows);
      const float* qBlock = q.data + at.qBase + first * a.q.row;
      const float* dOutBlock = dOut.data + at.oBase + first * a.o.row;
      // P = exp(scale Q K^T - lse), zero where masked.
      scores(a, q.data, k.data, at, first, rows, keys, probs);
      for (int64_t r = 0; r < rows; r++) {
        float* row = probs + r * keys;
        const float rowLse = lse.data[at.lseBase + first + r];
        const int64_t visible = visibleKeys(a, first + r);
        for (int64_t j = 0; j < visible; j++) row[j] = fastExp(row[j] - rowLse);
        std::fill(row + visible, row + keys, 0.0f);
      }
      // dV += P^T dO;  dP = dO V^T.
      sgemmSerial(true, false, n, dh, m, 1.0f, probs, n, dOutBlock, static_cast<int>(a.o.row), 1.0f, dvPair, static_cast<int>(a.v.row));
      sgemmSerial(false, true, m, n, dh, 1.0f, dOutBlock, static_cast<int>(a.o.row), v.data + at.vBase, static_cast<int>(a.v.row), 0.0f,
                  dProbs, n);
      // dS = scale * P * (dP - rowsum(dO * O)), since rowsum(P * dP) = dO . O.
      for (int64_t r = 0; r < rows; r++) {
        const float* outRow = out.data + at.oBase + (first + r) * a.o.row;
        const float rowDot = dotFloat(dOutBlock + r * a.o.row, outRow, a.headDim);
        const float* p = probs + r * keys;
        float* ds = dProbs + r * keys;
        for (int64_t j = 0; j < keys; j++) ds[j] = a.scale * p[j] * (ds[j] - rowDot);
      }
      // dQ = dS K;  dK += dS^T Q.
      sgemmSerial(false, false, m, dh, n, 1.0f, dProbs, n, k.data + at.kBase, static_cast<int>(a.k.row), 0.0f,
                  dq.data + at.qBase + first * a.q.row, static_cast<int>(a.q.row));
      sgemmSerial(true, false, n, dh, m, 1.0f, dProbs, n, qBlock, static_cast<int>(a.q.row), 1.0f, dkPair, static_cast<int>(a.k.row));
    }
  });
  return info.Env().Undefined();
}

}  // namespace genie
