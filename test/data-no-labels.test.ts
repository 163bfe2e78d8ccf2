// Genie learns from unlabelled video: the training data path (prepare + sampler) must never read a
// split's actions.jsonl, even when it sits beside the clips or is named on the command line. Every way
// the main thread opens files or starts processes is watched while a labelled split is prepared and
// sampled; the label reader, run last, shows the watch does see a read of actions.jsonl.
import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClipSampler, prepareDataset, readActionLabels } from '../src/data/index.ts';
import { makeVideo, tempDir } from '../src/data/testing.ts';

const touched: string[] = [];
const restore: (() => void)[] = [];
let dir: string;

function watch<T extends object>(owner: T, name: keyof T & string): void {
  const original = owner[name] as (...args: unknown[]) => unknown;
  (owner as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    touched.push(`${name} ${args.filter((a) => typeof a === 'string' || Array.isArray(a)).flat().join(' ')}`);
    return original.apply(this, args);
  };
  restore.push(() => ((owner as Record<string, unknown>)[name] = original));
}

before(() => {
  dir = tempDir('no-labels');
  for (let i = 0; i < 3; i++) makeVideo(join(dir, `clip_${i}.mp4`), { frames: 20 });
  fs.writeFileSync(join(dir, 'actions.jsonl'), [0, 1, 2].map((i) => JSON.stringify({ clip: `clip_${i}.mp4`, actions: Array(20).fill(i) })).join('\n') + '\n');
  for (const name of ['open', 'openSync', 'readFile', 'readFileSync', 'createReadStream'] as const) watch(fs, name);
  for (const name of ['open', 'readFile'] as const) watch(fs.promises, name);
  for (const name of ['spawn', 'execFile', 'exec'] as const) watch(childProcess, name);
  syncBuiltinESMExports();
});

after(() => {
  restore.forEach((undo) => undo());
  syncBuiltinESMExports();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('prepare and the sampler never open actions.jsonl; the label reader does', async () => {
  const out = join(dir, 'cache');
  const report = await prepareDataset([dir, join(dir, 'actions.jsonl')], { out, width: 16, height: 16 });
  assert.equal(report.added, 3);
  assert.deepEqual(report.skipped.map((s) => s.category), ['unsupported']); // the named actions.jsonl
  const sampler = await ClipSampler.open(out, { split: 'all', batchSize: 2 });
  const batch = await sampler.next();
  await sampler.close();
  assert.deepEqual(Object.keys(batch).sort(), ['frames', 'index', 'shape', 'windows']);

  assert.ok(touched.some((t) => t.includes('clip_0.mp4')), 'the watch saw no access to the clips at all');
  assert.deepEqual(touched.filter((t) => t.includes('actions.jsonl')), []);

  await readActionLabels(dir);
  assert.ok(touched.some((t) => t.includes('actions.jsonl')), 'the watch did not see the label reader');
});
