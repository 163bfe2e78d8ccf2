// Fused scaled-dot-product attention, its backward, and a bf16 forward for inference.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Attention(const Napi::CallbackInfo& info);
// Forward only, bf16 products on AMX (inference).
Napi::Value AttentionBf16(const Napi::CallbackInfo& info);
Napi::Value AttentionBackward(const Napi::CallbackInfo& info);

}  // namespace genie
