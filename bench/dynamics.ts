// npm run bench:dynamics: one AdamW training step of the Genie-style dynamics transformer of
// bench/ref_dynamics.py (token embedding, vocab 1024; learned spatial and temporal positions; 6 ST blocks,
// d 256, 8 heads, MLP 1024; final LayerNorm; head; cross-entropy over 8 clips x 16 frames x 64 tokens),
// ours against PyTorch with 2 threads, in alternating rounds of one run. Writes bench/results/dynamics.json.
//
// Our blocks are the models' STBlock, which has QK-norm; ref_dynamics.py's blocks have none. So two
// PyTorch figures are measured in the same rounds:
//   torch      bench/torch_worker.py: ref_dynamics.py's model and step with QK-norm blocks, the same model as
//              ours (the fair comparison: `ratio`);
//   torch_ref  bench/ref_dynamics.py itself (a verbatim copy of the project's reference script), started once
//              per round, its own timing (`ratio_vs_ref`; ours does the extra QK-norm work there).
//
//   npm run bench:dynamics -- [--rounds 5] [--iters 2] [--torch-attention sdpa|math]
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE npm run bench:dynamics   (where the machine sets them: both sides alike)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AdamW, Embedding, Linear, Module, Rng, type Tensor, backward, crossEntropy, nativeThreadCount } from '../src/engine/index.ts';
import { PositionEmbedding, STTransformer } from '../src/models/st-transformer.ts';
import { PythonWorker, type Side, interleave, machineInfo, median, round1, runBench, timeSteps, writeResult } from './harness.ts';
import { repoRoot } from '../src/util/python.ts';
import { findTorchPython } from './torch-python.ts';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    iters: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    'torch-attention': { type: 'string', default: 'sdpa' },
  },
});
const rounds = Number(options.rounds);
const iters = Number(options.iters);
const warmup = Number(options.warmup);
if (!(iters >= 1 && iters <= 3)) throw new Error(`--iters must be 1, 2 or 3 (ref_dynamics.py reports min/median/max only), got ${options.iters}`);

const SHAPE = { clips: 8, frames: 16, tokens: 64, width: 256, heads: 8, layers: 6, vocab: 1024 };
const TORCH_THREADS = 2;

// ref_dynamics.py's Dynamics on our engine (the final LayerNorm is STTransformer's `norm`).
class ReferenceDynamics extends Module {
  tok: Embedding;
  positions: PositionEmbedding;
  transformer: STTransformer;
  head: Linear;

  constructor(rng: Rng) {
    super();
    const { vocab, width, heads, layers, frames, tokens } = SHAPE;
    this.tok = new Embedding(vocab, width, rng);
    this.positions = new PositionEmbedding(tokens, frames, width, rng);
    this.transformer = new STTransformer({ blocks: layers, width, heads, mlpRatio: 4 }, rng);
    this.head = new Linear(width, vocab, rng);
  }

  loss(ids: Int32Array, targets: Int32Array): Tensor {
    const x = this.positions.forward(this.tok.forward(ids, [SHAPE.clips, SHAPE.frames, SHAPE.tokens])); // (B, T, N, D)
    return crossEntropy(this.head.forward(this.transformer.forward(x)), targets); // logits (B, T, N, vocab)
  }
}

const rng = new Rng(0);
const model = new ReferenceDynamics(rng);
// torch.optim.AdamW(lr=3e-4, weight_decay=0.01) decays every parameter, so ours does too.
const optimizer = new AdamW(model.namedParameters(), { lr: 3e-4, weightDecay: 0.01, noDecay: () => false });
const tokenCount = SHAPE.clips * SHAPE.frames * SHAPE.tokens;
const randomIds = () => Int32Array.from({ length: tokenCount }, () => rng.int(SHAPE.vocab));
const ids = randomIds();
const targets = randomIds();
let oursLoss = NaN;

function trainStep(): void {
  optimizer.zeroGrad();
  const loss = model.loss(ids, targets);
  backward(loss);
  optimizer.step();
  oursLoss = loss.item();
}

