// The LAM + dynamics phase's validation on a moving-block batch: the latent-action gain (inferred actions
// against random ones and another clip's) is reported, with a warning while the actions carry nothing, and none once the LAM
// has learned the moves.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { Rng } from '../engine/index.ts';
import type { ClipBatch } from '../data/index.ts';
import { tempDir } from '../data/testing.ts';
import { fit, movingBlock } from '../models/testing.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { dynamicsPhase, otherClipsCodes } from './phase-dynamics.ts';
import { resolveRunConfig } from './run-config.ts';

const samples = tempDir('phase-dynamics');
after(() => rmSync(samples, { recursive: true, force: true }));

test('validation reports the LAM decoder with inferred and random actions, and warns while they differ by nothing', async () => {
  const config = resolveRunConfig('tiny');
  const phase = dynamicsPhase(config, new VideoTokenizer(config.model, new Rng(0)));
  const clip = movingBlock(8, 4, 11); // (8, 4, 16, 16, 3) in [0, 1]
  const batch: ClipBatch = { index: 0, frames: Uint8Array.from(clip.data, (v) => Math.round(v * 255)), shape: [8, 4, 16, 16, 3], windows: [] };
  const carryLittle = (warnings: string[]) => warnings.some((w) => w.startsWith('LATENT ACTIONS CARRY LITTLE'));

  const fresh = await phase.validate(batch, 0, samples);
  const freshGain = fresh.metrics.lamPsnr - fresh.metrics.lamRandomActionPsnr;
  assert.ok(Math.abs(freshGain) < 0.05, `an untrained LAM gains ${freshGain} dB from its actions`);
  assert.ok(carryLittle(fresh.warnings), `warnings: ${fresh.warnings.join('; ')}`);

  fit(phase.lam, () => phase.lam.forward(clip).loss, 300, 3e-3, phase.lam.quantizer);
  const trained = await phase.validate(batch, 1, samples);
  const gain = trained.metrics.lamPsnr - trained.metrics.lamRandomActionPsnr;
  assert.ok(gain > 1, `a LAM fitted to the moves gains only ${gain} dB from its actions`);
  const overOtherClips = trained.metrics.lamPsnr - trained.metrics.lamOtherClipActionPsnr;
  assert.ok(overOtherClips > 1, `and only ${overOtherClips} dB over the other clips' actions`);
  assert.ok(!carryLittle(trained.warnings), `warnings: ${trained.warnings.join('; ')}`);
});

test("otherClipsCodes gives each clip the next clip's codes, the last clip the first's", () => {
  assert.deepEqual(Array.from(otherClipsCodes(Int32Array.from([1, 2, 3, 4, 5, 6]), 3)), [3, 4, 5, 6, 1, 2]);
  assert.deepEqual(Array.from(otherClipsCodes(Int32Array.from([7, 8]), 1)), [7, 8]);
});
