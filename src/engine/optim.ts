// AdamW (Loshchilov and Hutter: weight decay decoupled from the adaptive step) through the fused adamw
// kernel, global-norm gradient clipping, and the warmup + cosine learning-rate schedule.
import { backend } from './backend.ts';
import { formatShape, sameShape } from './shape.ts';
import { Tensor, zeros } from './tensor.ts';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  // Parameters for which this returns true get no weight decay. Default: tensors with fewer than two
  // axes (biases and norm gains), as in nanoGPT; pass your own to exempt embeddings as well.
  noDecay?: (name: string, parameter: Tensor) => boolean;
}

export const vectorsOnly = (_name: string, parameter: Tensor): boolean => parameter.shape.length < 2;

interface Slot {
  name: string;
  parameter: Tensor;
  m: Tensor;
  v: Tensor;
  decay: boolean;
}

export interface OptimizerState {
  step: number;
  // `m.<parameter name>` and `v.<parameter name>`: Adam's first and second moments.
  tensors: Record<string, Tensor>;
}

export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  // Steps taken so far; the bias corrections use it.
  stepCount = 0;
  private readonly slots: Slot[];

  // namedParameters: a module's namedParameters() (names key the saved state and the noDecay choice).
  constructor(namedParameters: [string, Tensor][], options: AdamWOptions) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const noDecay = options.noDecay ?? vectorsOnly;
    this.slots = namedParameters.map(([name, parameter]) => ({
      name, parameter, m: zeros(parameter.shape), v: zeros(parameter.shape), decay: !noDecay(name, parameter),
    }));
  }

  // One update of every parameter that has a gradient (others keep their values and moments).
  step(): void {
    this.stepCount++;
    for (const { parameter, m, v, decay } of this.slots) {
      if (!parameter.grad) continue;
      backend().adamw(parameter.data, parameter.grad.data, m.data, v.data, this.lr, this.beta1, this.beta2, this.eps, decay ? this.weightDecay : 0, this.stepCount);
      parameter.markModified();
    }
  }

  zeroGrad(): void {
    for (const { parameter } of this.slots) parameter.grad = null;
  }

  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    for (const { name, m, v } of this.slots) {
      tensors[`m.${name}`] = m;
      tensors[`v.${name}`] = v;
    }
    return { step: this.stepCount, tensors };
  }

  loadStateDict(state: OptimizerState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`AdamW.loadStateDict: step must be a non-negative integer, got ${state.step}`);
    const expected = new Map(this.slots.flatMap((s): [string, Tensor][] => [[`m.${s.name}`, s.m], [`v.${s.name}`, s.v]]));
    const problems: string[] = [];
    for (const [key, target] of expected) {
      const source = state.tensors[key];
      if (!source) problems.push(`missing ${key}`);
      else if (!sameShape(source.shape, target.shape)) problems.push(`${key} expects ${formatShape(target.shape)} but got ${formatShape(source.shape)}`);
    }
    for (const key of Object.keys(state.tensors)) if (!expected.has(key)) problems.push(`unexpected ${key}`);
    if (problems.length) throw new Error(`AdamW.loadStateDict: ${problems.join('; ')}`);
    for (const [key, target] of expected) target.data.set(state.tensors[key].data);
    this.stepCount = state.step;
  }
}

// Scales all gradients together so their global L2 norm is at most maxNorm (as PyTorch's
// clip_grad_norm_); returns the norm before clipping, which is NaN or Infinity when a gradient is.
export function clipGradNorm(parameters: Tensor[], maxNorm: number): number {
  const kernels = backend();
  let squares = 0;
  for (const p of parameters) if (p.grad) squares += kernels.sumSquares(p.grad.data);
  const norm = Math.sqrt(squares);
  const scale = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && scale < 1) {
    for (const p of parameters) if (p.grad) kernels.axpby(scale, p.grad.data, 0, p.grad.data);
  }
  return norm;
}

export interface CosineScheduleOptions {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  // The learning rate at totalSteps, as a fraction of peakLr.
  finalFraction: number;
}

// Learning rate for step s (0-based): linear warmup peakLr * (s + 1) / warmupSteps, then a half cosine
// from peakLr down to finalFraction * peakLr at totalSteps, constant after.
export function cosineSchedule(options: CosineScheduleOptions): (step: number) => number {
  const { peakLr, warmupSteps, totalSteps, finalFraction } = options;
  if (!(warmupSteps >= 0 && totalSteps >= warmupSteps)) throw new Error(`cosineSchedule: need 0 <= warmupSteps (${warmupSteps}) <= totalSteps (${totalSteps})`);
  if (!(finalFraction >= 0 && finalFraction <= 1)) throw new Error(`cosineSchedule: finalFraction must be in [0, 1], got ${finalFraction}`);
  return (step) => {
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return peakLr * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}
