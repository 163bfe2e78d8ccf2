// Fused scaled-dot-product attention, its backward, and a bf16 forward for inference.
#pragma once

#include <napi.h>

#include <cstdint>

#include "bf16.h"

namespace genie {

// Strided (G1, G2, L, H, Dh) views of q, k, v and the output (AttentionParams in src/engine/kernels.ts):
// element (i1, i2, r, head * Dh + d) of a view is at i1 * g1 + i2 * g2 + r * row + head * Dh + d.
struct AttentionStrides {
  int64_t g1, g2, row;
};

struct AttentionLayout {
  int64_t g1, g2, lq, lk, heads, headDim;
  bool causal;
  float scale;
  AttentionStrides q, k, v, o;

  int64_t pairs() const { return g1 * g2 * heads; }
  int64_t width() const { return heads * headDim; }
};

Napi::Value Attention(const Napi::CallbackInfo& info);
// Forward only, bf16 products (AMX or AVX512-BF16; inference).
Napi::Value AttentionBf16(const Napi::CallbackInfo& info);
Napi::Value AttentionBackward(const Napi::CallbackInfo& info);

// attention's forward over a layout the caller has checked, split over the pool (also used by st-block.cc);
// lse may be null (inference).
void attendFloat(const AttentionLayout& a, const float* q, const float* k, const float* v, float* out, float* lse);

#ifdef GENIE_BF16
// attentionBf16 over a layout the caller has checked, split over the pool (also used by st-block.cc).
void attendBf16(const AttentionLayout& a, const float* q, const float* k, const float* v, float* out);
#endif

}  // namespace genie
