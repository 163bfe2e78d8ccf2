// The one training loop both phases share. A phase (phase.ts) contributes its models, its loss and its
// validation; the loop owns everything else: data, optimiser and schedule, clipping, the NaN guard,
// logging, validation cadence, checkpoints, resume and stopping on a signal.
//
// Exact resume: a checkpoint after step s holds the weights and buffers, AdamW's moments and step count,
// every generator's state and the sampler's next batch index. The sampler's batch k depends only on
// (seed, k), validation draws from its own generator, and metrics.jsonl is cut back to step s, so a
// resumed run writes the same losses, step for step, as one that never stopped.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, backend, backward, clipGradNorm, cosineSchedule, type Tensor } from '../engine/index.ts';
import { ClipSampler, type ClipBatch } from '../data/index.ts';
import { CheckpointFiles, tensorsUnder, withPrefix, type Checkpoint, type TrainerState } from './checkpoint.ts';
import { MetricsLog } from './metrics-log.ts';
import type { Phase } from './phase.ts';
import { formatDuration, type ProgressReporter } from './progress.ts';
import type { PhaseTrainingConfig, RunConfig } from './run-config.ts';
import type { StopSignal } from './stop-signal.ts';

export interface TrainPhaseOptions {
  runDir: string;
  dataDir: string;
  config: RunConfig;
  phase: Phase;
  resume: Checkpoint | null; // a checkpoint of this phase to continue from
  progress: ProgressReporter;
  stop: StopSignal;
}

export interface PhaseOutcome {
  status: 'completed' | 'interrupted' | 'diverged';
  step: number;
  checkpoint: string | null; // the latest good checkpoint
  message: string;
}

