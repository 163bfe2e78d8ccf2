// Action labels of a labelled split (the CoinRun layout: clip files beside an actions.jsonl with one JSON
// line per clip). Genie's world model learns without labels, so nothing on the training path imports
// this module: it exists for evaluation and the behaviour-cloning experiment only.
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { decodeVideos, frameBytes, framesOf, type Fit, type FrameFormat } from './decode.ts';
import { ensureFfmpeg } from './ffmpeg.ts';
import { runPool } from './pool.ts';
import type { VideoSource } from './sources.ts';

export const ACTION_LABELS_FILE = 'actions.jsonl';

// One line of actions.jsonl. Alignment: frame i of the clip is what the agent saw before acting,
// actions[i] is the action it then took, and frame i+1 is the result: (frame i, actions[i]) -> frame i+1.
export const ActionLabelLineSchema = z
  .object({
    clip: z.string().min(1),
    actions: z.array(z.number().int().nonnegative()).min(1),
    rewards: z.array(z.number()).optional(),
    seed: z.number().int().optional(),
    episode: z.number().int().optional(),
    start: z.number().int().nonnegative().optional(),
    done_at: z.number().int().nonnegative().nullable().optional(),
    episode_len: z.number().int().positive().optional(),
    episode_end: z.string().optional(),
  })
  .refine((line) => !line.rewards || line.rewards.length === line.actions.length, {
    message: 'rewards must have one entry per action',
    path: ['rewards'],
  });

export type ActionLabelLine = z.infer<typeof ActionLabelLineSchema>;

// Clip file name -> its labels, in the file's order.
export async function readActionLabels(splitDir: string): Promise<Map<string, ActionLabelLine>> {
  const path = join(splitDir, ACTION_LABELS_FILE);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `${splitDir} has no ${ACTION_LABELS_FILE}: it is not a labelled split (labels are needed for evaluation and behaviour cloning only)` : `cannot read ${path}: ${(err as Error).message}`);
  }
  const labels = new Map<string, ActionLabelLine>();
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const where = `${path} line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const parsed = ActionLabelLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${where}: field '${issue.path.join('.') || '(line)'}': ${issue.message}`);
    }
    if (labels.has(parsed.data.clip)) throw new Error(`${where}: clip '${parsed.data.clip}' is labelled twice`);
    labels.set(parsed.data.clip, parsed.data);
  }
  if (labels.size === 0) throw new Error(`${path} has no labelled clips`);
  return labels;
}

export interface LabelledClipOptions {
  width?: number;
  height?: number;
  fit?: Fit;
  // Clip names to read (default: all, in actions.jsonl order).
  clips?: string[];
}

export interface LabelledClip {
  clip: string;
  frameCount: number;
  frames: Uint8Array; // (frameCount, height, width, 3) uint8 RGB; frame i is followed by actions[i]
  actions: number[];
  labels: ActionLabelLine;
}

// Decodes clips of a labelled split at their own frame rate (resampling would break the frame/action
// alignment) and checks that each has exactly one frame per action.
export async function readLabelledClips(splitDir: string, options: LabelledClipOptions = {}): Promise<LabelledClip[]> {
  const labels = await readActionLabels(splitDir);
  const names = options.clips ?? [...labels.keys()];
  const format: FrameFormat = { width: options.width ?? 64, height: options.height ?? 64, fps: null, fit: options.fit ?? 'crop' };
  const sources: VideoSource[] = [];
  for (const name of names) {
    const entry = labels.get(name);
    if (!entry) throw new Error(`clip '${name}' is not in ${join(splitDir, ACTION_LABELS_FILE)}`);
    const path = join(splitDir, name);
    const stats = await fs.stat(path).catch(() => null);
    if (!stats?.isFile()) throw new Error(`${path} is listed in ${ACTION_LABELS_FILE} but is not a file`);
    sources.push({ kind: 'file', path, size: stats.size, mtimeMs: stats.mtimeMs });
  }
  await ensureFfmpeg();
  const clips = new Map<string, LabelledClip>();
  const batches = Array.from({ length: Math.ceil(sources.length / 16) }, (_, b) => sources.slice(b * 16, (b + 1) * 16));
  await runPool(batches, availableParallelism(), async (batch) => {
    for (const result of await decodeVideos(batch, format, { framesFps: 1 /* no frame folders here */ })) {
      const name = names[sources.indexOf(result.source)];
      if (!result.ok) throw new Error(`cannot decode ${result.source.path}: ${result.reason}`);
      const { actions } = labels.get(name)!;
      if (result.frames !== actions.length) {
        throw new Error(`${result.source.path}: ${result.frames} frames but ${actions.length} actions in ${ACTION_LABELS_FILE}; frame i must be followed by actions[i]`);
      }
      const frames = await framesOf(result.data);
      clips.set(name, { clip: name, frameCount: frames.length / frameBytes(format), frames, actions, labels: labels.get(name)! });
    }
  });
  return names.map((name) => clips.get(name)!);
}
