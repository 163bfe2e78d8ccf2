// int8 products for inference (int8.h). Symmetric quantization: each weight column (an output) gets a scale
// max|w| / 127 and int8 codes, each row of the left operand (a token's activations) a scale max|x| / 127,
// made as the row is used, so y = (sum of code products) x row scale x column scale + bias, with the sum
// exact in int32. VPDPBUSD multiplies unsigned by signed bytes: the weights are stored as code + 128 (the
// register operand), the activations as signed codes (broadcast from memory, 4 at a time), and the extra
// 128 x the sum of a row's codes comes off each output (Int8Row::offset).
//
// Layout of a packed weight (n columns, depth k padded to kq = roundUp(k, 4) / 4 steps of 4): per block of
// 32 columns, per step q, 2 x 64 bytes: columns 0-15 then 16-31 of the block, each its 4 bytes k = 4q..4q+3
// (one VPDPBUSD operand each); then the column scales as floats, padded to whole blocks with zeros. The
// register block of the kernel is that of bf16.cc's dot-product kernel: 8 rows x 32 columns.
// Measured on a 2-vCPU AMD EPYC (Zen 4), one core: 256 x 384 x 128 in 61 us (206 G multiply-adds/s) against
// 116 us in bf16 (VDPBF16PS at its peak), 4 us more to quantize the 256 rows.
#include "int8.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "args.h"
#include "thread-pool.h"
#include "vector-math.h"

#ifdef GENIE_INT8
#include <immintrin.h>
#endif

namespace genie {

namespace {

constexpr int64_t kBlock = 32;     // columns of a packed block; rows of a left-operand block
constexpr int64_t kStepBytes = 4;  // k values per VPDPBUSD lane
constexpr int64_t kDotRows = 8;    // output rows per register block: 8 x 32 = 16 accumulators

int64_t roundUp(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
int64_t weightBytes(int64_t n, int64_t k) { return roundUp(n, kBlock) * int8RowLength(k); }

}  // namespace

bool int8Ready() {
#ifdef GENIE_INT8
  return true;
#else
  return false;
#endif
}

void requireInt8(const Args& args) {
  if (!int8Ready()) args.fail("this CPU (or this build) has no int8 products (AVX512-VNNI with AVX512-BF16); check int8Available() first");
}

int64_t int8RowLength(int64_t k) { return roundUp(std::max<int64_t>(k, 1), kStepBytes); }

int64_t int8PackedLength(int64_t n, int64_t k) { return weightBytes(n, k) + roundUp(n, kBlock) * 4; }

int64_t checkedInt8Length(const Args& args, int64_t n, int64_t k) {
  const int64_t columns = checkedAdd(args, n, kBlock - 1) / kBlock * kBlock;
  return checkedAdd(args, checkedMul(args, columns, int8RowLength(k)), checkedMul(args, columns, 4));
}

void int8Pack(const float* w, int64_t n, int64_t k, uint8_t* packed) {
  const int64_t steps = int8RowLength(k) / kStepBytes;
  std::fill(packed, packed + int8PackedLength(n, k), uint8_t{0});
  std::vector<float> scales(static_cast<size_t>(roundUp(n, kBlock)), 0.0f);
  for (int64_t j = 0; j < roundUp(n, kBlock); j++) {
    uint8_t* block = packed + (j / kBlock) * steps * kBlock * kStepBytes + (j % kBlock) * kStepBytes;
    if (j >= n) {  // padding column: codes 0, scale 0
      for (int64_t q = 0; q < steps; q++) std::fill_n(block + q * kBlock * kStepBytes, kStepBytes, uint8_t{128});
      continue;
    }
    const float* column = w + j * k;
    float peak = 0.0f;
    bool finite = true;
    for (int64_t i = 0; i < k; i++) {
      finite = finite && std::isfinite(column[i]);
      peak = std::max(peak, std::fabs(column[i]));
    }
    const float scale = !finite ? std::numeric_limits<float>::quiet_NaN() : peak > 0.0f ? peak / 127.0f : 1.0f;
    scales[static_cast<size_t>(j)] = scale;
    for (int64_t i = 0; i < steps * kStepBytes; i++) {
      const float code = i < k && finite ? std::nearbyint(column[i] / scale) : 0.0f;
      block[(i / kStepBytes) * kBlock * kStepBytes + i % kStepBytes] = static_cast<uint8_t>(std::clamp(code, -127.0f, 127.0f) + 128.0f);
    }
  }
  std::memcpy(packed + weightBytes(n, k), scales.data(), scales.size() * 4);
}

#ifdef GENIE_INT8

Int8Row int8QuantizeRow(const float* src, int64_t count, int8_t* dst, int64_t length) {
  __m512 peak = _mm512_setzero_ps();
  __mmask16 unordered = 0;
  for (int64_t j = 0; j < count; j += 16) {
    const __m512 x = _mm512_maskz_loadu_ps(lanesFrom(j, count), src + j);
    peak = _mm512_maskz_max_ps(kAllLanes, peak, _mm512_abs_ps(x));
    unordered |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  }
  const float top = laneMax(peak);
  std::fill(dst + count, dst + length, int8_t{0});
  if (unordered || !std::isfinite(top)) {
    std::fill(dst, dst + count, int8_t{0});
    return {std::numeric_limits<float>::quiet_NaN(), 0};
  }
  const float scale = top > 0.0f ? top / 127.0f : 1.0f;
  const __m512 inverse = _mm512_set1_ps(top > 0.0f ? 127.0f / top : 1.0f);
  __m512i sum = _mm512_setzero_si512();
  for (int64_t j = 0; j < count; j += 16) {
    const __mmask16 lanes = lanesFrom(j, count);
    const __m512i codes = _mm512_maskz_cvtps_epi32(lanes, _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, src + j), inverse));  // to nearest, ties to even
    _mm512_mask_cvtsepi32_storeu_epi8(dst + j, lanes, codes);
    sum = _mm512_mask_add_epi32(sum, lanes, sum, codes);
  }
  // The sum of |codes| <= 127 x 65536 < 2^24: exact in float.
  return {scale, 128 * static_cast<int32_t>(laneSum(_mm512_maskz_cvtepi32_ps(kAllLanes, sum)))};
}

