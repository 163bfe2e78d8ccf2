// `genie bc` end to end as a child process at toy scale: it records sticky-random videos, trains a `tiny`
// world on them with the normal pipeline, runs the experiment and writes bc.json and the figure; a second
// run on that world (--world) reproduces the results exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { BC_FIGURES, BC_FORMAT, BC_JSON, type BcReport } from '../src/bc/index.ts';
import { MEASURED_WORLD_CONFIG } from '../src/cli/bc.ts';
import { tempDir } from '../src/data/testing.ts';
import { resolveRunConfig } from '../src/train/index.ts';

const GENIE = join(import.meta.dirname, '..', 'bin', 'genie.js');
const root = tempDir('bc-cli');
after(() => rmSync(root, { recursive: true, force: true }));

const EXPERIMENT = ['--episodes', '4', '--expert-episodes', '3', '--ns', '5,10', '--steps', '10', '--batch', '8', '--history', '2', '--max-steps', '30', '--seed', '1'];

function genie(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [GENIE, 'bc', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const readReport = (dir: string): BcReport => JSON.parse(readFileSync(join(dir, BC_JSON), 'utf8'));

test('genie bc --train-world trains a world on sticky-random videos, then writes bc.json and the success plot', async () => {
  const out = join(root, 'trained');
  const run = genie(['--train-world', '--config', 'tiny', '--world-policy', 'sticky', '--world-episodes', '3', '--world-clip-frames', '20', '--out', out, ...EXPERIMENT]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /world data: recording 3 sticky-policy episodes at 16x16/);
  assert.match(run.stdout, /N = 10: latent policy \d+% \[\d+, \d+\], label-only \d+% \[\d+, \d+\]/);
  assert.ok(existsSync(join(out, 'world-data', 'train', 'actions.jsonl')) && existsSync(join(out, 'world', 'dynamics.safetensors')));

  const report = readReport(out);
  assert.equal(report.format, BC_FORMAT);
  assert.equal(report.world.latentActions, 4);
  assert.equal(report.world.frameSize, 16);
  assert.deepEqual(report.settings.ns, [5, 10]);
  assert.match(report.notes.confidence, /Wilson/);
  const { random, oracle, byN } = report.result;
  for (const method of [random, oracle, ...byN.flatMap((r) => [r.latent, r.labelOnly])]) {
    assert.deepEqual(method.outcomes.map((o) => o.seed), [300_000, 300_001, 300_002, 300_003]);
    assert.ok(method.summary.success.low <= method.summary.success.rate && method.summary.success.rate <= method.summary.success.high);
  }
  for (const file of Object.values(BC_FIGURES)) {
    const png = await sharp(join(out, file)).metadata();
    assert.equal(png.format, 'png');
    assert.ok(png.width! > 800 && png.height! > 500, `${file}: ${png.width}x${png.height}`);
  }

  // The same experiment on the world just trained, from another folder and process: the same numbers.
  const again = join(root, 'again');
  const rerun = genie(['--world', join(out, 'world'), '--out', again, ...EXPERIMENT]);
  assert.equal(rerun.status, 0, rerun.stderr + rerun.stdout);
  const repeated = readReport(again);
  assert.deepEqual({ ...repeated.result, seconds: null }, { ...report.result, seconds: null });
});

test('genie bc needs exactly one world source and sane options', () => {
  const neither = genie(['--out', join(root, 'x')]);
  assert.equal(neither.status, 1);
  assert.match(neither.stderr, /give either --world PATH \(an existing world\) or --train-world/);
  const badNs = genie(['--world', root, '--out', join(root, 'x'), '--ns', '25,abc']);
  assert.match(badNs.stderr, /--ns: expected positive integers such as 25,50,100, got '25,abc'/);
  const noWorld = genie(['--world', join(root, 'missing'), '--out', join(root, 'x')]);
  assert.match(noWorld.stderr, /no such file or folder/);
});

test('--train-world defaults to the measured world: its config (motion features, latent from frame t+1), 400 uniform-random episodes', () => {
  const config = resolveRunConfig(MEASURED_WORLD_CONFIG);
  assert.equal(config.model.lam.latentFrom, 'next');
  assert.ok(config.model.lam.motion, 'motion features');
  const help = genie(['--help']).stdout.replace(/\s+/g, ' ');
  assert.match(help, /--world-episodes <n> .*\(default: "400"\)/);
  assert.match(help, /--world-policy <name> .*\(default: "random"\)/);
  assert.match(help, /default: src\/bc\/measured\/latent-next\/world-config\.json/);
});
