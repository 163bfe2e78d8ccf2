#include "optim.h"

#include <cmath>
#include <cstdint>

#include "args.h"
#include "thread-pool.h"

namespace genie {

Napi::Value Adamw(const Napi::CallbackInfo& info) {
  Args args(info, "adamw");
  FloatSpan param = args.floats(0, "param");
  FloatSpan grad = args.floats(1, "grad");
  FloatSpan m = args.floats(2, "m");
  FloatSpan v = args.floats(3, "v");
  const double lr = args.number(4, "lr");
  const double beta1 = args.number(5, "beta1");
  const double beta2 = args.number(6, "beta2");
  const double eps = args.number(7, "eps");
  const double weightDecay = args.number(8, "weightDecay");
  const int64_t step = args.size(9, "step");
  args.requireLength("grad", grad.length, param.length);
  args.requireLength("m", m.length, param.length);
  args.requireLength("v", v.length, param.length);
  if (step < 1) args.failRange("step must be >= 1 (the bias corrections divide by 1 - beta^step), got 0");

  // Scalars in double, then float for the vectorised element loop.
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float oneMinusB1 = static_cast<float>(1.0 - beta1), oneMinusB2 = static_cast<float>(1.0 - beta2);
  const float inverseCorrection1 = static_cast<float>(1.0 / (1.0 - std::pow(beta1, static_cast<double>(step))));
  const float inverseCorrection2 = static_cast<float>(1.0 / (1.0 - std::pow(beta2, static_cast<double>(step))));
  const float rate = static_cast<float>(lr), decay = static_cast<float>(weightDecay), epsilon = static_cast<float>(eps);
  float* p = param.data;
  const float* g = grad.data;
  float* ms = m.data;
  float* vs = v.data;
  parallelFor(param.length, kCheapGrain / 4, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float mi = b1 * ms[i] + oneMinusB1 * g[i];
      const float vi = b2 * vs[i] + oneMinusB2 * g[i] * g[i];
      ms[i] = mi;
      vs[i] = vi;
      const float update = (mi * inverseCorrection1) / (std::sqrt(vi * inverseCorrection2) + epsilon);
      p[i] -= rate * (decay * p[i] + update);
    }
  });
  return info.Env().Undefined();
}

}  // namespace genie
