// The prepared-dataset cache on disk, and reading frames back from it.
//
// A cache directory holds
//   index.json         what is in the cache (schema below); replaced atomically, so it is the commit point
//   shard-000001.bin   raw frames, uint8 RGB, (frames, height, width, 3) row-major, many videos back to back
// A video never spans two shards. Frames are stored at the model's resolution and frame rate, so reading a
// training window is one positioned read, with no decoder in the loop. There are no action labels here:
// the cache holds frames only (labels.ts reads labels, for evaluation and behaviour cloning).
import { closeSync, openSync, readSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { SKIP_CATEGORIES } from './sources.ts';

export const INDEX_FILE = 'index.json';
export const SHARD_NAME = /^shard-\d{6}\.bin$/;

const VideoEntrySchema = z.object({
  name: z.string().min(1),
  // Absolute path at prepare time; the key that incremental re-runs match on.
  source: z.string().min(1),
  kind: z.enum(['file', 'frames']),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  shard: z.string().regex(SHARD_NAME),
  // Position of the video's first frame within its shard, in frames.
  firstFrame: z.number().int().nonnegative(),
  frames: z.number().int().positive(),
  // zlib crc32 of the video's stored frames: `genie data inspect --verify` checks the shards with it.
  crc32: z.number().int().nonnegative(),
  sourceWidth: z.number().int().positive().nullable(),
  sourceHeight: z.number().int().positive().nullable(),
  sourceFps: z.number().positive().nullable(),
});

// An input that failed to decode or was too short, remembered with its size and mtime so that an
// unchanged bad file is not decoded again on every run.
const FailureSchema = z.object({
  source: z.string().min(1),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  category: z.enum(SKIP_CATEGORIES),
  reason: z.string(),
  // For 'too-short': a later run with a shorter window takes it.
  frames: z.number().int().nonnegative().optional(),
});

const CacheIndexSchema = z.object({
  format: z.literal('genie-frames'),
  version: z.literal(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.literal(3),
  fps: z.number().positive(),
  fit: z.enum(['crop', 'pad']),
  videos: z.array(VideoEntrySchema),
  failures: z.array(FailureSchema),
});

export type VideoEntry = z.infer<typeof VideoEntrySchema>;
export type CacheIndex = z.infer<typeof CacheIndexSchema>;
export type Failure = z.infer<typeof FailureSchema>;

export function shardFileName(number: number): string {
  return `shard-${String(number).padStart(6, '0')}.bin`;
}

// null when the directory holds no cache yet.
export async function readCacheIndex(dir: string): Promise<CacheIndex | null> {
  const path = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); it is not a genie frame cache, or it was damaged: prepare into a new --out directory`);
  }
  const parsed = CacheIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path} is not a genie frame cache (field ${issue.path.join('.') || '(root)'}: ${issue.message}); prepare into a new --out directory`);
  }
  return parsed.data;
}

export async function writeCacheIndex(dir: string, index: CacheIndex): Promise<void> {
  await writeFileAtomic(join(dir, INDEX_FILE), JSON.stringify(index, null, 1) + '\n');
}

export class PreparedDataset {
  readonly frameBytes: number;
  private readonly fds = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly index: CacheIndex,
  ) {
    this.frameBytes = index.width * index.height * index.channels;
  }

  // Checks that every shard the index names exists and is long enough, so a damaged cache fails here
  // with the shard's name rather than as a short read in the middle of training.
  static async open(dir: string): Promise<PreparedDataset> {
    const index = await readCacheIndex(dir);
    if (!index) throw new Error(`${dir} is not a prepared dataset (no ${INDEX_FILE}); run \`genie data prepare <videos...> --out ${dir}\` first`);
    const dataset = new PreparedDataset(dir, index);
    const needed = new Map<string, number>();
    for (const v of index.videos) needed.set(v.shard, Math.max(needed.get(v.shard) ?? 0, (v.firstFrame + v.frames) * dataset.frameBytes));
    for (const [shard, bytes] of needed) {
      const path = join(dir, shard);
      const size = await fs.stat(path).then((s) => s.size, () => -1);
      if (size < 0) throw new Error(`${path} is missing but ${INDEX_FILE} lists videos in it; re-run \`genie data prepare\` on the same inputs`);
      if (size < bytes) throw new Error(`${path} has ${size} bytes but ${INDEX_FILE} needs ${bytes}; the shard is damaged: re-run \`genie data prepare\` into a new --out directory`);
    }
    return dataset;
  }

  get videos(): VideoEntry[] {
    return this.index.videos;
  }

  get totalFrames(): number {
    return this.index.videos.reduce((sum, v) => sum + v.frames, 0);
  }

  shardPath(shard: string): string {
    return join(this.dir, shard);
  }

  // Frames [start, start + count) of one video as (count, height, width, 3) uint8.
  readFrames(video: number, start: number, count: number, into = new Uint8Array(count * this.frameBytes)): Uint8Array {
    const entry = this.index.videos[video];
    if (!entry) throw new Error(`video ${video} is not in ${this.dir} (it has ${this.index.videos.length} videos)`);
    if (start < 0 || count < 0 || start + count > entry.frames) {
      throw new Error(`frames [${start}, ${start + count}) are outside video '${entry.name}' (${entry.frames} frames)`);
    }
    const bytes = count * this.frameBytes;
    const read = readSync(this.fd(entry.shard), into, 0, bytes, (entry.firstFrame + start) * this.frameBytes);
    if (read !== bytes) throw new Error(`${this.shardPath(entry.shard)} ended early (read ${read} of ${bytes} bytes); re-run \`genie data prepare\``);
    return into;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private fd(shard: string): number {
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      fd = openSync(this.shardPath(shard), 'r');
      this.fds.set(shard, fd);
    }
    return fd;
  }
}
