// The registration table of genie_native.node: one entry per kernel of src/engine/kernels.ts.
#include <napi.h>

#include "attention.h"
#include "elementwise.h"
#include "gemm.h"
#include "index-ops.h"
#include "optim.h"
#include "reduce.h"
#include "softmax-norm.h"
#include "thread-pool.h"

namespace genie {

// Not a kernel: lets tests and benchmarks report how many threads the pool uses.
Napi::Value ThreadCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), threadCount()); }

}  // namespace genie

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace genie;
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
