// One ST block of src/models/st-transformer.ts over ONE new frame per clip, for inference: the MaskGIT steps
// and cache writes of generation (src/models/sample.ts). Op by op, a block is ~40 kernel calls, with
// allocations and JS between them; here it is three parallel passes, and the activations of a task's rows
// (32 tokens in bf16, up to 128 in fp32: rowsPerTask) stay in cache from one layer to the next:
//   1. per task of rows of the (B*N, D) residual stream: spatial LayerNorm, qkv, QK-norm, into one (B*N, 3I)
//      buffer;
//   2. per (clip, head): spatial attention over the frame's N tokens (attention.cc);
//   3. per task of rows: proj + residual; temporal LayerNorm, qkv, QK-norm; this frame's keys and values into the
//      KV cache after the `held` frames; attention over the held frames and this one at each token (float
//      arithmetic, as op by op: a single query is less than a tile); proj + residual; FFN LayerNorm, fc1,
//      GELU, fc2 + residual.
// In bf16 the temporal attention reads the held frames from a bf16 copy of the cache (`packed`, converted
// here as frames arrive; attendFrames): per clip, token and head, the keys transposed and the values, 1 KB
// each, in half the bytes. The fp32 cache, (B, capacity, N, I) as op by op reads it, is 24 MB in the
// shipped world, read whole at every MaskGIT step, and temporal attention from it took 15% of a play frame
// for ~1% of its arithmetic.
// Given `rows` (the last block of a MaskGIT step, which needs the outputs of the masked tokens only),
// passes 2 and 3 run on those rows alone; every row still gives its spatial keys and values in pass 1.
// Three arithmetics:
// - fp32 (p.bf16 false), on any CPU: the op-by-op kernels' own row code (sgemm products, LayerNorm in double
//   sums, exact GELU, attention.cc's fp32 attention), so it differs from op by op only in the order of a few
//   float sums.
// - bf16 (p.bf16 true; AMX or AVX512-BF16): products round their inputs to bf16 where withPrecision('bf16')
//   does op by op. LayerNorm sums in float, the temporal softmax is in float and GELU's erf is a rational
//   fit (geluRational), with AVX-512 code: each is far below what the bf16 rounding of the next product
//   resolves, so the paths differ by a bf16 rounding here and there.
// - int8 (p.int8 with p.bf16; AVX512-VNNI, opt-in): bf16 with the linear layers' products in int8 (int8.cc:
//   each weight column and each row of a product's input quantized to 8 bits at its own scale), which
//   rounds more coarsely than bf16.
// st-transformer.test.ts compares each with op by op.
#include "st-block.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "args.h"
#include "attention.h"
#include "bf16.h"
#include "gemm.h"
#include "int8.h"
#include "softmax-norm.h"
#include "thread-pool.h"
#include "vector-math.h"

namespace genie {

namespace {

// Frames the cache's bf16 copy holds per token: one 16-lane vector (a cache of at most 16 frames).
constexpr int64_t kPackedFrames = 16;

struct Norm {
  const float* weight;  // null: none
  const float* bias;
  double eps;
};

struct Linear {
  int64_t in, out;
  const uint16_t* packed;  // bf16: made by bf16Pack
  const uint8_t* int8;     // int8 (bf16 arithmetic otherwise): made by int8Pack
  const float* weight;     // fp32: (out, in)
  const float* bias;  // null: none; in bf16 whole 32-column blocks (bf16MultiplyBlock), else a padded copy in `padded`
  std::vector<float> padded;
};

struct AttentionWeights {
  Norm norm;
  Linear qkv;
  Norm qNorm, kNorm;
  Linear proj;
};

struct Block {
  int64_t batch, tokens, width, heads, headDim, hidden, capacity, held;
  bool bf16;
  bool int8;  // bf16 arithmetic with the linear layers' products in int8
  AttentionWeights spatial, temporal;
  Norm ffnNorm;
  Linear fc1, fc2;
  // The rows of x whose outputs are computed, ascending; null: all. Only they get keys and values in
  // the cache, so a step that commits its frame gives none.
  const int32_t* outputRows = nullptr;
  int64_t outputCount = 0;
  // bf16 only, where given: the cache's bf16 copy (attendFrames), of which the first packedFrames frames are
  // converted.
  uint16_t* packedKeys = nullptr;
  uint16_t* packedValues = nullptr;
  int64_t packedFrames = 0;

