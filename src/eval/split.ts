// The labelled test split `genie eval` measures on (the CoinRun layout: clip files beside actions.jsonl,
// optionally a manifest.json one folder up naming the actions), read once into memory at the world's
// resolution, with a checksum of exactly the files that were read so a report names its data.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ACTION_LABELS_FILE, readActionLabels, readLabelledClips } from '../data/index.ts';
import type { ActionClasses } from './key-map.ts';

export interface EvalClip {
  name: string;
  frames: Uint8Array; // (frameCount, H, W, 3) uint8
  frameCount: number;
  // Alignment (CoinRun README): (frame i, actions[i]) -> frame i+1, so actions[i] is the true action of
  // transition i -> i+1, the one the LAM's latent action for that transition should match.
  actions: number[];
}

export interface DataChecksum {
  sha256: string; // of the lines "<sha256 of file>  <file name>", actions.jsonl first, then the clips in order
  files: number;
}

export interface EvalSplit {
  dir: string;
  clips: EvalClip[];
  height: number;
  width: number;
  channels: number;
  actionNames: string[]; // index = true action id
  checksum: DataChecksum;
}

export interface ReadSplitOptions {
  height: number;
  width: number;
  clips?: number; // the first N clips of actions.jsonl (default: all)
}

export async function readEvalSplit(dir: string, options: ReadSplitOptions): Promise<EvalSplit> {
  const labels = await readActionLabels(dir);
  const allNames = [...labels.keys()];
  const count = options.clips ?? allNames.length;
  if (!Number.isInteger(count) || count < 2) throw new Error(`--clips must be an integer >= 2 (the latent-action mapping is fitted on one half and scored on the other), got ${count}`);
  if (count > allNames.length) throw new Error(`--clips ${count}: ${join(dir, ACTION_LABELS_FILE)} lists only ${allNames.length} clips`);
  const names = allNames.slice(0, count);
  const labelled = await readLabelledClips(dir, { width: options.width, height: options.height, clips: names });
  const clips = labelled.map((c) => ({ name: c.clip, frames: c.frames, frameCount: c.frameCount, actions: c.actions }));
  const highestAction = Math.max(...clips.flatMap((c) => c.actions));
  const actionNames = (await readActionNames(dir)) ?? Array.from({ length: highestAction + 1 }, (_, i) => `action ${i}`);
  if (highestAction >= actionNames.length) {
    throw new Error(`${join(dir, ACTION_LABELS_FILE)} uses action ${highestAction}, but the manifest names only ${actionNames.length} actions`);
  }
  const files = [join(dir, ACTION_LABELS_FILE), ...names.map((name) => join(dir, name))];
  return { dir: resolve(dir), clips, height: options.height, width: options.width, channels: 3, actionNames, checksum: await checksumFiles(files) };
}

// action_names from a manifest.json beside the split folder (the CoinRun layout), if there is one.
async function readActionNames(dir: string): Promise<string[] | null> {
  const path = join(dirname(resolve(dir)), 'manifest.json');
  if (!existsSync(path)) return null;
  let manifest: unknown;
  try {
    manifest = JSON.parse(await fs.readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const names = (manifest as { action_names?: unknown }).action_names;
  if (names === undefined) return null;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error(`${path}: field 'action_names' must be an array of strings`);
  return names;
}

export async function checksumFiles(paths: readonly string[]): Promise<DataChecksum> {
  const lines: string[] = [];
  for (const path of paths) lines.push(`${await sha256File(path)}  ${basename(path)}`);
  return { sha256: createHash('sha256').update(lines.join('\n')).digest('hex'), files: paths.length };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// Key-map roles from action names: a name is split at '+', '_', '-' and spaces; LEFT and RIGHT give the
// direction roles, UP or JUMP the jump role, and a name with none of these is a no-op (CoinRun's DOWN,
// NOOP, D, A, W, S, Q, E). On CoinRun's names this gives exactly COINRUN_ACTION_CLASSES.
export function actionClassesFromNames(names: readonly string[]): ActionClasses {
  const classes: { left: number[]; right: number[]; jump: number[]; noop: number[] } = { left: [], right: [], jump: [], noop: [] };
  names.forEach((name, id) => {
    const words = new Set(name.toUpperCase().split(/[+_\-\s]+/));
    if (words.has('LEFT')) classes.left.push(id);
    if (words.has('RIGHT')) classes.right.push(id);
    if (words.has('UP') || words.has('JUMP')) classes.jump.push(id);
    if (!['LEFT', 'RIGHT', 'UP', 'JUMP'].some((w) => words.has(w))) classes.noop.push(id);
  });
  return classes;
}
