// A tiny world made from freshly initialised models of the `tiny` preset, for tests of everything that
// loads worlds (play, generate, eval). Untrained, so its frames are noise-like, but every path is real.
import { Rng } from '../engine/index.ts';
import { DynamicsModel } from '../models/dynamics.ts';
import { LatentActionModel } from '../models/lam.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { resolveRunConfig } from '../train/index.ts';
import { packWorld, type WorldWeights } from './pack.ts';
import type { RgbFrame, WorldManifest } from './world-folder.ts';

/** Freshly initialised weights of a preset's three models (tests, and benchmarks where speed is all that counts). */
export function freshWorldWeights(preset = 'tiny', seed = 0): WorldWeights {
  const config = resolveRunConfig(preset);
  const rng = new Rng(seed);
  const components = {
    tokenizer: new VideoTokenizer(config.model, rng),
    lam: new LatentActionModel(config.model, rng),
    dynamics: new DynamicsModel(config.model, rng),
  };
  const tensors = Object.fromEntries(
    Object.entries(components).flatMap(([name, model]) => Object.entries(model.stateDict()).map(([key, t]) => [`model.${name}.${key}`, t])),
  );
  return { config, step: 0, tensors };
}

/** A gradient image, different per index, at the world's resolution. */
export function testFrame(width: number, height: number, index = 0): RgbFrame {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      rgb[at] = (x * 255) / width;
      rgb[at + 1] = (y * 255) / height;
      rgb[at + 2] = (index * 97) % 256;
    }
  }
  return { width, height, rgb };
}

export async function makeTinyWorld(out: string, keyMap: WorldManifest['keyMap'] = { ArrowRight: { action: 1, label: 'right' } }): Promise<WorldWeights> {
  const weights = freshWorldWeights();
  const { width, height } = weights.config.model.video;
  await packWorld(weights, { out, name: 'tiny test world', keyMap, examples: [testFrame(width, height, 0), testFrame(width, height, 1)] });
  return weights;
}