  int64_t inner() const { return heads * headDim; }
  int64_t rows() const { return batch * tokens; }
  int64_t outputs() const { return outputRows ? outputCount : rows(); }
  int64_t outputRow(int64_t i) const { return outputRows ? outputRows[i] : i; }
};

Norm readNorm(const Args& args, const Napi::Object& w, const char* field, int64_t width) {
  const std::string name = std::string("w.") + field;
  const Napi::Object norm = args.objectField(w, "w", field);
  const FloatSpan weight = args.floatsField(norm, name.c_str(), "weight", true);
  const FloatSpan bias = args.floatsField(norm, name.c_str(), "bias", true);
  if (weight.data) args.requireLength((name + ".weight").c_str(), weight.length, width);
  if (bias.data) args.requireLength((name + ".bias").c_str(), bias.length, width);
  const double eps = args.numberField(norm, name.c_str(), "eps");
  if (!(eps >= 0.0) || !std::isfinite(eps)) args.failRange(name + ".eps must be a finite number >= 0");
  return {weight.data, bias.data, eps};
}

// A linear layer's weight: packed for int8 or bf16, or as it is (fp32).
Linear readLinear(const Args& args, const Napi::Object& w, const char* field, int64_t in, int64_t out, const Block& b) {
  const std::string name = std::string("w.") + field;
  const Napi::Object linear = args.objectField(w, "w", field);
  Linear layer{in, out, nullptr, nullptr, nullptr, nullptr, {}};
  const bool bf16 = b.bf16;
  if (b.int8) {
    const Uint8Span packed = args.uint8sField(linear, name.c_str(), "int8");
    args.requireLength((name + ".int8").c_str(), packed.length, checkedInt8Length(args, out, in));
    layer.int8 = packed.data;
  } else if (bf16) {
    const Uint16Span packed = args.uint16sField(linear, name.c_str(), "packed");
    args.requireLength((name + ".packed").c_str(), packed.length, checkedPackedLength(args, out, in));
    layer.packed = packed.data;
  } else {
    const FloatSpan weight = args.floatsField(linear, name.c_str(), "weight");
    args.requireLength((name + ".weight").c_str(), weight.length, checkedMul(args, out, in));
    layer.weight = weight.data;
  }
  const FloatSpan bias = args.floatsField(linear, name.c_str(), "bias", true);
  if (bias.data) args.requireLength((name + ".bias").c_str(), bias.length, out);
  layer.bias = bias.data;
  if (bf16 && bias.data && out % kBf16Block != 0) {
    layer.padded = bf16PaddedBias(bias.data, out);
    layer.bias = layer.padded.data();
  }
  return layer;
}

AttentionWeights readAttention(const Args& args, const Napi::Object& w, const char* prefix, const Block& b) {
  const std::string p(prefix);
  return {readNorm(args, w, (p + "Norm").c_str(), b.width), readLinear(args, w, (p + "Qkv").c_str(), b.width, 3 * b.inner(), b),
          readNorm(args, w, (p + "QNorm").c_str(), b.headDim), readNorm(args, w, (p + "KNorm").c_str(), b.headDim),
          readLinear(args, w, (p + "Proj").c_str(), b.inner(), b.width, b)};
}

Block readBlock(const Args& args) {
  const Napi::Object p = args.object(0, "p");
  Block b;
  b.batch = args.sizeField(p, "p", "batch");
  b.tokens = args.sizeField(p, "p", "tokens");
  b.width = args.sizeField(p, "p", "width");
  b.heads = args.sizeField(p, "p", "heads");
  b.headDim = args.sizeField(p, "p", "headDim");
  b.hidden = args.sizeField(p, "p", "hidden");
  b.capacity = args.sizeField(p, "p", "capacity");
  b.held = args.sizeField(p, "p", "held");
  b.bf16 = args.booleanField(p, "p", "bf16");
  b.int8 = args.booleanField(p, "p", "int8");
  if (b.int8 && !b.bf16) args.fail("p.int8 needs p.bf16: int8 products run inside the bf16 arithmetic");
  for (auto [value, name] : {std::pair{b.width, "width"}, {b.heads, "heads"}, {b.headDim, "headDim"}, {b.hidden, "hidden"}}) {
    if (value == 0 || value > (1 << 16)) args.failRange(std::string("p.") + name + " must be in 1..65536");
  }
  if (b.held >= b.capacity) {
    args.failRange("p.held (" + std::to_string(b.held) + ") leaves no room in a cache of " + std::to_string(b.capacity) + " frames");
  }
  const Napi::Object w = args.object(4, "w");
  b.spatial = readAttention(args, w, "spatial", b);
  b.temporal = readAttention(args, w, "temporal", b);
  b.ffnNorm = readNorm(args, w, "ffnNorm", b.width);
  b.fc1 = readLinear(args, w, "fc1", b.width, b.hidden, b);
  b.fc2 = readLinear(args, w, "fc2", b.hidden, b.width, b);
  return b;
}

// Rows per task of a row pass over `count` rows: bf16 products take blocks of 32 rows. In fp32 each sgemm
// call packs the layer's weight anew (14% of an fp32 play frame at 32 rows a call), so a task takes up to
// kMaxFloatTask rows, the pass spread evenly over the workers: a frame 308 -> 276 ms on 2 threads.
constexpr int64_t kMaxFloatTask = 128;

int64_t rowsPerTask(const Block& b, int64_t count, int workers) {
  if (b.bf16) return kBf16Block;
  return std::clamp<int64_t>((count + workers - 1) / workers, 1, kMaxFloatTask);
}

// One worker's buffers for the row passes (one task's rows at a time), kept by the calling thread from call
// to call: allocating and zeroing them for every block cost ~5% of a MaskGIT step.
struct RowScratch {
  std::vector<uint16_t> rounded;  // bf16: a product's left operand, 32 x bf16RowLength(widest input)
  std::vector<float> normed;      // normalised rows: bf16 one at a time, fp32 task x D
  std::vector<float> output;      // task x D: proj and fc2 outputs before they join the stream
  std::vector<float> gathered;    // task x D: the stream's listed rows (Block::outputRows), worked on here
  std::vector<float> wide;        // task x max(3I, hidden): temporal qkv, then the FFN's hidden layer
  std::vector<float> mixed;       // task x I: temporal attention's output
  std::vector<float> scores;      // one token's scores over the cached frames
#ifdef GENIE_INT8
  std::vector<int8_t> quantized;  // int8: a product's left operand, 32 x int8RowLength(widest input)
  std::vector<Int8Row> quantizedRows;
#endif

