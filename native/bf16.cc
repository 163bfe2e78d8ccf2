// bfloat16 products for inference (bf16.h). Inputs are rounded to bf16 (8-bit mantissa); sums stay fp32, as
// in PyTorch's CPU autocast. Two kernels compute them from the same packed operands:
// - Intel AMX: a tile multiply (TDPBF16PS) does 16 x 16 x 32 multiply-adds; measured on this project's 2-core
//   Sapphire Rapids machine, a 256 x 128 x 384 product took 31 us on one core against 149 us for OpenBLAS
//   sgemm.
// - AVX512-BF16 where there are no tiles: VDPBF16PS adds 16 lanes of (k, k+1) pair products into fp32
//   sums, twice the multiply-adds of an fp32 FMA. Measured on a 2-vCPU AMD EPYC (Zen 4), one core: 256 x 128
//   x 384 in 119 us (105 G multiply-adds/s, one VDPBF16PS a cycle) against 268 us for OpenBLAS sgemm.
// The two sum each output's pairs in the same order but may round a partial sum differently.
//
// Layouts. A tile multiply reads A as 16 rows x 32 bf16 and B as 16 rows of 16 (k, k+1) pairs ("VNNI"
// order). So the right operand is packed once into 16-column x 32-deep tiles: tile (nb, kb) holds
// B[kb*32 + 2r + e][nb*16 + c] at r*32 + c*2 + e, zero outside B. A tile row (one k pair, 16 columns) is
// also exactly one VDPBF16PS operand, and the tiles of a column block follow one another along k, so pair p
// of column block nb is the 32 values at (nb * kTiles) * kTileSize + p * 32. The left operand is rounded to
// bf16 one block of 32 rows at a time into per-worker scratch, zero-padded to whole tiles. AMX keeps four
// accumulator tiles per block of 32 x 32 outputs: C tiles 0-3, A tiles 4-5, B tiles 6-7.
#include "bf16.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "thread-pool.h"
#include "vector-math.h"

#ifdef GENIE_BF16
#include <immintrin.h>
#endif
#ifdef GENIE_AMX
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace genie {

namespace {

constexpr int64_t kTileRows = 16;   // rows of an A tile, and columns of a B tile
constexpr int64_t kTileDepth = 32;  // bf16 values along k in one tile row
constexpr int64_t kTileSize = kTileRows * kTileDepth;  // bf16 values in a packed B tile
constexpr int64_t kBlock = kBf16Block;  // output rows and columns of one step: 2 x 2 accumulator tiles

// Below this many multiply-adds a product stays on one thread. Back to back in a loop, two threads lost to
// one at 256 x 128 x 384 (50 vs 28 us) and won at 256 x 128 x 1024 (75 vs 106 us); yet in play, where the
// products come between other kernels, splitting from 2^20 (all of the dynamics model's products) made a
// frame 248-255 ms against 275 ms from 2^25, and 2^18 258-261 ms.
constexpr double kMinParallelWork = 1 << 20;

int64_t roundUp(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Packed right operand of `n` columns: column blocks of 16, rounded to an even count so that every
// 32-column step has both B tiles.
int64_t columnTiles(int64_t n) { return roundUp(n, kBlock) / kTileRows; }
int64_t depthTiles(int64_t k) { return roundUp(k, kTileDepth) / kTileDepth; }

// Round to nearest even, as the hardware conversion does; NaN stays NaN.
uint16_t toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if (std::isnan(x)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

// `count` floats times `scale`, rounded to bf16.
void roundLine(const float* src, int64_t count, float scale, uint16_t* dst) {
  int64_t i = 0;
#ifdef GENIE_BF16
  const __m512 s = _mm512_set1_ps(scale);
  for (; i + 16 <= count; i += 16) {
    const __m256bh h = _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_loadu_ps(src + i), s));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), reinterpret_cast<const __m256i&>(h));
  }
#endif
  for (; i < count; i++) dst[i] = toBf16(src[i] * scale);
}

// Packed B viewed as 32-bit (k, k+1) pairs: where the pair of rows i, i+1 (i even) of column j goes.
int64_t pairIndex(int64_t i, int64_t j, int64_t kTiles) {
  return ((j / kTileRows) * kTiles + i / kTileDepth) * (kTileSize / 2) + (i % kTileDepth / 2) * kTileRows + j % kTileRows;
}

void storePair(uint16_t* packed, int64_t index, uint16_t first, uint16_t second) {
  const uint32_t pair = first | (static_cast<uint32_t>(second) << 16);
  std::memcpy(packed + 2 * index, &pair, 4);
}

}  // namespace

int64_t bf16PackedLength(int64_t n, int64_t k) { return columnTiles(n) * depthTiles(k) * kTileSize; }

