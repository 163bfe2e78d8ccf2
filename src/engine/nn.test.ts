import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Embedding, LayerNorm, Linear, Module, RMSNorm, buffer, truncatedNormal } from './nn.ts';
import { Rng } from './random.ts';
import { Tensor, zeros } from './tensor.ts';

class Block extends Module {
  norm = new LayerNorm(4);
  proj: Linear;
  constructor(rng: Rng) {
    super();
    this.proj = new Linear(4, 3, rng);
  }
}

class Net extends Module {
  embed: Embedding;
  blocks: Block[];
  head: Linear;
  usage = buffer(zeros([5]));
  scratch = zeros([2]); // a plain tensor property: neither parameter nor buffer
  constructor(rng: Rng) {
    super();
    this.embed = new Embedding(5, 4, rng);
    this.blocks = [new Block(rng), new Block(rng)];
    this.head = new Linear(4, 2, rng, { bias: false, std: 0.02 });
  }
}

test('parameters are named by their property path, buffers are saved but not trained', () => {
  const net = new Net(new Rng(1));
  assert.deepEqual(net.namedParameters().map(([name]) => name), [
    'embed.weight',
    'blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.proj.weight', 'blocks.0.proj.bias',
    'blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.1.proj.weight', 'blocks.1.proj.bias',
    'head.weight',
  ]);
  assert.deepEqual(Object.keys(net.stateDict()).slice(-1), ['usage']);
  assert.equal(net.parameters().length, 10);
  assert.deepEqual(net.blocks[0].proj.weight.shape, [3, 4], 'PyTorch (out, in) layout');
});

test('initialisation is reproducible from the seed and follows the documented ranges', () => {
  const a = new Net(new Rng(7));
  const b = new Net(new Rng(7));
  const c = new Net(new Rng(8));
  assert.deepEqual(a.head.weight.data, b.head.weight.data);
  assert.notDeepEqual(a.head.weight.data, c.head.weight.data);
  const bound = 1 / Math.sqrt(4);
  assert.ok(a.blocks[0].proj.weight.data.every((w) => Math.abs(w) <= bound));
  const big = truncatedNormal(new Rng(3), [20000], 0.5);
  assert.ok(big.data.every((w) => Math.abs(w) <= 1.0000001), 'truncated at 2 std');
  const variance = big.data.reduce((s, w) => s + w * w, 0) / big.size;
  // A normal truncated at +-2 std keeps 77.4% of its variance.
  assert.ok(Math.abs(Math.sqrt(variance) - 0.5 * Math.sqrt(0.774)) < 0.01, `std ${Math.sqrt(variance)}`);
});

test('loadStateDict copies values in place and reports missing, unexpected and mismatched keys together', () => {
  const source = new Net(new Rng(1));
  const target = new Net(new Rng(2));
  const weight = target.head.weight;
  target.loadStateDict(source.stateDict());
  assert.equal(target.head.weight, weight, 'same tensor object, new values');
  assert.deepEqual(target.head.weight.data, source.head.weight.data);

  const broken: Record<string, Tensor> = { ...source.stateDict(), extra: zeros([1]), 'head.weight': zeros([4, 2]) };
  delete broken['embed.weight'];
  assert.throws(() => target.loadStateDict(broken), {
    message: 'loadStateDict (Net): missing keys: embed.weight; unexpected keys: extra; shape mismatches: head.weight expects (2, 4) but got (4, 2)',
  });
});

test('train and eval set the mode on every submodule', () => {
  const net = new Net(new Rng(1)).eval();
  assert.equal(net.blocks[1].norm.training, false);
  net.train();
  assert.equal(net.blocks[1].proj.training, true);
});

test('norm modules without affine parameters have none', () => {
  assert.equal(new LayerNorm(4, 1e-5, { affine: false }).parameters().length, 0);
  assert.equal(new RMSNorm(4, 1e-6, { affine: false }).parameters().length, 0);
  assert.equal(new LayerNorm(4, 1e-5, { bias: false }).parameters().length, 1);
});
