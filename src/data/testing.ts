// Tiny synthetic inputs for the data tests, made with ffmpeg's built-in test sources, and a frame cache
// written directly (no ffmpeg) whose pixels say which video and frame they came from.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCacheIndex, type CacheIndex, type VideoEntry } from './prepared-dataset.ts';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `genie-${prefix}-`));
}

export function ffmpeg(args: string[]): void {
  execFileSync(process.env.FFMPEG_PATH || 'ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const CODECS: Record<string, string[]> = {
  mp4: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  mkv: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  mov: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  webm: ['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '200k'],
  avi: ['-c:v', 'mjpeg', '-q:v', '3'],
  gif: [],
};

export interface TestVideo {
  width?: number;
  height?: number;
  fps?: number;
  frames?: number;
  // Any lavfi video source, e.g. 'testsrc' or 'color=c=red'.
  source?: string;
}

export function makeVideo(path: string, video: TestVideo = {}): string {
  const { width = 48, height = 32, fps = 10, frames = 20, source = 'testsrc' } = video;
  const ext = path.split('.').pop()!;
  const separator = source.includes('=') ? ':' : '=';
  ffmpeg(['-f', 'lavfi', '-i', `${source}${separator}size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames), ...(CODECS[ext] ?? []), path]);
  return path;
}

export function makeAudioOnly(path: string): string {
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', path]);
  return path;
}

// frame_1.png .. frame_N.png, unpadded, so a correct reader must sort them by number.
export function makeFrameFolder(dir: string, frames: number, width = 40, height = 30): string {
  ffmpeg(['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=10`, '-frames:v', String(frames), '-start_number', '1', join(dir, 'frame_%d.png')]);
  return dir;
}

// Damaged copies of a good MP4: the same bytes cut in half, and with the middle overwritten.
export async function makeDamaged(goodMp4: string, dir: string): Promise<{ truncated: string; corrupt: string }> {
  const bytes = await fs.readFile(goodMp4);
  const truncated = join(dir, 'truncated.mp4');
  await fs.writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
  const damagedBytes = Buffer.from(bytes);
  for (let i = damagedBytes.length / 3; i < (2 * damagedBytes.length) / 3; i++) damagedBytes[Math.floor(i)] = (i * 7919) & 255;
  const corrupt = join(dir, 'corrupt.mp4');
  await fs.writeFile(corrupt, damagedBytes);
  return { truncated, corrupt };
}

// A cache of `lengths.length` videos at 4x4 where every byte of frame f of video v is frameTag(v, f),
// so a test can read back which video and frame any sampled frame came from.
export async function makeTaggedCache(dir: string, lengths: number[], framesPerShard = 1000): Promise<CacheIndex> {
  const width = 4;
  const height = 4;
  const frameBytes = width * height * 3;
  const videos: VideoEntry[] = [];
  const shards: number[][] = [[]];
  lengths.forEach((frames, v) => {
    let shard = shards[shards.length - 1];
    if (shard.length > 0 && shard.length + frames > framesPerShard) shards.push((shard = []));
    videos.push({
      name: `video-${v}.mp4`,
      source: `/videos/video-${v}.mp4`,
      kind: 'file',
      size: 1000 + v,
      mtimeMs: 0,
      sha256: (v + 1).toString(16).padStart(64, '0'),
      shard: `shard-${String(shards.length).padStart(6, '0')}.bin`,
      firstFrame: shard.length,
      frames,
      crc32: 0,
      sourceWidth: width,
      sourceHeight: height,
      sourceFps: 10,
    });
    for (let f = 0; f < frames; f++) shard.push(frameTag(v, f));
  });
  await fs.mkdir(dir, { recursive: true });
  shards.forEach((tags, s) => {
    const bytes = new Uint8Array(tags.length * frameBytes);
    tags.forEach((tag, f) => bytes.fill(tag, f * frameBytes, (f + 1) * frameBytes));
    writeFileSync(join(dir, `shard-${String(s + 1).padStart(6, '0')}.bin`), bytes);
  });
  const index: CacheIndex = { format: 'genie-frames', version: 1, width, height, channels: 3, fps: 10, fit: 'crop', videos, failures: [] };
  await writeCacheIndex(dir, index);
  return index;
}

// Distinct for up to 8 videos of up to 32 frames.
export function frameTag(video: number, frame: number): number {
  return video * 32 + frame;
}
