// End to end through the `genie train` CLI as child processes, on the tiny preset and a few ffmpeg testsrc
// videos: SIGKILL at any moment then --resume reproduces an uninterrupted run step for step (both phases);
// SIGINT and SIGTERM write a checkpoint and exit cleanly; a NaN loss stops without overwriting the last good
// checkpoint; a checkpoint alone rebuilds the models and generates frames.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Rng, reshape, slice, tensor } from '../src/engine/index.ts';
import { prepareDataset } from '../src/data/index.ts';
import { makeVideo, tempDir } from '../src/data/testing.ts';
import { DynamicsModel } from '../src/models/dynamics.ts';
import { LatentActionModel } from '../src/models/lam.ts';
import { FrameGenerator } from '../src/models/sample.ts';
import { VideoTokenizer } from '../src/models/tokenizer.ts';
import { readCheckpoint, readMetrics, tensorsUnder } from '../src/train/index.ts';

const GENIE = join(import.meta.dirname, '..', 'bin', 'genie.js');
const SETTINGS = [
  'train.tokenizer.steps=16', 'train.dynamics.steps=16', 'train.tokenizer.validateEvery=8', 'train.dynamics.validateEvery=8',
  'train.checkpoint.everySteps=4', 'train.checkpoint.keepLast=2',
].flatMap((s) => ['--set', s]);

let root: string;
let data: string;
before(async () => {
  root = tempDir('train-cli');
  const videos = [0, 1, 2, 3].map((i) => makeVideo(join(root, `v${i}.mp4`), { width: 32, height: 32, frames: 30, source: i % 2 ? 'testsrc' : 'testsrc2' }));
  data = join(root, 'data');
  await prepareDataset(videos, { out: data, width: 16, height: 16, minFrames: 4 });
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Child {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

// Runs `genie train ...`; `onLine` sees each stdout line as it comes (to kill at a chosen moment).
function genie(args: string[], options: { env?: Record<string, string>; onLine?: (line: string, child: Child) => void } = {}): Child {
  const proc = spawn(process.execPath, [GENIE, 'train', ...args, '--log-every', '0'], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const child: Child = {
    kill: (signal) => proc.kill(signal),
    done: new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))),
  };
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) options.onLine?.(line, child);
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return child;
}

const killAfter = (pattern: RegExp, signal: NodeJS.Signals) => {
  let sent = false;
  return (line: string, child: Child) => {
    if (!sent && pattern.test(line)) {
      sent = true;
      child.kill(signal);
    }
  };
};

const trainRecords = (run: string) =>
  readMetrics(join(run, 'metrics.jsonl')).flatMap((r) => (r.kind === 'train' ? [{ phase: r.phase, step: r.step, loss: r.loss, terms: r.terms }] : []));

test('SIGKILL in either phase, then --resume: the same losses step for step as an uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const uninterrupted = await genie(['all', '--data', data, '--out', whole, '--config', 'tiny', ...SETTINGS]).done;
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
  assert.match(uninterrupted.stdout, /tokenizer step 16\/16 \| loss [\d.]+ \(reconstruction [\d.]+ vq [\d.]+\) \| [\d.]+ frames\/s [\d.k]+ tokens\/s \| lr [\d.e+-]+ \| eta \S+ \| peak rss \d+ MB/);
  assert.match(uninterrupted.stdout, /dynamics validation at step 16: actionsUsed \d+, actionPerplexity [\d.]+, lamPsnr [\d.]+, lamRandomActionPsnr [\d.]+, lamOtherClipActionPsnr [\d.]+, maskedAccuracy [\d.]+, dynamicsLoss [\d.]+, rolloutPsnr [\d.]+, copyPsnr [\d.]+/);
  assert.deepEqual(readdirSync(join(whole, 'samples')).sort(), [
    'dynamics-step0000008.gif', 'dynamics-step0000008.png', 'dynamics-step0000016.gif', 'dynamics-step0000016.png',
    'tokenizer-step0000008.png', 'tokenizer-step0000016.png',
  ]);

  const killed = join(root, 'killed');
  const first = await genie(['all', '--data', data, '--out', killed, '--config', 'tiny', ...SETTINGS], {
    onLine: killAfter(/tokenizer: checkpoint at step 4/, 'SIGKILL'),
  }).done;
  assert.equal(first.signal, 'SIGKILL');
  assert.ok(!existsSync(join(killed, 'dynamics.safetensors')), 'killed during the tokenizer phase');
  const second = await genie(['all', '--data', data, '--out', killed, '--resume', ...SETTINGS], {
    onLine: killAfter(/dynamics: checkpoint at step 4/, 'SIGKILL'),
  }).done;
  assert.equal(second.signal, 'SIGKILL');
  assert.match(second.stdout, /tokenizer: resumed from .* at step (4|8|12)\n/);
  const third = await genie(['all', '--data', data, '--out', killed, '--resume'], {}).done;
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /tokenizer: already trained/);
  assert.match(third.stdout, /dynamics: resumed from/);

  const expected = trainRecords(whole);
  const actual = trainRecords(killed);
  assert.equal(expected.length, 32);
  assert.equal(actual.length, expected.length);
  const differ = actual.findIndex((record, i) => JSON.stringify(record) !== JSON.stringify(expected[i]));
  assert.equal(differ, -1, `first difference: ${JSON.stringify(actual[differ])} vs uninterrupted ${JSON.stringify(expected[differ])}`);
  assert.deepEqual(readdirSync(join(killed, 'checkpoints')), readdirSync(join(whole, 'checkpoints')));
});