  void fit(const Block& b) {
    const int64_t task = b.bf16 ? kBf16Block : kMaxFloatTask;
    if (b.bf16) grow(rounded, kBf16Block * bf16RowLength(std::max({b.width, b.inner(), b.hidden})));
#ifdef GENIE_INT8
    if (b.int8) grow(quantized, kBf16Block * int8RowLength(std::max({b.width, b.inner(), b.hidden}))), grow(quantizedRows, kBf16Block);
#endif
    grow(normed, b.bf16 ? b.width : task * b.width);
    grow(output, task * b.width);
    if (b.outputRows) grow(gathered, task * b.width);
    grow(wide, task * std::max(3 * b.inner(), b.hidden));
    grow(mixed, task * b.inner());
    grow(scores, b.capacity);
  }

  template <class T>
  static void grow(std::vector<T>& buffer, int64_t size) {
    if (static_cast<int64_t>(buffer.size()) < size) buffer.resize(static_cast<size_t>(size));
  }
};

// Item i of a block's QK-norm: the q heads, then the k heads, of each row of [q | k | v] (3I values each).
struct HeadItems {
  const Block& b;
  const AttentionWeights& a;
  float* qkv;

  int64_t perRow() const { return 2 * b.heads; }
  float* head(int64_t item) const { return qkv + (item / perRow()) * 3 * b.inner() + (item % perRow()) * b.headDim; }
  const Norm& norm(int64_t item) const { return item % perRow() < b.heads ? a.qNorm : a.kNorm; }
};

#ifdef GENIE_BF16
// LayerNorm of one row in float sums (its output is rounded to bf16 next; the layerNorm kernel sums in double
// for training). In double, the 4 x 2 QK-norms of 32 values per token took 10% of a play frame.
void normalizeRow(const Norm& norm, const float* x, int64_t cols, float* y) {
  const auto lanes = [cols](int64_t j) { return lanesFrom(j, cols); };
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < cols; j += 16) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(lanes(j), x + j));
  const __m512 mean = _mm512_set1_ps(laneSum(sum) / static_cast<float>(cols));
  __m512 squares = _mm512_setzero_ps();
  for (int64_t j = 0; j < cols; j += 16) {
    const __m512 d = _mm512_maskz_sub_ps(lanes(j), _mm512_loadu_ps(x + j), mean);
    squares = _mm512_fmadd_ps(d, d, squares);
  }
  const float variance = laneSum(squares) / static_cast<float>(cols);
  const __m512 rstd = _mm512_set1_ps(static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance) + norm.eps)));
  for (int64_t j = 0; j < cols; j += 16) {
    const __mmask16 m = lanes(j);
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), mean), rstd);
    if (norm.weight) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, norm.weight + j));
    if (norm.bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, norm.bias + j));
    _mm512_mask_storeu_ps(y + j, m, v);
  }
}

// Row r of a product's 32-row left operand in scratch, from `count` floats (0: a padding row): quantized
// for an int8 layer, else rounded to bf16.
void putLeftRow(const Linear& layer, const float* src, int64_t count, int64_t r, RowScratch& s) {
#ifdef GENIE_INT8
  if (layer.int8) {
    const int64_t ldk = int8RowLength(layer.in);
    s.quantizedRows[r] = int8QuantizeRow(src, count, s.quantized.data() + r * ldk, ldk);
    return;
  }
#endif
  const int64_t ldk = bf16RowLength(layer.in);
  bf16RoundRow(src, count, 1.0f, s.rounded.data() + r * ldk, ldk);
}

