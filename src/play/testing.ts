// Test doubles for the play layer (used by its tests only).
import type { Frame, PlayableWorld, Rollout, SampleOptions } from './world.ts';

// A world whose next frame is a known function of the last frame, the action and the seed, so the
// session's bookkeeping (branching, seeds, replay) can be checked exactly.
export function countingWorld(size = 4, numActions = 3): PlayableWorld & { steps: number } {
  const next = (frame: Frame, action: number, options: SampleOptions): Frame => ({
    width: size,
    height: size,
    rgb: frame.rgb.map((v, i) => (v + action * 7 + (options.seed % 13) + i + options.maskgitSteps) & 255),
  });
  const world = {
    name: 'counting',
    precision: 'fp32' as const,
    width: size,
    height: size,
    numActions,
    keyMap: { ArrowRight: { action: 1, label: 'right' } },
    examples: [{ width: size, height: size, rgb: new Uint8Array(size * size * 3).fill(50) }],
    defaults: { temperature: 1, maskgitSteps: 4 },
    steps: 0,
    begin(prompt: Frame): Rollout {
      const frames = [prompt];
      return {
        get length() {
          return frames.length;
        },
        frame: (i) => frames[i],
        step(action, options) {
          world.steps++;
          frames.push(next(frames[frames.length - 1], action, options));
          return frames[frames.length - 1];
        },
        peek: (action, options) => next(frames[frames.length - 1], action, options),
        truncate(length) {
          frames.length = length;
        },
        get bytes() {
          return frames.length * size * size * 3;
        },
      };
    },
  };
  return world;
}

