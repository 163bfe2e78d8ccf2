// Shared by the bench:* scripts: interleaved timing rounds, a long-lived Python worker, machine facts
// and atomic result files. Benchmarks compare us with PyTorch measured side by side in one run, so
// load from other processes on the machine hits both sides alike.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { bf16Products } from '../src/engine/index.ts';
import { writeFileAtomicSync } from '../src/util/atomic-file.ts';
import { repoRoot } from '../src/util/python.ts';

// Runs a bench's main function; a failure prints its message, not a stack trace.
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.GENIE_DEBUG) console.error(err);
    process.exit(1);
  });
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;

// A thread pool that just finished (OpenBLAS, OpenMP) keeps spinning for a moment; this pause keeps
// one side's spinning threads out of the other side's timings.
const SETTLE_MS = 300;
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

// Milliseconds of each of n calls of a synchronous step.
export function timeSteps(step: () => void, n: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  return times;
}

export interface Side {
  name: string;
  // Runs `iters` timed iterations and returns each one's milliseconds.
  run(iters: number): Promise<number[]>;
}

// Round r runs every side once, in an order that alternates (A B, B A, A B, ...) so neither side
// always follows the other. Returns each side's per-iteration times, in run order.
export async function interleave(sides: Side[], rounds: number, itersPerRound: number, log: (line: string) => void): Promise<Map<string, number[]>> {
  const times = new Map(sides.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    const parts: string[] = [];
    for (const side of order) {
      await settle();
      const ms = await side.run(itersPerRound);
      times.get(side.name)!.push(...ms);
      parts.push(`${side.name} ${ms.map((t) => t.toFixed(1)).join(' ')}`);
    }
    log(`round ${r + 1}/${rounds}: ${parts.join(' | ')} ms`);
  }
  return times;
}

// A Python process started once that answers one JSON line per JSON command line (see bench/torch_worker.py).
export class PythonWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(python: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(python, [join(repoRoot, script), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', (code, signal) => {
      this.exited = `${script} exited (code ${code}, signal ${signal}); its stderr ends with:\n${this.stderr}`;
      for (const waiter of this.pending.splice(0)) waiter(JSON.stringify({ error: this.exited }));
    });
  }

  // The first line the worker prints (its setup description).
  hello(): Promise<Record<string, unknown>> {
    return this.nextReply();
  }

  request(command: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = this.nextReply();
    this.child.stdin.write(JSON.stringify(command) + '\n');
    return reply;
  }

  private async nextReply(): Promise<Record<string, unknown>> {
    if (this.exited) throw new Error(this.exited);
    const line = await new Promise<string>((resolve) => this.pending.push(resolve));
    const reply = JSON.parse(line) as Record<string, unknown>;
    if (typeof reply.error === 'string') throw new Error(`python worker: ${reply.error}`);
    return reply;
  }

  close(): void {
    this.child.stdin.end();
  }
}

export function machineInfo(): Record<string, unknown> {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString(),
    cpu_model: cpuModel,
    cpu_count: cpus().length,
    load_average_1_5_15: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    // The kernels a bf16 figure ran on (AMX tiles and AVX512-BF16 differ several-fold).
    bf16_products: bf16Products(),
    // Set by some machines; a bench command line may unset both for both sides alike.
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
    OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null,
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? null,
  };
}

export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileAtomicSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}
