// The element-wise math of the reference backend, in float64: each unary op, its derivative and each
// binary op, one scalar at a time.
import type { BinaryOp, UnaryOp } from './kernels.ts';

const SQRT_PI = Math.sqrt(Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// erf in float64: Taylor series where it converges quickly, the erfc continued fraction in the tails.
// Absolute error is below 1e-14 (checked against Python's math.erf in reference.test.ts).
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return (2 / SQRT_PI) * sum;
  }
  if (ax > 6) return Math.sign(x);
  let fraction = ax;
  for (let n = 60; n >= 1; n--) fraction = ax + n / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / (SQRT_PI * fraction);
  return Math.sign(x) * (1 - erfc);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function forward(op: UnaryOp, x: number, s: number): number {
  switch (op) {
    case 'neg': return -x;
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'sqrt': return Math.sqrt(x);
    case 'rsqrt': return 1 / Math.sqrt(x);
    case 'abs': return Math.abs(x);
    case 'square': return x * x;
    case 'relu': return x > 0 ? x : 0;
    case 'gelu': return 0.5 * x * (1 + erf(x * INV_SQRT_2));
    case 'silu': return x * sigmoid(x);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return Math.tanh(x);
    case 'powScalar': return x ** s;
    case 'mulScalar': return x * s;
    case 'addScalar': return x + s;
  }
}

// f'(x), given x and y = f(x).
export function derivative(op: UnaryOp, x: number, y: number, s: number): number {
  switch (op) {
    case 'neg': return -1;
    case 'exp': return y;
    case 'log': return 1 / x;
    case 'sqrt': return 0.5 / y;
    case 'rsqrt': return -0.5 * y * y * y;
    case 'abs': return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'square': return 2 * x;
    case 'relu': return x > 0 ? 1 : 0;
    case 'gelu': return 0.5 * (1 + erf(x * INV_SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'silu': {
      const sg = sigmoid(x);
      return sg * (1 + x * (1 - sg));
    }
    case 'sigmoid': return y * (1 - y);
    case 'tanh': return 1 - y * y;
    case 'powScalar': return s === 0 ? 0 : s * x ** (s - 1);
    case 'mulScalar': return s;
    case 'addScalar': return 1;
  }
}

export function binaryOp(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'max': return a >= b ? a : b;
    case 'min': return a <= b ? a : b;
  }
}
