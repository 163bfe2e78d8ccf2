// Row-wise kernels over (rows, cols): softmax (optionally causal), log-softmax, LayerNorm, RMSNorm.
#pragma once

#include <napi.h>

#include <cstdint>

namespace genie {

Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info);
// Draws one index per listed row of logits (generation's MaskGIT sampling).
Napi::Value SampleRows(const Napi::CallbackInfo& info);
Napi::Value LogSoftmax(const Napi::CallbackInfo& info);
Napi::Value LogSoftmaxBackward(const Napi::CallbackInfo& info);
Napi::Value LayerNorm(const Napi::CallbackInfo& info);
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info);
Napi::Value RmsNorm(const Napi::CallbackInfo& info);
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info);

// Softmax of one row in place of y: y[j] = exp(x[j] - max) / sum over the first `visible` columns.
// Returns the row's log-sum-exp. Shared with attention.
float softmaxRow(const float* x, float* y, int64_t visible);

// LayerNorm of one row of `cols` values into y (w, b null for none), sums in double; mean and rstd (may be
// null) receive the row's statistics. Shared with the fused ST block's fp32 path.
void layerNormRow(const float* x, int64_t cols, const float* w, const float* b, double eps, float* y, float* mean, float* rstd);

}  // namespace genie
