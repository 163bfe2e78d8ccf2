// Branch-free float math that GCC vectorises, and explicit SIMD reductions. Without -ffast-math (which
// would break NaN/Inf detection) GCC neither vectorises calls to expf/erff nor reorders a sum, so the hot
// transcendental functions (exp for softmax and attention, erfc for exact GELU) are written out here and
// reductions use vector types with several lanes of partial sums.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace genie {

// e^x with about 1e-7 relative error (Cephes expf polynomial after x = n ln2 + r). Results below 2.4e-38
// flush to 0 (the subnormal range), x above ln(FLT_MAX) gives +Inf, NaN stays NaN.
__attribute__((always_inline)) inline float fastExp(float x) {
  constexpr float kLowest = -86.6f;  // keeps 2^(n-1) a normal float below
  constexpr float kHighest = 88.72283f;
  float clamped = x < kLowest ? kLowest : (x > kHighest ? kHighest : x);
  clamped = clamped == clamped ? clamped : 0.0f;
  // Round to nearest by adding and removing 1.5 * 2^23.
  float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = clamped - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n = 2 * 2^(n-1) so that n = 128 (x near ln(FLT_MAX)) still has a valid exponent field.
  float half = __builtin_bit_cast(float, (static_cast<int32_t>(n) + 126) << 23);
  float result = p * half * 2.0f;
  result = x > kHighest ? std::numeric_limits<float>::infinity() : result;
  result = x < kLowest ? 0.0f : result;
  return x != x ? x : result;
}

// erfc(|z|)-based standard normal CDF pieces. The Numerical Recipes erfcc fit has relative error below
// 1.2e-7 everywhere, so 1 + erf(x) keeps its relative accuracy deep in the negative tail (where computing
// 1 + erf would cancel), which exact GELU needs.
__attribute__((always_inline)) inline float erfcAbs(float z) {  // erfc(|z|)
  float a = z < 0.0f ? -z : z;
  float t = 1.0f / (1.0f + 0.5f * a);
  float poly = 0.17087277f;
  poly = poly * t - 0.82215223f;
  poly = poly * t + 1.48851587f;
  poly = poly * t - 1.13520398f;
  poly = poly * t + 0.27886807f;
  poly = poly * t - 0.18628806f;
  poly = poly * t + 0.09678418f;
  poly = poly * t + 0.37409196f;
  poly = poly * t + 1.00002368f;
  poly = poly * t - 1.26551223f;
  return t * fastExp(poly - a * a);
}

// Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF.
__attribute__((always_inline)) inline float normalCdf(float x) {
  float tail = 0.5f * erfcAbs(x * 0.70710678118654752f);
  return x < 0.0f ? tail : 1.0f - tail;
}

__attribute__((always_inline)) inline float gelu(float x) { return x * normalCdf(x); }

// d/dx x Phi(x) = Phi(x) + x phi(x).
__attribute__((always_inline)) inline float geluDerivative(float x) { return normalCdf(x) + x * 0.39894228040143268f * fastExp(-0.5f * x * x); }

__attribute__((always_inline)) inline float sigmoid(float x) { return 1.0f / (1.0f + fastExp(-x)); }

// Reductions. Eight float lanes map onto one AVX register (GCC splits them on narrower machines).
typedef float Floats8 __attribute__((vector_size(32)));
typedef double Doubles8 __attribute__((vector_size(64)));
typedef int32_t Ints8 __attribute__((vector_size(32)));

inline Floats8 load8(const float* p) {
  Floats8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline double horizontalSum(Doubles8 v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

inline float horizontalSum(Floats8 v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }

// Sum of x[0..n) in double.
inline double sumDouble(const float* x, int64_t n) {
  Doubles8 acc = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc += __builtin_convertvector(load8(x + i), Doubles8);
  double total = horizontalSum(acc);
  for (; i < n; i++) total += x[i];
  return total;
}

// Sum of (x[i] - shift)^2 in double (shift 0 gives the sum of squares).
inline double sumSquaresDouble(const float* x, int64_t n, double shift) {
  Doubles8 acc = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    Doubles8 d = __builtin_convertvector(load8(x + i), Doubles8) - shift;
    acc += d * d;
  }
  double total = horizontalSum(acc);
  for (; i < n; i++) total += (x[i] - shift) * (x[i] - shift);
  return total;
}

// Sum of f(j) over j in [0, n), in double: f runs vectorised into a stack block that is then summed
// (a plain `total += f(j)` loop would not vectorise without -ffast-math).
template <class F>
inline double sumOf(int64_t n, F f) {
  constexpr int64_t kBlock = 256;
  float block[kBlock];
  double total = 0.0;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t length = n - start < kBlock ? n - start : kBlock;
    for (int64_t j = 0; j < length; j++) block[j] = f(start + j);
    total += sumDouble(block, length);
  }
  return total;
}

// Dot product in double.
inline double dotDouble(const float* a, const float* b, int64_t n) {
  Doubles8 acc = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc += __builtin_convertvector(load8(a + i), Doubles8) * __builtin_convertvector(load8(b + i), Doubles8);
  double total = horizontalSum(acc);
  for (; i < n; i++) total += static_cast<double>(a[i]) * b[i];
  return total;
}

// Dot product in float with 16 lanes of partial sums (for short rows where double would cost time).
inline float dotFloat(const float* a, const float* b, int64_t n) {
  Floats8 acc0 = {}, acc1 = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 += load8(a + i) * load8(b + i);
    acc1 += load8(a + i + 8) * load8(b + i + 8);
  }
  for (; i + 8 <= n; i += 8) acc0 += load8(a + i) * load8(b + i);
  float total = horizontalSum(acc0 + acc1);
  for (; i < n; i++) total += a[i] * b[i];
  return total;
}

