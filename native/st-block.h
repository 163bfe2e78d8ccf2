// One ST block (src/models/st-transformer.ts) over one new frame per clip, fused, in bf16, for inference.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value StBlockBf16(const Napi::CallbackInfo& info);

}  // namespace genie
