import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { applyOverride, mergeConfig, parseOverride, validateConfig } from './overrides.ts';

const schema = z.object({ name: z.string(), train: z.object({ lr: z.number().positive(), steps: z.number().int() }) });
const base = { name: 'run', train: { lr: 1e-3, steps: 100 } };

test('--set parses JSON values and sets dotted paths without touching the original', () => {
  const config = applyOverride(applyOverride(base, parseOverride('train.lr=3e-4')), parseOverride('name=my-run'));
  assert.deepEqual(config, { name: 'my-run', train: { lr: 3e-4, steps: 100 } });
  assert.equal(base.train.lr, 1e-3);
});

test('--set names the unknown field and the fields that exist', () => {
  assert.throws(() => applyOverride(base, parseOverride('train.lrr=1')), /no field "lrr" in train \(fields: lr, steps\)/);
  assert.throws(() => applyOverride(base, parseOverride('name.first=1')), /"name" is a value/);
  assert.throws(() => parseOverride('train.lr'), /expected key=value/);
});

test('with a schema, optional fields the config leaves out can be set and merged; others still fail', () => {
  const withOptional = z.object({
    name: z.string(),
    train: z.object({ lr: z.number(), steps: z.number(), warmup: z.number().optional(), clip: z.object({ norm: z.number() }).optional() }),
  });
  assert.deepEqual(applyOverride(base, parseOverride('train.warmup=10'), withOptional), { name: 'run', train: { lr: 1e-3, steps: 100, warmup: 10 } });
  assert.deepEqual(applyOverride(base, parseOverride('train.clip.norm=1'), withOptional), { name: 'run', train: { lr: 1e-3, steps: 100, clip: { norm: 1 } } });
  assert.throws(() => applyOverride(base, parseOverride('train.warmup=10')), /no field "warmup" in train \(fields: lr, steps\)/);
  assert.throws(() => applyOverride(base, parseOverride('train.lrr=1'), withOptional), /no field "lrr" in train \(fields: lr, steps, warmup, clip\)/);
  assert.deepEqual(mergeConfig(base, { train: { clip: { norm: 2 } } }, 'f.json', withOptional), { name: 'run', train: { lr: 1e-3, steps: 100, clip: { norm: 2 } } });
  assert.throws(() => mergeConfig(base, { train: { clip: {} } }, 'f.json'), /f\.json: no field "clip" in train/);
});

test('schema errors name the field', () => {
  const bad = applyOverride(base, parseOverride('train.steps=2.5'));
  assert.throws(() => validateConfig(schema, bad, 'config'), /field train\.steps:/);
  assert.deepEqual(validateConfig(schema, base, 'config'), base);
});

test('a config file merges deeply and rejects unknown keys', () => {
  assert.deepEqual(mergeConfig(base, { train: { steps: 5 } }, 'f.json'), { name: 'run', train: { lr: 1e-3, steps: 5 } });
  assert.throws(() => mergeConfig(base, { trian: {} }, 'f.json'), /f\.json: no field "trian"/);
});
