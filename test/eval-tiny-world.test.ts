// `genie eval` end to end on real models: a `tiny` world (random initialisation, saved as a phase-2
// checkpoint the way training saves one) and a small labelled split in the CoinRun layout, through the CLI.
// Also the test that proves Delta_t PSNR can fail: the same world with its dynamics model's action
// embedding zeroed (so it ignores actions) scores exactly 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Command } from 'commander';
import { register } from '../src/cli/eval.ts';
import { mul } from '../src/engine/index.ts';
import { loadEvalWorld, readReport, runEval } from '../src/eval/index.ts';
import { temporaryFolder, writeBlockSplit } from '../src/eval/testing.ts';
import { writeCheckpoint } from '../src/train/index.ts';
import { packWorld } from '../src/world/pack.ts';
import { freshWorldWeights } from '../src/world/testing.ts';

const root = temporaryFolder('tiny');
let split: string;

// Randomly initialised tiny models whose dynamics action embedding is multiplied by `actionScale` (0: a
// world whose dynamics ignores its actions), packed as a world folder (what `genie play` loads) or, with
// `asRun`, saved as the dynamics.safetensors of a training run folder.
async function writeTinyWorld(dir: string, actionScale: number, asRun = false): Promise<string> {
  const weights = freshWorldWeights('tiny', 7);
  for (const name of Object.keys(weights.tensors)) {
    if (name.startsWith('model.dynamics.action_embed.')) weights.tensors[name] = mul(weights.tensors[name], actionScale);
  }
  mkdirSync(dir, { recursive: true });
  if (!asRun) {
    await packWorld(weights, { out: dir, name: 'tiny eval world', keyMap: {}, examples: [] });
    return dir;
  }
  const trainer = { optimizerStep: 0, rngs: {}, nextBatch: 0, best: null, elapsedSeconds: 0 };
  writeCheckpoint(join(dir, 'dynamics.safetensors'), { phase: 'dynamics', step: 0, config: weights.config, trainer, tensors: weights.tensors });
  return dir;
}

// The eval command in this process (no start-up cost): errors are thrown, not printed.
async function evalCommand(...args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  const quiet = console.error;
  console.error = () => {};
  try {
    await program.parseAsync(['node', 'genie', 'eval', ...args]);
  } finally {
    console.error = quiet;
  }
}

function genie(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/genie.js', ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('genie eval on a tiny world', () => {
  before(async () => {
    split = await writeBlockSplit(join(root, 'blocks'), { clips: 4, frames: 20, size: 16 });
  });

  it('writes a report from the command line, and compares two reports', async () => {
    const world = await writeTinyWorld(join(root, 'world'), 50);
    const out = join(root, 'report');
    const cli = genie('eval', '--world', world, '--data', split, '--out', out, '--batch', '3', '--starts', '0,2', '--seed', '1');
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /rollout PSNR \d+\.\d\d dB \(copy baseline \d+\.\d\d\)/);
    const report = await readReport(out);
    assert.equal(report.world.numActions, 4);
    assert.equal(report.world.name, 'tiny eval world (step 0)');
    assert.equal(report.world.checkpoints.length, 1);
    assert.match(report.world.checkpoints[0].sha256, /^[0-9a-f]{64}$/);
    assert.equal(report.settings.maskgitSteps, 4); // the tiny preset's
    assert.equal(report.tokenizer.windowFrames, 4); // train.tokenizer.frames of the tiny preset
    assert.equal(report.tokenizer.frames, 80);
    assert.equal(report.lam.transitions, 4 * 19);
    assert.equal(report.dynamics.windows, 8);
    assert.equal(report.dynamics.lamActions.psnrPerStep.length, 10);
    assert.ok([report.tokenizer.psnr, report.dynamics.lamActions.psnr, report.frechet[0].distance].every(Number.isFinite));
    assert.ok(report.speed.generationFramesPerSecond > 0);
    assert.ok(existsSync(join(out, report.figures.actionGrid)));
    // The action embedding scaled up, so the actions change the samples.
    assert.ok(report.controllability.deltaPsnrPerStep.some((d) => d !== 0), 'a world that uses its actions scores Delta_t PSNR != 0');

    const again = join(root, 'report-seed-2');
    const runFolder = await writeTinyWorld(join(root, 'run'), 50, true);
    await evalCommand('--world', join(runFolder, 'dynamics.safetensors'), '--data', split, '--out', again, '--batch', '3', '--starts', '0,2', '--seed', '2', '--maskgit-steps', '2');
    const compared = genie('eval', '--compare', out, again);
    assert.equal(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /^measure\s+A: report\s+B: report-seed-2/);
    assert.match(compared.stdout, /warning: seed differs: 1 vs 2/);
    assert.match(compared.stdout, /warning: maskgitSteps differs: 4 vs 2/);
  });

  it('scores Delta_t PSNR exactly 0 for the world whose dynamics ignores its actions', async () => {
    const world = await loadEvalWorld(await writeTinyWorld(join(root, 'deaf'), 0, true));
    assert.match(world.name, /^tiny step 0 \(deaf\)$/);
    const report = await runEval(world, { worldDir: join(root, 'deaf'), dataDir: split, outDir: join(root, 'deaf-report'), clips: 2, batchSize: 2 });
    assert.deepEqual(report.controllability.deltaPsnrPerStep, new Array(10).fill(0));
  });

  it('explains what is wrong with bad arguments', async () => {
    await assert.rejects(evalCommand('--world', join(root, 'nowhere'), '--data', split, '--out', join(root, 'x')), /--world .*nowhere: no such file or folder/);
    await assert.rejects(evalCommand('--world', join(root, 'world'), '--out', join(root, 'x')), /--data is required \(or --compare A B\)/);
    await assert.rejects(evalCommand('--world', join(root, 'world'), '--data', split, '--out', join(root, 'x'), '--starts', '0,x'), /option '--starts <frames>' argument '0,x' is invalid\. expected frame numbers such as 0,40,80/);
    await assert.rejects(evalCommand('--compare', join(root, 'report')), /--compare takes two report folders, got 1/);
  });
});
