// One ST block (src/models/st-transformer.ts) over one new frame per clip, fused, in fp32 or bf16, for inference.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value StBlock(const Napi::CallbackInfo& info);

}  // namespace genie
