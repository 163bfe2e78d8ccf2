// `genie data inspect`: what a prepared cache holds, a contact sheet of its frames so a person can see
// what the model will learn from, and an optional check of every video's frames against its checksum.
import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { enlarge } from './clip-writer.ts';
import type { PreparedDataset } from './prepared-dataset.ts';

export interface DatasetSummary {
  dir: string;
  videos: number;
  frames: number;
  hours: number;
  width: number;
  height: number;
  fps: number;
  fit: 'crop' | 'pad';
  shards: number;
  bytes: number;
  shortestVideoFrames: number;
  longestVideoFrames: number;
  frameFolders: number;
}

export async function summarizeDataset(dataset: PreparedDataset): Promise<DatasetSummary> {
  const { index, videos } = dataset;
  const shards = [...new Set(videos.map((v) => v.shard))];
  const sizes = await Promise.all(shards.map((s) => fs.stat(dataset.shardPath(s)).then((st) => st.size)));
  const frames = dataset.totalFrames;
  return {
    dir: dataset.dir,
    videos: videos.length,
    frames,
    hours: frames / index.fps / 3600,
    width: index.width,
    height: index.height,
    fps: index.fps,
    fit: index.fit,
    shards: shards.length,
    bytes: sizes.reduce((a, b) => a + b, 0),
    shortestVideoFrames: videos.length ? Math.min(...videos.map((v) => v.frames)) : 0,
    longestVideoFrames: videos.length ? Math.max(...videos.map((v) => v.frames)) : 0,
    frameFolders: videos.filter((v) => v.kind === 'frames').length,
  };
}

export function formatDatasetSummary(s: DatasetSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `${s.dir}`,
    `  videos      ${n(s.videos)}${s.frameFolders ? ` (${s.frameFolders} frame folders)` : ''}, ${n(s.shortestVideoFrames)} to ${n(s.longestVideoFrames)} frames each`,
    `  frames      ${n(s.frames)} (${s.hours.toFixed(2)} hours at ${s.fps} fps)`,
    `  resolution  ${s.width}x${s.height} RGB (${s.fit})`,
    `  on disk     ${(s.bytes / 2 ** 20).toFixed(1)} MiB in ${s.shards} shard${s.shards === 1 ? '' : 's'}`,
  ].join('\n');
}

export interface ContactSheetOptions {
  rows?: number;
  columns?: number;
  scale?: number;
}

// Row r shows one video (videos spread evenly over the cache), its frames spread evenly over its length.
export async function writeContactSheet(dataset: PreparedDataset, path: string, options: ContactSheetOptions = {}): Promise<void> {
  if (dataset.videos.length === 0) throw new Error(`${dataset.dir} holds no videos: nothing to show in a contact sheet`);
  const rows = Math.min(options.rows ?? 8, dataset.videos.length);
  const columns = options.columns ?? 8;
  const scale = options.scale ?? 2;
  const { width, height } = dataset.index;
  const gap = 2;
  const sheetWidth = columns * (width + gap) - gap;
  const sheetHeight = rows * (height + gap) - gap;
  const sheet = new Uint8Array(sheetWidth * sheetHeight * 3).fill(32);
  for (let r = 0; r < rows; r++) {
    const video = Math.floor((r * dataset.videos.length) / rows);
    const frames = dataset.videos[video].frames;
    for (let c = 0; c < columns; c++) {
      const frame = dataset.readFrames(video, Math.floor((c * frames) / columns), 1);
      for (let y = 0; y < height; y++) {
        const to = ((r * (height + gap) + y) * sheetWidth + c * (width + gap)) * 3;
        sheet.set(frame.subarray(y * width * 3, (y + 1) * width * 3), to);
      }
    }
  }
  const png = await sharp(enlarge(sheet, sheetWidth, sheetHeight, scale), {
    raw: { width: sheetWidth * scale, height: sheetHeight * scale, channels: 3 },
  })
    .png()
    .toBuffer();
  await writeFileAtomic(path, png);
}

// Reads every video back and compares its crc32 with the one recorded when it was prepared.
export function verifyDataset(dataset: PreparedDataset): { name: string; source: string; problem: string }[] {
  const problems: { name: string; source: string; problem: string }[] = [];
  for (const [i, video] of dataset.videos.entries()) {
    try {
      const checksum = crc32(dataset.readFrames(i, 0, video.frames));
      if (checksum !== video.crc32) problems.push({ name: video.name, source: video.source, problem: `checksum ${checksum} differs from ${video.crc32} recorded at prepare time` });
    } catch (err) {
      problems.push({ name: video.name, source: video.source, problem: (err as Error).message });
    }
  }
  return problems;
}