// out = the left operand in scratch (its first `rows` rows) times the layer's weight, plus its bias.
void multiplyLeft(const Linear& layer, int64_t rows, RowScratch& s, float* out) {
#ifdef GENIE_INT8
  if (layer.int8) {
    return int8MultiplyBlock(s.quantized.data(), int8RowLength(layer.in), s.quantizedRows.data(), layer.int8, layer.out, layer.in, rows,
                             layer.bias, out, layer.out);
  }
#endif
  bf16MultiplyBlock(s.rounded.data(), bf16RowLength(layer.in), layer.packed, layer.out, layer.in, rows, layer.bias, out, layer.out);
}

// bf16 (or int8) products: multiplyRows below.
void multiplyBf16(const Linear& layer, const float* left, int64_t rows, int64_t ld, RowScratch& s, float* out) {
  for (int64_t r = 0; r < kBf16Block; r++) putLeftRow(layer, left + r * ld, r < rows ? layer.in : 0, r, s);
  multiplyLeft(layer, rows, s, out);
}

// normThenMultiply below, each row normalised and rounded (or quantized) in turn.
void normThenMultiplyBf16(const Norm& norm, const Linear& layer, const float* x, int64_t rows, RowScratch& s, float* out) {
  for (int64_t r = 0; r < kBf16Block; r++) {
    if (r < rows) normalizeRow(norm, x + r * layer.in, layer.in, s.normed.data());
    putLeftRow(layer, s.normed.data(), r < rows ? layer.in : 0, r, s);
  }
  multiplyLeft(layer, rows, s, out);
}

// Sixteen vectors to one whose lanes are their sums, in 15 adds (not 16 horizontal sums): each level
// pairs vectors and adds the halves of what is left of each (256, 128, 64, then 32 bits). Lane l ends up holding the sum of vector
// kSummedVector[l] (a fixed permutation, found once by running the network on vectors filled with their index).
__m512 sumSixteen(__m512 v[16]) {
  for (int i = 0; i < 8; i++) {  // 16 -> 8: 128-bit chunks [a0 a1 b0 b1] + [a2 a3 b2 b3]
    v[i] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAllLanes, v[2 * i], v[2 * i + 1], 0x44),
                         _mm512_maskz_shuffle_f32x4(kAllLanes, v[2 * i], v[2 * i + 1], 0xee));
  }
  for (int i = 0; i < 4; i++) {  // 8 -> 4: [c0 c2 d0 d2] + [c1 c3 d1 d3]: each chunk now one vector's partial sums
    v[i] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAllLanes, v[2 * i], v[2 * i + 1], 0x88),
                         _mm512_maskz_shuffle_f32x4(kAllLanes, v[2 * i], v[2 * i + 1], 0xdd));
  }
  for (int i = 0; i < 2; i++) {  // 4 -> 2: within chunks, [m01 n01] + [m23 n23] as 64-bit pairs
    const __m512d a = _mm512_castps_pd(v[2 * i]), c = _mm512_castps_pd(v[2 * i + 1]);
    v[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xff, a, c)), _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xff, a, c)));
  }
  // 2 -> 1: within chunks, [s0 s2 t0 t2] + [s1 s3 t1 t3]
  return _mm512_add_ps(_mm512_maskz_shuffle_ps(kAllLanes, v[0], v[1], 0x88), _mm512_maskz_shuffle_ps(kAllLanes, v[0], v[1], 0xdd));
}

const std::array<int, 16> kSummedVector = [] {
  __m512 v[16];
  for (int i = 0; i < 16; i++) v[i] = _mm512_set1_ps(static_cast<float>(i));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sumSixteen(v));
  std::array<int, 16> vectorOf{};
  for (int l = 0; l < 16; l++) vectorOf[l] = static_cast<int>(lanes[l] / 16.0f);
  return vectorOf;
}();

constexpr int64_t kMaxFastHeadDim = 64;

// Whether temporal attention reads the cache's bf16 copy (attendFrames): given one, for heads of whole
// 16-float chunks up to kMaxFastHeadDim; otherwise it reads the fp32 cache.
bool readsPackedCopy(const Block& b) { return b.packedKeys && b.headDim % 16 == 0 && b.headDim <= kMaxFastHeadDim; }

// 16 bf16 values as floats (the maskz forms: GCC 12 warns about the plain ones' undefined start values).
__m512 loadBf16(const uint16_t* x) {
  const __m512i widened = _mm512_maskz_cvtepu16_epi32(kAllLanes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)));
  return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAllLanes, widened, 16));
}

