// npm run bench:train: training throughput of a preset (default cpu), per phase, in frames/s: the exact
// step src/train/loop.ts runs (optimizerStep: loss, backward, clipping, AdamW) on random clips, against
// the same models' step in PyTorch (bench/train_torch.py, 2 threads), in alternating rounds of one run.
// Also times the frozen tokenizer's share of a dynamics step (what a pretokenized cache would save).
// Writes bench/results/train.json.
//
//   npm run bench:train -- [--config cpu] [--rounds 3] [--iters 2]
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE npm run bench:train   (where the machine sets them: both sides alike)
import { parseArgs } from 'node:util';
import { Rng, nativeThreadCount } from '../src/engine/index.ts';
import type { ClipBatch } from '../src/data/index.ts';
import { VideoTokenizer } from '../src/models/tokenizer.ts';
import { clipTensor } from '../src/train/clip-frames.ts';
import { optimizerStep, phaseOptimizer } from '../src/train/loop.ts';
import { dynamicsPhase } from '../src/train/phase-dynamics.ts';
import { tokenizerPhase } from '../src/train/phase-tokenizer.ts';
import type { Phase } from '../src/train/phase.ts';
import { resolveRunConfig, type PhaseName, type RunConfig } from '../src/train/run-config.ts';
import { PythonWorker, type Side, interleave, machineInfo, median, round1, runBench, timeSteps, writeResult } from './harness.ts';
import { findTorchPython } from './torch-python.ts';

const { values: options } = parseArgs({
  options: {
    config: { type: 'string', default: 'cpu' },
    rounds: { type: 'string', default: '3' },
    iters: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
  },
});
const rounds = Number(options.rounds);
const iters = Number(options.iters);
const warmup = Number(options.warmup);
const TORCH_THREADS = 2;

function randomBatch(config: RunConfig, phase: PhaseName, seed: number): ClipBatch {
  const { batchSize, frames } = config.train[phase];
  const { height, width } = config.model.video;
  const shape: ClipBatch['shape'] = [batchSize, frames, height, width, 3];
  const rng = new Rng(seed);
  const data = new Uint8Array(shape.reduce((a, b) => a * b));
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { index: 0, frames: data, shape, windows: [] };
}

function ourStep(config: RunConfig, phase: Phase): () => void {
  const settings = config.train[phase.name];
  const { optimizer, parameters } = phaseOptimizer(phase, settings);
  optimizer.lr = settings.lr;
  const batch = randomBatch(config, phase.name, 1);
  return () => {
    const { problem } = optimizerStep(phase, optimizer, parameters, batch, settings.gradClip);
    if (problem) throw new Error(`${phase.name}: ${problem} in the benchmark step`);
  };
}

async function main(): Promise<void> {
  const config = resolveRunConfig(options.config);
  const torchPython = findTorchPython();
  const worker = new PythonWorker(torchPython.python, 'bench/train_torch.py', ['--threads', String(TORCH_THREADS)]);
  const torchSetup = await worker.hello();
  console.log(`ours: native engine, ${nativeThreadCount()} threads; torch ${torchPython.torchVersion} (${torchPython.python}, chosen by ${torchPython.chosenBy}), ` +
    `${torchSetup.threads} threads, attention ${torchSetup.attention}; config ${options.config}; ${rounds} rounds x ${iters} steps each side after ${warmup} warm-up`);

  const tokenizer = new VideoTokenizer(config.model, new Rng(5));
  const phases: Phase[] = [tokenizerPhase(config), dynamicsPhase(config, tokenizer)];
  const results: Record<string, unknown> = {};
  for (const phase of phases) {
    const settings = config.train[phase.name];
    const framesPerStep = settings.batchSize * settings.frames;
    const step = ourStep(config, phase);
    const torchTimes = async (n: number) =>
      (await worker.request({ op: phase.name, iters: n, model: config.model, train: settings, tokenizerFrames: config.train.tokenizer.frames })).ms as number[];
    console.log(`${phase.name}: ${settings.batchSize} clips x ${settings.frames} frames per step`);
    timeSteps(step, warmup);
    await torchTimes(warmup);
    const sides: Side[] = [
      { name: 'ours', run: async (n) => timeSteps(step, n) },
      { name: 'torch', run: torchTimes },
    ];
    const times = await interleave(sides, rounds, iters, (line) => console.log(`  ${line}`));
    const ours = median(times.get('ours')!);
    const torch = median(times.get('torch')!);
    const entry: Record<string, unknown> = {
      frames_per_step: framesPerStep,
      ours_ms: round1(ours),
      torch_ms: round1(torch),
      ratio: Math.round((ours / torch) * 1000) / 1000,
      ours_frames_per_s: round1(framesPerStep / (ours / 1e3)),
      torch_frames_per_s: round1(framesPerStep / (torch / 1e3)),
      preset_steps: settings.steps,
      ours_hours_for_preset_steps: Math.round(((settings.steps * ours) / 3.6e6) * 100) / 100,
      step_ms: Object.fromEntries([...times].map(([name, ms]) => [name, ms.map(round1)])),
    };
    if (phase.name === 'dynamics') {
      const frames = clipTensor(randomBatch(config, 'dynamics', 2));
      const tokenizeMs = median(timeSteps(() => tokenizer.tokenizeInWindows(frames, config.train.tokenizer.frames), 3));
      entry.ours_tokenize_ms = round1(tokenizeMs);
      entry.tokenize_share_of_step = Math.round((tokenizeMs / ours) * 1000) / 1000;
    }
    console.log(`${phase.name}: ours ${entry.ours_ms} ms (${entry.ours_frames_per_s} frames/s), torch ${entry.torch_ms} ms (${entry.torch_frames_per_s} frames/s), ratio ${entry.ratio}` +
      (entry.ours_tokenize_ms !== undefined ? `; tokenizing is ${entry.ours_tokenize_ms} ms of it (${entry.tokenize_share_of_step})` : ''));
    results[phase.name] = entry;
  }
  worker.close();

  const path = writeResult('train', {
    config: options.config,
    ...results,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    torch_version: torchPython.torchVersion,
    torch_python: torchPython.python,
    torch_python_chosen_by: torchPython.chosenBy,
    torch_threads: torchSetup.threads,
    torch_attention: torchSetup.attention,
    ours_threads: nativeThreadCount(),
    rounds,
    steps_per_round: iters,
    warmup,
    ...machineInfo(),
  });
  console.log(`wrote ${path}`);
}

runBench(main);