// Largest element; NaN if any element is NaN (like Math.max); -Inf for n = 0.
inline float maxFloat(const float* x, int64_t n) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  Floats8 best = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
  Ints8 sawNaN = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    Floats8 v = load8(x + i);
    best = v > best ? v : best;
    sawNaN |= v != v;
  }
  float peak = kNegInf;
  bool nan = false;
  for (int lane = 0; lane < 8; lane++) {
    peak = best[lane] > peak ? best[lane] : peak;
    nan = nan || sawNaN[lane] != 0;
  }
  for (; i < n; i++) {
    peak = x[i] > peak ? x[i] : peak;
    nan = nan || x[i] != x[i];
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : peak;
}

#ifdef __AVX512F__
// AVX-512 pieces of the bf16 inference kernels (attention.cc, st-block.cc). The masked forms with a full mask
// compute the same as the plain ones, which GCC 12 flags with false "may be used uninitialized" warnings.
constexpr __mmask16 kAllLanes = 0xffff;

// The lanes of the 16 floats from j that lie below `count`.
inline __mmask16 lanesFrom(int64_t j, int64_t count) {
  return count - j >= 16 ? kAllLanes : static_cast<__mmask16>((1u << (count - j)) - 1);
}

// Sum of the 16 lanes, in a fixed order: halves, quarters, pairs, neighbours (GCC 12's
// _mm512_reduce_add_ps draws false "used uninitialized" warnings).
inline float laneSum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, 0x4e));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, 0xb1));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAllLanes, v, 0x4e));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAllLanes, v, 0xb1));
  return _mm512_cvtss_f32(v);
}

// Largest of the 16 lanes (NaN if any lane is NaN, as maxFloat), in registers: through memory the value
// was stored and reloaded at every call, a quarter of int8.cc's quantizing of a row.
inline float laneMax(__m512 v) {
  if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)) return std::numeric_limits<float>::quiet_NaN();
  v = _mm512_maskz_max_ps(kAllLanes, v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, 0x4e));
  v = _mm512_maskz_max_ps(kAllLanes, v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, 0xb1));
  v = _mm512_maskz_max_ps(kAllLanes, v, _mm512_maskz_permute_ps(kAllLanes, v, 0x4e));
  v = _mm512_maskz_max_ps(kAllLanes, v, _mm512_maskz_permute_ps(kAllLanes, v, 0xb1));
  return _mm512_cvtss_f32(v);
}

// e^x for x <= 0 (a score minus its row's maximum) to ~1e-5 relative: the probabilities are rounded to
// bf16 (2^-9) next. 2^(x log2 e): the fraction's power by its degree-5 Taylor polynomial, the integer part by
// scalef; NaN stays NaN (max keeps its second operand when one is NaN).
inline __m512 expNonPositive(__m512 x) {
  x = _mm512_maskz_max_ps(kAllLanes, _mm512_set1_ps(-100.0f), x);
  const __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504f));
  const __m512 n = _mm512_maskz_roundscale_ps(kAllLanes, t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, n);  // in [-0.5, 0.5]
  __m512 p = _mm512_set1_ps(1.3333558e-3f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6181291e-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(kAllLanes, p, n);
}

// row[0:count) = e^(row - max(row)) in place (16 lanes, masked tail); returns their sum, softmax's denominator.
inline float expShiftedInPlace(float* row, int64_t count) {
  const __m512 peak = _mm512_set1_ps(maxFloat(row, count));
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < count; j += 16) {
    const __mmask16 lanes = lanesFrom(j, count);
    const __m512 e = expNonPositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, row + j), peak));
    _mm512_mask_storeu_ps(row + j, lanes, e);
    sum = _mm512_mask_add_ps(sum, lanes, sum, e);
  }
  return laneSum(sum);
}

// GELU x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 with erf as a rational function of odd degree 13 over even
// degree 8 on [-4, 4] (erf is +-1 in float beyond), the fit Eigen and XLA use for float erf: absolute error
// below 1e-7 and no exp, about a third of gelu()'s time. Absolute, not relative, accuracy in the far negative
// tail (gelu(-5) = -1.4e-6 comes out within 2e-7), which is all a bf16 product that follows can resolve;
// training keeps gelu() and its derivative.
inline __m512 geluRational(__m512 x) {
  const __m512 scaled = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678f));
  const __m512 z = _mm512_maskz_min_ps(kAllLanes, _mm512_maskz_max_ps(kAllLanes, scaled, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  const __m512 z2 = _mm512_mul_ps(z, z);
  __m512 p = _mm512_set1_ps(-2.72614225801306e-10f);
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(2.77068142495902e-08f));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-2.10102402082508e-06f));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-5.69250639462346e-05f));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-7.34990630326855e-04f));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-2.95459980854025e-03f));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-1.60960333262415e-02f));
  __m512 q = _mm512_set1_ps(-1.45660718464996e-05f);
  q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(-2.13374055278905e-04f));
  q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(-1.68282697438203e-03f));
  q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(-7.37332916720468e-03f));
  q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(-1.42647390514189e-02f));
  const __m512 erf = _mm512_div_ps(_mm512_mul_ps(z, p), q);
  const __m512 half = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
  return _mm512_fmadd_ps(half, erf, half);
}
#endif

}  // namespace genie