int64_t bf16RowLength(int64_t k) { return roundUp(std::max<int64_t>(k, 1), kTileDepth); }

void bf16Pack(const float* src, int64_t n, int64_t k, int64_t columnStride, int64_t rowStride, uint16_t* packed) {
  const int64_t kTiles = depthTiles(k);
  std::fill(packed, packed + bf16PackedLength(n, k), uint16_t{0});
  if (rowStride == 1) {  // columns of B are contiguous (a weight's rows, attention keys): round one at a time
    std::vector<uint16_t> column(static_cast<size_t>(roundUp(k, 2)), 0);
    for (int64_t j = 0; j < n; j++) {
      roundLine(src + j * columnStride, k, 1.0f, column.data());
      for (int64_t i = 0; i < k; i += 2) storePair(packed, pairIndex(i, j, kTiles), column[i], column[i + 1]);
    }
    return;
  }
  // Rows of B contiguous (attention values, columnStride 1): interleave rows two at a time.
  std::vector<uint16_t> rows(static_cast<size_t>(2 * n), 0);
  for (int64_t i = 0; i < k; i += 2) {
    roundLine(src + i * rowStride, n, 1.0f, rows.data());
    if (i + 1 < k) roundLine(src + (i + 1) * rowStride, n, 1.0f, rows.data() + n);
    else std::fill(rows.begin() + n, rows.end(), uint16_t{0});
    for (int64_t j = 0; j < n; j++) storePair(packed, pairIndex(i, j, kTiles), rows[j], rows[n + j]);
  }
}

#ifdef GENIE_BF16

