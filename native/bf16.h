// bfloat16 products for inference (bf16.cc explains the layouts): on Intel AMX tiles where the CPU and kernel
// grant them, else with AVX512-BF16 dot products (AMD Zen 4 and later, Intel Cooper Lake and later). Compiled
// only where the compiler targets AVX512-BF16 (-march=native on such a CPU); bf16Ready() says whether this
// build and CPU have either. The fp32 kernels stay the default everywhere.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "args.h"

#if defined(__AVX512BF16__) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define GENIE_BF16 1
#if defined(__AMX_TILE__) && defined(__AMX_BF16__)
#define GENIE_AMX 1
#endif
#endif

namespace genie {

// Output rows and columns computed per step of bf16MultiplyBlock.
constexpr int64_t kBf16Block = 32;

// Which bf16 products this build and CPU run: "amx", "avx512-bf16", or null where neither.
const char* bf16Products();
bool bf16Ready();
// Throws a JS error naming the kernel where bf16Ready() is false.
void requireBf16(const Args& args);

// bf16 values holding a right operand of n columns and depth k, packed by bf16Pack.
int64_t bf16PackedLength(int64_t n, int64_t k);
// bf16PackedLength for sizes from JS, overflow-checked.
int64_t checkedPackedLength(const Args& args, int64_t n, int64_t k);
// A bias of n values zero-padded to whole 32-column blocks, as bf16MultiplyBlock reads biases.
std::vector<float> bf16PaddedBias(const float* bias, int64_t n);
// Packs B (k x n) whose element (row i, column j) is src[j * columnStride + i * rowStride], where rowStride
// is 1 or else columnStride is. For a linear layer's (out, in) weight, B = W^T: n = out, k = in,
// columnStride = in, rowStride = 1.
void bf16Pack(const float* src, int64_t n, int64_t k, int64_t columnStride, int64_t rowStride, uint16_t* packed);
// Row length (bf16 values) of a left-operand block of depth k, as bf16RoundRows writes it.
int64_t bf16RowLength(int64_t k);
#ifdef GENIE_BF16
// Rounds count floats, times scale, into dst and zero-pads it to `length` values.
void bf16RoundRow(const float* src, int64_t count, float scale, uint16_t* dst, int64_t length);
// Rounds `rows` <= 32 rows of k floats (row stride `stride`), times `scale`, into a 32 x ldk block,
// zero-padded.
void bf16RoundRows(const float* src, int64_t rows, int64_t k, int64_t stride, float scale, uint16_t* dst, int64_t ldk);
// C[0:rows, 0:n] = A B + bias for one 32-row block A (from bf16RoundRows) and packed B (n x k as packed);
// bias (null for none) is read in whole 32-column blocks, so it must be padded to a multiple of 32.
void bf16MultiplyBlock(const uint16_t* a, int64_t ldk, const uint16_t* packed, int64_t n, int64_t k, int64_t rows, const float* bias,
                       float* c, int64_t ldc);
#endif

// The arguments of bf16Linear and int8Linear, c (m, n) = a (m, k) W^T + bias, read and checked (lengths; c
// apart from a) except the packed weight W (argument 4), whose form is the kernel's.
struct LinearArgs {
  int64_t m, n, k;
  FloatSpan a, bias, c;
};
LinearArgs readLinearArgs(const Args& args);

Napi::Value Bf16Available(const Napi::CallbackInfo& info);
Napi::Value Bf16Products(const Napi::CallbackInfo& info);
Napi::Value Bf16PackedLength(const Napi::CallbackInfo& info);
Napi::Value Bf16Pack(const Napi::CallbackInfo& info);
Napi::Value Bf16Linear(const Napi::CallbackInfo& info);

}  // namespace genie
