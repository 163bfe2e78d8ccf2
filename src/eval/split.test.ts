import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { COINRUN_ACTION_CLASSES } from './key-map.ts';
import { keyMapFromSplit } from './split-key-map.ts';
import { actionClassesFromNames, readEvalSplit } from './split.ts';
import { COINRUN_ACTION_NAMES, blockClips, fakeWorld, temporaryFolder, writeBlockSplit } from './testing.ts';

const root = temporaryFolder('split');
const options = { clips: 3, frames: 40, size: 16, seed: 4 };
let dir: string;

describe('readEvalSplit', () => {
  before(async () => {
    dir = await writeBlockSplit(root, options);
  });

  it('reads every clip with its actions, the action names from the manifest and a checksum of the files read', async () => {
    const split = await readEvalSplit(dir, { height: 16, width: 16 });
    const expected = blockClips(options);
    assert.deepEqual(split.clips.map((c) => c.name), expected.map((c) => c.name));
    assert.deepEqual(split.clips[2].actions, expected[2].actions);
    assert.deepEqual(split.clips[1].frames, expected[1].frames); // lossless: the pixels come back exactly
    assert.deepEqual(split.actionNames, COINRUN_ACTION_NAMES);
    assert.equal(split.checksum.files, 4);
    const firstTwo = await readEvalSplit(dir, { height: 16, width: 16, clips: 2 });
    assert.equal(firstTwo.clips.length, 2);
    assert.notEqual(firstTwo.checksum.sha256, split.checksum.sha256);
    assert.equal((await readEvalSplit(dir, { height: 16, width: 16 })).checksum.sha256, split.checksum.sha256);
  });

  it('rejects asking for more clips than the split has, or fewer than two', async () => {
    await assert.rejects(readEvalSplit(dir, { height: 16, width: 16, clips: 5 }), /--clips 5: .*actions\.jsonl lists only 3 clips/);
    await assert.rejects(readEvalSplit(dir, { height: 16, width: 16, clips: 1 }), /must be an integer >= 2/);
  });

  it('rejects a manifest whose action names do not cover the actions used', async () => {
    const other = join(root, 'short-names');
    const split = await writeBlockSplit(other, options);
    chmodSync(join(other, 'manifest.json'), 0o644);
    writeFileSync(join(other, 'manifest.json'), JSON.stringify({ action_names: ['NOOP', 'LEFT'] }));
    await assert.rejects(readEvalSplit(split, { height: 16, width: 16 }), /uses action \d+, but the manifest names only 2 actions/);
  });
});

describe('actionClassesFromNames', () => {
  it("gives CoinRun's classes from CoinRun's action names", () => {
    assert.deepEqual(actionClassesFromNames(COINRUN_ACTION_NAMES), COINRUN_ACTION_CLASSES);
  });

  it('reads JUMP as the jump role and names without a direction as no-op', () => {
    assert.deepEqual(actionClassesFromNames(['noop', 'left', 'right', 'jump', 'left_jump', 'right jump']), {
      left: [1, 4], right: [2, 5], jump: [3, 4, 5], noop: [0],
    });
  });
});

describe('keyMapFromSplit', () => {
  it('maps the keys to the latent actions that go with the true moves', async () => {
    // The fake LAM labels the block's motion: 0 left, 1 right, 2 up only, 3 otherwise.
    const result = await keyMapFromSplit(fakeWorld({ size: 16, dynamics: 'ignore' }), dir);
    assert.equal(result.transitions, 3 * 39);
    assert.deepEqual(result.keys.ArrowLeft, { action: 0, label: 'left' });
    assert.deepEqual(result.keys.ArrowRight, { action: 1, label: 'right' });
    assert.deepEqual(result.keys.ArrowUp, { action: 2, label: 'jump' });
    assert.deepEqual(result.keys.ArrowDown, { action: 3, label: 'wait' });
  });
});
