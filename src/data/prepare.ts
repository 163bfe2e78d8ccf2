// `genie data prepare`: decode a corpus once into the frame cache (prepared-dataset.ts).
//
// Flow: find the inputs -> drop those unchanged since the last run (size + mtime, then sha256) -> group
// small files into batches -> a pool of ffmpeg processes decodes batches (decode.ts) -> decoded videos are
// appended to shards in turn (shard-writer.ts) -> after every sealed shard, index.json is replaced, so an
// interrupted run keeps every complete shard and loses at most the open one.
// Bad inputs are skipped with one warning each and end up in the report; only a failed write to the cache
// stops the run.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeWriteFailure, lockCache, nextShardNumber, removeLeftovers } from './cache-maintenance.ts';
import { decodeVideos, frameBytes, type DecodeResult, type Fit, type FrameFormat } from './decode.ts';
import { ensureFfmpeg } from './ffmpeg.ts';
import { runPool } from './pool.ts';
import { readCacheIndex, writeCacheIndex, type CacheIndex, type VideoEntry } from './prepared-dataset.ts';
import { ShardWriter } from './shard-writer.ts';
import { errorText, findVideoSources, type SkippedInput, type VideoSource } from './sources.ts';

export interface PrepareOptions {
  out: string;
  width?: number;
  height?: number;
  fps?: number;
  fit?: Fit;
  // Videos shorter than one training window cannot give a single sample.
  minFrames?: number;
  // Frame rate assumed for folders of numbered images; default: fps.
  framesFps?: number;
  // Concurrent ffmpeg processes; default: one per core.
  jobs?: number;
  // Inputs decoded by one ffmpeg process (start-up costs about as much as decoding a short clip).
  batchSize?: number;
  maxShardBytes?: number;
  onWarning?: (message: string) => void;
  onProgress?: (progress: PrepareProgress) => void;
}

export const PREPARE_DEFAULTS = { width: 64, height: 64, fps: 10, fit: 'crop' as Fit, minFrames: 16, batchSize: 32, maxShardBytes: 1 << 30 };

// Larger inputs are decoded alone, their frames spilled to a file rather than held in memory.
const BATCHED_INPUT_MAX_BYTES = 4 << 20;

export interface PrepareProgress {
  inputsDone: number;
  inputsTotal: number;
  framesDone: number;
}

export interface PrepareReport {
  out: string;
  added: number;
  replaced: number;
  unchanged: number;
  framesAdded: number;
  skipped: SkippedInput[];
  videos: number;
  frames: number;
  seconds: number;
}

interface Job {
  sources: VideoSource[];
  // sha256 of sources already hashed while checking for changes.
  known: Map<string, string>;
}

