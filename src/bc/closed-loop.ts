// Policies played closed-loop in the platformer (src/envs/platformer): every episode starts from its level
// seed's reset frame, the agent picks each action from the frames it has seen, and the episode ends on the
// coin (success), a hazard or fall, the environment's own time limit, or `maxSteps`. All episodes of an
// evaluation advance together, so a network agent scores one batch per step.
import { noGrad, Rng, softmax } from '../engine/index.ts';
import { NUM_ACTIONS, PlatformerEnv, spawnBody, type EpisodeEnd, type Level } from '../envs/platformer/index.ts';
import { bootstrapMeanInterval, wilsonInterval, type MeanInterval, type RateInterval } from './confidence.ts';
import { historyAt, historyBatch } from './history.ts';
import { argmax, type PolicyNet } from './policy-net.ts';

export interface Agent {
  readonly historyFrames: number; // K: act() gets each episode's K most recent frames, oldest first
  // One real action per episode, from its history and its own random stream.
  act(histories: Uint8Array[][], rngs: Rng[]): number[];
}

export type ActionChoice = 'sample' | 'greedy';

/** Uniformly random real actions: the floor every learned policy must clear. */
export function randomAgent(): Agent {
  return { historyFrames: 1, act: (histories, rngs) => rngs.map((rng) => rng.int(NUM_ACTIONS)) };
}

// A PolicyNet whose class c means real action toReal[c] (identity when the classes are real actions).
// 'sample' draws from the softmax, 'greedy' takes the most likely class: a deterministic policy in a
// deterministic game repeats the same mistake forever (pushing into a wall), which sampling escapes.
export function policyAgent(net: PolicyNet, toReal: readonly number[], choice: ActionChoice): Agent {
  if (toReal.length !== net.classes) throw new Error(`policyAgent: the mapping has ${toReal.length} entries for ${net.classes} classes`);
  const bad = toReal.find((a) => !(Number.isInteger(a) && a >= 0 && a < NUM_ACTIONS));
  if (bad !== undefined) throw new Error(`policyAgent: the mapping sends a class to ${bad}, not a real action 0..${NUM_ACTIONS - 1}`);
  return {
    historyFrames: net.config.historyFrames,
    act(histories, rngs) {
      const probabilities = noGrad(() => softmax(net.forward(historyBatch(histories, net.frame)))).data;
      return rngs.map((rng, b) => {
        const row = probabilities.subarray(b * net.classes, (b + 1) * net.classes);
        return toReal[choice === 'sample' ? rng.categorical(row) : argmax(row)];
      });
    },
  };
}

export interface EpisodeOutcome {
  seed: number; // the level
  end: EpisodeEnd; // 'timeout' also when maxSteps cut the episode short
  steps: number;
  // How far right the agent got, from its start (0) to the coin (1): partial credit that tells apart
  // policies which all fail, e.g. early in training.
  progress: number;
}

export interface ClosedLoopOptions {
  size: number; // frame side in pixels: the resolution the agent's networks were trained on
  maxSteps: number;
  seed: number; // the agent's random streams: one per level, the same for every agent (common random numbers)
}

export function playClosedLoop(agent: Agent, levelSeeds: readonly number[], options: ClosedLoopOptions): EpisodeOutcome[] {
  if (!(Number.isInteger(options.maxSteps) && options.maxSteps >= 1)) throw new Error(`playClosedLoop: maxSteps must be a positive integer, got ${options.maxSteps}`);
  const episodes = levelSeeds.map((seed) => {
    const env = new PlatformerEnv({ size: options.size });
    return { seed, env, recent: [env.reset(seed)], rng: new Rng(streamSeed(options.seed, seed)), steps: 0, end: null as EpisodeEnd | null, progress: 0 };
  });
  for (;;) {
    const active = episodes.filter((e) => e.end === null);
    if (active.length === 0) break;
    const actions = agent.act(active.map((e) => historyAt(e.recent, e.recent.length - 1, agent.historyFrames)), active.map((e) => e.rng));
    active.forEach((e, i) => {
      const { frame, done, info } = e.env.step(actions[i]);
      e.steps++;
      e.progress = done && info.episodeEnd === 'goal' ? 1 : progressOf(info.level, info.body.x);
      if (done) e.end = info.episodeEnd;
      else if (e.steps >= options.maxSteps) e.end = 'timeout';
      e.recent.push(frame);
      if (e.recent.length > agent.historyFrames) e.recent.shift();
    });
  }
  return episodes.map(({ seed, end, steps, progress }) => ({ seed, end: end as EpisodeEnd, steps, progress }));
}

export interface EvaluationSummary {
  success: RateInterval; // coin reached, with the 95% Wilson interval over levels
  ends: Record<EpisodeEnd, number>;
  meanStepsToCoin: number | null; // over the successful episodes
  progress: MeanInterval; // mean progress towards the coin, with its 95% bootstrap interval over levels
}

export function summariseOutcomes(outcomes: readonly EpisodeOutcome[]): EvaluationSummary {
  const ends: Record<EpisodeEnd, number> = { goal: 0, death: 0, timeout: 0 };
  for (const o of outcomes) ends[o.end]++;
  const wins = outcomes.filter((o) => o.end === 'goal');
  return {
    success: wilsonInterval(ends.goal, outcomes.length),
    ends,
    meanStepsToCoin: wins.length ? wins.reduce((s, o) => s + o.steps, 0) / wins.length : null,
    progress: bootstrapMeanInterval(outcomes.map((o) => o.progress)),
  };
}

function progressOf(level: Level, x: number): number {
  const start = spawnBody(level).x;
  return Math.min(1, Math.max(0, (x - start) / (level.coin.x - start)));
}

// One stream per (evaluation seed, level): independent of which agent plays and of the batch it is in.
function streamSeed(seed: number, level: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2f) + Math.imul(level + 1, 0x9e3779b1)) >>> 0;
}