// One query head's attention over its token's `held` (< kPackedFrames) earlier frames, read from the
// cache's bf16 copy (Block::packedKeys, packedValues: the head's keys transposed, keysT[d * 16 + f], and its
// values, values[f * dh + d]), and this frame's own key and value (float); head width dh a multiple of 16
// up to kMaxFastHeadDim. With the keys transposed, dh broadcast multiply-adds give the 16 scores as one
// vector, a lane per frame, with no horizontal sums (3x faster than 16 dot products reduced together, with
// each head's keys and values 1 KB in a row); the softmax is that vector's; the weighted values are summed
// in registers.
void attendFrames(const float* q, const uint16_t* keysT, const uint16_t* values, int64_t held, const float* ownKey, const float* ownValue,
                  int64_t dh, float scale, float* out) {
  const int64_t chunks = dh / 16;
  __m512 even = _mm512_setzero_ps(), odd = _mm512_setzero_ps();  // two chains of multiply-adds
  for (int64_t d = 0; d < dh; d += 2) {
    even = _mm512_fmadd_ps(_mm512_set1_ps(q[d] * scale), loadBf16(keysT + d * kPackedFrames), even);
    odd = _mm512_fmadd_ps(_mm512_set1_ps(q[d + 1] * scale), loadBf16(keysT + (d + 1) * kPackedFrames), odd);
  }
  __m512 own = _mm512_setzero_ps();
  for (int64_t c = 0; c < chunks; c++) own = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_loadu_ps(q + 16 * c), _mm512_set1_ps(scale)), _mm512_loadu_ps(ownKey + 16 * c), own);
  const __mmask16 present = static_cast<__mmask16>((2u << held) - 1);  // frames 0..held
  const __m512 scores = _mm512_mask_mov_ps(_mm512_add_ps(even, odd), static_cast<__mmask16>(1u << held), _mm512_set1_ps(laneSum(own)));
  const __m512 lowest = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const __m512 peak = _mm512_set1_ps(laneMax(_mm512_mask_mov_ps(lowest, present, scores)));
  const __m512 e = _mm512_maskz_mov_ps(present, expNonPositive(_mm512_sub_ps(scores, peak)));
  alignas(64) float weight[16];
  _mm512_store_ps(weight, _mm512_mul_ps(e, _mm512_set1_ps(1.0f / laneSum(e))));
  __m512 mixed[kMaxFastHeadDim / 16];
  for (int64_t c = 0; c < chunks; c++) mixed[c] = _mm512_mul_ps(_mm512_set1_ps(weight[held]), _mm512_loadu_ps(ownValue + 16 * c));
  for (int64_t f = 0; f < held; f++) {
    const __m512 p = _mm512_set1_ps(weight[f]);
    for (int64_t c = 0; c < chunks; c++) mixed[c] = _mm512_fmadd_ps(p, loadBf16(values + f * dh + 16 * c), mixed[c]);
  }
  for (int64_t c = 0; c < chunks; c++) _mm512_storeu_ps(out + 16 * c, mixed[c]);
}

// QK-norm in bf16 for heads of whole 16-float chunks: 16 heads at a time through sumSixteen (two rows of 4
// + 4 heads per group in the shipped world), one reduction network per 16 means and per 16 variances
// instead of 32 horizontal sums.
void normalizeHeadsBySixteen(const HeadItems& items, int64_t rows) {
  const int64_t dh = items.b.headDim, perRow = items.perRow();
  const __m512 inverseWidth = _mm512_set1_ps(1.0f / static_cast<float>(dh));
  for (int64_t first = 0; first < rows * perRow; first += 16) {
    const int64_t count = std::min<int64_t>(16, rows * perRow - first);
    __m512 v[16];
    const auto sums = [&](auto term) {  // lane l: the sum over item kSummedVector[l]'s head of term(x, item)
      for (int64_t i = 0; i < 16; i++) {
        v[i] = _mm512_setzero_ps();  // past `count`: zeros
        if (i < count) for (int64_t c = 0; c < dh; c += 16) v[i] = _mm512_add_ps(v[i], term(_mm512_loadu_ps(items.head(first + i) + c), i));
      }
      alignas(64) float lanes[16];
      _mm512_store_ps(lanes, _mm512_mul_ps(sumSixteen(v), inverseWidth));
      std::array<float, 16> byItem;
      for (int l = 0; l < 16; l++) byItem[kSummedVector[l]] = lanes[l];
      return byItem;
    };
    const std::array<float, 16> mean = sums([](__m512 x, int64_t) { return x; });
    const std::array<float, 16> variance = sums([&](__m512 x, int64_t i) {
      const __m512 d = _mm512_sub_ps(x, _mm512_set1_ps(mean[i]));
      return _mm512_mul_ps(d, d);
    });
    for (int64_t i = 0; i < count; i++) {
      const Norm& norm = items.norm(first + i);
      const __m512 m = _mm512_set1_ps(mean[i]);
      const __m512 rstd = _mm512_set1_ps(static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[i]) + norm.eps)));
      float* x = items.head(first + i);
      for (int64_t c = 0; c < dh; c += 16) {
        __m512 y = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + c), m), rstd);
        if (norm.weight) y = _mm512_mul_ps(y, _mm512_loadu_ps(norm.weight + c));
        if (norm.bias) y = _mm512_add_ps(y, _mm512_loadu_ps(norm.bias + c));
        _mm512_storeu_ps(x + c, y);
      }
    }
  }
}

#endif

