// int8 products for inference (int8.cc explains the arithmetic and layout): AVX512-VNNI's VPDPBUSD does 64
// multiply-adds of bytes into 16 int32 sums per instruction, twice VDPBF16PS's 32. Compiled where the
// compiler targets AVX512-VNNI as well as the bf16 kernels (the fused ST block runs its linear layers in
// int8 inside its bf16 arithmetic); int8Ready() says whether this build has them. Opt-in (--precision
// int8): its rounding is coarser than bf16's.
#pragma once

#include <napi.h>

#include <cstdint>

#include "bf16.h"

#if defined(GENIE_BF16) && defined(__AVX512VNNI__)
#define GENIE_INT8 1
#endif

namespace genie {

bool int8Ready();
// Throws a JS error naming the kernel where int8Ready() is false.
void requireInt8(const Args& args);

// Bytes of a linear layer's (n = out, k = in) weight packed by int8Pack.
int64_t int8PackedLength(int64_t n, int64_t k);
// int8PackedLength for sizes from JS, overflow-checked.
int64_t checkedInt8Length(const Args& args, int64_t n, int64_t k);
// Row length (bytes) of a quantized left operand of depth k, as int8QuantizeRow writes it.
int64_t int8RowLength(int64_t k);
// Quantizes W (n, k), row-major, into `packed` (int8PackedLength(n, k) bytes).
void int8Pack(const float* w, int64_t n, int64_t k, uint8_t* packed);

#ifdef GENIE_INT8
// A quantized row of the left operand: value = int8 code x scale; offset = 128 x the sum of its codes.
struct Int8Row {
  float scale;
  int32_t offset;
};
// Quantizes `count` floats into dst (`length` bytes, zero-padded); count 0 gives a padding row. NaN or
// infinity anywhere makes the scale NaN, so the row's outputs are NaN.
Int8Row int8QuantizeRow(const float* src, int64_t count, int8_t* dst, int64_t length);
// C[0:rows, 0:n] = A W^T + bias for a block of rows <= 32 of quantized A (row stride ldk bytes, rows up to
// a multiple of 8 present) and W packed by int8Pack (n x k); bias (null for none) is read in whole
// 32-column blocks, so it must be padded to a multiple of 32 (bf16PaddedBias).
void int8MultiplyBlock(const int8_t* a, int64_t ldk, const Int8Row* aRows, const uint8_t* packed, int64_t n, int64_t k, int64_t rows,
                       const float* bias, float* c, int64_t ldc);
#endif

Napi::Value Int8Available(const Napi::CallbackInfo& info);
Napi::Value Int8PackedLength(const Napi::CallbackInfo& info);
Napi::Value Int8Pack(const Napi::CallbackInfo& info);
Napi::Value Int8Linear(const Napi::CallbackInfo& info);

}  // namespace genie