export async function trainPhase(options: TrainPhaseOptions): Promise<PhaseOutcome> {
  const { runDir, config, phase, progress, stop } = options;
  // Test hook, documented in `genie train --help`: the loss of this step reads as NaN, to exercise the guard.
  const injectNanAtStep = Number(process.env.GENIE_INJECT_NAN_AT_STEP ?? NaN);
  const settings = config.train[phase.name];
  const files = new CheckpointFiles(runDir, phase.name, config.train.checkpoint.keepLast);
  const metrics = new MetricsLog(join(runDir, 'metrics.jsonl'));
  const samplesDir = join(runDir, 'samples');
  mkdirSync(samplesDir, { recursive: true });

  const { optimizer, parameters } = phaseOptimizer(phase, settings);
  const schedule = cosineSchedule({ peakLr: settings.lr, warmupSteps: settings.warmupSteps, totalSteps: settings.steps, finalFraction: settings.finalLrFraction });

  let step = 0;
  let best: TrainerState['best'] = null;
  let elapsedBefore = 0;
  let lastGood: string | null = null;
  if (options.resume) {
    restore(options.resume, phase, optimizer);
    step = options.resume.step;
    best = options.resume.trainer.best;
    elapsedBefore = options.resume.trainer.elapsedSeconds;
    lastGood = files.latest;
    metrics.truncateAfterStep(phase.name, step);
  }

  const sampler = await ClipSampler.open(options.dataDir, {
    batchSize: settings.batchSize,
    windowLength: settings.frames,
    seed: config.train.seed,
    split: 'train',
    validationFraction: config.train.validationFraction,
    firstBatch: options.resume?.trainer.nextBatch ?? 0, // batch k is a function of (seed, k): resuming at k continues the sequence
  });
  const validationClips = await heldOutClips(options.dataDir, config, settings.validationClips, settings.frames, progress);

  const sittingStart = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - sittingStart) / 1000;
  let lastCheckpointAt = performance.now();
  let stepSeconds = NaN; // exponential moving average, for throughput and ETA

  const note = (event: string, message: string) => {
    progress.note(message);
    metrics.append({ kind: 'event', phase: phase.name, step, time: new Date().toISOString(), event, message });
  };
  const snapshot = (): Checkpoint => ({
    phase: phase.name,
    step,
    config,
    trainer: {
      optimizerStep: optimizer.stepCount,
      rngs: Object.fromEntries(Object.entries(phase.rngs).map(([name, rng]) => [name, rng.getState()])),
      nextBatch: step,
      best,
      elapsedSeconds: elapsed(),
    },
    tensors: checkpointTensors(phase, optimizer),
  });
  // Only finite states reach here: optimizerStep reports any NaN/Inf before the step counts.
  const save = (isBest: boolean): string => {
    files.save(snapshot(), isBest);
    lastGood = files.latest;
    lastCheckpointAt = performance.now();
    note('checkpoint', `${phase.name}: checkpoint at step ${step} -> ${files.latest}${isBest ? ` (best ${best?.metric} ${best?.value.toFixed(3)})` : ''}`);
    return lastGood;
  };
  const outcome = (status: PhaseOutcome['status'], message: string): PhaseOutcome => ({ status, step, checkpoint: lastGood, message });

  if (options.resume) note('resumed', `${phase.name}: resumed from ${files.latest} at step ${step}`);
  progress.start(phase.name, step, settings.steps);
  try {
    while (step < settings.steps) {
      if (stop.reason) {
        save(false);
        return outcome('interrupted', `${phase.name}: stopped by ${stop.reason} at step ${step}; checkpoint ${lastGood ?? 'none'}; continue with --resume`);
      }
      const batch = await sampler.next();
      const started = performance.now();
      optimizer.lr = schedule(step);
      const result = optimizerStep(phase, optimizer, parameters, batch, settings.gradClip, step + 1 === injectNanAtStep);
      if (result.problem) {
        const message = `${phase.name}: ${result.problem} at step ${step + 1}; stopped without saving. Last good checkpoint: ${lastGood ?? 'none (no checkpoint was written)'}`;
        note('diverged', message);
        return outcome('diverged', message);
      }
      step++;
      phase.afterStep(step);

      const seconds = (performance.now() - started) / 1000;
      stepSeconds = Number.isNaN(stepSeconds) ? seconds : 0.9 * stepSeconds + 0.1 * seconds;
      const { terms, loss: lossValue, gradNorm } = result;
      const peakRssMB = process.resourceUsage().maxRSS / 1024;
      const status = {
        phase: phase.name,
        step,
        totalSteps: settings.steps,
        loss: lossValue,
        terms,
        framesPerSec: result.frames / stepSeconds,
        tokensPerSec: result.tokens / stepSeconds,
        lr: optimizer.lr,
        etaSeconds: (settings.steps - step) * stepSeconds,
        peakRssMB,
      };
      metrics.append({
        kind: 'train', phase: phase.name, step, time: new Date().toISOString(), loss: lossValue, terms, stats: result.stats, lr: optimizer.lr, gradNorm,
        framesPerSec: status.framesPerSec, tokensPerSec: status.tokensPerSec, rssMB: peakRssMB,
      });
      progress.update(status);

      const last = step === settings.steps;
      const improved = step % settings.validateEvery === 0 || last ? await validate(phase, validationClips, step, samplesDir, metrics, progress, best) : null;
      if (improved) best = improved;
      const { everyMinutes, everySteps } = config.train.checkpoint;
      const due = (everySteps > 0 && step % everySteps === 0) || performance.now() - lastCheckpointAt >= everyMinutes * 60_000;
      if (improved || due || last) save(improved !== null);
      // Signal handlers run only when the event loop gets a turn; a step is otherwise all synchronous.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return outcome('completed', `${phase.name}: done, ${step} steps in ${formatDuration(elapsed())} (peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB); checkpoint ${lastGood}`);
  } finally {
    progress.stop();
    await sampler.close();
  }
}

// AdamW over the phase's trained components, parameters named `<component>.<name>` (the checkpoint keys).
export function phaseOptimizer(phase: Phase, settings: PhaseTrainingConfig): { optimizer: AdamW; parameters: Tensor[] } {
  const named = Object.entries(phase.trained).flatMap(([component, module]) =>
    module.namedParameters().map(([name, t]): [string, Tensor] => [`${component}.${name}`, t]),
  );
  const optimizer = new AdamW(named, { lr: settings.lr, beta1: settings.beta1, beta2: settings.beta2, weightDecay: settings.weightDecay });
  return { optimizer, parameters: named.map(([, t]) => t) };
}

export interface StepResult {
  problem: string | null; // a NaN/Inf in the loss, the gradient or (after the update) a parameter
  loss: number;
  gradNorm: number;
  terms: Record<string, number>;
  stats: Record<string, number>;
  frames: number;
  tokens: number;
}

