// Seeded randomness for everything stochastic (initialisation, dropout, masking, sampling): xoshiro128**
// (Blackman and Vigna), seeded through splitmix32. Its whole state is four 32-bit words, which a checkpoint
// saves so a resumed run draws exactly the numbers it would have drawn.

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 2 ** 32;

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  // Any integer seed; seeds that differ only above bit 32 still give different streams.
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    const next = splitmix32((seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x27d4eb2d));
    this.setState([next(), next(), next(), next()]);
  }

  // The next 32 random bits as an unsigned integer.
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  // Uniform in [0, 1).
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  // Integer uniform in [0, n).
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  // Standard normal (Box-Muller; one value per two draws, so the state stays four words).
  normal(mean = 0, std = 1): number {
    const u = 1 - this.uniform();
    const angle = 2 * Math.PI * this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(angle);
  }

  // An index drawn with probability proportional to weights[i] (weights need not sum to 1).
  categorical(weights: ArrayLike<number>): number {
    return categoricalPick(weights, categoricalTotal(weights), this.uniform());
  }

  // Fisher-Yates, in place; returns the array.
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: readonly number[]): void {
    const valid = state.length === 4 && state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32);
    if (!valid) throw new Error(`Rng.setState: expected four 32-bit unsigned integers, got [${state.join(', ')}]`);
    if (state.every((w) => w === 0)) throw new Error('Rng.setState: the all-zero state is invalid for xoshiro128**');
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// Rng.categorical in two parts, so that a kernel given the uniforms draws the same indices (sampleRows in
// kernels.ts). The sum of the weights in index order; throws unless they are finite, >= 0 and sum above 0.
export function categoricalTotal(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i] >= 0)) throw new Error(`Rng.categorical: weight ${i} is ${weights[i]}; weights must be finite and >= 0`);
    total += weights[i];
  }
  if (!(total > 0 && Number.isFinite(total))) throw new Error(`Rng.categorical: weights sum to ${total}; need a positive finite sum`);
  return total;
}

// The index at which u * total, less the weights in index order, first drops below 0 (u uniform in [0, 1)).
export function categoricalPick(weights: ArrayLike<number>, total: number, u: number): number {
  let target = u * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  // Rounding can leave target at 0 after the last positive weight: return that weight's index.
  for (let i = weights.length - 1; ; i--) if (weights[i] > 0) return i;
}
