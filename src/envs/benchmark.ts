// Steps per second of the platformer on one core, with frames rendered (the cost data recording and
// closed-loop evaluation pay) and, for comparison, the physics alone. Rates are per second of this
// process's CPU time, so a busy machine (other processes on the same cores) does not skew them; the
// wall-clock rate is reported beside it.
import { PlatformerEnv, stepBody, spawnBody, generateLevel, type Body } from './platformer/index.ts';
import { SeededRandom } from './platformer/random.ts';

export interface EnvBenchmark {
  size: number;
  steps: number;
  episodes: number;
  stepsPerCpuSecond: number; // env.step with rendering, resets included (random play, a new level per episode)
  stepsPerWallSecond: number;
  physicsStepsPerCpuSecond: number; // stepBody alone
}

function timed(run: () => void): { cpu: number; wall: number } {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  run();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000 };
}

export function benchmarkEnv(steps: number, size = 64): EnvBenchmark {
  const env = new PlatformerEnv({ size });
  const rng = new SeededRandom(0, 3);
  let seed = 0;
  const rendered = timed(() => {
    env.reset(seed);
    for (let i = 0; i < steps; i++) if (env.step(rng.int(0, 5)).done) env.reset(++seed);
  });

  const level = generateLevel(0);
  let body: Body = spawnBody(level);
  let t = 0;
  const physics = timed(() => {
    for (let i = 0; i < steps; i++) {
      const next = stepBody(level, body, t, rng.int(0, 5));
      const over = next.event !== 'none' || t + 1 >= level.timeLimit;
      body = over ? spawnBody(level) : next.body;
      t = over ? 0 : t + 1;
    }
  });
  return {
    size,
    steps,
    episodes: seed + 1,
    stepsPerCpuSecond: steps / rendered.cpu,
    stepsPerWallSecond: steps / rendered.wall,
    physicsStepsPerCpuSecond: steps / physics.cpu,
  };
}
