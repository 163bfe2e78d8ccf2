import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeVideos, framesOf, parseInputInfo, type FrameFormat } from './decode.ts';
import type { VideoSource } from './sources.ts';
import { ffmpeg, makeAudioOnly, makeDamaged, makeVideo, tempDir } from './testing.ts';

let dir: string;
const source = (path: string): VideoSource => ({ kind: 'file', path, size: statSync(path).size, mtimeMs: 0 });
// The test colours pass through YUV on the way in, so allow a few levels of rounding.
function assertPixel(frame: Uint8Array, width: number, x: number, y: number, rgb: number[]): void {
  const pixel = [...frame.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  assert.ok(pixel.every((v, c) => Math.abs(v - rgb[c]) <= 4), `pixel (${x}, ${y}) is ${pixel}, expected ${rgb}`);
}

before(() => {
  dir = tempDir('decode');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeVideos', () => {
  test('resamples to the target fps and sizes every frame to width x height x 3', async () => {
    const path = makeVideo(join(dir, 'twenty-fps.mp4'), { fps: 20, frames: 40, width: 96, height: 72 });
    const [result] = await decodeVideos([source(path)], { width: 32, height: 24, fps: 10, fit: 'crop' }, { framesFps: 10 });
    assert.ok(result.ok);
    assert.equal(result.frames, 20);
    assert.equal(result.data.bytes, 20 * 32 * 24 * 3);
    assert.deepEqual(result.info, { width: 96, height: 72, fps: 20 });
  });

  test('crop cuts the centre of a wide frame; pad keeps all of it between black bars', async () => {
    // 128x64: left half red, right half blue.
    const path = join(dir, 'red-blue.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=64x64:r=10', '-f', 'lavfi', '-i', 'color=c=blue:s=64x64:r=10', '-filter_complex', 'hstack', '-frames:v', '3', '-c:v', 'libx264rgb', '-crf', '0', path]);
    const decode = async (fit: FrameFormat['fit']) => {
      const [r] = await decodeVideos([source(path)], { width: 32, height: 32, fps: null, fit }, { framesFps: 10 });
      assert.ok(r.ok);
      return framesOf(r.data);
    };
    const crop = await decode('crop');
    assertPixel(crop, 32, 2, 16, [255, 0, 0]);
    assertPixel(crop, 32, 29, 16, [0, 0, 255]);
    const pad = await decode('pad');
    assertPixel(pad, 32, 16, 2, [0, 0, 0]); // bar above the 32x16 picture
    assertPixel(pad, 32, 2, 16, [255, 0, 0]);
    assertPixel(pad, 32, 29, 16, [0, 0, 255]);
    assertPixel(pad, 32, 16, 29, [0, 0, 0]);
  });

  test('a batch decodes to the same bytes as one process per video', async () => {
    const paths = [
      makeVideo(join(dir, 'a.mp4'), { frames: 12 }),
      makeVideo(join(dir, 'b.webm'), { frames: 15, width: 40, height: 40 }),
      makeVideo(join(dir, 'c.gif'), { frames: 9 }),
    ];
    const format: FrameFormat = { width: 16, height: 16, fps: 10, fit: 'crop' };
    const together = await decodeVideos(paths.map(source), format, { framesFps: 10 });
    for (const [i, path] of paths.entries()) {
      const [alone] = await decodeVideos([source(path)], format, { framesFps: 10 });
      assert.ok(alone.ok && together[i].ok);
      assert.deepEqual(Buffer.from(await framesOf(together[i].data as never)), Buffer.from(await framesOf(alone.data)), path);
    }
  });

  test('one bad input in a batch is reported alone; the good ones still decode', async () => {
    const good = makeVideo(join(dir, 'good.mp4'), { frames: 10 });
    const { truncated, corrupt } = await makeDamaged(makeVideo(join(dir, 'long.mp4'), { frames: 60, width: 96, height: 64 }), dir);
    const audio = makeAudioOnly(join(dir, 'audio.mp4'));
    const results = await decodeVideos([good, truncated, audio, corrupt, good].map(source), { width: 16, height: 16, fps: 10, fit: 'crop' }, { framesFps: 10 });
    assert.deepEqual(
      results.map((r) => (r.ok ? `ok ${r.frames}` : r.category)),
      ['ok 10', 'not-a-video', 'no-video-stream', 'corrupt', 'ok 10'],
    );
  });

  test('spills the frames of a video decoded alone to the given file', async () => {
    const path = makeVideo(join(dir, 'spilled.mp4'), { frames: 10 });
    const spillFile = join(dir, 'spill.raw');
    const [result] = await decodeVideos([source(path)], { width: 8, height: 8, fps: 10, fit: 'crop' }, { framesFps: 10, spillFile });
    assert.ok(result.ok);
    assert.deepEqual(result.data, { file: spillFile, bytes: 10 * 8 * 8 * 3 });
  });
});

test('parseInputInfo reads each input size and frame rate from the log, not the outputs', () => {
  const log = [
    "[info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':",
    '[info]   Stream #0:0[0x1](und): Video: h264 (High), yuv420p(progressive), 96x72 [SAR 1:1 DAR 4:3], 17 kb/s, 29.97 fps, 29.97 tbr, 10240 tbn (default)',
    "[info] Input #1, gif, from 'b.gif':",
    '[info]   Stream #1:0: Video: gif, bgra, 80x60 [SAR 64:64 DAR 4:3], 8 fps, 8 tbr, 100 tbn',
    '[info] Stream mapping:',
    '[info]   Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 64x64, q=2-31, 983 kb/s, 10 fps, 10 tbn',
  ].join('\n');
  assert.deepEqual(parseInputInfo(log, 3), [
    { width: 96, height: 72, fps: 29.97 },
    { width: 80, height: 60, fps: 8 },
    { width: null, height: null, fps: null },
  ]);
});
