// Training clips from a prepared cache: random windows of `windowLength` frames that never cross a video
// boundary, read on a worker thread ahead of time.
//
// Reproducible: the windows of batch k depend only on (seed, k) and the cache, not on timing, so a run
// resumed at batch k (firstBatch) sees exactly what it would have seen. Every window in the split is
// equally likely (a video is picked in proportion to its number of windows).
// The split into train and validation is by video, decided by a hash of the video's content, so it does
// not change when videos are added or renamed, and copies of one video always land on the same side.
// Batches carry frames and window positions only: there are no action labels on this path.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { PreparedDataset, type VideoEntry } from './prepared-dataset.ts';

export type Split = 'train' | 'validation' | 'all';

export interface SamplerOptions {
  batchSize?: number;
  windowLength?: number;
  // Source frames between consecutive frames of a window: 2 takes every other frame (half the frame rate).
  frameStride?: number;
  seed?: number;
  split?: Split;
  validationFraction?: number;
  // Batches read ahead on the worker thread.
  prefetch?: number;
  // Index of the first batch next() returns: resuming at step k continues the same sequence.
  firstBatch?: number;
}

export const SAMPLER_DEFAULTS = { batchSize: 8, windowLength: 16, frameStride: 1, seed: 0, split: 'train' as Split, validationFraction: 0.05, prefetch: 2, firstBatch: 0 };

export interface ClipWindow {
  video: number; // index into dataset.videos
  start: number; // first frame
}

export interface ClipBatch {
  index: number;
  frames: Uint8Array; // (B, T, H, W, 3) uint8 RGB
  shape: [number, number, number, number, number];
  windows: ClipWindow[];
}

// Video indices of each split. Validation takes the videos whose content hash falls below the fraction;
// with two or more videos each side gets at least one, and a lone video is always in train.
export function splitVideos(videos: VideoEntry[], seed: number, validationFraction: number): { train: number[]; validation: number[] } {
  const scored = videos.map((v, i) => ({ i, u: hashUnit(`${seed}:${v.sha256}`) }));
  const validation = new Set(scored.filter((s) => s.u < validationFraction).map((s) => s.i));
  const byScore = [...scored].sort((a, b) => a.u - b.u);
  if (validationFraction > 0 && validation.size === 0 && videos.length >= 2) validation.add(byScore[0].i);
  if (validation.size === videos.length && videos.length > 0) validation.delete(byScore[byScore.length - 1].i);
  const train = videos.map((_, i) => i).filter((i) => !validation.has(i));
  return { train, validation: [...validation].sort((a, b) => a - b) };
}

export class ClipSampler {
  readonly options: typeof SAMPLER_DEFAULTS;
  readonly videoIndices: number[];
  readonly windowCount: number;
  // cumulativeWindows[i] = windows in videoIndices[0..i], for picking a window uniformly.
  private readonly cumulativeWindows: number[];
  private readonly shardNumbers: Map<string, number>;
  private worker: Worker | null = null;
  private nextBatch: number;
  private readonly requested: Promise<ClipBatch>[] = [];
  private readonly waiting = new Map<number, { resolve: (buffer: ArrayBuffer) => void; reject: (err: Error) => void }>();
  private consumersWaiting = 0;
  private closed = false;

  private constructor(
    readonly dataset: PreparedDataset,
    options: SamplerOptions,
  ) {
    this.options = { ...SAMPLER_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    const { windowLength, frameStride, batchSize, split, seed, validationFraction } = this.options;
    for (const [name, value] of Object.entries({ windowLength, frameStride, batchSize })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`sampler option ${name} must be a positive integer, got ${value}`);
    }
    if (!Number.isInteger(this.options.prefetch) || this.options.prefetch < 0) throw new Error(`sampler option prefetch must be an integer >= 0, got ${this.options.prefetch}`);
    if (!(validationFraction >= 0 && validationFraction < 1)) throw new Error(`sampler option validationFraction must be in [0, 1), got ${validationFraction}`);
    const videos = dataset.videos;
    const inSplit = split === 'all' ? videos.map((_, i) => i) : splitVideos(videos, seed, validationFraction)[split];
    const span = this.windowSpan;
    this.videoIndices = inSplit.filter((i) => videos[i].frames >= span);
    if (this.videoIndices.length === 0) {
      const longest = Math.max(0, ...inSplit.map((i) => videos[i].frames));
      throw new Error(
        `no video in the ${split} split of ${dataset.dir} (${inSplit.length} videos, longest ${longest} frames) is long enough for a ` +
          `${windowLength}-frame window with stride ${frameStride} (${span} frames); prepare more or longer videos, or shorten the window`,
      );
    }
    let total = 0;
    this.cumulativeWindows = this.videoIndices.map((i) => (total += videos[i].frames - span + 1));
    this.windowCount = total;
    this.shardNumbers = new Map([...new Set(videos.map((v) => v.shard))].map((shard, n) => [shard, n]));
    this.nextBatch = this.options.firstBatch;
  }

