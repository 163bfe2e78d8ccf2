import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findVideoSources } from './sources.ts';
import { tempDir } from './testing.ts';

let dir: string;

before(() => {
  dir = tempDir('sources');
  const files: Record<string, string> = {
    'a.mp4': 'x',
    'B.MKV': 'x',
    'nested/deeper/c.webm': 'x',
    'nested/d.gif': 'x',
    'nested/actions.jsonl': '{}',
    'notes.txt': 'x',
    'empty.mov': '',
    '.hidden/e.mp4': 'x',
    'frames/frame_10.png': 'x',
    'frames/frame_9.png': 'x',
    'frames/frame_100.png': 'x',
    'frames/cover.png': 'x', // no number: not a frame
    'mixed/frame_1.png': 'x',
    'mixed/frame_2.jpg': 'x',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('walks folders recursively, keeps video files and numbered-frame folders, ignores the rest', async () => {
  const { sources, skipped } = await findVideoSources([dir]);
  assert.deepEqual(
    sources.map((s) => [s.kind, s.path.slice(dir.length + 1)]),
    [
      ['file', 'B.MKV'],
      ['file', 'a.mp4'],
      ['frames', 'frames'],
      ['file', 'nested/d.gif'],
      ['file', 'nested/deeper/c.webm'],
    ],
  );
  const frames = sources.find((s) => s.kind === 'frames');
  assert.ok(frames?.kind === 'frames');
  assert.deepEqual(frames.framePaths.map((p) => p.slice(dir.length + 8)), ['frame_9.png', 'frame_10.png', 'frame_100.png']);
  assert.deepEqual(skipped.map((s) => [s.path.slice(dir.length + 1), s.category]), [['empty.mov', 'empty'], ['mixed', 'unsupported']]);
});

test('named files and missing paths are reported; the same file named twice is taken once', async () => {
  const { sources, skipped } = await findVideoSources([join(dir, 'a.mp4'), join(dir, 'a.mp4'), join(dir, 'notes.txt'), join(dir, 'missing.mp4')]);
  assert.equal(sources.length, 1);
  assert.deepEqual(skipped.map((s) => s.category), ['unsupported', 'not-found']);
  assert.match(skipped[0].reason, /unsupported file type '\.txt'/);
});
