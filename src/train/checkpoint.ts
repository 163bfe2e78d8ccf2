// Checkpoints: one safetensors file holds everything needed to rebuild the models and to continue
// training exactly where it stopped.
//
//   tensors   model.<component>.<name>      weights and buffers (component: tokenizer, lam, dynamics)
//             optimizer.m.<component>.<name>, optimizer.v.<...>   AdamW moments of the trained components
//   metadata  format   "genie-ts checkpoint 1"
//             phase    "tokenizer" | "dynamics"
//             step     optimizer steps done
//             config   the resolved run config (JSON): { model, train }
//             trainer  JSON TrainerState: optimizer step count, RNG states, next sampler batch, best metric
//
// A dynamics checkpoint also carries the frozen tokenizer it was trained on, so that one file is a
// playable world. Within a run directory:
//   <phase>.safetensors              the latest checkpoint (what --resume and --tokenizer read)
//   <phase>-best.safetensors         the best by the phase's validation metric
//   checkpoints/<phase>-step<N>.safetensors   the last K, older ones pruned
// The latest and best are hard links to step files when the file system allows, copies otherwise.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTensors, writeSafetensors, type Tensor } from '../engine/index.ts';
import { temporaryPath } from '../util/atomic-file.ts';
import { runConfigSchema, type PhaseName, type RunConfig } from './run-config.ts';
import { validateConfig } from './overrides.ts';

const FORMAT = 'genie-ts checkpoint 1';

export interface TrainerState {
  optimizerStep: number;
  rngs: Record<string, number[]>; // every generator the phase draws from, by name
  nextBatch: number; // the data sampler's position
  best: { metric: string; value: number; step: number } | null;
  elapsedSeconds: number; // training time so far, across sittings
}

export interface Checkpoint {
  phase: PhaseName;
  step: number;
  config: RunConfig;
  trainer: TrainerState;
  tensors: Record<string, Tensor>;
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  writeSafetensors(path, checkpoint.tensors, {
    format: FORMAT,
    phase: checkpoint.phase,
    step: String(checkpoint.step),
    config: JSON.stringify(checkpoint.config),
    trainer: JSON.stringify(checkpoint.trainer),
  });
}

export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new Error(`${path}: no such checkpoint`);
  const { tensors, metadata } = readTensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(`${path}: not a genie-ts checkpoint (metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}")`);
  }
  const phase = metadata.phase;
  if (phase !== 'tokenizer' && phase !== 'dynamics') throw new Error(`${path}: metadata "phase" is ${JSON.stringify(phase)}`);
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      throw new Error(`${path}: metadata "${key}" is not valid JSON`);
    }
  };
  const config = validateConfig(runConfigSchema, parse('config'), `${path} (metadata "config")`);
  return { phase, step: Number(metadata.step), config, trainer: parse('trainer') as TrainerState, tensors };
}

// The tensors under `prefix.`, with the prefix removed: model.lam.* -> the LAM's state dict.
export function tensorsUnder(tensors: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const start = `${prefix}.`;
  return Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(start)).map(([name, t]) => [name.slice(start.length), t]));
}

export function withPrefix(tensors: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [`${prefix}.${name}`, t]));
}

export class CheckpointFiles {
  constructor(
    readonly runDir: string,
    readonly phase: PhaseName,
    readonly keepLast: number,
  ) {}

  get latest(): string {
    return join(this.runDir, `${this.phase}.safetensors`);
  }

  get best(): string {
    return join(this.runDir, `${this.phase}-best.safetensors`);
  }

  stepFile(step: number): string {
    return join(this.runDir, 'checkpoints', `${this.phase}-step${String(step).padStart(7, '0')}.safetensors`);
  }

  // Writes the step file, points `latest` (and `best` when asked) at it, then prunes old step files.
  save(checkpoint: Checkpoint, isBest: boolean): string {
    const file = this.stepFile(checkpoint.step);
    writeCheckpoint(file, checkpoint);
    publish(file, this.latest);
    if (isBest) publish(file, this.best);
    this.prune();
    return file;
  }

  private prune(): void {
    const dir = join(this.runDir, 'checkpoints');
    const pattern = new RegExp(`^${this.phase}-step\\d+\\.safetensors$`);
    const stepFiles = readdirSync(dir).filter((name) => pattern.test(name)).sort();
    for (const name of stepFiles.slice(0, Math.max(0, stepFiles.length - this.keepLast))) rmSync(join(dir, name));
  }
}

// Atomically makes `target` the same file as `source`: link (or copy) to a temp name, then rename.
function publish(source: string, target: string): void {
  const temp = temporaryPath(target);
  rmSync(temp, { force: true });
  try {
    linkSync(source, temp);
  } catch {
    copyFileSync(source, temp);
  }
  renameSync(temp, target);
}
