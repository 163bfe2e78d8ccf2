// Finding the videos in what the user pointed at: files, directories (walked recursively) and folders of
// numbered frames. Only names and stat() results are looked at here; no file is opened, so a split's
// actions.jsonl beside its videos is never read by the training data path.
import { constants, promises as fs, type Stats } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

export const VIDEO_EXTENSIONS = ['.mp4', '.webm', '.mkv', '.mov', '.avi', '.gif'];
export const FRAME_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

// One video to decode: a video file, or a folder whose numbered images are the frames in order.
export type VideoSource =
  | { kind: 'file'; path: string; size: number; mtimeMs: number }
  | { kind: 'frames'; path: string; framePaths: string[]; size: number; mtimeMs: number };

export const SKIP_CATEGORIES = ['not-found', 'unsupported', 'empty', 'unreadable', 'not-a-video', 'no-video-stream', 'corrupt', 'too-short'] as const;
export type SkipCategory = (typeof SKIP_CATEGORIES)[number];

export interface SkippedInput {
  path: string;
  category: SkipCategory;
  reason: string;
}

export interface FoundSources {
  sources: VideoSource[];
  skipped: SkippedInput[];
}

export async function findVideoSources(inputs: string[]): Promise<FoundSources> {
  const found: FoundSources = { sources: [], skipped: [] };
  const seen = new Set<string>();
  for (const input of inputs) {
    const path = resolve(input);
    let stats: Stats;
    try {
      stats = await fs.stat(path);
    } catch (err) {
      found.skipped.push({ path, category: 'not-found', reason: `cannot stat: ${errorText(err)}` });
      continue;
    }
    if (stats.isDirectory()) await walkDirectory(path, found, seen);
    else await addFile(path, stats, found, seen, true);
  }
  found.sources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return found;
}

async function walkDirectory(dir: string, found: FoundSources, seen: Set<string>): Promise<void> {
  let entries: string[];
  try {
    entries = (await fs.readdir(dir)).sort();
  } catch (err) {
    found.skipped.push({ path: dir, category: 'unreadable', reason: `cannot list directory: ${errorText(err)}` });
    return;
  }
  const frames: { path: string; stats: Stats; number: number }[] = [];
  for (const name of entries) {
    // Hidden entries include a cache's own temporary files and editor/OS litter.
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let stats: Stats;
    try {
      stats = await fs.stat(path);
    } catch {
      continue; // a dangling symlink is not an input the user asked for by name
    }
    if (stats.isDirectory()) {
      await walkDirectory(path, found, seen);
    } else if (VIDEO_EXTENSIONS.includes(extname(name).toLowerCase())) {
      await addFile(path, stats, found, seen, false);
    } else if (FRAME_EXTENSIONS.includes(extname(name).toLowerCase())) {
      const number = frameNumber(name);
      if (number !== null) frames.push({ path, stats, number });
    }
    // Anything else (labels, notes, a cache's shard files) is not video and is ignored without a warning.
  }
  if (frames.length > 0) addFrameFolder(dir, frames, found);
}

async function addFile(path: string, stats: Stats, found: FoundSources, seen: Set<string>, named: boolean): Promise<void> {
  const real = await fs.realpath(path);
  if (seen.has(real)) return;
  seen.add(real);
  const ext = extname(path).toLowerCase();
  if (!VIDEO_EXTENSIONS.includes(ext)) {
    const hint = FRAME_EXTENSIONS.includes(ext) ? '; put numbered frames in a folder and pass the folder' : '';
    if (named) found.skipped.push({ path, category: 'unsupported', reason: `unsupported file type '${ext || basename(path)}' (videos: ${VIDEO_EXTENSIONS.join(' ')})${hint}` });
    return;
  }
  if (stats.size === 0) {
    found.skipped.push({ path, category: 'empty', reason: 'empty file (0 bytes)' });
    return;
  }
  try {
    await fs.access(path, constants.R_OK);
  } catch (err) {
    found.skipped.push({ path, category: 'unreadable', reason: `cannot read: ${errorText(err)}` });
    return;
  }
  found.sources.push({ kind: 'file', path, size: stats.size, mtimeMs: stats.mtimeMs });
}

function addFrameFolder(dir: string, frames: { path: string; stats: Stats; number: number }[], found: FoundSources): void {
  frames.sort((a, b) => a.number - b.number || (a.path < b.path ? -1 : 1));
  const kinds = new Set(frames.map((f) => (extname(f.path).toLowerCase() === '.png' ? 'PNG' : 'JPEG')));
  if (kinds.size > 1) {
    found.skipped.push({ path: dir, category: 'unsupported', reason: 'frame folder mixes PNG and JPEG frames; keep one kind per folder' });
    return;
  }
  const empty = frames.find((f) => f.stats.size === 0);
  if (empty) {
    found.skipped.push({ path: dir, category: 'empty', reason: `frame folder has an empty image: ${basename(empty.path)}` });
    return;
  }
  found.sources.push({
    kind: 'frames',
    path: dir,
    framePaths: frames.map((f) => f.path),
    size: frames.reduce((sum, f) => sum + f.stats.size, 0),
    mtimeMs: Math.max(...frames.map((f) => f.stats.mtimeMs)),
  });
}

// "frame_0012.png" -> 12: the last run of digits, so "shot2_frame_0012.png" sorts by 12, and
// unpadded names (frame_9, frame_10) sort numerically rather than as text.
function frameNumber(name: string): number | null {
  const digits = name.slice(0, -extname(name).length).match(/(\d+)(?!.*\d)/);
  return digits ? Number(digits[1]) : null;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
