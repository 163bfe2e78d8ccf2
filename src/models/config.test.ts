import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headDim, mlpWidth, modelConfigSchema, tokensPerFrame } from './config.ts';
import { presets } from './presets.ts';

test('every preset is a valid model config', () => {
  for (const [name, config] of Object.entries(presets)) {
    const result = modelConfigSchema.safeParse(config);
    assert.ok(result.success, `${name}: ${result.success ? '' : result.error.message}`);
    assert.equal(config.name, name);
  }
});

test('validation errors name the field', () => {
  const issuesOf = (config: unknown) => {
    const result = modelConfigSchema.safeParse(config);
    assert.ok(!result.success);
    return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const cpu = presets.cpu;
  const badHeads = { ...cpu, dynamics: { ...cpu.dynamics, transformer: { ...cpu.dynamics.transformer, heads: 3 } } };
  assert.match(issuesOf(badHeads).join('\n'), /dynamics\.transformer\.heads: width must be divisible by heads/);
  const badPatch = { ...cpu, lam: { ...cpu.lam, patch: 24 } };
  assert.match(issuesOf(badPatch).join('\n'), /lam\.patch: patch 24 does not tile video\.height 64/);
  const unknownField = { ...cpu, tokenizer: { ...cpu.tokenizer, codes: 12 } };
  assert.match(issuesOf(unknownField).join('\n'), /tokenizer: .*codes/);
  const badRate = { ...cpu, dynamics: { ...cpu.dynamics, maskRateMin: 0.9, maskRateMax: 0.5 } };
  assert.match(issuesOf(badRate).join('\n'), /dynamics\.maskRateMin: maskRateMin must be <= maskRateMax/);
});

test('derived sizes: head width, FFN width, tokens per frame', () => {
  const { cpu } = presets;
  assert.equal(headDim(cpu.tokenizer.encoder), 24); // d96 / 4 heads
  assert.equal(mlpWidth(cpu.tokenizer.encoder), 384);
  assert.equal(tokensPerFrame(cpu.video, cpu.tokenizer.patch), 256);
  assert.equal(tokensPerFrame(cpu.video, cpu.lam.patch), 16);
  assert.equal(headDim(presets['platformers-11b'].dynamics.transformer), 128); // the paper's k/q size, not 5120/36
});