// out (rows x layer.out) = left (a task's `rows` rows of layer.in floats, row stride ld) W^T + bias.
void multiplyRows([[maybe_unused]] const Block& b, const Linear& layer, const float* left, int64_t rows, int64_t ld,
                  [[maybe_unused]] RowScratch& s, float* out) {
#ifdef GENIE_BF16
  if (b.bf16) return multiplyBf16(layer, left, rows, ld, s, out);
#endif
  for (int64_t r = 0; r < rows; r++) {
    float* row = out + r * layer.out;
    if (layer.bias) std::copy(layer.bias, layer.bias + layer.out, row);
  }
  sgemmSerial(false, true, static_cast<int>(rows), static_cast<int>(layer.out), static_cast<int>(layer.in), 1.0f, left, static_cast<int>(ld),
              layer.weight, static_cast<int>(layer.in), layer.bias ? 1.0f : 0.0f, out, static_cast<int>(layer.out));
}

// out = LayerNorm(rows of x) W^T + bias.
void normThenMultiply(const Block& b, const Norm& norm, const Linear& layer, const float* x, int64_t rows, RowScratch& s, float* out) {
#ifdef GENIE_BF16
  if (b.bf16) return normThenMultiplyBf16(norm, layer, x, rows, s, out);
#endif
  for (int64_t r = 0; r < rows; r++) {
    layerNormRow(x + r * layer.in, layer.in, norm.weight, norm.bias, norm.eps, s.normed.data() + r * layer.in, nullptr, nullptr);
  }
  multiplyRows(b, layer, s.normed.data(), rows, layer.in, s, out);
}

// QK-norm: LayerNorm over each head's slice of q and k in `rows` rows of [q | k | v], in place.
void normalizeQueriesKeys(const Block& b, const AttentionWeights& a, float* qkv, int64_t rows) {
  const HeadItems items{b, a, qkv};
#ifdef GENIE_BF16
  if (b.bf16 && b.headDim % 16 == 0 && b.headDim <= kMaxFastHeadDim) return normalizeHeadsBySixteen(items, rows);
#endif
  for (int64_t item = 0; item < rows * items.perRow(); item++) {
    const Norm& norm = items.norm(item);
    float* head = items.head(item);
    layerNormRow(head, b.headDim, norm.weight, norm.bias, norm.eps, head, nullptr, nullptr);
  }
}

// GELU: exact (the op-by-op kernel's) in fp32, the rational erf fit in bf16.
void geluInPlace([[maybe_unused]] const Block& b, float* x, int64_t n) {
#ifdef GENIE_BF16
  if (b.bf16) {
    for (int64_t i = 0; i < n; i += 16) {
      const __mmask16 lanes = lanesFrom(i, n);
      _mm512_mask_storeu_ps(x + i, lanes, geluRational(_mm512_maskz_loadu_ps(lanes, x + i)));
    }
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) x[i] = gelu(x[i]);
}

