// npm run bench:data: how fast the data pipeline feeds training.
//  1. prepare: `genie data prepare` throughput (frames/s) on the CoinRun train split (ffmpeg decode, resample,
//     scale, shard writing, hashing), then an unchanged re-run; beside it, plain ffmpeg decoding the same
//     clips to /dev/null the two ways the data set's README timed: one process per clip, and one process
//     over a concat list of all clips (no per-video frame ranges, so not usable as is, but the floor).
//     The machine may be shared, so CPU time is reported too, and frames / CPU time x 2 estimates the
//     throughput on 2 idle cores.
//  2. sampler: 16-frame 64x64 clips per second delivered by ClipSampler from the cache (8 clips a batch,
//     worker-thread prefetch), beside the same random windows gathered by numpy from np.memmap of the shards.
// Writes bench/results/data.json.
//
//   npm run bench:data -- [--clips N (default: the whole split)] [--rounds 5] [--batches 300]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClipSampler, prepareDataset } from '../src/data/index.ts';
import { machineInfo, median, round1, settle, writeResult } from './harness.ts';
import { findTorchPython } from './torch-python.ts';

const { values: options } = parseArgs({
  options: {
    data: { type: 'string', default: join(import.meta.dirname, '..', '..', 'shared', 'data', 'coinrun', 'train') },
    clips: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    batches: { type: 'string', default: '300' },
  },
});
const rounds = Number(options.rounds);
const batches = Number(options.batches);
const BATCH = 8;
const WINDOW = 16;
// cpu preset: about 8 clips of 16 frames per 1-2 s training step; the target is 20 times the faster end.
const SAMPLER_TARGET = 20 * (8 / 1);
const PREPARE_TARGET = 5000;
const PER_CLIP_SAMPLE = 64;
const IDLE_CORES = 2;
const CLOCK_TICKS_PER_SECOND = 100; // sysconf(_SC_CLK_TCK) on Linux

const allClips = readdirSync(options.data).filter((name) => name.endsWith('.mp4')).sort();
const clips = allClips.slice(0, options.clips ? Number(options.clips) : undefined).map((name) => join(options.data, name));
const work = mkdtempSync(join(tmpdir(), 'genie-bench-data-'));
const cache = join(work, 'cache');
const log = (line: string) => console.log(line);

