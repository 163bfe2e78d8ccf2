// npm run bench:engine: one ST block (d_model 128, 4 heads, MLP 512, 8 clips x 16 frames x 64 tokens;
// spatial then causal temporal attention; forward + backward) and a 1024^3 matmul, ours against PyTorch
// with 2 threads, in alternating rounds of one run. PyTorch runs bench/torch_worker.py on the block of
// test/fixtures/st_block.py that our STBlock is cross-checked against (test/torch-crosscheck.test.ts).
// Writes bench/results/engine.json.
//
//   npm run bench:engine -- [--rounds 10] [--iters 3] [--torch-attention sdpa|math]
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE npm run bench:engine   (where the machine sets them: both sides alike)
import { parseArgs } from 'node:util';
import { Rng, backward, matmul, mul, nativeThreadCount, noGrad, normal, parameter, sum } from '../src/engine/index.ts';
import { STBlock } from '../src/models/st-transformer.ts';
import { PythonWorker, type Side, interleave, machineInfo, median, round1, runBench, timeSteps, writeResult } from './harness.ts';
import { findTorchPython } from './torch-python.ts';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    iters: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'torch-attention': { type: 'string', default: 'sdpa' },
  },
});
const rounds = Number(options.rounds);
const iters = Number(options.iters);
const warmup = Number(options.warmup);

const SHAPE = { clips: 8, frames: 16, tokens: 64, width: 128, heads: 4, mlp: 512 };
const MATMUL_SIZE = 1024;
const TORCH_THREADS = 2;

// Our side: the models' STBlock on the engine, the same loss as the PyTorch worker: sum(block(x) * R).
const rng = new Rng(0);
const block = new STBlock({ width: SHAPE.width, heads: SHAPE.heads, mlpWidth: SHAPE.mlp }, rng);
const inputShape = [SHAPE.clips, SHAPE.frames, SHAPE.tokens, SHAPE.width];
const x = parameter(normal(rng, inputShape, 1));
const lossWeights = normal(rng, inputShape, 1);
const a = normal(rng, [MATMUL_SIZE, MATMUL_SIZE], 1);
const b = normal(rng, [MATMUL_SIZE, MATMUL_SIZE], 1);

function blockStep(): void {
  for (const p of block.parameters()) p.grad = null;
  x.grad = null;
  const loss = sum(mul(block.forward(x), lossWeights));
  backward(loss);
  loss.item();
}

const matmulStep = (): void => void noGrad(() => matmul(a, b));

async function main(): Promise<void> {
  const loadAtStart = machineInfo().load_average_1_5_15;
  const torchPython = findTorchPython();
  const worker = new PythonWorker(torchPython.python, 'bench/torch_worker.py', ['--threads', String(TORCH_THREADS), '--attention', options['torch-attention']]);
  const torchSetup = await worker.hello();
  const torchRequests = { block: { op: 'block', shape: SHAPE }, matmul: { op: 'matmul', size: MATMUL_SIZE } };
  const torchTimes = async (op: keyof typeof torchRequests, n: number) => (await worker.request({ ...torchRequests[op], iters: n })).ms as number[];

  const sides = (op: keyof typeof torchRequests, step: () => void): Side[] => [
    { name: 'ours', run: async (n) => timeSteps(step, n) },
    { name: 'torch', run: (n) => torchTimes(op, n) },
  ];

  console.log(`ours: native engine, ${nativeThreadCount()} threads; torch ${torchPython.torchVersion} (${torchPython.python}, chosen by ${torchPython.chosenBy}), ` +
    `${torchSetup.threads} threads, attention ${torchSetup.attention}`);
  console.log(`ST block forward+backward, x (${inputShape.join(', ')}), ${rounds} rounds x ${iters} iterations each side, after ${warmup} warm-up`);
  timeSteps(blockStep, warmup);
  await torchTimes('block', warmup);
  const blockTimes = await interleave(sides('block', blockStep), rounds, iters, console.log);

  console.log(`matmul ${MATMUL_SIZE}^3`);
  timeSteps(matmulStep, warmup);
  await torchTimes('matmul', warmup);
  const matmulTimes = await interleave(sides('matmul', matmulStep), rounds, iters, console.log);
  worker.close();

  const oursMs = median(blockTimes.get('ours')!);
  const torchMs = median(blockTimes.get('torch')!);
  const gflops = (ms: number) => round1((2 * MATMUL_SIZE ** 3) / (ms * 1e6));
  const result = {
    ours_ms: round1(oursMs),
    torch_ms: round1(torchMs),
    ratio: Math.round((oursMs / torchMs) * 1000) / 1000,
    matmul_gflops: gflops(median(matmulTimes.get('ours')!)),
    torch_matmul_gflops: gflops(median(matmulTimes.get('torch')!)),
    torch_version: torchPython.torchVersion,
    torch_python: torchPython.python,
    torch_python_chosen_by: torchPython.chosenBy,
    torch_threads: torchSetup.threads,
    torch_attention: torchSetup.attention,
    torch_parallel_info: torchSetup.parallel_info,
    ours_threads: nativeThreadCount(),
    block: SHAPE,
    rounds,
    iters_per_round: iters,
    warmup,
    block_ms: { ours: blockTimes.get('ours')!.map(round1), torch: blockTimes.get('torch')!.map(round1) },
    matmul_ms: { ours: matmulTimes.get('ours')!.map(round1), torch: matmulTimes.get('torch')!.map(round1) },
    load_average_at_start: loadAtStart,
    ...machineInfo(),
  };
  const path = writeResult('engine', result);
  console.log(`ST block: ours ${result.ours_ms} ms, torch ${result.torch_ms} ms, ratio ours/torch ${result.ratio} (median)`);
  console.log(`matmul ${MATMUL_SIZE}^3: ours ${result.matmul_gflops} GFLOP/s, torch ${result.torch_matmul_gflops} GFLOP/s`);
  console.log(`wrote ${path}`);
}

runBench(main);