export async function prepareDataset(inputs: string[], options: PrepareOptions): Promise<PrepareReport> {
  const started = performance.now();
  const o = { ...PREPARE_DEFAULTS, ...definedOnly(options) };
  const out = resolve(options.out);
  const format: FrameFormat = { width: o.width, height: o.height, fps: o.fps, fit: o.fit };
  const warn = (s: SkippedInput) => o.onWarning?.(`skipped ${s.path}: ${s.reason}`);
  await ensureFfmpeg();
  try {
    await fs.mkdir(out, { recursive: true });
  } catch (err) {
    throw describeWriteFailure(err, out);
  }
  const unlock = await lockCache(out).catch((err) => Promise.reject(describeWriteFailure(err, out)));
  let writer: ShardWriter | null = null;
  try {
    let index = (await readCacheIndex(out)) ?? emptyIndex(format);
    checkSameFormat(index, format, out);
    await removeLeftovers(out, index);

    const found = await findVideoSources(inputs);
    const skipped = [...found.skipped];
    found.skipped.forEach(warn);
    const plan = await planWork(found.sources, index, skipped, warn);
    if (plan.touched.length > 0) {
      index = mergeVideos(index, plan.touched);
      await writeCacheIndex(out, index);
    }

    writer = new ShardWriter(out, frameBytes(format), o.maxShardBytes, nextShardNumber(index));
    const openShardVideos = new Map<string, VideoEntry[]>();
    const commit = async (shard: string | null) => {
      if (!shard) return;
      index = mergeVideos(index, openShardVideos.get(shard) ?? []);
      openShardVideos.delete(shard);
      await writeCacheIndex(out, index);
    };
    const previous = new Map(index.videos.map((v) => [v.source, v]));
    let added = 0;
    let replaced = 0;
    let framesAdded = 0;
    let inputsDone = 0;

    const store = async (result: DecodeResult, sha256: string) => {
      if (result.ok && result.frames < o.minFrames) {
        result = { ok: false, source: result.source, category: 'too-short', reason: `too short: ${result.frames} frames at ${o.fps} fps, fewer than one ${o.minFrames}-frame training window` };
      }
      if (!result.ok) {
        const kept = previous.has(result.source.path) ? '; the previously prepared version is kept' : '';
        const s: SkippedInput = { path: result.source.path, category: result.category, reason: result.reason + kept };
        skipped.push(s);
        warn(s);
        return;
      }
      const { stored, sealed } = await writer!.append(result.data);
      if ('file' in result.data) await fs.rm(result.data.file, { force: true });
      await commit(sealed);
      const { source, info } = result;
      const entry: VideoEntry = {
        name: basename(source.path),
        source: source.path,
        kind: source.kind,
        size: source.size,
        mtimeMs: source.mtimeMs,
        sha256,
        ...stored,
        sourceWidth: info.width,
        sourceHeight: info.height,
        sourceFps: info.fps,
      };
      openShardVideos.set(stored.shard, [...(openShardVideos.get(stored.shard) ?? []), entry]);
      if (previous.has(source.path)) replaced++;
      else added++;
      framesAdded += stored.frames;
    };

    // Decoding runs in parallel; appending to the shard is one at a time, in the order batches finish.
    let storing: Promise<void> = Promise.resolve();
    let spillCount = 0;
    const runJob = async (job: Job) => {
      const hashes = new Map<string, string>();
      const sources: VideoSource[] = [];
      for (const source of job.sources) {
        try {
          hashes.set(source.path, job.known.get(source.path) ?? (await sourceSha256(source)));
          sources.push(source);
        } catch (err) {
          const s: SkippedInput = { path: source.path, category: 'unreadable', reason: `cannot read: ${errorText(err)}` };
          skipped.push(s);
          warn(s);
        }
      }
      const spillFile = sources.length === 1 && sources[0].size > BATCHED_INPUT_MAX_BYTES ? join(out, `.spill-${++spillCount}.raw.${process.pid}.tmp`) : undefined;
      const results = sources.length > 0 ? await decodeVideos(sources, format, { framesFps: o.framesFps ?? o.fps, spillFile }) : [];
      storing = storing.then(async () => {
        for (const result of results) await store(result, hashes.get(result.source.path)!);
        inputsDone += job.sources.length;
        o.onProgress?.({ inputsDone, inputsTotal: plan.inputs, framesDone: framesAdded });
      });
      await storing;
    };
    const jobs = o.jobs ?? availableParallelism();
    // A small corpus is spread over all processes rather than filling one batch.
    const batchSize = Math.max(1, Math.min(o.batchSize, Math.ceil(plan.toDecode.length / jobs)));
    await runPool(makeJobs(plan.toDecode, plan.known, batchSize), jobs, runJob);
    await commit(await writer.finish());
    await removeLeftovers(out, index);
    return {
      out,
      added,
      replaced,
      unchanged: plan.unchanged,
      framesAdded,
      skipped,
      videos: index.videos.length,
      frames: index.videos.reduce((sum, v) => sum + v.frames, 0),
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await writer?.abort();
    throw describeWriteFailure(err, out);
  } finally {
    await unlock();
  }
}

function emptyIndex(format: FrameFormat): CacheIndex {
  return { format: 'genie-frames', version: 1, width: format.width, height: format.height, channels: 3, fps: format.fps!, fit: format.fit, videos: [] };
}

function checkSameFormat(index: CacheIndex, format: FrameFormat, out: string): void {
  const describe = (f: { width: number; height: number; fps: number | null; fit: Fit }) => `${f.width}x${f.height}, ${f.fps} fps, ${f.fit}`;
  if (index.width !== format.width || index.height !== format.height || index.fps !== format.fps || index.fit !== format.fit) {
    throw new Error(`${out} holds frames at ${describe(index)} but this run asks for ${describe(format)}; prepare into another --out directory (or delete ${out} to rebuild it)`);
  }
}

// Unchanged = same size and mtime as when it was prepared, or else the same sha256 (a touched or copied
// file). Inputs that failed before are tried again: the user may have fixed them.
async function planWork(sources: VideoSource[], index: CacheIndex, skipped: SkippedInput[], warn: (s: SkippedInput) => void) {
  const bySource = new Map(index.videos.map((v) => [v.source, v]));
  const toDecode: VideoSource[] = [];
  const touched: VideoEntry[] = [];
  const known = new Map<string, string>();
  let unchanged = 0;
  for (const source of sources) {
    const entry = bySource.get(source.path);
    if (entry && entry.size === source.size && entry.mtimeMs === source.mtimeMs) {
      unchanged++;
      continue;
    }
    if (entry) {
      let sha256: string;
      try {
        sha256 = await sourceSha256(source);
      } catch (err) {
        const s: SkippedInput = { path: source.path, category: 'unreadable', reason: `cannot read: ${errorText(err)}; the previously prepared version is kept` };
        skipped.push(s);
        warn(s);
        continue;
      }
      if (sha256 === entry.sha256) {
        touched.push({ ...entry, size: source.size, mtimeMs: source.mtimeMs });
        unchanged++;
        continue;
      }
      known.set(source.path, sha256);
    }
    toDecode.push(source);
  }
  return { toDecode, touched, known, unchanged, inputs: toDecode.length };
}

function makeJobs(sources: VideoSource[], known: Map<string, string>, batchSize: number): Job[] {
  const jobs: Job[] = [];
  let batch: VideoSource[] = [];
  for (const source of sources) {
    if (source.size > BATCHED_INPUT_MAX_BYTES) {
      jobs.push({ sources: [source], known });
      continue;
    }
    batch.push(source);
    if (batch.length === batchSize) {
      jobs.push({ sources: batch, known });
      batch = [];
    }
  }
  if (batch.length > 0) jobs.push({ sources: batch, known });
  return jobs;
}

// The whole index is rewritten sorted by source, so the same inputs give the same index.
function mergeVideos(index: CacheIndex, entries: VideoEntry[]): CacheIndex {
  const bySource = new Map(index.videos.map((v) => [v.source, v]));
  for (const entry of entries) bySource.set(entry.source, entry);
  const videos = [...bySource.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return { ...index, videos };
}

export async function sourceSha256(source: VideoSource): Promise<string> {
  const hash = createHash('sha256');
  for (const path of source.kind === 'file' ? [source.path] : source.framePaths) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function formatPrepareSummary(report: PrepareReport): string {
  const counts = new Map<string, number>();
  for (const s of report.skipped) counts.set(s.category, (counts.get(s.category) ?? 0) + 1);
  const reasons = [...counts].map(([category, n]) => `${n} ${category}`).join(', ');
  const lines = [
    `${report.added} added, ${report.replaced} replaced, ${report.unchanged} unchanged, ${report.skipped.length} skipped${reasons ? ` (${reasons})` : ''}; ` +
      `${report.framesAdded.toLocaleString('en-US')} frames decoded in ${report.seconds.toFixed(1)} s`,
    `${report.out}: ${report.videos} videos, ${report.frames.toLocaleString('en-US')} frames`,
  ];
  return lines.join('\n');
}
