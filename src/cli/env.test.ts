import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const genie = (args: string[]) => execFileSync(process.execPath, ['bin/genie.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('genie env record and bench run from the command line', () => {
  const out = mkdtempSync(join(tmpdir(), 'genie-env-cli-'));
  try {
    const printed = genie(['env', 'record', '--out', out, '--split', 'test', '--episodes', '1', '--policy', 'expert', '--frames-per-clip', '20', '--jobs', '1']);
    assert.match(printed, /test: 1 clips \(20 frames\) from 1 episodes \(expert\): 1 coin/);
    const line = JSON.parse(readFileSync(join(out, 'test', 'actions.jsonl'), 'utf8'));
    assert.equal(line.seed, 100_000, 'test levels start at seed 100000 like the CoinRun data');
    assert.ok(existsSync(join(out, 'test', 'clip_000000.mp4')));
    assert.match(genie(['env', 'bench', '--steps', '300']), /300 steps at 64x64 .* rendering included: [\d,]+ steps per CPU second/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('genie env record names the bad option', () => {
  assert.throws(() => genie(['env', 'record', '--out', 'x', '--episodes', '0']), /--episodes <n>' argument '0' is invalid. expected an integer >= 1/);
  assert.throws(() => genie(['env', 'record', '--out', 'x', '--episodes', '1', '--policy', 'smart']), /Allowed choices are expert, random, sticky/);
});
