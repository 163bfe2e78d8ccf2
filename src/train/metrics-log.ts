// metrics.jsonl: one JSON object per line, appended as training goes. A run killed with SIGKILL may
// leave a torn last line and lines for steps after its last checkpoint; `truncateAfterStep` drops both
// when the run resumes, so the file of a resumed run reads exactly like the file of an uninterrupted one.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../util/atomic-file.ts';

export type MetricsRecord =
  // One per training step: the loss terms and what the step cost.
  | { kind: 'train'; phase: string; step: number; time: string; loss: number; terms: Record<string, number>; stats: Record<string, number>; lr: number; gradNorm: number; framesPerSec: number; tokensPerSec: number; rssMB: number }
  // One per validation pass: the phase's validation metrics (PSNR, codebook usage, ...).
  | { kind: 'val'; phase: string; step: number; time: string; metrics: Record<string, number> }
  // Things a person reading the log should see: checkpoint written, resumed, interrupted, NaN, collapse.
  | { kind: 'event'; phase: string; step: number; time: string; event: string; message: string };

export class MetricsLog {
  constructor(readonly path: string) {}

  append(record: MetricsRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }

  // Every well-formed record, oldest first; a torn last line (killed mid-write) is skipped.
  read(): MetricsRecord[] {
    return readMetrics(this.path);
  }

  // Keeps the records of `phase` up to and including `step` (and every record of other phases), rewriting
  // the file atomically. Called on resume from a checkpoint taken after `step`.
  truncateAfterStep(phase: string, step: number): void {
    if (!existsSync(this.path)) return;
    const kept = this.read().filter((r) => r.phase !== phase || r.step <= step);
    writeFileAtomicSync(this.path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}

export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const records: MetricsRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // A line cut short by a kill; everything after it was never written.
    }
  }
  return records;
}
