// prepareDataset on a small messy corpus, then re-run the way a user would: unchanged, touched, edited,
// grown, interrupted. The steps share one cache and run in order.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { prepareDataset, type PrepareOptions, type PrepareReport } from './prepare.ts';
import { PreparedDataset, readCacheIndex } from './prepared-dataset.ts';
import { makeAudioOnly, makeDamaged, makeFrameFolder, makeVideo, tempDir } from './testing.ts';

let root: string;
let inputs: string;
let out: string;
const FRAME_BYTES = 16 * 16 * 3;

async function prepare(extra: Partial<PrepareOptions> = {}): Promise<{ report: PrepareReport; warnings: string[] }> {
  const warnings: string[] = [];
  const report = await prepareDataset([inputs], { out, width: 16, height: 16, onWarning: (w) => warnings.push(w), ...extra });
  return { report, warnings };
}

before(async () => {
  root = tempDir('prepare');
  inputs = join(root, 'videos');
  out = join(root, 'cache');
  mkdirSync(join(inputs, 'nested'), { recursive: true });
  mkdirSync(join(inputs, 'frames'));
  makeVideo(join(inputs, 'a.mp4'));
  makeVideo(join(inputs, 'nested', 'b.webm'));
  makeVideo(join(inputs, 'c.mkv'));
  makeVideo(join(inputs, 'd.mov'));
  makeVideo(join(inputs, 'e.avi'));
  makeVideo(join(inputs, 'f.gif'));
  makeFrameFolder(join(inputs, 'frames'), 20);
  makeVideo(join(inputs, 'short.mp4'), { frames: 8 });
  makeAudioOnly(join(inputs, 'audio.mp4'));
  writeFileSync(join(inputs, 'zero.mp4'), '');
  writeFileSync(join(inputs, 'wrong-extension.mp4'), 'this is a text file, not a video\n');
  writeFileSync(join(inputs, 'actions.jsonl'), '{"clip":"a.mp4","actions":[1]}\n');
  await makeDamaged(makeVideo(join(root, 'long.mp4'), { frames: 60, width: 96, height: 64 }), inputs);
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('prepareDataset', () => {
  test('prepares every good input and skips each bad one with one warning and a reason', async () => {
    const { report, warnings } = await prepare();
    assert.equal(report.added, 7);
    assert.deepEqual(
      Object.fromEntries(report.skipped.map((s) => [s.path.slice(inputs.length + 1), s.category])),
      {
        'zero.mp4': 'empty',
        'audio.mp4': 'no-video-stream',
        'wrong-extension.mp4': 'not-a-video',
        'truncated.mp4': 'not-a-video', // its index (moov atom) was at the end, cut off
        'corrupt.mp4': 'corrupt',
        'short.mp4': 'too-short',
      },
    );
    assert.equal(warnings.length, 6);
    for (const s of report.skipped) assert.ok(warnings.some((w) => w.includes(s.path) && w.includes(s.reason)));
    assert.match(report.skipped.find((s) => s.category === 'too-short')!.reason, /8 frames .* 16-frame training window/);

    const dataset = await PreparedDataset.open(out);
    try {
      assert.deepEqual(dataset.videos.map((v) => [v.name, v.kind, v.frames]), [
        ['a.mp4', 'file', 20], ['c.mkv', 'file', 20], ['d.mov', 'file', 20], ['e.avi', 'file', 20],
        ['f.gif', 'file', 20], ['frames', 'frames', 20], ['b.webm', 'file', 20],
      ]);
      for (const [i, v] of dataset.videos.entries()) {
        assert.equal(crc32(dataset.readFrames(i, 0, v.frames)), v.crc32);
        assert.equal(v.sourceWidth, v.kind === 'frames' ? 40 : 48);
      }
      assert.equal(dataset.totalFrames * FRAME_BYTES, statSync(join(out, 'shard-000001.bin')).size);
    } finally {
      dataset.close();
    }
  });

  test('a re-run decodes nothing, not even the bad files; a touched file is recognised by its hash', async () => {
    const before = readFileSync(join(out, 'index.json'), 'utf8');
    // An ffmpeg that logs its arguments shows what was decoded.
    const calls = join(root, 'ffmpeg-calls.log');
    const spy = join(root, 'ffmpeg-spy.sh');
    writeFileSync(spy, `#!/bin/sh\necho "$*" >> ${calls}\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    const { report, warnings } = await withEnv('FFMPEG_PATH', spy, () => prepare());
    assert.deepEqual(pick(report), { added: 0, replaced: 0, unchanged: 7, framesAdded: 0 });
    assert.equal(warnings.length, 6);
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['-hide_banner -nostdin -nostats -version']);
    assert.equal(readFileSync(join(out, 'index.json'), 'utf8'), before);

    utimesSync(join(inputs, 'a.mp4'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(pick((await prepare()).report), { added: 0, replaced: 0, unchanged: 7, framesAdded: 0 });
    const entry = (await readCacheIndex(out))!.videos.find((v) => v.name === 'a.mp4')!;
    assert.equal(entry.mtimeMs, statSync(join(inputs, 'a.mp4')).mtimeMs);
  });

  test('an edited file is replaced, a new one added, and everything else kept', async () => {
    makeVideo(join(inputs, 'c.mkv'), { frames: 30 });
    makeVideo(join(inputs, 'nested', 'g.mp4'), { frames: 17 });
    const { report } = await prepare();
    assert.deepEqual(pick(report), { added: 1, replaced: 1, unchanged: 6, framesAdded: 47 });
    const index = (await readCacheIndex(out))!;
    assert.equal(index.videos.length, 8);
    assert.equal(index.videos.find((v) => v.name === 'c.mkv')!.frames, 30);
    assert.deepEqual(new Set(index.videos.map((v) => v.shard)), new Set(['shard-000001.bin', 'shard-000002.bin']));
  });

  test('a removed input stays prepared; a failing re-decode keeps the old version', async () => {
    rmSync(join(inputs, 'd.mov'));
    writeFileSync(join(inputs, 'e.avi'), 'overwritten with junk');
    const { report } = await prepare();
    assert.equal(report.videos, 8);
    const skip = report.skipped.find((s) => s.path.endsWith('e.avi'))!;
    assert.match(skip.reason, /previously prepared version is kept/);
  });

  test('leftovers of an interrupted run are removed; other files in the directory are not', async () => {
    writeFileSync(join(out, '.shard-000009.bin.4242.tmp'), 'half a shard');
    writeFileSync(join(out, 'shard-000007.bin'), 'sealed but never committed');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await prepare();
    assert.deepEqual(readdirSync(out).sort(), ['index.json', 'notes.txt', 'shard-000001.bin', 'shard-000002.bin']);
  });

  test('another frame size for the same cache is refused, leaving the cache as it was', async () => {
    const index = readFileSync(join(out, 'index.json'), 'utf8');
    await assert.rejects(prepare({ width: 32 }), /holds frames at 16x16, 10 fps, crop but this run asks for 32x16/);
    assert.equal(readFileSync(join(out, 'index.json'), 'utf8'), index);
  });

  test('a cache being prepared by a live process is refused', async () => {
    writeFileSync(join(out, 'prepare.lock'), String(process.pid));
    await assert.rejects(prepare(), /is being prepared by process \d+/);
    rmSync(join(out, 'prepare.lock'));
    writeFileSync(join(out, 'prepare.lock'), '999999999'); // no such process: a stale lock is taken over
    await prepare();
    assert.ok(!existsSync(join(out, 'prepare.lock')));
  });

  test('a video once too short is taken when the window shrinks', async () => {
    const { report } = await prepare({ minFrames: 8 });
    assert.equal(report.added, 1);
    assert.ok((await readCacheIndex(out))!.videos.some((v) => v.name === 'short.mp4' && v.frames === 8));
  });

  test('a missing ffmpeg is one clear error naming the install command', async () => {
    await withEnv('FFMPEG_PATH', join(root, 'no-such-ffmpeg'), () =>
      assert.rejects(prepare(), /cannot run ffmpeg .*apt-get install ffmpeg.*FFMPEG_PATH/),
    );
  });
});

async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

function pick(report: PrepareReport) {
  return { added: report.added, replaced: report.replaced, unchanged: report.unchanged, framesAdded: report.framesAdded };
}
