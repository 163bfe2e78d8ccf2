// Steps per second of the platformer on one core, with frames rendered (the cost data recording and
// closed-loop evaluation pay) and, for comparison, the physics alone.
import { PlatformerEnv, stepBody, spawnBody, generateLevel, type Body } from './platformer/index.ts';
import { SeededRandom } from './platformer/random.ts';

export interface EnvBenchmark {
  size: number;
  steps: number;
  stepsPerSecond: number; // env.step with rendering, resets included (random play, a new level per episode)
  physicsStepsPerSecond: number; // stepBody alone
  episodes: number;
}

export function benchmarkEnv(steps: number, size = 64): EnvBenchmark {
  const env = new PlatformerEnv({ size });
  const rng = new SeededRandom(0, 3);
  let seed = 0;
  env.reset(seed);
  let started = performance.now();
  for (let i = 0; i < steps; i++) if (env.step(rng.int(0, 5)).done) env.reset(++seed);
  const withRendering = steps / ((performance.now() - started) / 1000);

  const level = generateLevel(0);
  let body: Body = spawnBody(level);
  let t = 0;
  started = performance.now();
  for (let i = 0; i < steps; i++) {
    const next = stepBody(level, body, t, rng.int(0, 5));
    const over = next.event !== 'none' || t + 1 >= level.timeLimit;
    body = over ? spawnBody(level) : next.body;
    t = over ? 0 : t + 1;
  }
  const physicsOnly = steps / ((performance.now() - started) / 1000);
  return { size, steps, stepsPerSecond: withRendering, physicsStepsPerSecond: physicsOnly, episodes: seed + 1 };
}
