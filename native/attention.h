// Fused scaled-dot-product attention and its backward.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Attention(const Napi::CallbackInfo& info);
Napi::Value AttentionBackward(const Napi::CallbackInfo& info);

}  // namespace genie