// One training step: loss, backward, global-norm clipping, AdamW update (the step bench:train times).
// A non-finite loss or gradient skips the update; a parameter made non-finite by it is reported too.
// `poison` reads the loss as NaN (the GENIE_INJECT_NAN_AT_STEP hook).
export function optimizerStep(phase: Phase, optimizer: AdamW, parameters: Tensor[], batch: ClipBatch, gradClip: number, poison = false): StepResult {
  const result = phase.loss(batch);
  const loss = poison ? NaN : result.loss.item();
  const gradNorm = Number.isFinite(loss) ? (backward(result.loss), clipGradNorm(parameters, gradClip)) : NaN;
  let problem = !Number.isFinite(loss) ? `loss is ${loss}` : !Number.isFinite(gradNorm) ? `gradient norm is ${gradNorm}` : null;
  if (!problem) {
    optimizer.step();
    const bad = nonFiniteParameter(phase);
    if (bad) problem = `parameter ${bad} is not finite after the update`;
  }
  optimizer.zeroGrad();
  const terms = Object.fromEntries(Object.entries(result.terms).map(([name, t]) => [name, t.item()]));
  return { problem, loss, gradNorm, terms, stats: result.stats, frames: result.frames, tokens: result.tokens };
}

async function validate(
  phase: Phase, clips: ClipBatch, step: number, samplesDir: string, metrics: MetricsLog, progress: ProgressReporter, best: TrainerState['best'],
): Promise<TrainerState['best']> {
  const modules = [...Object.values(phase.trained), ...Object.values(phase.frozen)];
  modules.forEach((m) => m.eval());
  const result = await phase.validate(clips, step, samplesDir).finally(() => Object.values(phase.trained).forEach((m) => m.train()));
  const time = new Date().toISOString();
  metrics.append({ kind: 'val', phase: phase.name, step, time, metrics: result.metrics });
  progress.note(`${phase.name} validation at step ${step}: ${Object.entries(result.metrics).map(([k, v]) => `${k} ${round(v)}`).join(', ')}`);
  for (const warning of result.warnings) {
    progress.note(`WARNING: ${warning}`);
    metrics.append({ kind: 'event', phase: phase.name, step, time, event: 'warning', message: warning });
  }
  const { name, higherIsBetter } = phase.bestMetric;
  const value = result.metrics[name];
  if (!Number.isFinite(value)) return null;
  const better = !best || (higherIsBetter ? value > best.value : value < best.value);
  return better ? { metric: name, value, step } : null;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}

function checkpointTensors(phase: Phase, optimizer: AdamW): Record<string, Tensor> {
  const models = { ...phase.frozen, ...phase.trained };
  const tensors: Record<string, Tensor> = {};
  for (const [component, module] of Object.entries(models)) Object.assign(tensors, withPrefix(module.stateDict(), `model.${component}`));
  Object.assign(tensors, withPrefix(optimizer.stateDict().tensors, 'optimizer'));
  return tensors;
}

function restore(checkpoint: Checkpoint, phase: Phase, optimizer: AdamW): void {
  for (const [component, module] of Object.entries({ ...phase.frozen, ...phase.trained })) {
    module.loadStateDict(tensorsUnder(checkpoint.tensors, `model.${component}`));
  }
  optimizer.loadStateDict({ step: checkpoint.trainer.optimizerStep, tensors: tensorsUnder(checkpoint.tensors, 'optimizer') });
  for (const [name, rng] of Object.entries(phase.rngs)) {
    const state = checkpoint.trainer.rngs[name];
    if (!state) throw new Error(`checkpoint has no state for the "${name}" generator; it was written by a different phase or version`);
    rng.setState(state);
  }
}

function nonFiniteParameter(phase: Phase): string | null {
  for (const [component, module] of Object.entries(phase.trained)) {
    for (const [name, t] of module.namedParameters()) if (backend().countNonFinite(t.data) > 0) return `${component}.${name}`;
  }
  return null;
}

// The same held-out clips at every validation: the first batch of a validation-split sampler. With a
// single video there is no held-out video; validation then scores training clips, and says so.
async function heldOutClips(dataDir: string, config: RunConfig, count: number, frames: number, progress: ProgressReporter): Promise<ClipBatch> {
  const open = (split: 'validation' | 'train') =>
    // The split depends on the seed: the same seed as the training sampler, or the sides would differ.
    ClipSampler.open(dataDir, { batchSize: count, windowLength: frames, seed: config.train.seed, split, validationFraction: config.train.validationFraction, prefetch: 0 });
  let sampler: ClipSampler;
  try {
    sampler = await open('validation');
  } catch (err) {
    progress.note(`WARNING: no held-out video for validation (${err instanceof Error ? err.message : String(err)}); validating on training clips`);
    sampler = await open('train');
  }
  try {
    return await sampler.next();
  } finally {
    await sampler.close();
  }
}
