import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { formatDatasetSummary, summarizeDataset, verifyDataset, writeContactSheet } from './inspect.ts';
import { PreparedDataset, readCacheIndex, writeCacheIndex } from './prepared-dataset.ts';
import { frameTag, makeTaggedCache, tempDir } from './testing.ts';

let dir: string;
const LENGTHS = [20, 30, 16];

before(async () => {
  dir = tempDir('inspect');
  const index = await makeTaggedCache(dir, LENGTHS, 40);
  // The tagged cache carries no checksums; record the real ones so verification has something to check.
  const dataset = await PreparedDataset.open(dir);
  index.videos.forEach((v, i) => (v.crc32 = crc32(dataset.readFrames(i, 0, v.frames))));
  dataset.close();
  await writeCacheIndex(dir, index);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('summarizes videos, frames, hours, resolution and size on disk', async () => {
  const dataset = await PreparedDataset.open(dir);
  try {
    const summary = await summarizeDataset(dataset);
    assert.deepEqual(
      { videos: summary.videos, frames: summary.frames, width: summary.width, fps: summary.fps, shards: summary.shards, bytes: summary.bytes },
      { videos: 3, frames: 66, width: 4, fps: 10, shards: 3, bytes: 66 * 48 },
    );
    assert.equal(summary.hours, 66 / 10 / 3600);
    assert.match(formatDatasetSummary(summary), /videos +3, 16 to 30 frames each\n.*frames +66 \(0\.00 hours at 10 fps\)\n.*resolution +4x4 RGB/);
  } finally {
    dataset.close();
  }
});

test('the contact sheet has one row per video and frames spread over each video', async () => {
  const dataset = await PreparedDataset.open(dir);
  const path = join(dir, 'sheet.png');
  try {
    await writeContactSheet(dataset, path, { columns: 4, scale: 1 });
  } finally {
    dataset.close();
  }
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [4 * 4 + 3 * 2, 3 * 4 + 2 * 2]);
  const cell = (row: number, column: number) => data[(row * 6 * info.width + column * 6) * info.channels];
  for (const [row, frames] of LENGTHS.entries()) {
    assert.deepEqual([0, 1, 2, 3].map((c) => cell(row, c)), [0, 1, 2, 3].map((c) => frameTag(row, Math.floor((c * frames) / 4))));
  }
});

test('verify finds a video whose stored frames changed since prepare', async () => {
  let dataset = await PreparedDataset.open(dir);
  assert.deepEqual(verifyDataset(dataset), []);
  dataset.close();
  const index = (await readCacheIndex(dir))!;
  const fd = openSync(join(dir, index.videos[1].shard), 'r+');
  writeSync(fd, Buffer.from([255]), 0, 1, index.videos[1].firstFrame * 48 + 5);
  closeSync(fd);
  dataset = await PreparedDataset.open(dir);
  try {
    assert.deepEqual(verifyDataset(dataset).map((p) => p.name), ['video-1.mp4']);
  } finally {
    dataset.close();
  }
});

test('opening a cache with a shard cut short names the shard', async () => {
  const index = (await readCacheIndex(dir))!;
  const shard = join(dir, index.videos[2].shard);
  truncateSync(shard, 10);
  await assert.rejects(PreparedDataset.open(dir), new RegExp(`${shard} has 10 bytes but index.json needs \\d+; the shard is damaged`));
});
