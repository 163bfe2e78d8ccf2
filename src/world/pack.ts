// Writes a world folder (see world-folder.ts) from a phase-2 checkpoint: the weights without optimizer
// state, the play key map, example prompt frames, and a manifest. Files appear atomically; the manifest
// is written last, so a folder with a manifest is always complete.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-file.ts';
import type { Tensor } from '../engine/index.ts';
import { readCheckpoint, writeCheckpoint, type RunConfig } from '../train/index.ts';
import { WORLD_FORMAT, WORLD_MANIFEST, type RgbFrame, type WorldManifest } from './world-folder.ts';

export const WORLD_CHECKPOINT = 'world.safetensors';

export interface PackWorldOptions {
  out: string;
  name: string;
  keyMap: WorldManifest['keyMap'];
  examples: RgbFrame[];
  description?: string;
}

/** The model weights and config of a phase-2 checkpoint, as written into a world folder. */
export interface WorldWeights {
  config: RunConfig;
  step: number;
  tensors: Record<string, Tensor>;
}

export function weightsOfCheckpoint(path: string): WorldWeights {
  const checkpoint = readCheckpoint(path);
  if (checkpoint.phase !== 'dynamics') throw new Error(`${path}: is a ${checkpoint.phase} checkpoint; a world is made from the phase-2 (dynamics) checkpoint`);
  const tensors = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([name]) => name.startsWith('model.')));
  return { config: checkpoint.config, step: checkpoint.step, tensors };
}

export async function packWorld(weights: WorldWeights, options: PackWorldOptions): Promise<WorldManifest> {
  const { out } = options;
  mkdirSync(join(out, 'examples'), { recursive: true });
  // A training checkpoint without optimizer or trainer state: what play and eval read.
  writeCheckpoint(join(out, WORLD_CHECKPOINT), {
    phase: 'dynamics',
    step: weights.step,
    config: weights.config,
    trainer: { optimizerStep: weights.step, rngs: {}, nextBatch: 0, best: null, elapsedSeconds: 0 },
    tensors: weights.tensors,
  });
  const { width, height } = weights.config.model.video;
  const examples: string[] = [];
  for (const [i, frame] of options.examples.entries()) {
    if (frame.width !== width || frame.height !== height) throw new Error(`example ${i} is ${frame.width}x${frame.height}, the world plays at ${width}x${height}`);
    const file = `examples/example-${i}.png`;
    await writeFileAtomic(join(out, file), await sharp(frame.rgb, { raw: { width, height, channels: 3 } }).png().toBuffer());
    examples.push(file);
  }
  const manifest: WorldManifest = {
    format: WORLD_FORMAT,
    name: options.name,
    checkpoint: WORLD_CHECKPOINT,
    keyMap: options.keyMap,
    examples,
    ...(options.description && { description: options.description }),
  };
  await writeFileAtomic(join(out, WORLD_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
