// Batched strided sgemm on OpenBLAS (GemmParams in src/engine/kernels.ts).
#pragma once

#include <napi.h>

namespace genie {

// Called once when the addon loads: OpenBLAS runs single-threaded, the thread pool splits products.
void initGemm();

// One single-threaded row-major sgemm on raw pointers, for kernels (attention) that multiply slices.
void sgemmSerial(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc);

Napi::Value Gemm(const Napi::CallbackInfo& info);

}  // namespace genie
