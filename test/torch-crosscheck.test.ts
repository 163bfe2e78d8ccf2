// Our ST block and cosine VQ against PyTorch. The fixtures (written by test/fixtures/make_fixtures.py)
// hold PyTorch's forward values and the gradients of a fixed scalar loss, computed in float64 from the
// same float32 inputs. We load the weights by parameter name, run forward and backward on every backend
// that loads, and require every tensor to match within 1e-4 relative error in the L2 (Frobenius) norm:
// ||ours - torch||_2 <= 1e-4 * ||torch||_2, tensor by tensor.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng, type Tensor, add, backward, mul, parameter, readSafetensors, readTensors, sum, tensor } from '../src/engine/index.ts';
import { testBackends, withBackend } from '../src/engine/gradcheck.ts';
import { STBlock } from '../src/models/st-transformer.ts';
import { cosineQuantize } from '../src/models/vq.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const RELATIVE_TOLERANCE = 1e-4;

function relativeError(ours: ArrayLike<number>, torch: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < torch.length; i++) {
    diff += (ours[i] - torch[i]) ** 2;
    norm += torch[i] ** 2;
  }
  return Math.sqrt(diff) / Math.sqrt(norm);
}

function assertClose(what: string, ours: Tensor | null, torch: Tensor): void {
  assert.ok(ours, `${what}: no value on our side (did no gradient reach it?)`);
  assert.deepEqual(ours.shape, torch.shape, `${what}: shape`);
  const error = relativeError(ours.data, torch.data);
  assert.ok(error <= RELATIVE_TOLERANCE, `${what}: relative L2 error ${error.toExponential(2)} > ${RELATIVE_TOLERANCE}`);
}

// The key-norm biases get no gradient in exact arithmetic: a bias shifts every key of a head by the same
// vector, which moves all scores of a query equally, and softmax ignores that. PyTorch's float64 value is
// rounding (~1e-15), ours float32 rounding, so a relative error means nothing there; we require ours to be
// within 1e-4 of the scale of the matching norm weight's gradient instead.
function assertNearZero(what: string, ours: Tensor | null, torch: Tensor, scale: Tensor): void {
  assert.ok(ours, `${what}: no value on our side`);
  const norm = (t: Tensor) => Math.hypot(...t.data);
  assert.ok(norm(torch) < 1e-10 * norm(scale), `${what}: PyTorch's value is not zero; the fixture changed`);
  assert.ok(norm(ours) <= RELATIVE_TOLERANCE * norm(scale), `${what}: norm ${norm(ours).toExponential(2)} should be ~0 (scale ${norm(scale).toExponential(2)})`);
}

// A fresh leaf that requires gradients, so the fixture's own tensor is never written to.
const leaf = (t: Tensor): Tensor => parameter(tensor(t.data.slice(), t.shape));

const blockWeights = readTensors(join(FIXTURES, 'st-block.weights.safetensors'));
const blockIo = readTensors(join(FIXTURES, 'st-block.io.safetensors')).tensors;
const vq = readSafetensors(join(FIXTURES, 'vq.safetensors'));

// Every float tensor of the VQ fixture as a Tensor; the int32 indices stay an Int32Array.
function vqTensor(name: string): Tensor {
  const array = vq.arrays[name];
  assert.equal(array?.dtype, 'F32', `vq fixture: ${name}`);
  return tensor(array.data as Float32Array, array.shape);
}

for (const kernels of testBackends) {
  test(`ST block matches PyTorch: output, loss and the gradient of the input and every parameter (${kernels.name})`, () => {
    withBackend(kernels, () => {
      const { D, H, M } = blockWeights.metadata;
      const block = new STBlock({ width: Number(D), heads: Number(H), mlpWidth: Number(M) }, new Rng(1));
      block.loadStateDict(blockWeights.tensors);
      const x = leaf(blockIo.x);
      const y = block.forward(x);
      const loss = sum(mul(y, blockIo.loss_weights));
      assertClose('y', y, blockIo.y);
      assertClose('loss', loss, blockIo.loss);

      backward(loss);
      assertClose('grad.x', x.grad, blockIo['grad.x']);
      const parameters = block.namedParameters();
      assert.deepEqual(parameters.map(([name]) => name).sort(), Object.keys(blockWeights.tensors).sort(), 'parameter names');
      for (const [name, p] of parameters) {
        const torchGrad = blockIo[`grad.${name}`];
        if (name.endsWith('k_norm.bias')) assertNearZero(`grad.${name}`, p.grad, torchGrad, blockIo[`grad.${name.replace(/bias$/, 'weight')}`]);
        else assertClose(`grad.${name}`, p.grad, torchGrad);
      }
    });
  });

  test(`cosine VQ matches PyTorch: indices, output, losses, gradients of z and codebook (${kernels.name})`, () => {
    withBackend(kernels, () => {
      const z = leaf(vqTensor('z'));
      const codebook = leaf(vqTensor('codebook'));
      const out = cosineQuantize(z, codebook, 0.25);
      assert.deepEqual([...out.indices], [...(vq.arrays.indices.data as Int32Array)], 'indices');
      assertClose('output', out.output, vqTensor('output'));
      assertClose('codebook_loss', out.codebookLoss, vqTensor('codebook_loss'));
      assertClose('commitment_loss', out.commitmentLoss, vqTensor('commitment_loss'));
      assertClose('loss', out.loss, vqTensor('loss'));

      backward(add(out.loss, sum(mul(out.output, vqTensor('loss_weights')))));
      assertClose('grad.z', z.grad, vqTensor('grad.z'));
      assertClose('grad.codebook', codebook.grad, vqTensor('grad.codebook'));
    });
  });
}