void addInto(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

// Pass 3 over output rows [first, first + rows) (Block::outputRow) of the stream.
void finishRows(const Block& b, float* x, const float* spatialMixed, float* keys, float* values, int64_t first, int64_t rows,
                RowScratch& s) {
  const int64_t d = b.width, inner = b.inner(), dh = b.headDim;
  float* stream = b.outputRows ? s.gathered.data() : x + first * d;
  if (b.outputRows) {
    for (int64_t r = 0; r < rows; r++) std::copy_n(x + b.outputRow(first + r) * d, d, stream + r * d);
  }
  multiplyRows(b, b.spatial.proj, spatialMixed + first * inner, rows, inner, s, s.output.data());
  addInto(stream, s.output.data(), rows * d);

  float* qkv = s.wide.data();  // rows x 3I
  normThenMultiply(b, b.temporal.norm, b.temporal.qkv, stream, rows, s, qkv);
  normalizeQueriesKeys(b, b.temporal, qkv, rows);
  // This frame's keys and values go into the cache after the held frames, then each token attends over
  // its frames. Element (clip, frame f, token of row r) of the cache is at base + f * frameSize.
  const int64_t frameSize = b.tokens * inner, frames = b.held + 1;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
  for (int64_t r = 0; r < rows; r++) {
    const int64_t at = b.outputRow(first + r);
    const int64_t base = (at / b.tokens) * b.capacity * frameSize + (at % b.tokens) * inner;
    const float* row = qkv + r * 3 * inner;
    std::copy(row + inner, row + 2 * inner, keys + base + b.held * frameSize);
    std::copy(row + 2 * inner, row + 3 * inner, values + base + b.held * frameSize);
    for (int64_t h = 0; h < b.heads; h++) {
#ifdef GENIE_BF16
      if (readsPackedCopy(b)) {
        const int64_t head = (at * b.heads + h) * kPackedFrames * dh;
        attendFrames(row + h * dh, b.packedKeys + head, b.packedValues + head, b.held, row + inner + h * dh, row + 2 * inner + h * dh, dh, scale,
                     s.mixed.data() + r * inner + h * dh);
        continue;
      }
#endif
      for (int64_t f = 0; f < frames; f++) s.scores[f] = scale * dotFloat(row + h * dh, keys + base + f * frameSize + h * dh, dh);
      softmaxRow(s.scores.data(), s.scores.data(), frames);
      float* out = s.mixed.data() + r * inner + h * dh;
      std::fill(out, out + dh, 0.0f);
      for (int64_t f = 0; f < frames; f++) {
        const float p = s.scores[f];
        const float* v = values + base + f * frameSize + h * dh;
        for (int64_t j = 0; j < dh; j++) out[j] += p * v[j];
      }
    }
  }
  multiplyRows(b, b.temporal.proj, s.mixed.data(), rows, inner, s, s.output.data());
  addInto(stream, s.output.data(), rows * d);

  float* hidden = s.wide.data();  // rows x H
  normThenMultiply(b, b.ffnNorm, b.fc1, stream, rows, s, hidden);
  geluInPlace(b, hidden, rows * b.hidden);
  multiplyRows(b, b.fc2, hidden, rows, b.hidden, s, s.output.data());
  addInto(stream, s.output.data(), rows * d);
  if (b.outputRows) {
    for (int64_t r = 0; r < rows; r++) std::copy_n(stream + r * d, d, x + b.outputRow(first + r) * d);
  }
}

// Spatial attention (pass 2) of the output rows: q of each row in `qkv` (B*N, 3I) -> mixed (outputs, I).
void attendSpatially(const Block& b, const float* qkv, float* mixed, std::vector<float>& queries) {
  const int64_t inner = b.inner();
  AttentionLayout spatial;
  spatial.g1 = b.batch;
  spatial.g2 = 1;
  spatial.lq = spatial.lk = b.tokens;
  spatial.heads = b.heads;
  spatial.headDim = b.headDim;
  spatial.causal = false;
  spatial.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(b.headDim)));
  spatial.q = spatial.k = spatial.v = {b.tokens * 3 * inner, 0, 3 * inner};
  spatial.o = {b.tokens * inner, 0, inner};
  const auto attend = [&](const AttentionLayout& a, const float* q, const float* kv, float* out) {
#ifdef GENIE_BF16
    if (b.bf16) return attendBf16(a, q, kv, kv + inner, out);
#endif
    attendFloat(a, q, kv, kv + inner, out, nullptr);
  };
  if (!b.outputRows) return attend(spatial, qkv, qkv + inner, mixed);
  // Listed rows: per clip, its rows' queries gathered, over all of the clip's keys.
  RowScratch::grow(queries, b.outputCount * inner);
  for (int64_t i = 0; i < b.outputCount; i++) std::copy_n(qkv + b.outputRow(i) * 3 * inner, inner, queries.data() + i * inner);
  spatial.g1 = 1;
  spatial.q = spatial.o = {0, 0, inner};
  for (int64_t first = 0, last; first < b.outputCount; first = last) {
    const int64_t clip = b.outputRow(first) / b.tokens;
    for (last = first; last < b.outputCount && b.outputRow(last) / b.tokens == clip; last++) {}
    spatial.lq = last - first;
    attend(spatial, queries.data() + first * inner, qkv + clip * b.tokens * 3 * inner + inner, mixed + first * inner);
  }
}

#ifdef GENIE_BF16
// The held frames the bf16 copy lacks, from the fp32 cache: per (clip, token, head), the keys transposed
// (dh x kPackedFrames, a lane per frame) and the values (kPackedFrames x dh).
void packHeldFrames(const Block& b, const float* keys, const float* values) {
  const int64_t inner = b.inner(), dh = b.headDim;
  uint16_t rounded[kMaxFastHeadDim];
  for (int64_t clip = 0; clip < b.batch; clip++) {
    for (int64_t f = b.packedFrames; f < b.held; f++) {
      for (int64_t n = 0; n < b.tokens; n++) {
        for (int64_t h = 0; h < b.heads; h++) {
          const int64_t from = ((clip * b.capacity + f) * b.tokens + n) * inner + h * dh;
          const int64_t head = ((clip * b.tokens + n) * b.heads + h) * kPackedFrames * dh;
          bf16RoundRow(keys + from, dh, 1.0f, rounded, dh);
          for (int64_t d = 0; d < dh; d++) b.packedKeys[head + d * kPackedFrames + f] = rounded[d];
          bf16RoundRow(values + from, dh, 1.0f, b.packedValues + head + f * dh, dh);
        }
      }
    }
  }
}
#endif

