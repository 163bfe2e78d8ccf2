// Confidence intervals over evaluation levels (one episode per level); they cover the variation over level
// seeds only, not over training seeds of the policies.
// - Success rate: each episode is one Bernoulli trial (coin reached or not), so the count of successes is
//   binomial and the Wilson score interval (Wilson 1927; Newcombe 1998, method 3) applies. Wilson rather
//   than the normal approximation because rates near 0 and 1 are common here and the normal interval
//   collapses to a point there; the Wilson interval never leaves [0, 1].
// - Mean of a bounded per-level score (progress towards the coin): percentile bootstrap over levels,
//   which assumes nothing about the score's distribution (many levels score 0, a few 1).
import { Rng } from '../engine/index.ts';

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

export interface MeanInterval {
  mean: number;
  low: number; // 95% percentile-bootstrap interval
  high: number;
}

const BOOTSTRAP_RESAMPLES = 2000;

// Means of BOOTSTRAP_RESAMPLES resamples (levels drawn with replacement), their 2.5% and 97.5% quantiles
// (nearest rank). Seeded, so a report is reproducible.
export function bootstrapMeanInterval(values: readonly number[], seed = 0): MeanInterval {
  if (values.length === 0) throw new Error('bootstrapMeanInterval: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new Error('bootstrapMeanInterval: values must be finite');
  const rng = new Rng(seed);
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[rng.int(values.length)];
    means[r] = total / values.length;
  }
  means.sort();
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    low: means[Math.floor(0.025 * BOOTSTRAP_RESAMPLES)],
    high: means[Math.ceil(0.975 * BOOTSTRAP_RESAMPLES) - 1],
  };
}
