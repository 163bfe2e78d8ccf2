// Test support: finite-difference gradient checks, and the list of backends the op tests run on.
import { noGrad } from './autodiff.ts';
import { useBackend } from './backend.ts';
import type { Kernels } from './kernels.ts';
import { loadNative } from './native.ts';
import { backward, mul, sum } from './ops.ts';
import { Rng } from './random.ts';
import { reference } from './reference.ts';
import { formatShape } from './shape.ts';
import { Tensor, parameter } from './tensor.ts';

export interface GradcheckOptions {
  eps?: number;
  // |analytic - numeric| <= atol + rtol * |numeric| for every element.
  atol?: number;
  rtol?: number;
}

// Checks the gradients of f at `inputs` (made parameters here) against central differences of
// L = sum(f(inputs) * R) for a fixed random R, evaluated in float64 from the float32 outputs. Throws an
// Error naming the input and element that disagree.
export function gradcheck(name: string, f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 1e-3, atol = 2e-3, rtol = 2e-2 } = options;
  for (const input of inputs) {
    parameter(input);
    input.grad = null;
  }
  const output = f(...inputs);
  const rng = new Rng(1234);
  const weights = new Tensor(output.shape, rng.fillUniform(new Float32Array(output.size), -1, 1));
  backward(sum(mul(output, weights)));
  const loss = (): number =>
    noGrad(() => {
      const values = f(...inputs).data;
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[i] * weights.data[i];
      return total;
    });
  inputs.forEach((input, which) => {
    for (let i = 0; i < input.size; i++) {
      const original = input.data[i];
      input.data[i] = original + eps;
      const plus = loss();
      input.data[i] = original - eps;
      const minus = loss();
      input.data[i] = original;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = input.grad ? input.grad.data[i] : 0;
      if (!(Math.abs(analytic - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`${name}: gradient of input ${which} ${formatShape(input.shape)} at element ${i}: analytic ${analytic} vs numeric ${numeric}`);
      }
    }
  });
}

// Deterministic test data: uniform in [low, high), or with |x| >= gap so kinks (relu, abs, max) are avoided.
export function randomTensor(shape: number[], seed: number, low = -1, high = 1, gap = 0): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((n, d) => n * d, 1);
  const data = rng.fillUniform(new Float32Array(size), low, high);
  if (gap > 0) for (let i = 0; i < size; i++) data[i] = Math.sign(data[i] || 1) * (gap + Math.abs(data[i]));
  return new Tensor(shape, data);
}

// Runs fn with the given backend active.
export function withBackend(kernels: Kernels, fn: () => void): void {
  const previous = useBackend(kernels);
  try {
    fn();
  } finally {
    useBackend(previous);
  }
}

function loadableNative(): Kernels[] {
  try {
    return [loadNative()];
  } catch (err) {
    console.log(`# native backend not tested here: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return [];
  }
}

// The backends the op tests run on: the reference always, the native addon where it is built.
export const testBackends: Kernels[] = [reference, ...loadableNative()];
