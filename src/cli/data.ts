// `genie data prepare | inspect | export-frames`: turn a folder of videos into a training cache, look at
// it, and get clips back out of it. Thin wrappers over src/data.
import { extname, join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { integer, positiveNumber } from './options.ts';
import {
  CLIP_EXTENSIONS,
  PREPARE_DEFAULTS,
  PreparedDataset,
  formatDatasetSummary,
  formatPrepareSummary,
  prepareDataset,
  summarizeDataset,
  verifyDataset,
  writeClip,
  writeContactSheet,
  writeFrameFolder,
  writeVideoFile,
  type Fit,
} from '../data/index.ts';

function size(value: string): { width: number; height: number } {
  const match = value.match(/^(\d+)x(\d+)$/);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new InvalidArgumentError(`expected WIDTHxHEIGHT such as 64x64, got '${value}'`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

function fit(value: string): Fit {
  if (value !== 'crop' && value !== 'pad') throw new InvalidArgumentError(`expected crop or pad, got '${value}'`);
  return value;
}

export function register(program: Command): void {
  const data = program.command('data').description('prepare videos for training, inspect a prepared dataset, export clips');

  data
    .command('prepare')
    .description('decode videos (files, folders searched recursively, folders of numbered PNG/JPG frames) into a frame cache for training')
    .argument('<inputs...>', 'video files (.mp4 .webm .mkv .mov .avi .gif) and folders')
    .requiredOption('--out <dir>', 'cache directory (created; re-running adds new and changed videos only)')
    .option('--size <WxH>', 'frame size of the model', size, { width: PREPARE_DEFAULTS.width, height: PREPARE_DEFAULTS.height })
    .option('--fps <n>', 'frame rate to resample to', positiveNumber, PREPARE_DEFAULTS.fps)
    .option('--fit <crop|pad>', 'crop: fill the frame, cutting the overflow at the centre; pad: show all, with black bars', fit, PREPARE_DEFAULTS.fit)
    .option('--min-frames <n>', 'skip videos shorter than this (one training window)', integer(1), PREPARE_DEFAULTS.minFrames)
    .option('--frames-fps <n>', 'frame rate of folders of numbered frames (default: --fps)', positiveNumber)
    .option('--jobs <n>', 'ffmpeg processes at once (default: one per core)', integer(1))
    .action(async (inputs: string[], opts) => {
      const report = await prepareDataset(inputs, {
        out: opts.out,
        width: opts.size.width,
        height: opts.size.height,
        fps: opts.fps,
        fit: opts.fit,
        minFrames: opts.minFrames,
        framesFps: opts.framesFps,
        jobs: opts.jobs,
        onWarning: (message) => console.error(`warning: ${message}`),
        onProgress: process.stderr.isTTY
          ? (p) => process.stderr.write(`\r${p.inputsDone}/${p.inputsTotal} videos, ${p.framesDone.toLocaleString('en-US')} frames`)
          : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(formatPrepareSummary(report));
      if (report.videos === 0) throw new Error(`no usable video in ${inputs.join(' ')}; see the warnings above`);
    });

  data
    .command('inspect')
    .description('print what a prepared dataset holds and write a contact sheet of its frames')
    .argument('<dir>', 'a directory made by `genie data prepare`')
    .option('--sheet <png>', 'contact sheet path (default: DIR/contact-sheet.png)')
    .option('--rows <n>', 'videos in the contact sheet', integer(1), 8)
    .option('--columns <n>', 'frames per video in the contact sheet', integer(1), 8)
    .option('--verify', 'read every frame back and check it against the checksum taken at prepare time')
    .action(async (dir: string, opts) => {
      const dataset = await PreparedDataset.open(dir);
      try {
        console.log(formatDatasetSummary(await summarizeDataset(dataset)));
        const sheet = opts.sheet ?? join(dir, 'contact-sheet.png');
        await writeContactSheet(dataset, sheet, { rows: opts.rows, columns: opts.columns });
        console.log(`  contact sheet ${sheet}`);
        if (opts.verify) {
          const problems = verifyDataset(dataset);
          for (const p of problems) console.error(`damaged: ${p.name} (${p.source}): ${p.problem}`);
          if (problems.length > 0) throw new Error(`${problems.length} of ${dataset.videos.length} videos are damaged; re-run \`genie data prepare\` into a new --out directory`);
          console.log(`  verified    all ${dataset.videos.length} videos match their checksums`);
        }
      } finally {
        dataset.close();
      }
    });

  data
    .command('export-frames')
    .description('write frames of one prepared video as a GIF, an MP4, or a folder of numbered PNGs')
    .argument('<dir>', 'a directory made by `genie data prepare`')
    .requiredOption('--out <path>', `clip file (${CLIP_EXTENSIONS.join(' ')}) or a folder for PNG frames`)
    .option('--video <name|index>', 'which video: its file name or its position in the index', '0')
    .option('--start <n>', 'first frame', integer(0), 0)
    .option('--frames <n>', 'number of frames (default: to the end of the video)', integer(1))
    .option('--scale <n>', 'enlarge each pixel to n x n for viewing', integer(1), 1)
    .option('--lossless', 'MP4 only: lossless RGB H.264, as the CoinRun data set is stored')
    .action(async (dir: string, opts) => {
      const dataset = await PreparedDataset.open(dir);
      try {
        const video = findVideo(dataset, opts.video);
        const entry = dataset.videos[video];
        const count = opts.frames ?? entry.frames - opts.start;
        const frames = dataset.readFrames(video, opts.start, count);
        const format = { width: dataset.index.width, height: dataset.index.height, fps: dataset.index.fps, scale: opts.scale };
        const ext = extname(opts.out).toLowerCase();
        if (ext === '.mp4') await writeVideoFile(frames, { ...format, lossless: Boolean(opts.lossless) }, opts.out);
        else if (CLIP_EXTENSIONS.includes(ext)) await writeClip(frames, format, opts.out);
        else await writeFrameFolder(frames, format, opts.out);
        console.log(`wrote ${count} frames of ${entry.name} (${entry.source}) to ${opts.out}`);
      } finally {
        dataset.close();
      }
    });
}

function findVideo(dataset: PreparedDataset, nameOrIndex: string): number {
  const named = dataset.videos.flatMap((v, i) => (v.name === nameOrIndex || v.source === nameOrIndex ? [i] : []));
  if (named.length > 1) {
    throw new Error(`--video ${nameOrIndex}: ${named.length} videos have that name (${named.map((i) => dataset.videos[i].source).join(', ')}); give the full source path or an index`);
  }
  if (named.length === 1) return named[0];
  const index = Number(nameOrIndex);
  if (Number.isInteger(index) && index >= 0 && index < dataset.videos.length) return index;
  throw new Error(`--video ${nameOrIndex}: no video of that name in ${dataset.dir}, and not an index in 0..${dataset.videos.length - 1}`);
}
