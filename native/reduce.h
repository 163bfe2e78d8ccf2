// Reductions: sum and max over the middle axis of (outer, n, inner), and whole-buffer sumSquares and
// countNonFinite (gradient clipping and NaN checks).
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Sum(const Napi::CallbackInfo& info);
Napi::Value Max(const Napi::CallbackInfo& info);
Napi::Value MaxBackward(const Napi::CallbackInfo& info);
Napi::Value SumSquares(const Napi::CallbackInfo& info);
Napi::Value CountNonFinite(const Napi::CallbackInfo& info);

}  // namespace genie
