// `genie data` end to end through the real command line: prepare a messy folder, inspect it, export
// clips, and fail the way a user's machine fails (disk full, no permission) without losing the cache.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeAudioOnly, makeVideo, tempDir } from '../src/data/testing.ts';

const repo = resolve(import.meta.dirname, '..');
// Root ignores permission bits; without these two capabilities it obeys them like any file owner.
const obeyPermissions = process.getuid?.() === 0 ? 'setpriv --bounding-set -dac_override,-dac_read_search ' : '';
let root: string;
let videos: string;
let cache: string;

function genie(args: string[], options: { fileSizeLimitKiB?: number; obeyPermissions?: boolean } = {}) {
  const command = [process.execPath, join(repo, 'bin', 'genie.js'), 'data', ...args].map((a) => `'${a}'`).join(' ');
  const limit = options.fileSizeLimitKiB ? `ulimit -f ${options.fileSizeLimitKiB}; ` : '';
  const prefix = options.obeyPermissions ? obeyPermissions : '';
  const result = spawnSync('bash', ['-c', `${limit}exec ${prefix}${command}`], { cwd: repo, encoding: 'utf8' });
  return { code: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

before(() => {
  root = tempDir('data-cli');
  videos = join(root, 'videos');
  cache = join(root, 'cache');
  mkdirSync(videos);
  makeVideo(join(videos, 'one.mp4'), { frames: 20 });
  makeVideo(join(videos, 'two.webm'), { frames: 24 });
  writeFileSync(join(videos, 'zero.mov'), '');
  makeAudioOnly(join(videos, 'audio.mp4'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('genie data', () => {
  test('prepare: one warning per bad file, then a summary', () => {
    const { code, stdout, stderr } = genie(['prepare', videos, '--out', cache, '--size', '16x16']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /2 added, 0 replaced, 0 unchanged, 2 skipped \(1 empty, 1 no-video-stream\); 44 frames decoded/);
    assert.deepEqual(stderr.trim().split('\n').map((line) => line.replace(videos, 'V')), [
      'warning: skipped V/zero.mov: empty file (0 bytes)',
      'warning: skipped V/audio.mp4: no video stream (audio only?)',
    ]);
  });

  test('inspect prints the numbers, writes a contact sheet and verifies the frames', () => {
    const { code, stdout, stderr } = genie(['inspect', cache, '--verify']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /videos +2, 20 to 24 frames each/);
    assert.match(stdout, /frames +44 \(0\.00 hours at 10 fps\)/);
    assert.match(stdout, /resolution +16x16 RGB \(crop\)/);
    assert.match(stdout, /verified +all 2 videos match/);
    assert.ok(existsSync(join(cache, 'contact-sheet.png')));
  });

  test('export-frames writes a GIF and PNG frames; a bad --video is named', () => {
    for (const out of ['clip.gif', 'frames']) {
      const { code, stderr } = genie(['export-frames', cache, '--video', 'two.webm', '--frames', '5', '--out', join(root, out)]);
      assert.equal(code, 0, stderr);
    }
    assert.equal(readdirSync(join(root, 'frames')).length, 5);
    const bad = genie(['export-frames', cache, '--video', 'nope.mp4', '--out', join(root, 'x.gif')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--video nope\.mp4: no video of that name .* not an index in 0\.\.1/);
  });

  test('a full disk stops prepare with a clear message and leaves the cache as it was', () => {
    const index = readFileSync(join(cache, 'index.json'), 'utf8');
    makeVideo(join(videos, 'big.mp4'), { frames: 80, width: 64, height: 64 });
    // 80 frames of 16x16 RGB are 60 KiB; the file size limit stops the new shard at 16 KiB.
    const { code, stderr } = genie(['prepare', videos, '--out', cache, '--size', '16x16'], { fileSizeLimitKiB: 16 });
    assert.equal(code, 1);
    assert.match(stderr, /cannot write the dataset cache in .*: file size limit exceeded \(EFBIG.*\)\. Nothing prepared is lost/);
    assert.equal(readFileSync(join(cache, 'index.json'), 'utf8'), index);
    assert.deepEqual(readdirSync(cache).sort(), ['contact-sheet.png', 'index.json', 'shard-000001.bin']);
    assert.equal(genie(['inspect', cache, '--verify']).code, 0);
    rmSync(join(videos, 'big.mp4'));
  });

  test('an unreadable video is skipped; an unwritable cache is a clear error and stays intact', () => {
    const index = readFileSync(join(cache, 'index.json'), 'utf8');
    makeVideo(join(videos, 'secret.mp4'), { frames: 20 });
    chmodSync(join(videos, 'secret.mp4'), 0o000);
    const fresh = join(root, 'fresh');
    const skipped = genie(['prepare', join(videos, 'secret.mp4'), join(videos, 'one.mp4'), '--out', fresh, '--size', '16x16'], { obeyPermissions: true });
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /warning: skipped .*secret\.mp4: cannot read: .*permission denied/i);
    assert.match(skipped.stdout, /1 added, 0 replaced, 0 unchanged, 1 skipped \(1 unreadable\)/);

    chmodSync(cache, 0o555);
    try {
      const refused = genie(['prepare', videos, '--out', cache, '--size', '16x16'], { obeyPermissions: true });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /cannot write the dataset cache in .*: permission denied \(EACCES.*\)\. Nothing prepared is lost.*Make the directory writable/);
    } finally {
      chmodSync(cache, 0o755);
    }
    assert.equal(readFileSync(join(cache, 'index.json'), 'utf8'), index);
  });
});
