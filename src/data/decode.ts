// Decoding videos to raw RGB frames at the model's resolution and frame rate with the system ffmpeg.
//
// Speed: starting ffmpeg costs about as much as decoding a whole 160-frame 64x64 clip, so one process
// decodes a batch of inputs at once: input i goes through its own filter chain to its own output, pipe
// fd 3+i (about 5,000 frames/s per process for CoinRun clips in batches of 32, against 1,700 one clip per
// process). A batch whose log shows any error is split in halves and decoded again, down to single
// inputs, because an error line cannot be pinned on one input of a batch and one bad file must not cost
// the others.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { errorLines, startFfmpeg } from './ffmpeg.ts';
import type { SkipCategory, VideoSource } from './sources.ts';

export type Fit = 'crop' | 'pad';

export interface FrameFormat {
  width: number;
  height: number;
  // null keeps the source's own frames (no resampling): needed where frame i must stay aligned with
  // a per-frame label such as actions[i].
  fps: number | null;
  // 'crop' fills the frame and cuts the overflow at the centre; 'pad' fits the whole picture and adds black bars.
  fit: Fit;
}

export interface SourceStreamInfo {
  width: number | null;
  height: number | null;
  fps: number | null;
}

// Decoded frames live in memory, or for one long video decoded alone, in a raw file on disk.
export type FrameData = { chunks: Buffer[]; bytes: number } | { file: string; bytes: number };

export type DecodeResult =
  | { ok: true; source: VideoSource; frames: number; data: FrameData; info: SourceStreamInfo }
  | { ok: false; source: VideoSource; category: SkipCategory; reason: string };

export interface DecodeOptions {
  // Frame rate of folders of numbered images, which carry no timing of their own.
  framesFps: number;
  // With a single source: have ffmpeg write the frames to this file instead of memory.
  spillFile?: string;
}

export function frameBytes(format: Pick<FrameFormat, 'width' | 'height'>): number {
  return format.width * format.height * 3;
}

// Resample first (fewer frames to scale), then one area-filtered scale straight to RGB, then crop or pad.
function filterChain(format: FrameFormat): string {
  const { width: w, height: h } = format;
  const resample = format.fps === null ? '' : `fps=${format.fps},`;
  const fit =
    format.fit === 'crop'
      ? `scale=${w}:${h}:force_original_aspect_ratio=increase:flags=area,format=rgb24,crop=${w}:${h}`
      : `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=area,format=rgb24,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`;
  return `${resample}${fit},setsar=1`;
}

export async function decodeVideos(sources: VideoSource[], format: FrameFormat, options: DecodeOptions): Promise<DecodeResult[]> {
  const attempt = await decodeTogether(sources, format, options);
  if (attempt.ok || sources.length === 1) return attempt.results;
  // Halving finds one bad input among n in about 2 log2(n) runs instead of n.
  const half = Math.ceil(sources.length / 2);
  return [...(await decodeVideos(sources.slice(0, half), format, options)), ...(await decodeVideos(sources.slice(half), format, options))];
}

async function decodeTogether(sources: VideoSource[], format: FrameFormat, options: DecodeOptions): Promise<{ ok: boolean; results: DecodeResult[] }> {
  const spill = sources.length === 1 ? options.spillFile : undefined;
  const linkDir = sources.some((s) => s.kind === 'frames') ? await fs.mkdtemp(join(tmpdir(), 'genie-frames-')) : null;
  try {
    const args = ['-loglevel', 'level+info', '-filter_complex_threads', '1'];
    for (const [i, source] of sources.entries()) {
      // One decoder thread per input: the batch itself and the pool of batches keep the cores busy.
      if (sources.length > 1) args.push('-threads', '1');
      if (source.kind === 'file') args.push('-i', source.path);
      else args.push('-framerate', String(options.framesFps), '-start_number', '0', '-i', await linkFrames(source.framePaths, join(linkDir!, String(i))));
    }
    const chain = filterChain(format);
    args.push('-filter_complex', sources.map((_, i) => `[${i}:v:0]${chain}[v${i}]`).join(';'));
    for (const i of sources.keys()) args.push('-map', `[v${i}]`, '-f', 'rawvideo', '-y', spill ?? `pipe:${3 + i}`);

    const run = startFfmpeg(args, { outputPipes: spill ? 0 : sources.length });
    const collected = run.outputs.map(collect);
    const [{ code, log }, outputs] = await Promise.all([run.done, Promise.all(collected)]);
    const errors = errorLines(log);
    if (code !== 0 || errors.length > 0) {
      if (spill) await fs.rm(spill, { force: true });
      return { ok: false, results: sources.map((source) => ({ ok: false, source, ...classifyFailure(code, errors, log, source.path) })) };
    }
    const infos = parseInputInfo(log, sources.length);
    const results: DecodeResult[] = [];
    for (const [i, source] of sources.entries()) {
      const data: FrameData = spill ? { file: spill, bytes: (await fs.stat(spill)).size } : outputs[i];
      const frames = data.bytes / frameBytes(format);
      if (frames === 0 || !Number.isInteger(frames)) {
        results.push({ ok: false, source, category: 'corrupt', reason: frames === 0 ? 'no frames decoded' : 'decoder output ends in a partial frame' });
      } else {
        const info = source.kind === 'frames' ? { ...infos[i], fps: options.framesFps } : infos[i];
        results.push({ ok: true, source, frames, data, info });
      }
    }
    return { ok: results.every((r) => r.ok), results };
  } finally {
    if (linkDir) await fs.rm(linkDir, { recursive: true, force: true });
  }
}

