// The one place that starts the system ffmpeg. Everything in src/data that decodes or encodes video goes
// through `startFfmpeg`, so the "ffmpeg is missing" message is written once and FFMPEG_PATH is honoured
// everywhere.
//
// No ffprobe: probing costs one process per file, and process start-up is exactly the cost the
// prepare pipeline avoids (see decode.ts); the stream facts we keep (source size and fps) come from
// ffmpeg's own log of each input instead.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

const INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; ' +
  'Windows: winget install ffmpeg) or point FFMPEG_PATH at an ffmpeg executable';

// Keeps memory bounded when a broken input makes ffmpeg print the same error thousands of times.
const MAX_LOG_CHARS = 1 << 20;

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

export class FfmpegMissingError extends Error {
  constructor(path: string, cause: unknown) {
    super(`cannot run ffmpeg ('${path}'): ${cause instanceof Error ? cause.message : String(cause)}; ${INSTALL_HINT}`);
    this.name = 'FfmpegMissingError';
  }
}

export interface FfmpegRun {
  child: ChildProcess;
  stdin: Writable | null;
  // outputs[i] is ffmpeg's file descriptor 3 + i, which its arguments name as `pipe:${3 + i}`.
  outputs: Readable[];
  // Resolves when ffmpeg exits; rejects only when it could not be started at all.
  done: Promise<{ code: number | null; log: string }>;
}

export interface StartOptions {
  stdin?: boolean;
  outputPipes?: number;
}

export function startFfmpeg(args: string[], options: StartOptions = {}): FfmpegRun {
  const path = ffmpegPath();
  const pipes = options.outputPipes ?? 0;
  const child = spawn(path, ['-hide_banner', '-nostdin', '-nostats', ...args], {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'ignore', 'pipe', ...Array<'pipe'>(pipes).fill('pipe')],
  });
  const outputs = Array.from({ length: pipes }, (_, i) => child.stdio[3 + i] as Readable);
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    if (log.length < MAX_LOG_CHARS) log += text;
  });
  const done = new Promise<{ code: number | null; log: string }>((resolve, reject) => {
    child.on('error', (err) => reject(new FfmpegMissingError(path, err)));
    child.on('close', (code) => resolve({ code, log }));
  });
  // A failed start is reported through `done`; without this the 'error' on stdin would be unhandled.
  child.stdin?.on('error', () => {});
  return { child, stdin: options.stdin ? child.stdin : null, outputs, done };
}

// Checked once before a long job, so a missing ffmpeg is one clear error rather than every input
// "failing to decode".
export async function ensureFfmpeg(): Promise<void> {
  const { code, log } = await startFfmpeg(['-version']).done;
  if (code !== 0) throw new FfmpegMissingError(ffmpegPath(), new Error(`exit code ${code}: ${log.trim().slice(0, 200)}`));
}

// ffmpeg's log with `-loglevel level+...` tags every line, e.g. "[h264 @ 0x5] [error] Invalid NAL unit size".
export function errorLines(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => /\[(error|fatal|panic)\]/.test(line))
    .map((line) => line.replace(/^(\[[^\]]*\]\s*)+/, '').trim());
}
