import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, type Module } from '../engine/index.ts';
import { headDim } from './config.ts';
import { DynamicsModel } from './dynamics.ts';
import { LatentActionModel } from './lam.ts';
import { generationFlops, modelSize, stTransformerParameters } from './model-size.ts';
import { presets } from './presets.ts';
import { tinyReadingNext, tinyWithMotion } from './testing.ts';
import { VideoTokenizer } from './tokenizer.ts';

const within = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (> ${tolerance * 100}% off)`);

test('platformers-11b matches the paper: 10.1B dynamics, ~200M tokenizer, ~300M action model, 10.7B total', () => {
  const size = modelSize(presets['platformers-11b']);
  within(size.total, 10.7e9, 0.03, 'total');
  within(size.dynamics.total, 10.1e9, 0.03, 'dynamics');
  within(size.tokenizer.total, 200e6, 0.05, 'tokenizer');
  // "300M" is a round figure in the paper; the rule that gives the other figures lands 20% above it.
  assert.ok(size.lam.total >= 300e6 && size.lam.total <= 1.25 * 300e6, `lam ${size.lam.total}`);
});

test('the layers-to-blocks rule reproduces the scaling study (paper Table 10) within 6%', () => {
  // [parameters, num_layers, num_heads, d_model, k/q size]
  const table10 = [
    [41e6, 18, 8, 512, 64],
    [96e6, 16, 16, 768, 64],
    [192e6, 20, 18, 1024, 64],
    [404e6, 21, 12, 1536, 128],
    [811e6, 20, 20, 2048, 128],
    [1.6e9, 28, 22, 2560, 128],
    [2.7e9, 36, 22, 3072, 128],
  ];
  const dynamics = presets['platformers-11b'];
  for (const [params, layers, heads, width, kq] of table10) {
    const transformer = { blocks: layers / 2, width, heads, headDim: kq, mlpRatio: 4.5 };
    const size = modelSize({ ...dynamics, dynamics: { ...dynamics.dynamics, transformer } });
    within(size.dynamics.total, params, 0.06, `${params / 1e6}M model`);
  }
});

test('coinrun-paper follows the case study tables (App. F, Tables 15-17)', () => {
  const config = presets['coinrun-paper'];
  const paperLayers = (s: { blocks: number }) => 2 * s.blocks;
  for (const stack of [config.tokenizer.encoder, config.tokenizer.decoder, config.lam.encoder, config.lam.decoder]) {
    assert.deepEqual([paperLayers(stack), stack.width, stack.heads], [8, 512, 8]);
  }
  const { transformer } = config.dynamics;
  assert.deepEqual([paperLayers(transformer), transformer.width, transformer.heads], [12, 512, 8]);
  assert.deepEqual([config.tokenizer.quantizer.codes, config.tokenizer.quantizer.latentDim, config.tokenizer.patch], [1024, 32, 4]);
  assert.deepEqual([config.lam.quantizer.codes, config.lam.quantizer.latentDim], [6, 32]);
  assert.deepEqual([config.dynamics.temperature, config.dynamics.maskgitSteps], [1, 25]);
});

test('platformers-11b follows the paper tables (5, 7, 12)', () => {
  const config = presets['platformers-11b'];
  const t = config.dynamics.transformer;
  assert.deepEqual([2 * t.blocks, t.heads, t.width, headDim(t)], [48, 36, 5120, 128]);
  const { encoder, decoder } = config.tokenizer;
  assert.deepEqual([2 * encoder.blocks, encoder.width, encoder.heads, headDim(encoder)], [12, 512, 8, 64]);
  assert.deepEqual([2 * decoder.blocks, decoder.width, decoder.heads, headDim(decoder)], [20, 1024, 16, 64]);
  assert.deepEqual([2 * config.lam.encoder.blocks, config.lam.encoder.width, config.lam.quantizer.codes, config.lam.patch], [20, 1024, 8, 16]);
});

test('a literal reading (num_layers = ST blocks) would double the paper sizes: why the rule exists', () => {
  const t = presets['platformers-11b'].dynamics.transformer;
  const literal = stTransformerParameters({ ...t, blocks: 2 * t.blocks });
  assert.ok(literal > 1.8 * 10.1e9, `${literal}`);
});

test('generation cost: MaskGIT passes scale with the step count; the window slide is paid once per frame', () => {
  const cpu = presets.cpu;
  const at = (steps: number) => generationFlops({ ...cpu, dynamics: { ...cpu.dynamics, maskgitSteps: steps } });
  assert.equal(at(10).maskgit * 2.5, at(25).maskgit);
  assert.equal(at(10).cacheUpdate, at(25).cacheUpdate);
  assert.equal(at(10).windowSlide, at(25).windowSlide);
  assert.ok(at(25).total > at(25).maskgit);
  // Sliding by one frame recomputes 15 frames every frame; by half the window (default), 8 every 8 frames.
  const slideBy = (windowSlide: number) => generationFlops({ ...cpu, dynamics: { ...cpu.dynamics, windowSlide } }).windowSlide;
  assert.equal(slideBy(8), at(25).windowSlide);
  assert.ok(slideBy(1) > 10 * slideBy(8), `${slideBy(1)} vs ${slideBy(8)}`);
});

test('the arithmetic counts exactly the parameters of constructed models (tiny, tiny with motion features, reading frame t+1 alone, cpu)', () => {
  for (const config of [presets.tiny, tinyWithMotion, tinyReadingNext, presets.cpu]) {
    const size = modelSize(config);
    const count = (model: Module) => model.parameters().reduce((total, p) => total + p.size, 0);
    assert.equal(count(new VideoTokenizer(config, new Rng(0))), size.tokenizer.total, `${config.name} tokenizer`);
    assert.equal(count(new LatentActionModel(config, new Rng(0))), size.lam.total, `${config.name} latent action model`);
    assert.equal(count(new DynamicsModel(config, new Rng(0))), size.dynamics.total, `${config.name} dynamics`);
  }
});
