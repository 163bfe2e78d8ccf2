// The play key map of a world, computed from a labelled split: what the world-packing command stores in
// the world folder. The LAM labels every transition of the split; the co-occurrence of its latent actions
// with the true ones decides which latent each key sends (criterion in key-map.ts).
import type { EvalWorld } from './eval-world.ts';
import { keyMapFromCooccurrence, type KeyMapOptions, type KeyMapResult } from './key-map.ts';
import { inferClipActions } from './lam-eval.ts';
import { cooccurrenceMatrix } from './metrics/index.ts';
import { actionClassesFromNames, readEvalSplit, type EvalSplit } from './split.ts';

export interface SplitKeyMapOptions extends KeyMapOptions {
  clips?: number; // the first N clips of actions.jsonl (default: all)
  batchSize?: number;
}

// Roles default to those read off the split's action names (manifest.json beside it; CoinRun's give
// COINRUN_ACTION_CLASSES).
export async function keyMapFromSplit(world: EvalWorld, splitDir: string, options: SplitKeyMapOptions = {}): Promise<KeyMapResult> {
  return keyMapFromEvalSplit(world, await readEvalSplit(splitDir, { height: world.height, width: world.width, clips: options.clips }), options);
}

export function keyMapFromEvalSplit(world: EvalWorld, split: EvalSplit, options: Omit<SplitKeyMapOptions, 'clips'> = {}): KeyMapResult {
  const latent = inferClipActions(world, split, options.batchSize ?? 16);
  // Transition t -> t+1 of a clip pairs the latent action with actions[t] (the CoinRun alignment).
  const trueActions = split.clips.flatMap((clip) => clip.actions.slice(0, clip.frameCount - 1));
  const counts = cooccurrenceMatrix(latent.flat(), trueActions, world.numActions, split.actionNames.length);
  return keyMapFromCooccurrence(counts, { classes: options.classes ?? actionClassesFromNames(split.actionNames), minSupport: options.minSupport });
}
