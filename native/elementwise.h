// Element-wise kernels: unary ops and their derivatives, broadcasting binary ops, strided copy, axpby, fill.
#pragma once

#include <napi.h>

namespace genie {

Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value UnaryBackward(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Copy(const Napi::CallbackInfo& info);
Napi::Value Axpby(const Napi::CallbackInfo& info);
Napi::Value Fill(const Napi::CallbackInfo& info);

}  // namespace genie
