// What a training phase contributes to the shared loop (loop.ts): its models, its loss on a batch of clips,
// what to do after each step, and how to validate. The tokenizer phase and the joint LAM + dynamics phase
// are the two implementations (phase-tokenizer.ts, phase-dynamics.ts).
import type { Module, Rng, Tensor } from '../engine/index.ts';
import type { ClipBatch } from '../data/index.ts';
import type { PhaseName } from './run-config.ts';

export interface StepLoss {
  loss: Tensor; // the scalar that is differentiated: the weighted sum of the terms
  terms: Record<string, Tensor>; // each term by name, as logged (reconstruction, codebook, commitment, ...)
  stats: Record<string, number>; // other per-step numbers worth a curve (codes used, masked-token accuracy)
  frames: number; // frames this step learned from (throughput)
  tokens: number; // tokens the models processed
}

export interface Validation {
  metrics: Record<string, number>;
  warnings: string[]; // printed loudly and logged as events (e.g. codebook collapse)
  samples: string[]; // image files written
}

export interface Phase {
  readonly name: PhaseName;
  // Components the optimiser updates, by checkpoint name (tokenizer; lam and dynamics).
  readonly trained: Record<string, Module>;
  // Components saved in the checkpoint but not updated (the tokenizer, in the dynamics phase).
  readonly frozen: Record<string, Module>;
  // Every generator the phase draws from during training (mask rates, dead-code resets), saved in
  // checkpoints so a resumed run draws the same numbers.
  readonly rngs: Record<string, Rng>;
  // The validation metric that picks the best checkpoint.
  readonly bestMetric: { name: string; higherIsBetter: boolean };

  loss(batch: ClipBatch): StepLoss;
  // Called after each optimiser step with the number of steps done (dead-code resets, for example).
  afterStep(step: number): void;
  // Scores held-out clips (the same clips every time) and writes sample images into samplesDir.
  validate(clips: ClipBatch, step: number, samplesDir: string): Promise<Validation>;
}
