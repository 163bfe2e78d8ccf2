// Kernels indexed by integer ids: embedding gather and its scatter-add gradient, picking one column per
// row (cross-entropy targets), and nearest codebook entry (vector quantisation).
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Gather(const Napi::CallbackInfo& info);
Napi::Value ScatterAdd(const Napi::CallbackInfo& info);
Napi::Value Pick(const Napi::CallbackInfo& info);
Napi::Value PickBackward(const Napi::CallbackInfo& info);
Napi::Value NearestCode(const Napi::CallbackInfo& info);

}  // namespace genie