interface RefReport {
  torch: string;
  sdpa: boolean;
  ms_per_step_median: number;
  ms_min: number;
  ms_max: number;
  loss: number;
  peak_rss_mb: number;
}

// One ref_dynamics.py process: its start-up, model build and warm-up steps are outside its own timing.
// It reports min, median and max of its steps, which for at most 3 steps are every step.
function runReference(python: string, sdpa: boolean, steps: number): { ms: number[]; report: RefReport } {
  const args = [join(repoRoot, 'bench', 'ref_dynamics.py'), '--threads', String(TORCH_THREADS), '--warmup', String(warmup), '--steps', String(steps)];
  if (sdpa) args.push('--sdpa');
  const out = execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const report = JSON.parse(out.trim().split('\n').pop()!) as RefReport;
  const { ms_min: min, ms_per_step_median: mid, ms_max: max } = report;
  return { ms: steps === 1 ? [mid] : steps === 2 ? [min, max] : [min, mid, max], report };
}

async function main(): Promise<void> {
  const loadAtStart = machineInfo().load_average_1_5_15;
  const torchPython = findTorchPython();
  const worker = new PythonWorker(torchPython.python, 'bench/torch_worker.py', ['--threads', String(TORCH_THREADS), '--attention', options['torch-attention']]);
  const torchSetup = await worker.hello();
  const torchTimes = async (n: number) => (await worker.request({ op: 'dynamics', shape: SHAPE, iters: n })).ms as number[];

  let lastRef: RefReport | null = null;
  const sides: Side[] = [
    { name: 'ours', run: async (n) => timeSteps(trainStep, n) },
    { name: 'torch', run: torchTimes },
    {
      name: 'torch_ref',
      run: async (n) => {
        const { ms, report } = runReference(torchPython.python, torchSetup.attention === 'sdpa', n);
        lastRef = report;
        return ms;
      },
    },
  ];

  console.log(`ours: native engine, ${nativeThreadCount()} threads, ${model.parameters().reduce((n, p) => n + p.size, 0)} parameters; ` +
    `torch ${torchPython.torchVersion} (${torchPython.python}, chosen by ${torchPython.chosenBy}), ${torchSetup.threads} threads, attention ${torchSetup.attention}`);
  console.log(`dynamics training step, ${rounds} rounds x ${iters} steps each side, after ${warmup} warm-up`);
  timeSteps(trainStep, warmup);
  await torchTimes(warmup);
  const times = await interleave(sides, rounds, iters, console.log);
  worker.close();

  const medians = Object.fromEntries([...times].map(([name, ms]) => [name, median(ms)]));
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const result = {
    ours_ms: round1(medians.ours),
    torch_ms: round1(medians.torch),
    ratio: ratio(medians.ours, medians.torch),
    torch_ref_ms: round1(medians.torch_ref),
    ratio_vs_ref: ratio(medians.ours, medians.torch_ref),
    torch_version: torchPython.torchVersion,
    torch_python: torchPython.python,
    torch_python_chosen_by: torchPython.chosenBy,
    torch_threads: torchSetup.threads,
    torch_attention: torchSetup.attention,
    ours_threads: nativeThreadCount(),
    qk_norm: { ours: true, torch: true, torch_ref: false },
    model: SHAPE,
    ours_tokens_per_s: Math.round(tokenCount / (medians.ours / 1e3)),
    ours_last_loss: Math.round(oursLoss * 1e4) / 1e4,
    torch_ref_last_report: lastRef,
    rounds,
    steps_per_round: iters,
    warmup,
    step_ms: Object.fromEntries([...times].map(([name, ms]) => [name, ms.map(round1)])),
    load_average_at_start: loadAtStart,
    ...machineInfo(),
  };
  const path = writeResult('dynamics', result);
  console.log(`dynamics step: ours ${result.ours_ms} ms, torch (same model, QK-norm) ${result.torch_ms} ms, ratio ${result.ratio}; ` +
    `ref_dynamics.py (no QK-norm) ${result.torch_ref_ms} ms, ratio ${result.ratio_vs_ref} (medians)`);
  console.log(`wrote ${path}`);
}

runBench(main);
