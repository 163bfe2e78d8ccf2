import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MetricsLog } from './metrics-log.ts';

test('truncateAfterStep drops later steps of that phase and a torn last line', () => {
  const log = new MetricsLog(join(mkdtempSync(join(tmpdir(), 'genie-metrics-')), 'metrics.jsonl'));
  const time = new Date(0).toISOString();
  log.append({ kind: 'event', phase: 'tokenizer', step: 9, time, event: 'done', message: '' });
  for (let step = 1; step <= 5; step++) log.append({ kind: 'val', phase: 'dynamics', step, time, metrics: { psnr: step } });
  appendFileSync(log.path, '{"kind":"val","phase":"dyn'); // killed mid-write
  assert.equal(log.read().length, 6);
  log.truncateAfterStep('dynamics', 3);
  assert.deepEqual(log.read().map((r) => `${r.phase}:${r.step}`), ['tokenizer:9', 'dynamics:1', 'dynamics:2', 'dynamics:3']);
  log.append({ kind: 'val', phase: 'dynamics', step: 4, time, metrics: { psnr: 4 } });
  assert.equal(log.read().length, 5);
});