namespace {

// sum += the products of the 4 signed bytes at `quad` (broadcast to every lane) with b's 16 x 4 unsigned
// bytes, summed per lane. In assembly for the same reason as bf16.cc's addPairProducts.
inline void addQuadProducts(__m512i& sum, const int32_t* quad, __m512i b) {
  asm("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(sum) : "v"(b), "m"(*quad));
}

}  // namespace

void int8MultiplyBlock(const int8_t* a, int64_t ldk, const Int8Row* aRows, const uint8_t* packed, int64_t n, int64_t k, int64_t rows,
                       const float* bias, float* c, int64_t ldc) {
  const int64_t steps = int8RowLength(k) / kStepBytes;
  const float* scales = reinterpret_cast<const float*>(packed + weightBytes(n, k));
  for (int64_t j = 0; j < n; j += kBlock) {
    const uint8_t* block = packed + (j / kBlock) * steps * kBlock * kStepBytes;
    const __m512 scaleLeft = _mm512_loadu_ps(scales + j), scaleRight = _mm512_loadu_ps(scales + j + 16);
    const __m512 biasLeft = bias ? _mm512_loadu_ps(bias + j) : _mm512_setzero_ps();
    const __m512 biasRight = bias ? _mm512_loadu_ps(bias + j + 16) : _mm512_setzero_ps();
    const int64_t cols = std::min(kBlock, n - j);
    const __mmask16 storeLeft = lanesFrom(0, cols), storeRight = cols > 16 ? lanesFrom(16, cols) : 0;
    for (int64_t first = 0; first < rows; first += kDotRows) {
      __m512i sumLeft[kDotRows], sumRight[kDotRows];
#pragma GCC unroll 8
      for (int64_t r = 0; r < kDotRows; r++) sumLeft[r] = _mm512_setzero_si512(), sumRight[r] = _mm512_setzero_si512();
      const int8_t* aBlock = a + first * ldk;
      for (int64_t q = 0; q < steps; q++) {
        const __m512i bLeft = _mm512_loadu_si512(block + q * 128), bRight = _mm512_loadu_si512(block + q * 128 + 64);
#pragma GCC unroll 8
        for (int64_t r = 0; r < kDotRows; r++) {
          const int32_t* quad = reinterpret_cast<const int32_t*>(aBlock + r * ldk + kStepBytes * q);
          addQuadProducts(sumLeft[r], quad, bLeft);
          addQuadProducts(sumRight[r], quad, bRight);
        }
      }
      for (int64_t r = 0; r < kDotRows && first + r < rows; r++) {
        const Int8Row& row = aRows[first + r];
        const __m512i offset = _mm512_set1_epi32(row.offset);
        const __m512 scale = _mm512_set1_ps(row.scale);
        const auto output = [&](__m512i sum, __m512 columnScale, __m512 columnBias) {
          return _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAllLanes, _mm512_sub_epi32(sum, offset)), _mm512_mul_ps(scale, columnScale), columnBias);
        };
        _mm512_mask_storeu_ps(c + (first + r) * ldc + j, storeLeft, output(sumLeft[r], scaleLeft, biasLeft));
        _mm512_mask_storeu_ps(c + (first + r) * ldc + j + 16, storeRight, output(sumRight[r], scaleRight, biasRight));
      }
    }
  }
}

