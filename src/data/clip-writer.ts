// Writing clips of RGB frames as GIF (gifenc), MP4 (ffmpeg) or a folder of numbered PNGs (sharp).
// Shared by data export, play (session export), eval (rollout figures) and the environment recorder.
// Every writer is atomic: the file appears complete under its name, or not at all.
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import gifenc from 'gifenc';
import sharp from 'sharp';
import { temporaryPath, writeFileAtomic } from '../util/atomic-file.ts';
import { errorLines, startFfmpeg } from './ffmpeg.ts';

export interface ClipFormat {
  width: number;
  height: number;
  fps: number;
  // Integer nearest-neighbour enlargement for viewing (a 64x64 clip is tiny on screen); default 1.
  scale?: number;
}

export interface VideoFileFormat extends ClipFormat {
  // Lossless RGB H.264 (libx264rgb, crf 0), the format of the CoinRun data set, for recordings that are
  // training or evaluation data. Default: ordinary lossy H.264 in yuv420p that every player shows.
  lossless?: boolean;
}

// (height, width, 3) uint8 RGB frames: one array per frame, or all frames back to back.
export type ClipFrames = Uint8Array[] | Uint8Array;

export const CLIP_EXTENSIONS = ['.gif', '.mp4'];

export async function writeClip(frames: ClipFrames, format: ClipFormat, path: string): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext === '.gif') return writeGif(frames, format, path);
  if (ext === '.mp4') return writeVideoFile(frames, format, path);
  throw new Error(`cannot write a clip to ${path}: unknown extension '${ext}' (use one of ${CLIP_EXTENSIONS.join(' ')})`);
}

export async function writeGif(frames: ClipFrames, format: ClipFormat, path: string): Promise<void> {
  const list = frameList(frames, format);
  const scale = checkScale(format);
  const [width, height] = [format.width * scale, format.height * scale];
  const gif = gifenc.GIFEncoder();
  for (const frame of list) {
    const rgba = toRgba(scale === 1 ? frame : enlarge(frame, format.width, format.height, scale));
    // One palette per frame: game frames change colours from level to level.
    const palette = gifenc.quantize(rgba, 256);
    gif.writeFrame(gifenc.applyPalette(rgba, palette), width, height, { palette, delay: 1000 / format.fps });
  }
  gif.finish();
  await writeFileAtomic(path, gif.bytes());
}

