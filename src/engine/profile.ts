// Where the time goes: a backend wrapper that times every kernel call. `GENIE_PROFILE=1` turns it on for a
// whole process (backend.ts) and prints the table to stderr at exit; a test or benchmark can wrap a backend
// itself. Unary and binary kernels are split by their op ('binary add', 'unary gelu') because that is the
// level at which one would fuse them. Time outside the table is JavaScript: op glue, the tape, data loading.
import type { Kernels } from './kernels.ts';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export interface KernelProfile {
  kernels: Kernels;
  // Rows sorted by time, largest first.
  table(): KernelTime[];
  reset(): void;
}

export function profileKernels(inner: Kernels): KernelProfile {
  const times = new Map<string, KernelTime>();
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(inner) as (keyof Kernels)[]) {
    const kernel = inner[name] as unknown as (...args: unknown[]) => unknown;
    if (typeof kernel !== 'function') {
      wrapped[name] = inner[name];
      continue;
    }
    const byOp = name === 'unary' || name === 'unaryBackward' || name === 'binary';
    wrapped[name] = (...args: unknown[]) => {
      const start = performance.now();
      try {
        return kernel.apply(inner, args);
      } finally {
        const key = byOp ? `${name} ${String(args[0])}` : name;
        const row = times.get(key) ?? { kernel: key, calls: 0, ms: 0 };
        row.calls++;
        row.ms += performance.now() - start;
        times.set(key, row);
      }
    };
  }
  return {
    kernels: wrapped as unknown as Kernels,
    table: () => [...times.values()].sort((a, b) => b.ms - a.ms),
    reset: () => times.clear(),
  };
}

// The table as text, with each kernel's share of the kernels' total.
export function formatProfile(rows: readonly KernelTime[]): string {
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  const lines = rows.map((r) => `${r.kernel.padEnd(28)} ${String(r.calls).padStart(9)} ${r.ms.toFixed(1).padStart(11)} ${((100 * r.ms) / (total || 1)).toFixed(1).padStart(6)}%`);
  return [`${'kernel'.padEnd(28)} ${'calls'.padStart(9)} ${'ms'.padStart(11)} ${'share'.padStart(7)}`, ...lines, `${'all kernels'.padEnd(28)} ${''.padStart(9)} ${total.toFixed(1).padStart(11)}`].join('\n');
}
