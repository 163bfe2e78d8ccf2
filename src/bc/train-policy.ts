// Behaviour cloning by cross-entropy: a PolicyNet learns to predict each step's label (a latent action
// from the LAM, or the real action) from the frames before it. AdamW with warmup and cosine decay,
// gradient clipping; minibatches drawn uniformly with replacement from the labelled steps, so a tiny
// labelled set (the label-only baseline with N = 25) gets as many updates as the full expert data.
import { AdamW, backward, clipGradNorm, cosineSchedule, crossEntropy, noGrad, Rng } from '../engine/index.ts';
import { historyAt, historyBatch, type FrameShape } from './history.ts';
import { argmax, type PolicyNet } from './policy-net.ts';

export interface PolicyTraining {
  steps: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  seed: number; // minibatch draws
}

// One frame sequence of an episode: frames[i] was seen before step i.
export interface FrameSequence {
  frames: readonly Uint8Array[];
}

// Step t of episode `episode`, labelled with class `label`.
export interface LabelledStep {
  episode: number;
  t: number;
  label: number;
}

export interface TrainedPolicy {
  losses: { step: number; loss: number }[]; // the minibatch loss, every LOSS_EVERY steps and at the last step
  finalLoss: number; // mean over the last tenth of the steps
}

const LOSS_EVERY = 50;
const WARMUP_FRACTION = 0.05;

export function trainPolicy(
  net: PolicyNet,
  episodes: readonly FrameSequence[],
  examples: readonly LabelledStep[],
  training: PolicyTraining,
  onLoss?: (step: number, loss: number) => void,
): TrainedPolicy {
  if (examples.length === 0) throw new Error('trainPolicy: no labelled steps to learn from');
  for (const { episode, t, label } of examples) {
    if (!(label >= 0 && label < net.classes)) throw new Error(`trainPolicy: label ${label} at episode ${episode} step ${t} is outside 0..${net.classes - 1}`);
  }
  const shape: FrameShape = net.frame;
  const rng = new Rng(training.seed);
  const optimizer = new AdamW(net.namedParameters(), { lr: training.lr, weightDecay: training.weightDecay });
  const schedule = cosineSchedule({ peakLr: training.lr, warmupSteps: Math.ceil(WARMUP_FRACTION * training.steps), totalSteps: training.steps, finalFraction: 0.1 });
  const losses: { step: number; loss: number }[] = [];
  const tail: number[] = [];
  net.train();
  for (let step = 0; step < training.steps; step++) {
    const batch = Array.from({ length: training.batchSize }, () => examples[rng.int(examples.length)]);
    const inputs = historyBatch(batch.map(({ episode, t }) => historyAt(episodes[episode].frames, t, net.config.historyFrames)), shape);
    const loss = crossEntropy(net.forward(inputs), Int32Array.from(batch, (e) => e.label));
    optimizer.zeroGrad();
    backward(loss);
    clipGradNorm(net.parameters(), 1);
    optimizer.lr = schedule(step);
    optimizer.step();
    const value = loss.item();
    if (!Number.isFinite(value)) throw new Error(`trainPolicy: the loss is ${value} at step ${step}; lower the learning rate`);
    if (step >= training.steps - Math.max(1, Math.floor(training.steps / 10))) tail.push(value);
    if (step % LOSS_EVERY === 0 || step === training.steps - 1) {
      losses.push({ step, loss: value });
      onLoss?.(step, value);
    }
  }
  net.eval();
  return { losses, finalLoss: tail.reduce((s, v) => s + v, 0) / tail.length };
}

// The share of `examples` whose label the policy's most likely class gives, read through `toReal` when
// the classes are latent actions and the labels real ones (an offline check on held-out expert steps).
export function policyAccuracy(net: PolicyNet, episodes: readonly FrameSequence[], examples: readonly LabelledStep[], toReal?: readonly number[]): number {
  if (examples.length === 0) throw new Error('policyAccuracy: no labelled steps to score');
  const batchSize = 256;
  let correct = 0;
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const logits = noGrad(() => net.forward(historyBatch(batch.map(({ episode, t }) => historyAt(episodes[episode].frames, t, net.config.historyFrames)), net.frame)));
    batch.forEach((example, b) => {
      const best = argmax(logits.data.subarray(b * net.classes, (b + 1) * net.classes));
      if ((toReal ? toReal[best] : best) === example.label) correct++;
    });
  }
  return correct / examples.length;
}