export async function framesOf(data: FrameData): Promise<Uint8Array> {
  return new Uint8Array('chunks' in data ? Buffer.concat(data.chunks) : await fs.readFile(data.file));
}

// 'data' events rather than async iteration: a decoded batch arrives as thousands of 64 KiB chunks.
function collect(stream: Readable): Promise<{ chunks: Buffer[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
    });
    stream.on('end', () => resolve({ chunks, bytes }));
    stream.on('error', reject);
  });
}

// ffmpeg's image sequence reader wants names that count up from a number with no gaps; links named
// 000000.png, 000001.png, ... in frame order give it that whatever the original names are.
async function linkFrames(framePaths: string[], dir: string): Promise<string> {
  await fs.mkdir(dir);
  const ext = extname(framePaths[0]).toLowerCase() === '.png' ? '.png' : '.jpg';
  await Promise.all(framePaths.map((path, n) => fs.symlink(path, join(dir, `${String(n).padStart(6, '0')}${ext}`))));
  return join(dir, `%06d${ext}`);
}

// Meaningful for a single input only: a batch's errors cannot be pinned on one of its inputs.
function classifyFailure(code: number | null, allErrors: string[], log: string, path: string): { category: SkipCategory; reason: string } {
  // The warning that reports the skip names the file already.
  const errors = allErrors.map((line) => line.replace(`${path}: `, ''));
  const first = errors[0] ?? `ffmpeg exited with code ${code}`;
  if (/matches no streams/.test(log)) return { category: 'no-video-stream', reason: 'no video stream (audio only?)' };
  if (/Permission denied/i.test(log)) return { category: 'unreadable', reason: `cannot read: ${first}` };
  if (code !== 0) return { category: 'not-a-video', reason: `not a decodable video (wrong extension or damaged header?): ${errors.join('; ') || first}` };
  return { category: 'corrupt', reason: `damaged or truncated: ${first}` };
}

// The input section of ffmpeg's log, before "Stream mapping:", has per input a line like
//   "[info]   Stream #3:0[0x1](und): Video: h264 (High), yuv420p(progressive), 96x72 [SAR 1:1 DAR 4:3], 17 kb/s, 20 fps, ..."
export function parseInputInfo(log: string, inputs: number): SourceStreamInfo[] {
  const infos: SourceStreamInfo[] = Array.from({ length: inputs }, () => ({ width: null, height: null, fps: null }));
  for (const line of log.split('\n')) {
    if (line.includes('Stream mapping:')) break;
    const stream = line.match(/Stream #(\d+):\d+.*?: Video: (.*)$/);
    if (!stream) continue;
    const info = infos[Number(stream[1])];
    if (!info || info.width !== null) continue;
    const size = stream[2].match(/, (\d+)x(\d+)/);
    const fps = stream[2].match(/, ([\d.]+)(k?) (fps|tbr)/);
    if (size) [info.width, info.height] = [Number(size[1]), Number(size[2])];
    if (fps) info.fps = Number(fps[1]) * (fps[2] ? 1000 : 1);
  }
  return infos;
}
