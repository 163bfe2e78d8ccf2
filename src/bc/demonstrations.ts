// The expert videos of the behaviour-cloning experiment: the planning expert plays levels the world never
// saw, and the frozen LAM of the world labels every transition with a latent action. The real actions are
// kept beside them, but the experiment reads them only where a method is allowed to (the oracle, and the
// N labelled transitions of the mapping and of the label-only baseline).
//
// Alignment, as in the CoinRun layout (src/envs/clips.ts): frames[i] is seen, actions[i] is taken, and
// frames[i+1] follows. The LAM's latent action of transition t -> t+1 is inferred from frames 0..t+1, so
// latent[t] pairs with actions[t], and a policy predicting either at step t sees only frames ..t.
import { playEpisode } from '../envs/clips.ts';
import { ExpertPolicy, PlatformerEnv } from '../envs/platformer/index.ts';
import { inferActionsWithHistory, videoBatch, type EvalWorld } from '../eval/index.ts';
import type { LabelledStep } from './train-policy.ts';

export interface Demonstration {
  seed: number; // the level
  frames: Uint8Array[]; // (H, W, 3) RGB; the frame after the last action (the coin taken) is not kept
  actions: number[]; // real actions, actions[i] taken after frames[i]
  latent: number[]; // latent[t] = the LAM's action for frames[t] -> frames[t+1]; frames.length - 1 of them
}

export interface ExpertRecording {
  demonstrations: Demonstration[]; // the episodes in which the expert reached the coin
  failedSeeds: number[]; // levels the expert did not solve: left out, as imitation data should be successes
}

// `played(n)` is called after each level (progress of a long stage).
export function recordExpert(levelSeeds: readonly number[], size: number, played: (levels: number) => void = () => {}): ExpertRecording {
  const env = new PlatformerEnv({ size });
  const demonstrations: Demonstration[] = [];
  const failedSeeds: number[] = [];
  for (const seed of levelSeeds) {
    const episode = playEpisode(env, seed, new ExpertPolicy());
    // An episode needs two frames for one labelled transition (a coin reached on the first step has none).
    if (episode.end === 'goal' && episode.frames.length >= 2) demonstrations.push({ seed, frames: episode.frames, actions: episode.actions, latent: [] });
    else failedSeeds.push(seed);
    played(demonstrations.length + failedSeeds.length);
  }
  return { demonstrations, failedSeeds };
}

// Fills each demonstration's `latent` with the world's LAM, every transition read with a full context of
// history (inferActionsWithHistory): a code's meaning depends on its place in the LAM's window, so labels
// read at one place are consistent targets for the policy. `labelled(n)` is called after each episode.
export function labelWithLatentActions(world: EvalWorld, demonstrations: readonly Demonstration[], labelled: (episodes: number) => void = () => {}): void {
  demonstrations.forEach((demo, episode) => {
    const { height, width, channels } = world;
    const frameSize = height * width * channels;
    if (demo.frames[0].length !== frameSize) {
      throw new Error(`labelWithLatentActions: level ${demo.seed} was recorded at ${demo.frames[0].length} values per frame, the world's LAM reads ${height}x${width}x${channels}`);
    }
    const data = new Float32Array(demo.frames.length * frameSize);
    demo.frames.forEach((frame, i) => {
      for (let j = 0; j < frameSize; j++) data[i * frameSize + j] = frame[j] / 255;
    });
    demo.latent = Array.from(inferActionsWithHistory(world, videoBatch(data, 1, demo.frames.length, height, width, channels)));
    labelled(episode + 1);
  });
}

// Every labelled transition t of every demonstration (t < frames.length - 1), with the label `labelOf` picks.
export function labelledSteps(demonstrations: readonly Demonstration[], labelOf: (demo: Demonstration, t: number) => number): LabelledStep[] {
  return demonstrations.flatMap((demo, episode) => Array.from({ length: demo.frames.length - 1 }, (_, t) => ({ episode, t, label: labelOf(demo, t) })));
}

export const realAction = (demo: Demonstration, t: number): number => demo.actions[t];

export function latentAction(demo: Demonstration, t: number): number {
  if (demo.latent.length !== demo.frames.length - 1) throw new Error(`level ${demo.seed}: not labelled with latent actions (call labelWithLatentActions first)`);
  return demo.latent[t];
}
