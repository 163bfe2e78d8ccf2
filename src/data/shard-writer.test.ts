import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { ShardWriter } from './shard-writer.ts';
import { tempDir } from './testing.ts';

const FRAME = 12;
let dir: string;
const frames = (n: number, value: number) => Buffer.alloc(n * FRAME, value);

before(() => {
  dir = tempDir('shards');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('fills a shard up to the size limit, then seals it under its final name and starts the next', async () => {
  const writer = new ShardWriter(dir, FRAME, 10 * FRAME, 4);
  const first = await writer.append({ chunks: [frames(3, 1), frames(3, 2)], bytes: 6 * FRAME });
  assert.deepEqual(first, { stored: { shard: 'shard-000004.bin', firstFrame: 0, frames: 6, crc32: crc32(Buffer.concat([frames(3, 1), frames(3, 2)])) }, sealed: null });
  assert.ok(!existsSync(join(dir, 'shard-000004.bin')), 'an open shard must not be visible under its final name');

  const spilled = join(dir, 'spilled.raw');
  writeFileSync(spilled, frames(5, 3));
  const second = await writer.append({ file: spilled, bytes: 5 * FRAME });
  assert.equal(second.sealed, 'shard-000004.bin');
  assert.deepEqual(second.stored, { shard: 'shard-000005.bin', firstFrame: 0, frames: 5, crc32: crc32(frames(5, 3)) });
  assert.deepEqual(readFileSync(join(dir, 'shard-000004.bin')), Buffer.concat([frames(3, 1), frames(3, 2)]));

  assert.equal(await writer.finish(), 'shard-000005.bin');
  assert.deepEqual(readFileSync(join(dir, 'shard-000005.bin')), frames(5, 3));
});

test('abort removes the unfinished shard and leaves sealed ones', async () => {
  const sub = join(dir, 'abort');
  mkdirSync(sub);
  const writer = new ShardWriter(sub, FRAME, 2 * FRAME, 1);
  await writer.append({ chunks: [frames(2, 1)], bytes: 2 * FRAME });
  await writer.append({ chunks: [frames(1, 2)], bytes: FRAME });
  await writer.abort();
  assert.deepEqual(readdirSync(sub), ['shard-000001.bin']);
});
