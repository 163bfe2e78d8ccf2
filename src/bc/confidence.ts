// Confidence intervals for a success rate measured over level seeds. Each evaluation episode is one
// Bernoulli trial (coin reached or not) on its own level, so the count of successes is binomial and the
// Wilson score interval (Wilson 1927; Newcombe 1998, method 3) applies. Wilson rather than the normal
// approximation because rates near 0 and 1 are common here (a random policy, an expert-like policy) and
// the normal interval collapses to a point there; the Wilson interval never leaves [0, 1].
// The interval covers the variation over level seeds only, not over training seeds of the policies.

// Two-sided 95%: the standard normal quantile at 0.975.
const Z_95 = 1.959963984540054;

export interface RateInterval {
  successes: number;
  trials: number;
  rate: number; // successes / trials
  low: number; // 95% Wilson score interval
  high: number;
}

export function wilsonInterval(successes: number, trials: number): RateInterval {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`wilsonInterval: trials must be a positive integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`wilsonInterval: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  const p = successes / trials;
  const z2 = Z_95 * Z_95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (Z_95 / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Round-off can put a bound a hair outside [0, 1] at p = 0 or 1.
  return { successes, trials, rate: p, low: Math.max(0, centre - halfWidth), high: Math.min(1, centre + halfWidth) };
}