namespace {

#ifdef GENIE_AMX
bool requestAmx() {
  unsigned eax, ebx, ecx, edx;
  __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
  const bool tile = (edx >> 24) & 1, bf16 = (edx >> 22) & 1;
  // Linux hands out the 8 KB tile register state only on request (ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA).
  return tile && bf16 && syscall(SYS_arch_prctl, 0x1023, 18) == 0;
}

// Tiles where the CPU and kernel grant them, unless GENIE_BF16_PRODUCTS=avx512-bf16 asks for the
// dot-product kernel (so that tests and benchmarks can run it on AMX machines too).
bool useTiles() {
  static const bool tiles = [] {
    const char* asked = std::getenv("GENIE_BF16_PRODUCTS");
    return !(asked && std::string(asked) == "avx512-bf16") && requestAmx();
  }();
  return tiles;
}

struct TileConfig {
  uint8_t palette = 1;
  uint8_t startRow = 0;
  uint8_t reserved[14] = {};
  uint16_t bytesPerRow[16] = {};
  uint8_t rows[16] = {};
};

// Tile configuration is per thread; every tile is 16 rows of 64 bytes.
void configureTiles() {
  thread_local bool configured = false;
  if (configured) return;
  TileConfig config;
  for (int t = 0; t < 8; t++) {
    config.rows[t] = kTileRows;
    config.bytesPerRow[t] = 64;
  }
  _tile_loadconfig(&config);
  configured = true;
}

void multiplyOnTiles(const uint16_t* a, int64_t ldk, const uint16_t* packed, int64_t n, int64_t k, int64_t rows, const float* bias, float* c,
                     int64_t ldc) {
  configureTiles();
  const int64_t kTiles = depthTiles(k);
  alignas(64) float edge[kBlock * kBlock];
  for (int64_t j = 0; j < n; j += kBlock) {
    const bool whole = rows == kBlock && j + kBlock <= n;
    float* target = whole ? c + j : edge;
    const int64_t ld = whole ? ldc : kBlock;
    if (bias) {  // every row of the accumulators starts as the bias: a tile load with row stride 0
      _tile_loadd(0, bias + j, 0);
      _tile_loadd(1, bias + j + 16, 0);
      _tile_loadd(2, bias + j, 0);
      _tile_loadd(3, bias + j + 16, 0);
    } else {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
    }
    const uint16_t* left = packed + (j / kTileRows) * kTiles * kTileSize;
    const uint16_t* right = left + kTiles * kTileSize;
    for (int64_t kb = 0; kb < kTiles; kb++) {
      _tile_loadd(4, a + kb * kTileDepth, ldk * 2);
      _tile_loadd(5, a + 16 * ldk + kb * kTileDepth, ldk * 2);
      _tile_loadd(6, left + kb * kTileSize, 64);
      _tile_loadd(7, right + kb * kTileSize, 64);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, target, ld * 4);
    _tile_stored(1, target + 16, ld * 4);
    _tile_stored(2, target + 16 * ld, ld * 4);
    _tile_stored(3, target + 16 * ld + 16, ld * 4);
    if (whole) continue;
    const int64_t cols = std::min(kBlock, n - j);
    for (int64_t r = 0; r < rows; r++) std::copy(edge + r * kBlock, edge + r * kBlock + cols, c + r * ldc + j);
  }
}
#endif

// Output rows per register block of the dot-product kernel: 8 rows x 32 columns = 16 accumulators, with
// room for the two B vectors and the broadcast A pairs in the 32 registers.
constexpr int64_t kDotRows = 8;

// sum += the products of the bf16 pair at `pair` (broadcast to every lane) with b's 16 pairs, summed per
// lane. Written in assembly because GCC 12 keeps _mm512_dpbf16_ps's operands in one register, moving each B
// vector through the stack for every row; this form also broadcasts the pair straight from memory.
inline void addPairProducts(__m512& sum, const int32_t* pair, __m512i b) {
  asm("vdpbf16ps %2%{1to16%}, %1, %0" : "+v"(sum) : "v"(b), "m"(*pair));
}

// The same product with VDPBF16PS: for each k pair, two B vectors (32 columns) meet each row's A pair
// broadcast to all lanes. Rows past `rows` are computed (A's block is zero-padded) but not stored.
void multiplyWithDots(const uint16_t* a, int64_t ldk, const uint16_t* packed, int64_t n, int64_t k, int64_t rows, const float* bias, float* c,
                      int64_t ldc) {
  const int64_t kTiles = depthTiles(k), pairs = kTiles * kTileDepth / 2;
  for (int64_t j = 0; j < n; j += kBlock) {
    const uint16_t* left = packed + (j / kTileRows) * kTiles * kTileSize;
    const uint16_t* right = left + kTiles * kTileSize;
    const __m512 biasLeft = bias ? _mm512_loadu_ps(bias + j) : _mm512_setzero_ps();
    const __m512 biasRight = bias ? _mm512_loadu_ps(bias + j + 16) : _mm512_setzero_ps();
    const int64_t cols = std::min(kBlock, n - j);
    const __mmask16 storeLeft = lanesFrom(0, cols), storeRight = cols > 16 ? lanesFrom(16, cols) : 0;
    for (int64_t first = 0; first < rows; first += kDotRows) {
      __m512 sumLeft[kDotRows], sumRight[kDotRows];
#pragma GCC unroll 8
      for (int64_t r = 0; r < kDotRows; r++) sumLeft[r] = biasLeft, sumRight[r] = biasRight;
      const uint16_t* aRows = a + first * ldk;
      for (int64_t p = 0; p < pairs; p++) {
        const __m512i bLeft = _mm512_loadu_si512(left + p * 32), bRight = _mm512_loadu_si512(right + p * 32);
#pragma GCC unroll 8
        for (int64_t r = 0; r < kDotRows; r++) {
          const int32_t* aPair = reinterpret_cast<const int32_t*>(aRows + r * ldk + 2 * p);
          addPairProducts(sumLeft[r], aPair, bLeft);
          addPairProducts(sumRight[r], aPair, bRight);
        }
      }
      for (int64_t r = 0; r < kDotRows && first + r < rows; r++) {
        _mm512_mask_storeu_ps(c + (first + r) * ldc + j, storeLeft, sumLeft[r]);
        _mm512_mask_storeu_ps(c + (first + r) * ldc + j + 16, storeRight, sumRight[r]);
      }
    }
  }
}

}  // namespace

void bf16RoundRow(const float* src, int64_t count, float scale, uint16_t* dst, int64_t length) {
  roundLine(src, count, scale, dst);
  std::fill(dst + count, dst + length, uint16_t{0});
}

void bf16RoundRows(const float* src, int64_t rows, int64_t k, int64_t stride, float scale, uint16_t* dst, int64_t ldk) {
  for (int64_t r = 0; r < kBlock; r++) bf16RoundRow(src + r * stride, r < rows ? k : 0, scale, dst + r * ldk, ldk);
}

void bf16MultiplyBlock(const uint16_t* a, int64_t ldk, const uint16_t* packed, int64_t n, int64_t k, int64_t rows, const float* bias, float* c,
                       int64_t ldc) {
#ifdef GENIE_AMX
  if (useTiles()) return multiplyOnTiles(a, ldk, packed, n, k, rows, bias, c, ldc);
#endif
  multiplyWithDots(a, ldk, packed, n, k, rows, bias, c, ldc);
}

#endif

const char* bf16Products() {
#if defined(GENIE_AMX)
  return useTiles() ? "amx" : "avx512-bf16";
#elif defined(GENIE_BF16)
  return "avx512-bf16";
#else
  return nullptr;
#endif
}

bool bf16Ready() { return bf16Products() != nullptr; }