  static async open(dir: string, options: SamplerOptions = {}): Promise<ClipSampler> {
    return new ClipSampler(await PreparedDataset.open(dir), options);
  }

  // Frames a window covers in its video.
  get windowSpan(): number {
    return (this.options.windowLength - 1) * this.options.frameStride + 1;
  }

  plan(batchIndex: number): ClipWindow[] {
    const random = batchRandom(this.options.seed, batchIndex);
    return Array.from({ length: this.options.batchSize }, () => {
      const pick = Math.floor(random() * this.windowCount);
      const slot = firstAbove(this.cumulativeWindows, pick);
      const before = slot === 0 ? 0 : this.cumulativeWindows[slot - 1];
      return { video: this.videoIndices[slot], start: pick - before };
    });
  }

  async next(): Promise<ClipBatch> {
    if (this.closed) throw new Error(`the sampler of ${this.dataset.dir} is closed`);
    while (this.requested.length < this.options.prefetch + 1) {
      const batch = this.request(this.nextBatch++);
      // A read-ahead batch may fail before anyone awaits it; the error is delivered when it is awaited.
      batch.catch(() => {});
      this.requested.push(batch);
    }
    this.consumersWaiting++;
    this.worker!.ref();
    try {
      return await this.requested.shift()!;
    } finally {
      // Only a consumer waiting for a batch keeps the process alive; prefetching alone does not.
      if (--this.consumersWaiting === 0) this.worker?.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.dataset.close();
    if (worker) await worker.terminate();
    for (const { reject } of this.waiting.values()) reject(new Error('sampler closed'));
    this.waiting.clear();
  }

  private request(batchIndex: number): Promise<ClipBatch> {
    const worker = this.worker ?? this.startWorker();
    const windows = this.plan(batchIndex);
    const reads = windows.flatMap(({ video, start }) => {
      const entry = this.dataset.videos[video];
      return [this.shardNumbers.get(entry.shard)!, entry.firstFrame + start];
    });
    const { windowLength, frameStride, batchSize } = this.options;
    const { height, width } = this.dataset.index;
    const shape: ClipBatch['shape'] = [batchSize, windowLength, height, width, 3];
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.waiting.set(batchIndex, { resolve, reject });
      worker.postMessage({ id: batchIndex, windowLength, frameStride, reads });
    }).then((buffer) => ({ index: batchIndex, frames: new Uint8Array(buffer), shape, windows }));
  }

  private startWorker(): Worker {
    const shardPaths = [...this.shardNumbers.keys()].map((shard) => this.dataset.shardPath(shard));
    const worker = new Worker(new URL('./frame-reader-worker.mjs', import.meta.url), {
      workerData: { shardPaths, frameBytes: this.dataset.frameBytes },
    });
    worker.on('message', (reply: { id: number; buffer?: ArrayBuffer; error?: string }) => {
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.buffer) pending?.resolve(reply.buffer);
      else pending?.reject(new Error(reply.error));
    });
    worker.on('error', (err) => {
      for (const { reject } of this.waiting.values()) reject(err);
      this.waiting.clear();
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

// Index of the first element greater than value (cumulative counts are increasing).
function firstAbove(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function hashUnit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

// mulberry32 seeded from (seed, batch); two draws make a 53-bit uniform so huge corpora are covered evenly.
function batchRandom(seed: number, batch: number): () => number {
  let state = createHash('sha256').update(`${seed}:${batch}`).digest().readUInt32BE(0);
  const next32 = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53;
}
