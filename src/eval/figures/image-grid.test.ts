import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { ImageFrame } from '../metrics/frame.ts';
import { randomFrame } from '../metrics/test-fixtures.ts';
import { writeImageGrid } from './image-grid.ts';
import { assertPng, temporaryFolder } from './test-output.ts';

const folder = temporaryFolder();

async function pixelAt(path: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

describe('writeImageGrid', () => {
  it('places frames scaled up with nearest neighbour at rows x columns, 4 px apart', async () => {
    const rows = [0, 1].map((r) => [0, 1, 2].map((c) => randomFrame(10 * r + c, 6, 8)));
    const path = join(folder, 'plain.png');
    const written = await writeImageGrid(path, { rows, dataRange: 255, scale: 3 });
    // 3 tiles of 24 px and 4 gaps of 4 px across; 2 tiles of 18 px and 3 gaps down.
    assert.deepEqual([written.width, written.height], [3 * 24 + 4 * 4, 2 * 18 + 3 * 4]);
    await assertPng(path, 88, 48);
    // Frame (row 1, column 2), source pixel (y 5, x 7) covers output pixels from (4 + 2 * 28 + 21, 4 + 22 + 15).
    const source = rows[1][2];
    const expected = [...source.data.subarray((5 * 8 + 7) * 3, (5 * 8 + 7) * 3 + 3)];
    for (const [dx, dy] of [[0, 0], [2, 2]]) assert.deepEqual(await pixelAt(path, 81 + dx, 41 + dy), expected);
    assert.deepEqual(await pixelAt(path, 2, 2), [255, 255, 255]); // the gap is white
  });

  it('makes room for labels and a title, and accepts [0,1] floats, grey frames and short rows', async () => {
    const grey: ImageFrame = { data: new Float32Array(16 * 16).fill(0.5), height: 16, width: 16, channels: 1 };
    const colour: ImageFrame = { data: new Float32Array(16 * 16 * 3).fill(1), height: 16, width: 16, channels: 3 };
    const path = join(folder, 'labelled.png');
    const written = await writeImageGrid(path, {
      rows: [[colour, grey], [grey]],
      dataRange: 1,
      scale: 2,
      rowLabels: ['truth', 'model'],
      columnLabels: ['t=1', 't=2'],
      title: 'Rollout',
    });
    const left = Math.ceil(5 * 8.5) + 8; // 'truth' is 5 characters
    assert.deepEqual([written.width, written.height], [left + 2 * 32 + 3 * 4, 30 + 22 + 2 * 32 + 3 * 4]);
    await assertPng(path, written.width, written.height);
    assert.deepEqual(await pixelAt(path, left + 4 + 32 + 4 + 10, 52 + 4 + 10), [128, 128, 128]); // grey frame, row 0, column 1
  });

  it('widens a narrow grid to fit its title, and outlines each frame in grey', async () => {
    const path = join(folder, 'titled.png');
    const white: ImageFrame = { data: new Uint8Array(8 * 8 * 3).fill(255), height: 8, width: 8, channels: 3 };
    const written = await writeImageGrid(path, { rows: [[white]], dataRange: 255, scale: 2, title: 'A title wider than one frame' });
    assert.deepEqual([written.width, written.height], [28 * 11 + 8, 30 + 16 + 2 * 4]);
    const [r] = await pixelAt(path, 4 + 8, 30 + 3); // just above the frame, inside the gap
    assert.ok(r > 150 && r < 230, `outline pixel is ${r}`);
  });

  it('rejects frames of different sizes and label counts that do not match', async () => {
    const a = randomFrame(1, 8, 8);
    await assert.rejects(writeImageGrid(join(folder, 'x.png'), { rows: [[a, randomFrame(2, 8, 9)]], dataRange: 255 }), /row 0, column 1 is 8x9x3; every frame must be 8x8/);
    await assert.rejects(writeImageGrid(join(folder, 'x.png'), { rows: [[a]], dataRange: 255, columnLabels: ['a', 'b'] }), /2 column labels for 1 columns/);
    await assert.rejects(writeImageGrid(join(folder, 'x.png'), { rows: [[]], dataRange: 255 }), /no frames/);
  });
});
