// A small seeded generator (sfc32 seeded through splitmix32) used only inside the environment.
// The environment keeps its own instead of the engine's Rng on purpose: levels must stay identical
// for a given seed forever and in the browser, whatever happens to the training code's generator.
// Integer-only (Math.imul, >>> 0), so every JavaScript engine produces the same sequence.

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Different `stream` values give independent sequences for the same seed (level layout vs. looks). */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`SeededRandom: seed must be a non-negative safe integer, got ${seed}`);
    // Mix the low and high 32-bit halves so seeds above 2^32 still give distinct streams.
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9) ^ Math.imul(stream, 0x632be5ab);
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`SeededRandom.int: empty range [${lo}, ${hi}]`);
    // Modulo bias is below 2^-20 for the small ranges used here; simplicity wins.
    return lo + (this.uint32() % (hi - lo + 1));
  }

  /** True with probability percent/100 (integer percent keeps it float-free). */
  chance(percent: number): boolean {
    return this.uint32() % 100 < percent;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('SeededRandom.pick: no items');
    return items[this.uint32() % items.length];
  }
}