#endif

Napi::Value Int8Available(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), int8Ready()); }

Napi::Value Int8PackedLength(const Napi::CallbackInfo& info) {
  Args args(info, "int8PackedLength");
  return Napi::Number::New(info.Env(), static_cast<double>(checkedInt8Length(args, args.size(0, "rows"), args.size(1, "cols"))));
}

Napi::Value Int8Pack(const Napi::CallbackInfo& info) {
  Args args(info, "int8Pack");
  FloatSpan w = args.floats(0, "w");
  const int64_t rows = args.size(1, "rows"), cols = args.size(2, "cols");
  Uint8Span packed = args.uint8s(3, "packed");
  args.requireLength("w", w.length, checkedMul(args, rows, cols));
  args.requireLength("packed", packed.length, checkedInt8Length(args, rows, cols));
  int8Pack(w.data, rows, cols, packed.data);
  return info.Env().Undefined();
}

Napi::Value Int8Linear(const Napi::CallbackInfo& info) {
  Args args(info, "int8Linear");
  const LinearArgs call = readLinearArgs(args);
  const int64_t m = call.m, n = call.n, k = call.k;
  Uint8Span packed = args.uint8s(4, "packed");
  args.requireLength("packed", packed.length, checkedInt8Length(args, n, k));
  if (m == 0 || n == 0) return info.Env().Undefined();
  requireInt8(args);
#ifdef GENIE_INT8
  const FloatSpan a = call.a, bias = call.bias, c = call.c;
  // Tasks: blocks of 32 rows, each quantizing its own rows into its worker's scratch.
  const int64_t ldk = int8RowLength(k), rowBlocks = (m + kBlock - 1) / kBlock;
  const int workers = threadCount();
  std::vector<int8_t> scratch(static_cast<size_t>(workers * kBlock * ldk));
  std::vector<Int8Row> rowScratch(static_cast<size_t>(workers * kBlock));
  const std::vector<float> paddedBias = bias.data ? bf16PaddedBias(bias.data, n) : std::vector<float>();
  parallelItems(rowBlocks, workers, [&](int64_t item, int worker) {
    const int64_t row = item * kBlock, rows = std::min(kBlock, m - row);
    int8_t* quantized = scratch.data() + static_cast<size_t>(worker) * kBlock * ldk;
    Int8Row* quantizedRows = rowScratch.data() + static_cast<size_t>(worker) * kBlock;
    for (int64_t r = 0; r < kBlock; r++) quantizedRows[r] = int8QuantizeRow(r < rows ? a.data + (row + r) * k : a.data, r < rows ? k : 0, quantized + r * ldk, ldk);
    int8MultiplyBlock(quantized, ldk, quantizedRows, packed.data, n, k, rows, bias.data ? paddedBias.data() : nullptr, c.data + row * n, n);
  });
#endif
  return info.Env().Undefined();
}

}  // namespace genie
