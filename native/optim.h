// The fused AdamW step.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Adamw(const Napi::CallbackInfo& info);

}  // namespace genie