export async function writeVideoFile(frames: ClipFrames, format: VideoFileFormat, path: string): Promise<void> {
  const list = frameList(frames, format);
  const writer = createVideoWriter(format, path);
  try {
    for (const frame of list) await writer.write(frame);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
}

// Frames one at a time, for a recorder that does not hold a whole episode in memory.
export interface VideoWriter {
  write(frame: Uint8Array): Promise<void>;
  // Finishes the file and moves it into place.
  close(): Promise<void>;
  // Stops and leaves nothing behind.
  abort(): Promise<void>;
}

export function createVideoWriter(format: VideoFileFormat, path: string): VideoWriter {
  if (extname(path).toLowerCase() !== '.mp4') throw new Error(`cannot write a video to ${path}: only .mp4 is supported`);
  checkFormat(format);
  const scale = checkScale(format);
  const temp = temporaryPath(path);
  const filters = [
    scale > 1 ? `scale=iw*${scale}:ih*${scale}:flags=neighbor` : '',
    // yuv420p needs even sides; pad odd ones with one black row or column.
    format.lossless ? '' : 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
  ].filter(Boolean);
  const codec = format.lossless
    ? ['-c:v', 'libx264rgb', '-crf', '0', '-preset', 'veryslow']
    : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', '-preset', 'medium', '-movflags', '+faststart'];
  const run = startFfmpeg(
    [
      '-loglevel', 'level+error',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${format.width}x${format.height}`, '-r', String(format.fps), '-i', 'pipe:0',
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      ...codec,
      '-f', 'mp4', '-y', temp,
    ],
    { stdin: true },
  );
  const bytes = format.width * format.height * 3;
  let frames = 0;
  const finish = async () => {
    const { code, log } = await run.done;
    if (code !== 0) throw new Error(`ffmpeg could not write ${path}: ${errorLines(log).join('; ') || `exit code ${code}`}`);
  };
  return {
    async write(frame) {
      if (frame.length !== bytes) throw new Error(`frame ${frames} has ${frame.length} bytes; a ${format.width}x${format.height} RGB frame has ${bytes}`);
      frames++;
      if (!run.stdin!.write(frame)) await new Promise<void>((resolve) => run.stdin!.once('drain', resolve));
    },
    async close() {
      if (frames === 0) throw new Error(`no frames written to ${path}`);
      run.stdin!.end();
      try {
        await finish();
        await fs.rename(temp, path);
      } catch (err) {
        await fs.rm(temp, { force: true });
        throw err;
      }
    },
    async abort() {
      run.child.kill();
      await run.done.catch(() => {});
      await fs.rm(temp, { force: true });
    },
  };
}

// frame_000000.png, frame_000001.png, ... : the numbered-frame layout `genie data prepare` reads back.
export async function writeFrameFolder(frames: ClipFrames, format: ClipFormat, dir: string): Promise<void> {
  const list = frameList(frames, format);
  const scale = checkScale(format);
  await fs.mkdir(dir, { recursive: true });
  for (const [i, frame] of list.entries()) {
    const pixels = scale === 1 ? frame : enlarge(frame, format.width, format.height, scale);
    const png = await sharp(pixels, { raw: { width: format.width * scale, height: format.height * scale, channels: 3 } }).png().toBuffer();
    await writeFileAtomic(join(dir, `frame_${String(i).padStart(6, '0')}.png`), png);
  }
}

function checkFormat(format: ClipFormat): void {
  for (const key of ['width', 'height'] as const) {
    if (!Number.isInteger(format[key]) || format[key] < 1) throw new Error(`clip ${key} must be a positive integer, got ${format[key]}`);
  }
  if (!(format.fps > 0)) throw new Error(`clip fps must be positive, got ${format.fps}`);
}

function checkScale(format: ClipFormat): number {
  const scale = format.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`clip scale must be a positive integer, got ${scale}`);
  return scale;
}

function frameList(frames: ClipFrames, format: ClipFormat): Uint8Array[] {
  checkFormat(format);
  const bytes = format.width * format.height * 3;
  const list = Array.isArray(frames) ? frames : Array.from({ length: frames.length / bytes }, (_, i) => frames.subarray(i * bytes, (i + 1) * bytes));
  if (!Array.isArray(frames) && frames.length % bytes !== 0) {
    throw new Error(`clip data has ${frames.length} bytes, not a whole number of ${format.width}x${format.height} RGB frames (${bytes} bytes each)`);
  }
  if (list.length === 0) throw new Error('a clip needs at least one frame');
  list.forEach((frame, i) => {
    if (frame.length !== bytes) throw new Error(`frame ${i} has ${frame.length} bytes; a ${format.width}x${format.height} RGB frame has ${bytes}`);
  });
  return list;
}

function toRgba(rgb: Uint8Array): Uint8Array {
  const rgba = new Uint8Array((rgb.length / 3) * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgba[q] = rgb[p];
    rgba[q + 1] = rgb[p + 1];
    rgba[q + 2] = rgb[p + 2];
    rgba[q + 3] = 255;
  }
  return rgba;
}

export function enlarge(rgb: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  const out = new Uint8Array(rgb.length * scale * scale);
  const outWidth = width * scale;
  for (let y = 0; y < height * scale; y++) {
    const row = Math.floor(y / scale) * width;
    for (let x = 0; x < outWidth; x++) {
      const from = (row + Math.floor(x / scale)) * 3;
      const to = (y * outWidth + x) * 3;
      out[to] = rgb[from];
      out[to + 1] = rgb[from + 1];
      out[to + 2] = rgb[from + 2];
    }
  }
  return out;
}
