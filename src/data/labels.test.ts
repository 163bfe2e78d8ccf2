import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readActionLabels, readLabelledClips } from './labels.ts';
import { makeVideo, tempDir } from './testing.ts';

let dir: string;
const line = (clip: string, actions: number[], extra: object = {}) => JSON.stringify({ clip, actions, ...extra });

function split(name: string, lines: string[]): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'actions.jsonl'), lines.join('\n') + '\n');
  return path;
}

before(() => {
  dir = tempDir('labels');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readActionLabels', () => {
  test('maps each clip to its labels, in file order', async () => {
    const path = split('good', [line('b.mp4', [1, 2, 3], { seed: 4, rewards: [0, 0, 10], done_at: 2 }), '', line('a.mp4', [0])]);
    const labels = await readActionLabels(path);
    assert.deepEqual([...labels.keys()], ['b.mp4', 'a.mp4']);
    assert.deepEqual(labels.get('b.mp4'), { clip: 'b.mp4', actions: [1, 2, 3], seed: 4, rewards: [0, 0, 10], done_at: 2 });
  });

  const bad: [string, string[], RegExp][] = [
    ['invalid JSON', ['{"clip": "a.mp4", '], /line 1: not valid JSON/],
    ['a non-integer action', [line('a.mp4', [0]), line('b.mp4', [1, 2.5])], /line 2: field 'actions.1'/],
    ['a missing clip name', [JSON.stringify({ actions: [1] })], /line 1: field 'clip'/],
    ['rewards not matching actions', [line('a.mp4', [1, 2], { rewards: [0] })], /line 1: field 'rewards': rewards must have one entry per action/],
    ['a clip labelled twice', [line('a.mp4', [1]), line('a.mp4', [2])], /line 2: clip 'a.mp4' is labelled twice/],
  ];
  for (const [what, lines, message] of bad) {
    test(`names the line and field of ${what}`, async () => {
      await assert.rejects(readActionLabels(split(what.replace(/\W/g, '-'), lines)), message);
    });
  }

  test('a folder without actions.jsonl is not a labelled split', async () => {
    mkdirSync(join(dir, 'unlabelled'));
    await assert.rejects(readActionLabels(join(dir, 'unlabelled')), /has no actions.jsonl: it is not a labelled split/);
  });
});

describe('readLabelledClips', () => {
  test('decodes each clip at its own frame rate with one frame per action', async () => {
    const path = split('clips', [line('one.mp4', Array(12).fill(3)), line('two.mp4', Array(7).fill(1))]);
    // 15 fps would become 10 fps in `prepare`; here frames must stay aligned with actions.
    makeVideo(join(path, 'one.mp4'), { frames: 12, fps: 15 });
    makeVideo(join(path, 'two.mp4'), { frames: 7 });
    const clips = await readLabelledClips(path, { width: 8, height: 8 });
    assert.deepEqual(clips.map((c) => [c.clip, c.frameCount, c.actions.length, c.frames.length]), [
      ['one.mp4', 12, 12, 12 * 8 * 8 * 3],
      ['two.mp4', 7, 7, 7 * 8 * 8 * 3],
    ]);
    const [two] = await readLabelledClips(path, { width: 8, height: 8, clips: ['two.mp4'] });
    assert.deepEqual(Buffer.from(two.frames), Buffer.from(clips[1].frames));
  });

  test('a clip whose frames and actions do not align is an error naming both counts', async () => {
    const path = split('misaligned', [line('c.mp4', Array(10).fill(0))]);
    makeVideo(join(path, 'c.mp4'), { frames: 9 });
    await assert.rejects(readLabelledClips(path, { width: 8, height: 8 }), /c\.mp4: 9 frames but 10 actions/);
  });

  test('a labelled clip that is missing is an error', async () => {
    const path = split('missing', [line('gone.mp4', [1])]);
    await assert.rejects(readLabelledClips(path), /gone\.mp4 is listed in actions.jsonl but is not a file/);
  });
});
