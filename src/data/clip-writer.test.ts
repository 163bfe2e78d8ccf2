import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createVideoWriter, writeClip, writeFrameFolder, writeVideoFile } from './clip-writer.ts';
import { decodeVideos, framesOf } from './decode.ts';
import { findVideoSources } from './sources.ts';
import { tempDir } from './testing.ts';

let dir: string;
const W = 8;
const H = 6;
const solid = (rgb: number[]) => Uint8Array.from({ length: W * H * 3 }, (_, i) => rgb[i % 3]);
const RGB = [solid([255, 0, 0]), solid([0, 255, 0]), solid([0, 0, 255])];

async function decode(path: string, width: number, height: number) {
  const { sources } = await findVideoSources([path]);
  const [result] = await decodeVideos(sources, { width, height, fps: null, fit: 'pad' }, { framesFps: 10 });
  assert.ok(result.ok, `${path} did not decode: ${!result.ok && result.reason}`);
  return { frames: result.frames, info: result.info, data: await framesOf(result.data) };
}

before(() => {
  dir = tempDir('clips');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeClip', () => {
  test('GIF: one image per frame, enlarged by scale, colours kept', async () => {
    const path = join(dir, 'clip.gif');
    await writeClip(RGB, { width: W, height: H, fps: 10, scale: 2 }, path);
    const meta = await sharp(path, { animated: true }).metadata();
    assert.deepEqual([meta.pages, meta.width, meta.pageHeight, meta.delay], [3, 16, 12, [100, 100, 100]]);
    const { data } = await decode(path, 16, 12);
    for (let f = 0; f < 3; f++) assert.deepEqual([...data.subarray(f * 16 * 12 * 3, f * 16 * 12 * 3 + 3)], [...RGB[f].subarray(0, 3)]);
  });

  test('frames given back to back write the same file as a list of frames', async () => {
    await writeClip(RGB, { width: W, height: H, fps: 10 }, join(dir, 'list.gif'));
    await writeClip(Buffer.concat(RGB), { width: W, height: H, fps: 10 }, join(dir, 'contiguous.gif'));
    assert.deepEqual(readFileSync(join(dir, 'contiguous.gif')), readFileSync(join(dir, 'list.gif')));
  });

  test('MP4: plays as H.264 at the clip rate; odd sizes are padded to even', async () => {
    const odd = Array.from({ length: 4 }, () => new Uint8Array(15 * 9 * 3).fill(128));
    const path = join(dir, 'odd.mp4');
    await writeClip(odd, { width: 15, height: 9, fps: 5 }, path);
    const { frames, info } = await decode(path, 16, 10);
    assert.deepEqual([frames, info], [4, { width: 16, height: 10, fps: 5 }]);
  });

  test('bad frames and unknown formats are clear errors, and leave no file', async () => {
    await assert.rejects(writeClip([RGB[0], new Uint8Array(10)], { width: W, height: H, fps: 10 }, join(dir, 'x.gif')), /frame 1 has 10 bytes; a 8x6 RGB frame has 144/);
    await assert.rejects(writeClip(new Uint8Array(100), { width: W, height: H, fps: 10 }, join(dir, 'x.gif')), /100 bytes, not a whole number of 8x6 RGB frames/);
    await assert.rejects(writeClip(RGB, { width: W, height: H, fps: 10 }, join(dir, 'x.avi')), /unknown extension '.avi' \(use one of .gif .mp4\)/);
    await assert.rejects(writeClip([], { width: W, height: H, fps: 10 }, join(dir, 'x.mp4')), /at least one frame/);
    assert.ok(!readdirSync(dir).some((name) => name.startsWith('x.') || name.endsWith('.tmp')));
  });
});

describe('writeVideoFile', () => {
  test('lossless MP4 decodes back to exactly the same pixels', async () => {
    const noise = Array.from({ length: 5 }, (_, f) => Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37 + f * 101) % 256));
    const path = join(dir, 'lossless.mp4');
    await writeVideoFile(noise, { width: 16, height: 16, fps: 10, lossless: true }, path);
    const { frames, data } = await decode(path, 16, 16);
    assert.equal(frames, 5);
    assert.deepEqual(Buffer.from(data), Buffer.concat(noise));
  });
});

describe('createVideoWriter', () => {
  test('streams frames; abort leaves nothing behind', async () => {
    const done = createVideoWriter({ width: W, height: H, fps: 10 }, join(dir, 'streamed.mp4'));
    for (const frame of RGB) await done.write(frame);
    await done.close();
    assert.ok(statSync(join(dir, 'streamed.mp4')).size > 0);

    const aborted = createVideoWriter({ width: W, height: H, fps: 10 }, join(dir, 'aborted.mp4'));
    await aborted.write(RGB[0]);
    await aborted.abort();
    assert.ok(!readdirSync(dir).some((name) => name.includes('aborted')), `left behind: ${readdirSync(dir)}`);
  });
});

test('writeFrameFolder writes numbered PNGs that prepare reads back as one video', async () => {
  const folder = join(dir, 'frames');
  await writeFrameFolder(RGB, { width: W, height: H, fps: 10 }, folder);
  assert.deepEqual(readdirSync(folder), ['frame_000000.png', 'frame_000001.png', 'frame_000002.png']);
  const { sources } = await findVideoSources([folder]);
  const [result] = await decodeVideos(sources, { width: W, height: H, fps: 10, fit: 'crop' }, { framesFps: 10 });
  assert.ok(result.ok);
  assert.deepEqual(Buffer.from(await framesOf(result.data)), Buffer.concat(RGB));
});
