// A world folder: everything `genie play`, `genie generate` and `genie eval` need to run a trained world.
//
//   world.json            manifest: name, checkpoint file, play key map, example prompt frames
//   world.safetensors     a phase-2 checkpoint without optimizer state: model.tokenizer.*, model.lam.*,
//                         model.dynamics.*, and the resolved run config in its metadata
//   examples/*.png        prompt frames at the world's resolution (a few test-set frames)
//   README.md             the model card
//
// Loading checks the folder top to bottom and names the file and the problem on the first thing wrong.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { Rng } from '../engine/index.ts';
import { DynamicsModel } from '../models/dynamics.ts';
import { LatentActionModel } from '../models/lam.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { readCheckpoint, tensorsUnder, type RunConfig } from '../train/index.ts';

export const WORLD_MANIFEST = 'world.json';
export const WORLD_FORMAT = 'genie-ts world 1';

export const worldManifestSchema = z.object({
  format: z.literal(WORLD_FORMAT),
  name: z.string().min(1),
  checkpoint: z.string().min(1), // relative to the folder
  keyMap: z.record(z.string(), z.object({ action: z.number().int().nonnegative(), label: z.string() })),
  examples: z.array(z.string()),
  description: z.string().optional(),
});
export type WorldManifest = z.infer<typeof worldManifestSchema>;

export interface WorldModels {
  tokenizer: VideoTokenizer;
  lam: LatentActionModel;
  dynamics: DynamicsModel;
}

/** An RGB frame, (H, W, 3) uint8. */
export interface RgbFrame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface LoadedWorld {
  dir: string;
  manifest: WorldManifest;
  config: RunConfig;
  models: WorldModels;
  checkpoint: { path: string; sha256: string; bytes: number; step: number };
  examples: RgbFrame[];
}

/** The three models of a run config with the weights of a phase-2 checkpoint's tensors. */
export function buildWorldModels(config: RunConfig, tensors: Parameters<typeof tensorsUnder>[0], source: string): WorldModels {
  const rng = new Rng(0); // initial values are overwritten by the checkpoint
  const models: WorldModels = {
    tokenizer: new VideoTokenizer(config.model, rng),
    lam: new LatentActionModel(config.model, rng),
    dynamics: new DynamicsModel(config.model, rng),
  };
  for (const [component, model] of Object.entries(models)) {
    const state = tensorsUnder(tensors, `model.${component}`);
    if (Object.keys(state).length === 0) throw new Error(`${source}: has no ${component} weights (model.${component}.*): is it a phase-2 (dynamics) checkpoint?`);
    try {
      model.loadStateDict(state);
    } catch (err) {
      throw new Error(`${source}: its ${component} weights do not fit the config in its metadata: ${(err as Error).message}`);
    }
    model.eval();
  }
  return models;
}

export async function loadWorld(dir: string): Promise<LoadedWorld> {
  const root = resolve(dir);
  const manifestPath = join(root, WORLD_MANIFEST);
  if (!existsSync(root)) throw new Error(`world ${dir}: no such folder`);
  if (!existsSync(manifestPath)) throw new Error(`world ${dir}: no ${WORLD_MANIFEST} in it (is this a world folder? \`genie world pack\` makes one from a training run)`);
  const manifest = parseManifest(manifestPath);
  const checkpointPath = join(root, manifest.checkpoint);
  if (!existsSync(checkpointPath)) throw new Error(`${manifestPath}: checkpoint "${manifest.checkpoint}" is missing`);
  const bytes = readFileSync(checkpointPath);
  const checkpoint = readCheckpoint(checkpointPath);
  if (checkpoint.phase !== 'dynamics') throw new Error(`${checkpointPath}: is a ${checkpoint.phase} checkpoint; a world needs the phase-2 (dynamics) checkpoint, which also holds the tokenizer`);
  const models = buildWorldModels(checkpoint.config, checkpoint.tensors, checkpointPath);
  const numActions = checkpoint.config.model.lam.quantizer.codes;
  for (const [key, { action }] of Object.entries(manifest.keyMap)) {
    if (action >= numActions) throw new Error(`${manifestPath}: keyMap.${key} sends action ${action}, but the world has actions 0..${numActions - 1}`);
  }
  const { width, height } = checkpoint.config.model.video;
  const examples = await Promise.all(manifest.examples.map((file) => readExample(join(root, file), width, height)));
  return {
    dir: root,
    manifest,
    config: checkpoint.config,
    models,
    checkpoint: { path: checkpointPath, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, step: checkpoint.step },
    examples,
  };
}

function parseManifest(path: string): WorldManifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = worldManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data;
}

async function readExample(path: string, width: number, height: number): Promise<RgbFrame> {
  if (!existsSync(path)) throw new Error(`world example ${path} is missing`);
  try {
    const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) throw new Error(`is ${info.width}x${info.height}, the world plays at ${width}x${height}`);
    return { width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new Error(`world example ${path}: ${(err as Error).message}`);
  }
}