try {
  log(`prepare: ${clips.length} clips from ${options.data}${clips.length < allClips.length ? ` (first ${clips.length} of ${allClips.length})` : ''}`);
  const cpuBefore = cpuSeconds();
  const first = await prepareDataset(clips, { out: cache, onWarning: (w) => log(`  warning: ${w}`) });
  const prepareCpu = cpuSeconds() - cpuBefore;
  const prepareFps = first.framesAdded / first.seconds;
  const prepareFpsIdle = (first.framesAdded / prepareCpu) * IDLE_CORES;
  log(`  ${first.framesAdded} frames in ${first.seconds.toFixed(1)} s = ${Math.round(prepareFps)} frames/s; ${prepareCpu.toFixed(1)} CPU s (ffmpeg + node) = ${Math.round(prepareFpsIdle)} frames/s on ${IDLE_CORES} idle cores`);
  const rerun = await prepareDataset(clips, { out: cache });
  log(`  unchanged re-run: ${rerun.seconds.toFixed(2)} s`);

  await settle();
  const perClip = await ffmpegPerClip(clips.slice(0, PER_CLIP_SAMPLE), 2);
  log(`  ffmpeg, one process per clip (2 at a time, first ${Math.min(PER_CLIP_SAMPLE, clips.length)} clips): ${Math.round(perClip)} frames/s`);
  const concat = ffmpegConcat(clips);
  log(`  ffmpeg, one process over a concat list: ${Math.round(concat.framesPerSecond)} frames/s; ${Math.round(concat.framesPerCpuSecond)} frames per CPU s`);

  const sampler = await ClipSampler.open(cache, { split: 'all', batchSize: BATCH, windowLength: WINDOW });
  const ours: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      for (let b = 0; b < batches; b++) await sampler.next();
      ours.push((batches * BATCH) / ((performance.now() - start) / 1000));
    }
  } finally {
    await sampler.close();
  }
  const numpy = numpyMemmapClipsPerSecond(cache);
  const samplerClips = median(ours);
  log(`sampler: ${Math.round(samplerClips)} clips/s (median of ${rounds} x ${batches} batches of ${BATCH}x${WINDOW} frames; rounds ${ours.map(Math.round).join(' ')})`);
  log(`  numpy memmap gather: ${Math.round(numpy.median)} clips/s (${numpy.python})`);

  const result = {
    machine: machineInfo(),
    data: options.data,
    clips: clips.length,
    frames: first.framesAdded,
    prepare: {
      frames_per_s: Math.round(prepareFps),
      seconds: round1(first.seconds),
      unchanged_rerun_seconds: Math.round(rerun.seconds * 100) / 100,
      target_frames_per_s: PREPARE_TARGET,
      ffmpeg_one_process_per_clip_frames_per_s: Math.round(perClip),
      cpu_seconds: round1(prepareCpu),
      frames_per_s_on_2_idle_cores_from_cpu_time: Math.round(prepareFpsIdle),
      ffmpeg_one_concat_process_frames_per_s: Math.round(concat.framesPerSecond),
      ffmpeg_one_concat_process_frames_per_cpu_s: Math.round(concat.framesPerCpuSecond),
      ratio_vs_one_process_per_clip: round1(prepareFps / perClip),
      ratio_vs_one_concat_process: Math.round((prepareFps / concat.framesPerSecond) * 100) / 100,
    },
    sampler: {
      clips_per_s: Math.round(samplerClips),
      rounds_clips_per_s: ours.map(Math.round),
      batch: BATCH,
      window: WINDOW,
      target_clips_per_s: SAMPLER_TARGET,
      numpy_memmap_clips_per_s: Math.round(numpy.median),
      ratio_vs_numpy_memmap: Math.round((samplerClips / numpy.median) * 100) / 100,
    },
  };
  log(`wrote ${writeResult('data', result)}`);
  log(`prepare ${Math.round(prepareFps)} frames/s (target ${PREPARE_TARGET}); sampler ${Math.round(samplerClips)} clips/s (target ${SAMPLER_TARGET})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function ffmpegPerClip(paths: string[], concurrency: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  let bytes = 0;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++];
      bytes += await new Promise<number>((resolve, reject) => {
        const child = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let n = 0;
        child.stdout.on('data', (chunk: Buffer) => (n += chunk.length));
        child.on('error', reject);
        child.on('close', () => resolve(n));
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return bytes / (64 * 64 * 3) / ((performance.now() - start) / 1000);
}

function ffmpegConcat(paths: string[]): { framesPerSecond: number; framesPerCpuSecond: number } {
  const list = join(work, 'concat.txt');
  writeFileSync(list, paths.map((p) => `file '${p}'`).join('\n') + '\n');
  const start = performance.now();
  const cpuBefore = cpuSeconds();
  const result = spawnSync('bash', ['-c', `ffmpeg -v error -nostdin -f concat -safe 0 -i '${list}' -f rawvideo -pix_fmt rgb24 pipe:1 | wc -c`], { encoding: 'utf8' });
  const frames = Number(result.stdout.trim()) / (64 * 64 * 3);
  return { framesPerSecond: frames / ((performance.now() - start) / 1000), framesPerCpuSecond: frames / (cpuSeconds() - cpuBefore) };
}

// CPU time of this process (all its threads) and of its finished children (the ffmpeg processes), from
// /proc: on a shared machine wall time depends on the neighbours, CPU time much less, so
// frames / CPU time x cores estimates the throughput the same work gets on idle cores.
function cpuSeconds(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted after the ") " that ends the command name.
  const children = (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
  return (own.user + own.system) / 1e6 + children;
}

// The reference loader: the same uniform choice of windows, gathered with numpy from memory-mapped shards.
function numpyMemmapClipsPerSecond(dir: string): { median: number; python: string } {
  const { python } = findTorchPython();
  const script = `
import json, sys, time, numpy as np
d = sys.argv[1]; rounds, batches, B, T = map(int, sys.argv[2:6])
index = json.load(open(d + '/index.json'))
H, W = index['height'], index['width']
maps = {s: np.memmap(d + '/' + s, dtype=np.uint8, mode='r').reshape(-1, H, W, 3) for s in {v['shard'] for v in index['videos']}}
videos = [v for v in index['videos'] if v['frames'] >= T]
counts = np.array([v['frames'] - T + 1 for v in videos]); cum = np.cumsum(counts)
rng = np.random.default_rng(0); rates = []
for r in range(rounds):
    t = time.perf_counter()
    for b in range(batches):
        picks = rng.integers(0, cum[-1], B); slots = np.searchsorted(cum, picks, side='right')
        out = np.empty((B, T, H, W, 3), np.uint8)
        for i, (p, s) in enumerate(zip(picks, slots)):
            v = videos[s]; start = p - (cum[s - 1] if s else 0)
            out[i] = maps[v['shard']][v['firstFrame'] + start : v['firstFrame'] + start + T]
    rates.append(batches * B / (time.perf_counter() - t))
print(json.dumps(sorted(rates)[len(rates) // 2]))
`;
  const result = spawnSync(python, ['-c', script, dir, String(rounds), String(batches), String(BATCH), String(WINDOW)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`numpy reference failed: ${result.stderr}`);
  return { median: Number(result.stdout.trim()), python };
}