test('SIGINT and SIGTERM write a checkpoint at the step they stopped and exit with 130 and 143; --resume finishes', async () => {
  const run = join(root, 'signals');
  const latestStep = () => readCheckpoint(join(run, 'tokenizer.safetensors')).step;
  const interrupted = await genie(['tokenizer', '--data', data, '--out', run, '--config', 'tiny', ...SETTINGS], {
    onLine: killAfter(/tokenizer step 2\//, 'SIGINT'),
  }).done;
  assert.equal(interrupted.code, 130, interrupted.stderr);
  const first = trainRecords(run).at(-1)!.step;
  assert.ok(first < 16);
  assert.match(interrupted.stdout, new RegExp(`stopped by SIGINT at step ${first}; checkpoint .*tokenizer\\.safetensors; continue with --resume`));
  assert.equal(latestStep(), first);

  const terminated = await genie(['tokenizer', '--data', data, '--out', run, '--resume'], { onLine: killAfter(/tokenizer step \d+\//, 'SIGTERM') }).done;
  assert.equal(terminated.code, 143, terminated.stderr);
  const second = trainRecords(run).at(-1)!.step;
  assert.ok(second > first && second < 16, `stopped at ${second}`);
  assert.equal(latestStep(), second);

  const resumed = await genie(['tokenizer', '--data', data, '--out', run, '--resume']).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(latestStep(), 16);
});

test('a NaN loss stops the run naming the step and the last good checkpoint, which is not overwritten', async () => {
  const run = join(root, 'nan');
  const result = await genie(['tokenizer', '--data', data, '--out', run, '--config', 'tiny', ...SETTINGS], { env: { GENIE_INJECT_NAN_AT_STEP: '7' } }).done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /tokenizer: loss is NaN at step 7; stopped without saving\. Last good checkpoint: .*tokenizer\.safetensors/);
  assert.equal(readCheckpoint(join(run, 'tokenizer.safetensors')).step, 4);
  assert.deepEqual(readdirSync(join(run, 'checkpoints')), ['tokenizer-step0000004.safetensors']);
  assert.equal(trainRecords(run).at(-1)!.step, 6);
});

test('a dynamics checkpoint alone rebuilds all three models and generates frames', () => {
  const checkpoint = readCheckpoint(join(root, 'whole', 'dynamics.safetensors'));
  const { model } = checkpoint.config;
  const tokenizer = new VideoTokenizer(model, new Rng(1));
  const lam = new LatentActionModel(model, new Rng(1));
  const dynamics = new DynamicsModel(model, new Rng(1));
  tokenizer.loadStateDict(tensorsUnder(checkpoint.tensors, 'model.tokenizer'));
  lam.loadStateDict(tensorsUnder(checkpoint.tensors, 'model.lam'));
  dynamics.loadStateDict(tensorsUnder(checkpoint.tensors, 'model.dynamics'));
  [tokenizer, lam, dynamics].forEach((m) => m.eval());

  const { height, width, channels } = model.video;
  const prompt = new Rng(2).fillUniform(new Float32Array(height * width * channels));
  const tokens = tokenizer.tokenize(tensor(prompt, [1, 1, height, width, channels]));
  const generator = new FrameGenerator(dynamics, 1);
  generator.begin(tokens, 1);
  const codes = lam.actionCodes();
  for (let action = 0; action < 2; action++) generator.step(reshape(slice(codes, 0, action, action + 1), [1, -1]), { steps: 2, temperature: 1, rng: new Rng(3) });
  assert.equal(generator.length, 3);
  const frame = tokenizer.decode(generator.frame(2), [1, 1, tokens.length]);
  assert.deepEqual(frame.shape, [1, 1, height, width, channels]);
  assert.ok(frame.data.every((v) => v >= 0 && v <= 1));
});
