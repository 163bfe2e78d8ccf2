import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testBackends, withBackend } from './gradcheck.ts';
import { AdamW, clipGradNorm, cosineSchedule } from './optim.ts';
import { Tensor, parameter, tensor } from './tensor.ts';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

for (const kernels of testBackends) {
  test(`${kernels.name}: AdamW matches two hand-computed steps, with decay only where asked`, () => {
    withBackend(kernels, () => {
      const w = parameter(tensor([1, -2], [1, 2]));
      const b = parameter(tensor([0.5], [1]));
      const opt = new AdamW([['w', w], ['b', b]], { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 });
      const grads = [[0.2, -0.4], [0.1, 0.3]];
      const bGrads = [1, -1];
      // Hand computation in float64, following Loshchilov and Hutter with PyTorch's bias correction.
      const expectW = [1, -2], m = [0, 0], v = [0, 0];
      let expectB = 0.5, mb = 0, vb = 0;
      for (let step = 1; step <= 2; step++) {
        w.grad = tensor(grads[step - 1], [1, 2]);
        b.grad = tensor([bGrads[step - 1]], [1]);
        opt.step();
        for (let i = 0; i < 2; i++) {
          const g = grads[step - 1][i];
          m[i] = 0.9 * m[i] + 0.1 * g;
          v[i] = 0.99 * v[i] + 0.01 * g * g;
          const update = m[i] / (1 - 0.9 ** step) / (Math.sqrt(v[i] / (1 - 0.99 ** step)) + 1e-8);
          expectW[i] -= 0.1 * (0.5 * expectW[i] + update);
          close(w.data[i], expectW[i], 1e-6, `w[${i}] after step ${step}`);
        }
        mb = 0.9 * mb + 0.1 * bGrads[step - 1];
        vb = 0.99 * vb + 0.01 * bGrads[step - 1] ** 2;
        expectB -= 0.1 * (mb / (1 - 0.9 ** step) / (Math.sqrt(vb / (1 - 0.99 ** step)) + 1e-8)); // a vector: no decay
        close(b.data[0], expectB, 1e-6, `b after step ${step}`);
      }
      assert.equal(opt.stepCount, 2);
    });
  });

  test(`${kernels.name}: clipGradNorm scales all gradients together and returns the norm before clipping`, () => {
    withBackend(kernels, () => {
      const a = parameter(tensor([0, 0], [2]));
      const b = parameter(tensor([0], [1]));
      a.grad = tensor([3, 0], [2]);
      b.grad = tensor([4], [1]);
      close(clipGradNorm([a, b], 10), 5, 1e-6, 'norm below the limit');
      assert.deepEqual([...a.grad.data], [3, 0], 'untouched below the limit');
      close(clipGradNorm([a, b], 1), 5, 1e-6, 'norm');
      close(a.grad.data[0], 0.6, 1e-6, 'a scaled');
      close(b.grad!.data[0], 0.8, 1e-6, 'b scaled');
      b.grad = tensor([NaN], [1]);
      assert.ok(Number.isNaN(clipGradNorm([a, b], 1)));
    });
  });
}

test('AdamW state round-trips through its state dict and resumes identically', () => {
  const make = () => parameter(tensor([1, 2, 3], [3]));
  const run = (opt: AdamW, p: Tensor, steps: number) => {
    for (let s = 0; s < steps; s++) {
      p.grad = tensor([0.1 * s, -0.2, 0.3], [3]);
      opt.step();
    }
  };
  const straight = make();
  const optStraight = new AdamW([['p', straight]], { lr: 0.01 });
  run(optStraight, straight, 4);

  const first = make();
  const optFirst = new AdamW([['p', first]], { lr: 0.01 });
  run(optFirst, first, 2);
  const saved = optFirst.stateDict();
  const resumed = tensor([...first.data], [3]);
  parameter(resumed);
  const optResumed = new AdamW([['p', resumed]], { lr: 0.01 });
  optResumed.loadStateDict({ step: saved.step, tensors: { 'm.p': tensor([...saved.tensors['m.p'].data], [3]), 'v.p': saved.tensors['v.p'] } });
  for (let s = 2; s < 4; s++) {
    resumed.grad = tensor([0.1 * s, -0.2, 0.3], [3]);
    optResumed.step();
  }
  assert.deepEqual(resumed.data, straight.data);
  assert.throws(() => optResumed.loadStateDict({ step: 1, tensors: { 'm.p': tensor([1], [1]), 'v.q': tensor([1], [1]) } }), {
    message: 'AdamW.loadStateDict: m.p expects (3) but got (1); missing v.p; unexpected v.q',
  });
});

test('cosine schedule: linear warmup, cosine decay to the final fraction, constant after', () => {
  const lr = cosineSchedule({ peakLr: 1e-3, warmupSteps: 10, totalSteps: 110, finalFraction: 0.1 });
  close(lr(0), 1e-4, 1e-12, 'first warmup step');
  close(lr(9), 1e-3, 1e-12, 'end of warmup');
  close(lr(10), 1e-3, 1e-12, 'peak');
  close(lr(60), 1e-3 * (0.1 + 0.9 * 0.5), 1e-12, 'halfway');
  close(lr(110), 1e-4, 1e-12, 'end');
  close(lr(500), 1e-4, 1e-12, 'after the end');
  assert.throws(() => cosineSchedule({ peakLr: 1, warmupSteps: 5, totalSteps: 2, finalFraction: 0 }), /warmupSteps \(5\) <= totalSteps \(2\)/);
});
