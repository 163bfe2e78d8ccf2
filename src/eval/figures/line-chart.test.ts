import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lineChartSpec, writeLineChart } from './line-chart.ts';
import { PNG_SCALE } from './render.ts';
import { assertPng, temporaryFolder } from './test-output.ts';

const folder = temporaryFolder();
const curve = (f: (x: number) => number, n = 20) => Array.from({ length: n }, (_, i) => ({ x: i * 10, y: f(i * 10) }));

describe('writeLineChart', () => {
  it('writes a PNG of PNG_SCALE times the chart size and an SVG with the title, axis titles and every series', async () => {
    const path = join(folder, 'loss.png');
    const written = await writeLineChart(path, {
      title: 'Training loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'train', points: curve((x) => 1 / (1 + x)) }, { name: 'validation', points: curve((x) => 1.2 / (1 + x), 5) }],
      rules: [{ y: 0.5, label: 'published: 0.5' }],
      width: 400,
      height: 300,
    });
    assert.deepEqual(written, { png: path, svg: join(folder, 'loss.svg'), width: 400 * PNG_SCALE, height: 300 * PNG_SCALE });
    await assertPng(path, 400 * PNG_SCALE, 300 * PNG_SCALE);
    const svg = readFileSync(written.svg!, 'utf8');
    for (const text of ['Training loss', 'step', 'loss', 'train', 'validation', 'published: 0.5']) assert.ok(svg.includes(`>${text}<`), `SVG lacks ${text}`);
  });

  it('leaves out points it cannot draw (NaN, Infinity; y <= 0 on a log axis) and uses 640x360 by default', async () => {
    const path = join(folder, 'psnr.png');
    const spec = lineChartSpec({
      title: 'PSNR',
      xLabel: 'frame',
      yLabel: 'dB',
      yScale: 'log',
      series: [{ name: 'model', points: [{ x: 1, y: 20 }, { x: 2, y: Infinity }, { x: 3, y: NaN }, { x: 4, y: 0 }, { x: 5, y: 18 }] }],
    });
    const layers = (spec as { layer: { data: { values: { x: number }[] } }[] }).layer;
    assert.deepEqual(layers[0].data.values.map((v) => v.x), [1, 5]);
    await writeLineChart(path, { title: 'PSNR', xLabel: 'frame', yLabel: 'dB', showPoints: true, series: [{ name: 'model', points: [{ x: 1, y: 20 }, { x: 2, y: Infinity }] }] });
    await assertPng(path, 640 * PNG_SCALE, 360 * PNG_SCALE);
  });

  it('rejects charts with no series, no drawable points or two series of one name', () => {
    const base = { title: 'T', xLabel: 'x', yLabel: 'y' };
    assert.throws(() => lineChartSpec({ ...base, series: [] }), /line chart 'T': no series/);
    assert.throws(() => lineChartSpec({ ...base, series: [{ name: 'a', points: [{ x: 0, y: NaN }] }] }), /no finite points/);
    assert.throws(() => lineChartSpec({ ...base, series: [{ name: 'a', points: [] }, { name: 'a', points: [] }] }), /two series are named 'a'/);
  });
});
