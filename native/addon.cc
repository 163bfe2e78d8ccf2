// The registration table of genie_native.node: one entry per kernel of src/engine/kernels.ts.
#include <malloc.h>
#include <napi.h>

#include <cstdlib>

#include "attention.h"
#include "bf16.h"
#include "int8.h"
#include "elementwise.h"
#include "gemm.h"
#include "index-ops.h"
#include "optim.h"
#include "reduce.h"
#include "softmax-norm.h"
#include "st-block.h"
#include "thread-pool.h"

namespace genie {

// Not a kernel: lets tests and benchmarks report how many threads the pool uses.
Napi::Value ThreadCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), threadCount()); }

// Tensors are large (8-67 MB each in a cpu-preset training step) and short-lived. By default glibc gives
// blocks that size a fresh mmap and unmaps them on free, so every new tensor takes a page fault per 4 KB page
// when first written (measured: filling a new 25 MB buffer 9.9 ms, a reused one 0.8 ms). Serving them from the
// heap and keeping up to 512 MB of freed heap for reuse made a phase-2 training step 4.29 -> 3.43 s and a
// tokenizer step 1.12 -> 1.05 s, at the same peak RSS. A user's own MALLOC_* settings win.
static void reuseFreedMemory() {
#ifdef __GLIBC__
  for (const char* name : {"MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"}) {
    if (std::getenv(name) != nullptr) return;
  }
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

}  // namespace genie

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace genie;
  reuseFreedMemory();
  initGemm();
  const std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)> kernels[] = {
      {"gemm", Gemm},
      {"unary", Unary},
      {"unaryBackward", UnaryBackward},
      {"binary", Binary},
      {"copy", Copy},
      {"sum", Sum},
      {"max", Max},
      {"maxBackward", MaxBackward},
      {"softmax", Softmax},
      {"softmaxBackward", SoftmaxBackward},
      {"sampleRows", SampleRows},
      {"logSoftmax", LogSoftmax},
      {"logSoftmaxBackward", LogSoftmaxBackward},
      {"layerNorm", LayerNorm},
      {"layerNormBackward", LayerNormBackward},
      {"rmsNorm", RmsNorm},
      {"rmsNormBackward", RmsNormBackward},
      {"gather", Gather},
      {"scatterAdd", ScatterAdd},
      {"pick", Pick},
      {"pickBackward", PickBackward},
      {"nearestCode", NearestCode},
      {"attention", Attention},
      {"attentionBackward", AttentionBackward},
      {"bf16Available", Bf16Available},
      {"bf16Products", Bf16Products},
      {"bf16PackedLength", Bf16PackedLength},
      {"bf16Pack", Bf16Pack},
      {"bf16Linear", Bf16Linear},
      {"int8Available", Int8Available},
      {"int8PackedLength", Int8PackedLength},
      {"int8Pack", Int8Pack},
      {"int8Linear", Int8Linear},
      {"attentionBf16", AttentionBf16},
      {"stBlock", StBlock},
      {"adamw", Adamw},
      {"axpby", Axpby},
      {"sumSquares", SumSquares},
      {"countNonFinite", CountNonFinite},
      {"fill", Fill},
      {"threadCount", ThreadCount},
  };
  for (const auto& [name, kernel] : kernels) exports.Set(name, Napi::Function::New(env, kernel, name));
  return exports;
}

NODE_API_MODULE(genie_native, Init)
