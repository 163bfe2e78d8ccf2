// What a person watching a run sees: a live cli-progress bar when stdout is a terminal, otherwise one plain
// line per interval (CI logs, `> train.log`). Both show the same status line, and notes (validation
// results, checkpoints, warnings) print above the bar instead of tearing it.
import cliProgress from 'cli-progress';

export interface StepStatus {
  phase: string;
  step: number; // steps done
  totalSteps: number;
  loss: number;
  terms: Record<string, number>;
  framesPerSec: number;
  tokensPerSec: number;
  lr: number;
  etaSeconds: number;
  peakRssMB: number;
}

export interface ProgressReporter {
  start(phase: string, step: number, totalSteps: number): void;
  update(status: StepStatus): void;
  note(line: string): void;
  stop(): void;
}

// `interactive` defaults to whether stdout is a terminal; `lineIntervalSeconds` paces the plain log
// (0 = a line per step, which the tests use).
export function createProgress(options: { interactive?: boolean; lineIntervalSeconds?: number } = {}): ProgressReporter {
  const interactive = options.interactive ?? Boolean(process.stdout.isTTY);
  return interactive ? new BarProgress() : new LineProgress(options.lineIntervalSeconds ?? 10);
}

export function formatStatus(s: StepStatus): string {
  const terms = Object.entries(s.terms).map(([name, value]) => `${name} ${formatNumber(value)}`).join(' ');
  return [
    `${s.phase} step ${s.step}/${s.totalSteps}`,
    `loss ${formatNumber(s.loss)}${terms ? ` (${terms})` : ''}`,
    `${s.framesPerSec.toFixed(1)} frames/s ${formatCount(s.tokensPerSec)} tokens/s`,
    `lr ${s.lr.toExponential(2)}`,
    `eta ${formatDuration(s.etaSeconds)}`,
    `peak rss ${Math.round(s.peakRssMB)} MB`,
  ].join(' | ');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatNumber(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(2);
}

function formatCount(x: number): string {
  return x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

class BarProgress implements ProgressReporter {
  // One multi-bar per phase; between phases (and before the first) notes go straight to stdout.
  private bars: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;

  start(phase: string, step: number, totalSteps: number): void {
    this.bars = new cliProgress.MultiBar({
      format: '{bar} {status}',
      stream: process.stdout,
      barsize: 20,
      hideCursor: true,
      // Our own SIGINT handler writes a checkpoint first; the bar must not race it.
      gracefulExit: false,
      linewrap: false,
    });
    this.bar = this.bars.create(totalSteps, step, { status: `${phase} step ${step}/${totalSteps}` });
  }

  update(status: StepStatus): void {
    this.bar?.update(status.step, { status: formatStatus(status) });
  }

  note(line: string): void {
    if (!this.bars) return console.log(line);
    this.bars.log(line + '\n');
    this.bars.update(); // print it now: the bar redraws on a timer that a busy step may hold off
  }

  stop(): void {
    this.bars?.update();
    this.bars?.stop();
    this.bars = null;
    this.bar = null;
  }
}

class LineProgress implements ProgressReporter {
  private lastLineAt = 0;
  constructor(private readonly intervalSeconds: number) {}

  start(phase: string, step: number, totalSteps: number): void {
    this.lastLineAt = Date.now();
    console.log(`${phase}: starting at step ${step} of ${totalSteps}`);
  }

  update(status: StepStatus): void {
    const now = Date.now();
    const last = status.step === status.totalSteps;
    if (!last && now - this.lastLineAt < this.intervalSeconds * 1000) return;
    this.lastLineAt = now;
    console.log(formatStatus(status));
  }

  note(line: string): void {
    console.log(line);
  }

  stop(): void {}
}