void runBlock(const Block& b, float* x, float* keys, float* values) {
  const int64_t inner = b.inner();
#ifdef GENIE_BF16
  if (readsPackedCopy(b)) packHeldFrames(b, keys, values);
#endif
  // A block whose qkv product is under 2^20 multiply-adds stays on one thread (as bf16Linear does).
  const int workers = static_cast<double>(b.rows()) * b.width * 3 * inner < (1 << 20) ? 1 : threadCount();
  // The calling thread's buffers, named by reference: inside the lambdas, which run on the pool's threads,
  // a thread_local name would mean each worker's own (empty) copy.
  thread_local std::vector<RowScratch> callerScratch;
  thread_local std::vector<float> callerQkv, callerMixed, callerQueries;
  std::vector<RowScratch>& scratch = callerScratch;
  std::vector<float>& qkv = callerQkv;      // (B*N, 3I)
  std::vector<float>& mixed = callerMixed;  // (outputs, I)
  if (static_cast<int>(scratch.size()) < workers) scratch.resize(static_cast<size_t>(workers));
  for (RowScratch& s : scratch) s.fit(b);
  RowScratch::grow(qkv, b.rows() * 3 * inner);
  RowScratch::grow(mixed, b.rows() * inner);

  const int64_t task = rowsPerTask(b, b.rows(), workers);
  parallelItems((b.rows() + task - 1) / task, workers, [&](int64_t item, int worker) {
    const int64_t first = item * task, rows = std::min(task, b.rows() - first);
    normThenMultiply(b, b.spatial.norm, b.spatial.qkv, x + first * b.width, rows, scratch[worker], qkv.data() + first * 3 * inner);
    normalizeQueriesKeys(b, b.spatial, qkv.data() + first * 3 * inner, rows);
  });

  attendSpatially(b, qkv.data(), mixed.data(), callerQueries);

  const int64_t outputTask = rowsPerTask(b, b.outputs(), workers);
  parallelItems((b.outputs() + outputTask - 1) / outputTask, workers, [&](int64_t item, int worker) {
    const int64_t first = item * outputTask;
    finishRows(b, x, mixed.data(), keys, values, first, std::min(outputTask, b.outputs() - first), scratch[worker]);
  });
}

}  // namespace

Napi::Value StBlock(const Napi::CallbackInfo& info) {
  Args args(info, "stBlock");
  Block b = readBlock(args);
  const IntSpan rows = args.optionalInts(5, "rows");
  if (rows.data) {
    for (int64_t i = 0; i < rows.length; i++) {
      if (rows.data[i] < 0 || rows.data[i] >= b.rows() || (i > 0 && rows.data[i] <= rows.data[i - 1])) {
        args.failRange("rows must ascend within 0.." + std::to_string(b.rows() - 1) + " (B x N rows); rows[" + std::to_string(i) + "] is " + std::to_string(rows.data[i]));
      }
    }
    b.outputRows = rows.data;
    b.outputCount = rows.length;
  }
  const Napi::Object packed = args.optionalObject(6, "packed");
  if (!packed.IsEmpty()) {
    if (!b.bf16) args.failType("packed is for bf16 only (p.bf16 is false)");
    if (b.capacity > kPackedFrames) args.failRange("packed holds 16 frames a token; the cache has room for " + std::to_string(b.capacity));
    const Uint16Span packedKeys = args.uint16sField(packed, "packed", "keys"), packedValues = args.uint16sField(packed, "packed", "values");
    const int64_t packedLength = checkedMul(args, checkedMul(args, b.batch, kPackedFrames), checkedMul(args, b.tokens, b.inner()));
    args.requireLength("packed.keys", packedKeys.length, packedLength);
    args.requireLength("packed.values", packedValues.length, packedLength);
    if (buffersOverlap(packedKeys.data, packedKeys.length * 2, packedValues.data, packedValues.length * 2)) args.fail("packed.keys share memory with packed.values");
    b.packedFrames = args.sizeField(packed, "packed", "frames");
    if (b.packedFrames > b.held) args.failRange("packed.frames (" + std::to_string(b.packedFrames) + ") exceeds p.held (" + std::to_string(b.held) + ")");
    b.packedKeys = packedKeys.data;
    b.packedValues = packedValues.data;
  }
  const FloatSpan x = args.floats(1, "x"), keys = args.floats(2, "keys"), values = args.floats(3, "values");
  args.requireLength("x", x.length, checkedMul(args, b.rows(), b.width));
  const int64_t cacheLength = checkedMul(args, checkedMul(args, b.batch, b.capacity), checkedMul(args, b.tokens, b.inner()));
  args.requireLength("keys", keys.length, cacheLength);
  args.requireLength("values", values.length, cacheLength);
  for (auto [name, cache] : {std::pair{"keys", keys}, {"values", values}}) {
    if (buffersOverlap(x.data, x.length * 4, cache.data, cache.length * 4)) args.fail(std::string("x shares memory with ") + name);
  }
  if (buffersOverlap(keys.data, keys.length * 4, values.data, values.length * 4)) args.fail("keys share memory with values");
  if (b.rows() == 0) return info.Env().Undefined();
  if (b.bf16) requireBf16(args);
  if (b.int8) requireInt8(args);
  runBlock(b, x.data, keys.data, values.data);
  return info.Env().Undefined();
}

}  // namespace genie
