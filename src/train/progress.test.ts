import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatStatus } from './progress.ts';

test('the status line shows step, loss terms, throughput, lr, ETA and peak RSS', () => {
  const line = formatStatus({
    phase: 'tokenizer', step: 120, totalSteps: 3000, loss: 0.02134, terms: { reconstruction: 0.0201, vq: 1.2e-5 },
    framesPerSec: 52.06, tokensPerSec: 13327, lr: 1e-3, etaSeconds: 3725, peakRssMB: 811.6,
  });
  assert.equal(line, 'tokenizer step 120/3000 | loss 0.02134 (reconstruction 0.02010 vq 1.20e-5) | 52.1 frames/s 13.3k tokens/s | lr 1.00e-3 | eta 1h02m | peak rss 812 MB');
});

test('durations read as seconds, minutes or hours', () => {
  assert.deepEqual([formatDuration(42), formatDuration(125), formatDuration(7260), formatDuration(NaN)], ['42s', '2m05s', '2h01m', '?']);
});
