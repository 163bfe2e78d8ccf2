import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeHeatmap } from './heatmap.ts';
import { PNG_SCALE } from './render.ts';
import { assertPng, temporaryFolder } from './test-output.ts';

const folder = temporaryFolder();
const labels = { rowTitle: 'latent action', columnTitle: 'true action' };

describe('writeHeatmap', () => {
  it('writes a PNG sized by the cells plus margins, with every count written in its cell', async () => {
    const path = join(folder, 'cooccurrence.png');
    const matrix = [[1234, 0], [5, 77], [0, 9]];
    const written = await writeHeatmap(path, { ...labels, title: 'Co-occurrence', matrix, rowLabels: ['z0', 'z1', 'z2'], columnLabels: ['LEFT', 'UP'] });
    // (2 columns x 44 + 180) by (3 rows x 44 + 110) SVG pixels
    await assertPng(path, (2 * 44 + 180) * PNG_SCALE, (3 * 44 + 110) * PNG_SCALE);
    assert.equal(written.height, (3 * 44 + 110) * PNG_SCALE);
    const svg = readFileSync(written.svg!, 'utf8');
    for (const text of ['1,234', '77', '9', 'z2', 'LEFT', 'latent action', 'true action', 'Co-occurrence']) assert.ok(svg.includes(`>${text}<`), `SVG lacks ${text}`);
  });

  it('formats fractions with two decimals and grows to fit slanted long column labels', async () => {
    const path = join(folder, 'fractions.png');
    const written = await writeHeatmap(path, { ...labels, title: 'Fractions', matrix: [[0.25, 0.75]], rowLabels: ['z0'], columnLabels: ['RIGHT+DOWN', 'NOOP'] });
    assert.ok(readFileSync(written.svg!, 'utf8').includes('>0.25<'));
    assert.ok(written.height > (44 + 110) * PNG_SCALE, `height ${written.height} leaves no room for slanted labels`);
    await assertPng(path, written.width, written.height);
  });

  it('rejects labels that do not match the matrix and non-finite values', async () => {
    const base = { ...labels, title: 'H' };
    await assert.rejects(writeHeatmap(join(folder, 'x.png'), { ...base, matrix: [[1, 2]], rowLabels: ['a', 'b'], columnLabels: ['x', 'y'] }), /2 row labels for 1 rows/);
    await assert.rejects(writeHeatmap(join(folder, 'x.png'), { ...base, matrix: [[1, 2]], rowLabels: ['a'], columnLabels: ['x'] }), /row 0 has 2 values for 1 column labels/);
    await assert.rejects(writeHeatmap(join(folder, 'x.png'), { ...base, matrix: [[NaN]], rowLabels: ['a'], columnLabels: ['x'] }), /non-finite/);
  });
});