void requireBf16(const Args& args) {
  if (!bf16Ready()) args.fail("this CPU (or this build) has no bf16 products (AMX or AVX512-BF16); check bf16Available() first");
}

int64_t checkedPackedLength(const Args& args, int64_t n, int64_t k) {
  return checkedMul(args, checkedMul(args, columnTiles(n), depthTiles(k)), kTileSize);
}

std::vector<float> bf16PaddedBias(const float* bias, int64_t n) {
  std::vector<float> padded(static_cast<size_t>(roundUp(n, kBlock)), 0.0f);
  std::copy(bias, bias + n, padded.begin());
  return padded;
}

Napi::Value Bf16Available(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), bf16Ready()); }

Napi::Value Bf16Products(const Napi::CallbackInfo& info) {
  const char* products = bf16Products();
  return products ? Napi::String::New(info.Env(), products) : info.Env().Null();
}

Napi::Value Bf16PackedLength(const Napi::CallbackInfo& info) {
  Args args(info, "bf16PackedLength");
  return Napi::Number::New(info.Env(), static_cast<double>(checkedPackedLength(args, args.size(0, "rows"), args.size(1, "cols"))));
}

Napi::Value Bf16Pack(const Napi::CallbackInfo& info) {
  Args args(info, "bf16Pack");
  FloatSpan w = args.floats(0, "w");
  const int64_t rows = args.size(1, "rows"), cols = args.size(2, "cols");
  Uint16Span packed = args.uint16s(3, "packed");
  args.requireLength("w", w.length, checkedMul(args, rows, cols));
  args.requireLength("packed", packed.length, checkedPackedLength(args, rows, cols));
  bf16Pack(w.data, rows, cols, cols, 1, packed.data);
  return info.Env().Undefined();
}

LinearArgs readLinearArgs(const Args& args) {
  const int64_t m = args.size(0, "m"), n = args.size(1, "n"), k = args.size(2, "k");
  const FloatSpan a = args.floats(3, "a"), bias = args.optionalFloats(5, "bias"), c = args.floats(6, "c");
  args.requireLength("a", a.length, checkedMul(args, m, k));
  if (bias.data) args.requireLength("bias", bias.length, n);
  args.requireLength("c", c.length, checkedMul(args, m, n));
  if (buffersOverlap(c.data, c.length * 4, a.data, a.length * 4)) args.fail("c overlaps a; the output must not share elements with an input");
  return {m, n, k, a, bias, c};
}

Napi::Value Bf16Linear(const Napi::CallbackInfo& info) {
  Args args(info, "bf16Linear");
  const LinearArgs call = readLinearArgs(args);
  const int64_t m = call.m, n = call.n, k = call.k;
  Uint16Span packed = args.uint16s(4, "packed");
  args.requireLength("packed", packed.length, checkedPackedLength(args, n, k));
  if (m == 0 || n == 0) return info.Env().Undefined();
  requireBf16(args);
#ifdef GENIE_BF16
  const FloatSpan a = call.a, bias = call.bias, c = call.c;
  const int64_t ldk = bf16RowLength(k);
  // Tasks: blocks of 32 rows x column ranges; columns split only when there are fewer row blocks than
  // threads (each task rounds its own rows, so a split repeats that work).
  const int64_t rowBlocks = (m + kBlock - 1) / kBlock;
  const int workers = static_cast<double>(m) * n * k < kMinParallelWork ? 1 : threadCount();
  const int64_t columnParts = rowBlocks >= workers ? 1 : std::min<int64_t>(workers, roundUp(n, kBlock) / kBlock);
  const int64_t partWidth = roundUp((n + columnParts - 1) / columnParts, kBlock);
  std::vector<uint16_t> scratch(static_cast<size_t>(workers * kBlock * ldk));
  const std::vector<float> paddedBias = bias.data ? bf16PaddedBias(bias.data, n) : std::vector<float>();
  parallelItems(rowBlocks * columnParts, workers, [&](int64_t item, int worker) {
    const int64_t row = (item / columnParts) * kBlock, from = (item % columnParts) * partWidth;
    const int64_t rows = std::min(kBlock, m - row), cols = std::min(partWidth, n - from);
    if (cols <= 0) return;
    uint16_t* rounded = scratch.data() + static_cast<size_t>(worker) * kBlock * ldk;
    bf16RoundRows(a.data + row * k, rows, k, k, 1.0f, rounded, ldk);
    const uint16_t* part = packed.data + (from / kTileRows) * depthTiles(k) * kTileSize;
    const float* partBias = bias.data ? paddedBias.data() + from : nullptr;
    bf16MultiplyBlock(rounded, ldk, part, cols, k, rows, partBias, c.data + row * n + from, n);
  });
#endif
  return info.Env().Undefined();
}

}  // namespace genie
