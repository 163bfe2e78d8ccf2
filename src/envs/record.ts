// `genie env record`: plays platformer episodes with a policy and writes them in the layout of the
// CoinRun data set (../shared/data/coinrun): OUT/SPLIT/clip_NNNNNN.mp4 (lossless RGB H.264),
// OUT/SPLIT/actions.jsonl (one line per clip) and OUT/manifest.json (options, counts, codec, action
// names, sha256 of every file), so `genie data prepare`, training and eval read it unchanged.
// One episode per level seed, seeds first..first+episodes-1; episode = seed - first.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { writeVideoFile } from '../data/index.ts';
import { runPool } from '../data/pool.ts';
import { cutClips, playEpisode, type ClipLabels, type ClipSelection } from './clips.ts';
import { ACTION_NAMES, DEFAULT_VIEW_TILES, ExpertPolicy, PlatformerEnv, RandomPolicy, StickyRandomPolicy, type EpisodeEnd, type Policy } from './platformer/index.ts';

export const POLICY_NAMES = ['expert', 'random', 'sticky'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface RecordOptions {
  out: string;
  split: string; // sub-folder name, e.g. train or test
  episodes: number;
  policy: PolicyName;
  firstSeed: number;
  framesPerClip: number; // CoinRun: 160
  clips: ClipSelection; // CoinRun: all for train, first for test
  size: number; // frame side in pixels
  fps: number; // written into the video files; the environment itself has no clock
  jobs?: number; // ffmpeg encoders at once (default: one per core)
  overwrite?: boolean;
  onProgress?: (progress: { episodesDone: number; episodes: number; clips: number }) => void;
}

export interface SplitSummary {
  clips: number;
  frames: number;
  policy: PolicyName;
  level_seeds_tried: [number, number];
  level_seeds_with_clips: number;
  seeds_without_clips: number[];
  clip_policy: string;
  episode_end_counts: Record<EpisodeEnd, number>;
  action_histogram: Record<string, number>;
  video_bytes: number;
}

const EPISODES_PER_BATCH = 8; // episodes held in memory while their clips are encoded
// preview.png, as in the CoinRun test split: the first 8 clips (rows) x frames 0, 10, ..., 70, at 2x.
const PREVIEW = { clips: 8, columns: 8, every: 10, scale: 2 };

function makePolicy(name: PolicyName, seed: number): Policy {
  // Random players are seeded by the level seed, like the CoinRun data, so every episode is reproducible alone.
  if (name === 'expert') return new ExpertPolicy();
  return name === 'random' ? new RandomPolicy(seed) : new StickyRandomPolicy(seed);
}

function clipName(index: number): string {
  return `clip_${String(index).padStart(6, '0')}.mp4`;
}

export async function recordSplit(options: RecordOptions): Promise<SplitSummary> {
  checkOptions(options);
  const splitDir = join(options.out, options.split);
  const exists = await fs.stat(splitDir).then(() => true, () => false);
  if (exists && !options.overwrite) throw new Error(`${splitDir} already exists; pass --overwrite to replace it, or choose another --out or --split`);
  await fs.mkdir(options.out, { recursive: true });
  // Everything is written into a hidden folder first and renamed into place at the end, so an
  // interrupted run never leaves a half-written split behind.
  const building = join(options.out, `.${options.split}.${process.pid}.tmp`);
  await fs.rm(building, { recursive: true, force: true });
  await fs.mkdir(building);
  try {
    const summary = await recordInto(building, options);
    if (exists) await fs.rm(splitDir, { recursive: true });
    await fs.rename(building, splitDir);
    await writeManifest(options, summary);
    return summary;
  } catch (err) {
    await fs.rm(building, { recursive: true, force: true });
    throw err;
  }
}

async function recordInto(dir: string, options: RecordOptions): Promise<SplitSummary> {
  const env = new PlatformerEnv({ size: options.size });
  const format = { width: options.size, height: options.size, fps: options.fps, lossless: true };
  const lines: ClipLabels[] = [];
  const ends: Record<EpisodeEnd, number> = { goal: 0, death: 0, timeout: 0 };
  const histogram = Object.fromEntries(ACTION_NAMES.map((name) => [name, 0]));
  const withoutClips: number[] = [];
  const previewRows: Uint8Array[][] = [];
  const last = options.firstSeed + options.episodes - 1;
  for (let batchStart = options.firstSeed; batchStart <= last; batchStart += EPISODES_PER_BATCH) {
    const jobs: { path: string; frames: Uint8Array[] }[] = [];
    for (let seed = batchStart; seed <= Math.min(last, batchStart + EPISODES_PER_BATCH - 1); seed++) {
      const episode = playEpisode(env, seed, makePolicy(options.policy, seed));
      ends[episode.end]++;
      const clips = cutClips(episode, options.framesPerClip, options.clips);
      if (clips.length === 0) withoutClips.push(seed);
      for (const clip of clips) {
        const name = clipName(lines.length);
        // Key order is the CoinRun file's: clip, seed, episode, then start .. episode_end from cutClips.
        lines.push({ clip: name, seed, episode: seed - options.firstSeed, ...clip.labels });
        for (const action of clip.labels.actions) histogram[ACTION_NAMES[action]]++;
        jobs.push({ path: join(dir, name), frames: clip.frames });
        if (previewRows.length < PREVIEW.clips) previewRows.push(previewFrames(clip.frames));
      }
    }
    await runPool(jobs, options.jobs ?? availableParallelism(), (job) => writeVideoFile(job.frames, format, job.path));
    options.onProgress?.({ episodesDone: Math.min(last, batchStart + EPISODES_PER_BATCH - 1) - options.firstSeed + 1, episodes: options.episodes, clips: lines.length });
  }
  await writeFileAtomic(join(dir, 'actions.jsonl'), lines.map((line) => JSON.stringify(line) + '\n').join(''));
  if (previewRows.length > 0) await writePreview(join(dir, 'preview.png'), previewRows, options.size);
  let videoBytes = 0;
  for (const line of lines) videoBytes += (await fs.stat(join(dir, line.clip))).size;
  return {
    clips: lines.length,
    frames: lines.length * options.framesPerClip,
    policy: options.policy,
    level_seeds_tried: [options.firstSeed, last],
    level_seeds_with_clips: options.episodes - withoutClips.length,
    seeds_without_clips: withoutClips,
    clip_policy: `${options.clips === 'all' ? 'all consecutive' : 'only the first'} ${options.framesPerClip}-frame clip${options.clips === 'all' ? 's' : ''} of each episode from frame 0, tail dropped`,
    episode_end_counts: ends,
    action_histogram: histogram,
    video_bytes: videoBytes,
  };
}

function previewFrames(frames: Uint8Array[]): Uint8Array[] {
  const step = Math.max(1, Math.min(PREVIEW.every, Math.floor((frames.length - 1) / (PREVIEW.columns - 1))));
  return Array.from({ length: PREVIEW.columns }, (_, c) => frames[Math.min(frames.length - 1, c * step)]);
}

async function writePreview(path: string, rows: Uint8Array[][], size: number): Promise<void> {
  const width = PREVIEW.columns * size;
  const grid = new Uint8Array(rows.length * size * width * 3);
  rows.forEach((frames, r) => {
    frames.forEach((frame, c) => {
      for (let y = 0; y < size; y++) grid.set(frame.subarray(y * size * 3, (y + 1) * size * 3), ((r * size + y) * width + c * size) * 3);
    });
  });
  const png = await sharp(grid, { raw: { width, height: rows.length * size, channels: 3 } })
    .resize(width * PREVIEW.scale, rows.length * size * PREVIEW.scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  await writeFileAtomic(path, png);
}

function checkOptions(o: RecordOptions): void {
  const positive: [string, number][] = [['episodes', o.episodes], ['framesPerClip', o.framesPerClip], ['size', o.size]];
  for (const [name, value] of positive) if (!Number.isInteger(value) || value < 1) throw new Error(`record: ${name} must be a positive integer, got ${value}`);
  if (!Number.isSafeInteger(o.firstSeed) || o.firstSeed < 0) throw new Error(`record: the first seed must be a non-negative integer, got ${o.firstSeed}`);
  if (!(o.fps > 0)) throw new Error(`record: fps must be positive, got ${o.fps}`);
  if (!/^[A-Za-z0-9_-]+$/.test(o.split)) throw new Error(`record: split '${o.split}' must be a plain folder name (letters, digits, - and _)`);
  if (!POLICY_NAMES.includes(o.policy)) throw new Error(`record: policy must be one of ${POLICY_NAMES.join(', ')}, got '${o.policy}'`);
}

/** Adds (or replaces) this split's entry in OUT/manifest.json and re-hashes every file under OUT. */
async function writeManifest(options: RecordOptions, summary: SplitSummary): Promise<void> {
  const path = join(options.out, 'manifest.json');
  const previous: { splits?: Record<string, unknown> } = await fs.readFile(path, 'utf8').then(
    (text) => JSON.parse(text),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return {};
      throw new Error(`cannot read ${path}: ${err.message}`);
    },
  );
  const splits = { ...(previous.splits ?? {}), [options.split]: { ...summary, clip_files: `${options.split}/${clipName(0)} .. ${options.split}/${clipName(Math.max(0, summary.clips - 1))}`, actions_file: `${options.split}/actions.jsonl` } };
  const manifest = {
    name: `platformer-${options.size}px-${options.framesPerClip}f`,
    description: 'genie-ts platformer (src/envs/platformer), a CoinRun-like procedurally generated side-scroller; one episode per level seed, cut into clips.',
    source: { environment: 'genie-ts platformer', code: 'src/envs/platformer', interface: 'PlatformerEnv reset(seed) / step(action)' },
    options: { view_tiles: DEFAULT_VIEW_TILES, episode_time_limit: 1000, num_actions: ACTION_NAMES.length },
    resolution: [options.size, options.size],
    channels: 3,
    pixel_format_decoded: 'rgb24',
    fps: options.fps,
    clip_length: options.framesPerClip,
    codec: { container: 'mp4', encoder: 'libx264rgb', settings: 'crf 0 (lossless)', stored_pix_fmt: 'gbrp', lossless: true },
    alignment: 'frame i, then actions[i] is taken, which produces frame i+1; rewards[i] is the reward of that step; done_at = index i whose action ended the episode (null if the episode continues past the clip)',
    action_names: [...ACTION_NAMES],
    splits,
    files: await hashFiles(options.out),
  };
  await writeFileAtomic(path, JSON.stringify(manifest, null, 1) + '\n');
}

async function hashFiles(root: string): Promise<Record<string, { bytes: number; sha256: string }>> {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temporary files of runs in progress
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && path !== join(root, 'manifest.json')) {
        const data = await fs.readFile(path);
        files[relative(root, path)] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
      }
    }
  };
  await walk(root);
  return files;
}
