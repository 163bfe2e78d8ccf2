// `genie data prepare`: decode a corpus once into the frame cache (prepared-dataset.ts).
//
// Flow: find the inputs -> drop those unchanged since the last run (size + mtime, then sha256) -> group
// small files into batches -> a pool of ffmpeg processes decodes batches (decode.ts) -> decoded videos are
// appended to shards one at a time (shard-writer.ts) -> after every sealed shard, index.json is replaced,
// so an interrupted run keeps every complete shard and loses at most the open one.
// Bad inputs are skipped with one warning each and end up in the report (and in the index, so an
// unchanged bad file is not decoded again next time); only a failed write to the cache stops the run.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeWriteFailure, lockCache, nextShardNumber, removeLeftovers } from './cache-maintenance.ts';
import { decodeVideos, frameBytes, type DecodeResult, type Fit, type FrameFormat } from './decode.ts';
import { ensureFfmpeg } from './ffmpeg.ts';
import { runPool } from './pool.ts';
import { readCacheIndex, writeCacheIndex, type CacheIndex, type Failure, type VideoEntry } from './prepared-dataset.ts';
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

type Settings = typeof PREPARE_DEFAULTS & Omit<PrepareOptions, keyof typeof PREPARE_DEFAULTS | 'out'>;

export async function prepareDataset(inputs: string[], options: PrepareOptions): Promise<PrepareReport> {
  const started = performance.now();
  const settings: Settings = { ...PREPARE_DEFAULTS, ...definedOnly(options) };
  const out = resolve(options.out);
  const format: FrameFormat = { width: settings.width, height: settings.height, fps: settings.fps, fit: settings.fit };
  await ensureFfmpeg();
  try {
    await fs.mkdir(out, { recursive: true });
  } catch (err) {
    throw describeWriteFailure(err, out);
  }
  const unlock = await lockCache(out).catch((err) => Promise.reject(describeWriteFailure(err, out)));
  let run: PrepareRun | null = null;
  try {
    const index = (await readCacheIndex(out)) ?? emptyIndex(format);
    checkSameFormat(index, format, out);
    await removeLeftovers(out, index);
    run = new PrepareRun(out, format, settings, index);
    await run.prepare(inputs);
    await removeLeftovers(out, run.index);
    return { ...run.report(), seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await run?.writer.abort();
    throw describeWriteFailure(err, out);
  } finally {
    await unlock();
  }
}

class PrepareRun {
  readonly writer: ShardWriter;
  private readonly previous: Map<string, VideoEntry>;
  private readonly skipped: SkippedInput[] = [];
  private readonly failures: Failure[] = [];
  // Videos in the open shard: they enter the index when it is sealed.
  private readonly pending = new Map<string, VideoEntry[]>();
  private added = 0;
  private replaced = 0;
  private unchanged = 0;
  private framesAdded = 0;
  private spills = 0;

  constructor(
    private readonly out: string,
    private readonly format: FrameFormat,
    private readonly settings: Settings,
    public index: CacheIndex,
  ) {
    this.previous = new Map(index.videos.map((v) => [v.source, v]));
    this.writer = new ShardWriter(out, frameBytes(format), settings.maxShardBytes, nextShardNumber(index));
  }

  async prepare(inputs: string[]): Promise<void> {
    const found = await findVideoSources(inputs);
    found.skipped.forEach((s) => this.skip(s));
    const { toDecode, hashes } = await this.planWork(found.sources);
    const jobs = this.settings.jobs ?? availableParallelism();
    // A small corpus is spread over all processes rather than filling one batch.
    const batchSize = Math.max(1, Math.min(this.settings.batchSize, Math.ceil(toDecode.length / jobs)));
    let inputsDone = 0;
    // Decoding runs in parallel; appending to the shard is one batch at a time, in the order they finish.
    let storing: Promise<void> = Promise.resolve();
    await runPool(makeBatches(toDecode, batchSize), jobs, async (batch) => {
      const results = await this.decode(batch, hashes);
      storing = storing.then(async () => {
        for (const result of results) await this.store(result, hashes.get(result.source.path)!);
        inputsDone += batch.length;
        this.settings.onProgress?.({ inputsDone, inputsTotal: toDecode.length, framesDone: this.framesAdded });
      });
      await storing;
    });
    await this.commit(await this.writer.finish());
    const failures = this.failures.sort((a, b) => (a.source < b.source ? -1 : 1));
    this.index = { ...this.index, failures };
    await writeCacheIndex(this.out, this.index);
  }

  report(): Omit<PrepareReport, 'seconds'> {
    const { out, added, replaced, unchanged, framesAdded, skipped } = this;
    const frames = this.index.videos.reduce((sum, v) => sum + v.frames, 0);
    return { out, added, replaced, unchanged, framesAdded, skipped, videos: this.index.videos.length, frames };
  }

  // Unchanged = same size and mtime as when it was prepared, or else the same sha256 (a touched or copied
  // file). A remembered failure with the same size and mtime is reported again without decoding.
  private async planWork(sources: VideoSource[]): Promise<{ toDecode: VideoSource[]; hashes: Map<string, string> }> {
    const failed = new Map(this.index.failures.map((f) => [f.source, f]));
    const toDecode: VideoSource[] = [];
    const hashes = new Map<string, string>();
    const touched: VideoEntry[] = [];
    for (const source of sources) {
      const entry = this.previous.get(source.path);
      if (entry && entry.size === source.size && entry.mtimeMs === source.mtimeMs) {
        this.unchanged++;
        continue;
      }
      const failure = failed.get(source.path);
      const stillApplies = failure?.category !== 'too-short' || (failure.frames ?? 0) < this.settings.minFrames;
      if (failure && failure.size === source.size && failure.mtimeMs === source.mtimeMs && stillApplies) {
        this.fail(source, failure.category, failure.reason, failure.frames);
        continue;
      }
      let sha256: string;
      try {
        sha256 = await sourceSha256(source);
      } catch (err) {
        this.fail(source, 'unreadable', `cannot read: ${errorText(err)}`);
        continue;
      }
      if (entry && sha256 === entry.sha256) {
        touched.push({ ...entry, size: source.size, mtimeMs: source.mtimeMs });
        this.unchanged++;
        continue;
      }
      hashes.set(source.path, sha256);
      toDecode.push(source);
    }
    if (touched.length > 0) {
      this.index = mergeVideos(this.index, touched);
      await writeCacheIndex(this.out, this.index);
    }
    return { toDecode, hashes };
  }

  private async decode(batch: VideoSource[], hashes: Map<string, string>): Promise<DecodeResult[]> {
    const alone = batch.length === 1 && batch[0].size > BATCHED_INPUT_MAX_BYTES;
    const spillFile = alone ? join(this.out, `.spill-${++this.spills}.raw.${process.pid}.tmp`) : undefined;
    return decodeVideos(batch, this.format, { framesFps: this.settings.framesFps ?? this.settings.fps, spillFile });
  }

  private async store(result: DecodeResult, sha256: string): Promise<void> {
    const { minFrames, fps } = this.settings;
    if (!result.ok) return this.fail(result.source, result.category, result.reason);
    if (result.frames < minFrames) {
      if ('file' in result.data) await fs.rm(result.data.file, { force: true });
      return this.fail(result.source, 'too-short', `too short: ${result.frames} frames at ${fps} fps, fewer than one ${minFrames}-frame training window`, result.frames);
    }
    const { stored, sealed } = await this.writer.append(result.data);
    if ('file' in result.data) await fs.rm(result.data.file, { force: true });
    await this.commit(sealed);
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
    this.pending.set(stored.shard, [...(this.pending.get(stored.shard) ?? []), entry]);
    if (this.previous.has(source.path)) this.replaced++;
    else this.added++;
    this.framesAdded += stored.frames;
  }

  private async commit(shard: string | null): Promise<void> {
    if (!shard) return;
    this.index = mergeVideos(this.index, this.pending.get(shard) ?? []);
    this.pending.delete(shard);
    await writeCacheIndex(this.out, this.index);
  }

  private fail(source: VideoSource, category: Failure['category'], reason: string, frames?: number): void {
    // Permissions can be fixed without changing a file's size or mtime, so unreadable files are always tried again.
    if (category !== 'unreadable') {
      this.failures.push({ source: source.path, size: source.size, mtimeMs: source.mtimeMs, category, reason, ...(frames === undefined ? {} : { frames }) });
    }
    const kept = this.previous.has(source.path) ? '; the previously prepared version is kept' : '';
    this.skip({ path: source.path, category, reason: reason + kept });
  }

  private skip(skipped: SkippedInput): void {
    this.skipped.push(skipped);
    this.settings.onWarning?.(`skipped ${skipped.path}: ${skipped.reason}`);
  }
}

function emptyIndex(format: FrameFormat): CacheIndex {
  return { format: 'genie-frames', version: 1, width: format.width, height: format.height, channels: 3, fps: format.fps!, fit: format.fit, videos: [], failures: [] };
}

function checkSameFormat(index: CacheIndex, format: FrameFormat, out: string): void {
  const describe = (f: { width: number; height: number; fps: number | null; fit: Fit }) => `${f.width}x${f.height}, ${f.fps} fps, ${f.fit}`;
  if (index.width !== format.width || index.height !== format.height || index.fps !== format.fps || index.fit !== format.fit) {
    throw new Error(`${out} holds frames at ${describe(index)} but this run asks for ${describe(format)}; prepare into another --out directory (or delete ${out} to rebuild it)`);
  }
}

// Small inputs share ffmpeg processes; a large one gets a process (and a spill file) to itself.
function makeBatches(sources: VideoSource[], batchSize: number): VideoSource[][] {
  const batches: VideoSource[][] = [];
  let batch: VideoSource[] = [];
  for (const source of sources) {
    if (source.size > BATCHED_INPUT_MAX_BYTES) {
      batches.push([source]);
      continue;
    }
    batch.push(source);
    if (batch.length === batchSize) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

// The whole index is rewritten sorted by source, so the same inputs give the same index.
function mergeVideos(index: CacheIndex, entries: VideoEntry[]): CacheIndex {
  const bySource = new Map(index.videos.map((v) => [v.source, v]));
  for (const entry of entries) bySource.set(entry.source, entry);
  const videos = [...bySource.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return { ...index, videos };
}

async function sourceSha256(source: VideoSource): Promise<string> {
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
  return [
    `${report.added} added, ${report.replaced} replaced, ${report.unchanged} unchanged, ${report.skipped.length} skipped${reasons ? ` (${reasons})` : ''}; ` +
      `${report.framesAdded.toLocaleString('en-US')} frames decoded in ${report.seconds.toFixed(1)} s`,
    `${report.out}: ${report.videos} videos, ${report.frames.toLocaleString('en-US')} frames`,
  ].join('\n');
}
