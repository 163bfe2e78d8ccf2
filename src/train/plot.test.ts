import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../data/testing.ts';
import { MetricsLog } from './metrics-log.ts';
import { plotRun } from './plot.ts';

const dir = tempDir('plot');
after(() => rmSync(dir, { recursive: true, force: true }));

test('runs plot draws loss, lr, PSNR and codebook usage per phase and links them from index.html', async () => {
  const log = new MetricsLog(join(dir, 'metrics.jsonl'));
  const time = new Date(0).toISOString();
  for (let step = 1; step <= 6; step++) {
    const common = { time, step, lr: 1e-3 / step, gradNorm: 1, framesPerSec: 10, tokensPerSec: 100, rssMB: 200 };
    log.append({ kind: 'train', phase: 'tokenizer', loss: 1 / step, terms: { reconstruction: 0.8 / step, vq: 0.2 / step }, stats: {}, ...common });
    log.append({ kind: 'train', phase: 'dynamics', loss: 5 - step / 2, terms: { dynamics: 4, lamEntropy: -0.01 }, stats: {}, ...common });
  }
  log.append({ kind: 'val', phase: 'tokenizer', step: 6, time, metrics: { psnr: 20, ssim: 0.5, codesUsed: 40, codebookPerplexity: 30 } });
  log.append({ kind: 'val', phase: 'dynamics', step: 6, time, metrics: { rolloutPsnr: 15, copyPsnr: 18, actionsUsed: 1, actionPerplexity: 1, maskedAccuracy: 0.1 } });
  const { page, charts } = await plotRun(dir);
  const names = charts.map((c) => c.split('/').pop()).sort();
  assert.deepEqual(names, [
    'dynamics-action-usage.png', 'dynamics-loss.png', 'dynamics-lr.png', 'dynamics-masked-accuracy.png', 'dynamics-rollout-psnr.png',
    'tokenizer-codebook.png', 'tokenizer-loss.png', 'tokenizer-lr.png', 'tokenizer-psnr.png',
  ]);
  charts.forEach((c) => assert.ok(existsSync(c)));
  const html = readFileSync(page, 'utf8');
  for (const name of names) assert.ok(html.includes(`src="${name}"`), `${name} is on the page`);
});

test('runs plot on a directory without metrics says so', async () => {
  await assert.rejects(plotRun(join(dir, 'missing')), /no metrics to plot/);
});
