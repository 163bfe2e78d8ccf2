// `genie world pack`: a world folder (src/world) from a phase-2 training checkpoint. With a labelled split
// (the CoinRun layout), the play keys are mapped to the latent actions that best match left / right / jump
// / wait (key-map.ts), and the first frames of its first clips become the example prompts.
import { packWorld, weightsOfCheckpoint } from '../world/pack.ts';
import type { RgbFrame, WorldManifest } from '../world/world-folder.ts';
import type { KeyMapResult } from './key-map.ts';
import { loadEvalWorld } from './load-world.ts';
import { keyMapFromEvalSplit } from './split-key-map.ts';
import { readEvalSplit } from './split.ts';

export interface PackFromRunOptions {
  checkpoint: string; // a phase-2 checkpoint, or a run folder holding dynamics.safetensors
  out: string;
  name: string;
  data?: string; // a labelled split: key map and example frames
  examples?: number; // example prompts taken from the split (frame 0 of its first clips)
  description?: string;
}

export interface PackFromRunResult {
  manifest: WorldManifest;
  keyMap: KeyMapResult | null; // null without --data
}

export async function packWorldFromRun(options: PackFromRunOptions): Promise<PackFromRunResult> {
  const world = await loadEvalWorld(options.checkpoint);
  const file = world.checkpoints[0].path;
  let keyMap: KeyMapResult | null = null;
  let examples: RgbFrame[] = [];
  if (options.data) {
    const split = await readEvalSplit(options.data, { height: world.height, width: world.width });
    keyMap = keyMapFromEvalSplit(world, split);
    const frameBytes = world.height * world.width * 3;
    examples = split.clips.slice(0, options.examples ?? 6).map((clip) => ({ width: world.width, height: world.height, rgb: clip.frames.slice(0, frameBytes) }));
  }
  const manifest = await packWorld(weightsOfCheckpoint(file), {
    out: options.out,
    name: options.name,
    keyMap: keyMap?.keys ?? {},
    examples,
    description: options.description,
  });
  return { manifest, keyMap };
}
