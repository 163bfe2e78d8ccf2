import assert from 'node:assert/strict';
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipSampler, splitVideos } from './sampler.ts';
import { frameTag, makeTaggedCache, tempDir } from './testing.ts';

const FRAME_BYTES = 4 * 4 * 3;
// Two shards, videos of very different lengths, one shorter than a window.
const LENGTHS = [20, 17, 5, 32, 16, 25];
let dir: string;

before(async () => {
  dir = tempDir('sampler');
  await makeTaggedCache(dir, LENGTHS, 60);
});
after(() => rmSync(dir, { recursive: true, force: true }));

// (video, frame) of every frame in a batch, read from the pixels themselves.
function tagsOf(frames: Uint8Array, batch: number, length: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from({ length }, (_, t) => frames[(b * length + t) * FRAME_BYTES]));
}

describe('ClipSampler', () => {
  test('windows are consecutive frames of one video and never cross a video boundary', async () => {
    const sampler = await ClipSampler.open(dir, { split: 'all', batchSize: 8, seed: 3 });
    try {
      for (let i = 0; i < 30; i++) {
        const batch = await sampler.next();
        assert.deepEqual(batch.shape, [8, 16, 4, 4, 3]);
        const tags = tagsOf(batch.frames, 8, 16);
        batch.windows.forEach(({ video, start }, b) => {
          assert.ok(start + 16 <= LENGTHS[video], `window ${start}+16 runs past video ${video} (${LENGTHS[video]} frames)`);
          assert.deepEqual(tags[b], Array.from({ length: 16 }, (_, t) => frameTag(video, start + t)));
        });
      }
    } finally {
      await sampler.close();
    }
  });

  test('the video shorter than a window is never sampled; every window of the others can be', async () => {
    const sampler = await ClipSampler.open(dir, { split: 'all', batchSize: 64 });
    try {
      assert.deepEqual(sampler.videoIndices, [0, 1, 3, 4, 5]);
      assert.equal(sampler.windowCount, 5 + 2 + 17 + 1 + 10);
      const seen = new Set<string>();
      for (let k = 0; k < 40; k++) for (const w of sampler.plan(k)) seen.add(`${w.video}:${w.start}`);
      assert.equal(seen.size, sampler.windowCount);
    } finally {
      await sampler.close();
    }
  });

  test('frame stride takes every n-th frame', async () => {
    const sampler = await ClipSampler.open(dir, { split: 'all', batchSize: 4, windowLength: 8, frameStride: 3 });
    try {
      assert.equal(sampler.windowSpan, 22);
      assert.deepEqual(sampler.videoIndices, [3, 5]);
      const batch = await sampler.next();
      const tags = tagsOf(batch.frames, 4, 8);
      batch.windows.forEach(({ video, start }, b) => {
        assert.deepEqual(tags[b], Array.from({ length: 8 }, (_, t) => frameTag(video, start + 3 * t)));
      });
    } finally {
      await sampler.close();
    }
  });

  test('same seed gives the same batches; another seed differs; firstBatch resumes the sequence', async () => {
    const take = async (options: object, n: number) => {
      const sampler = await ClipSampler.open(dir, { split: 'all', ...options });
      try {
        const batches = [];
        for (let i = 0; i < n; i++) batches.push(await sampler.next());
        return batches;
      } finally {
        await sampler.close();
      }
    };
    const a = await take({ seed: 7 }, 4);
    const b = await take({ seed: 7, prefetch: 0 }, 4);
    const c = await take({ seed: 8 }, 4);
    const resumed = await take({ seed: 7, firstBatch: 2 }, 2);
    assert.deepEqual(b.map((x) => x.windows), a.map((x) => x.windows));
    assert.deepEqual(Buffer.from(b[3].frames), Buffer.from(a[3].frames));
    assert.notDeepEqual(c.map((x) => x.windows), a.map((x) => x.windows));
    assert.deepEqual(resumed.map((x) => [x.index, x.windows]), a.slice(2).map((x) => [x.index, x.windows]));
  });

  test('train and validation are disjoint sets of whole videos', async () => {
    const train = await ClipSampler.open(dir, { split: 'train', validationFraction: 0.3 });
    const validation = await ClipSampler.open(dir, { split: 'validation', validationFraction: 0.3 });
    try {
      const trainVideos = new Set<number>();
      const validationVideos = new Set<number>();
      for (let k = 0; k < 20; k++) {
        train.plan(k).forEach((w) => trainVideos.add(w.video));
        validation.plan(k).forEach((w) => validationVideos.add(w.video));
      }
      assert.ok(validationVideos.size > 0 && trainVideos.size > 0);
      for (const v of validationVideos) assert.ok(!trainVideos.has(v), `video ${v} is in both splits`);
    } finally {
      await train.close();
      await validation.close();
    }
  });

  test('a shard cut short after opening fails the batch with the shard named; a closed sampler says so', async () => {
    const damaged = tempDir('sampler-damaged');
    try {
      await makeTaggedCache(damaged, [20, 20]);
      const sampler = await ClipSampler.open(damaged, { split: 'all', prefetch: 0 });
      truncateSync(join(damaged, 'shard-000001.bin'), 100);
      await assert.rejects(sampler.next(), /shard-000001\.bin ended early/);
      await sampler.close();
      await assert.rejects(sampler.next(), /is closed/);
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });

  test('a window longer than every video is a clear error', async () => {
    await assert.rejects(ClipSampler.open(dir, { split: 'all', windowLength: 40 }), /no video .* long enough for a 40-frame window/);
  });
});

describe('splitVideos', () => {
  const videos = Array.from({ length: 200 }, (_, i) => ({ sha256: i.toString(16).padStart(64, 'a') }) as never);

  test('takes about the requested fraction, and adding videos moves none of the old ones', () => {
    const { train, validation } = splitVideos(videos, 0, 0.1);
    assert.equal(train.length + validation.length, 200);
    assert.ok(validation.length > 8 && validation.length < 35, `validation has ${validation.length} of 200`);
    const grown = splitVideos([...videos, ...videos.slice(0, 50).map((v, i) => ({ sha256: `b${i}`.padEnd(64, '0') }) as never)], 0, 0.1);
    for (const v of validation) assert.ok(grown.validation.includes(v));
    for (const v of train) assert.ok(grown.train.includes(v));
  });

  test('with two or more videos both sides are non-empty; one video stays in train', () => {
    const two = splitVideos(videos.slice(0, 2), 0, 0.01);
    assert.equal(two.train.length, 1);
    assert.equal(two.validation.length, 1);
    assert.deepEqual(splitVideos(videos.slice(0, 1), 0, 0.5), { train: [0], validation: [] });
    assert.deepEqual(splitVideos(videos.slice(0, 3), 0, 0).validation, []);
  });
});
