// Which Python runs the project's Python-side checks (the PyTorch benchmarks, the safetensors round trip):
// the first of GENIE_TORCH_PYTHON, the repository's .venv (`npm run bench:setup`: pip's torch 2.x CPU
// wheels, newer than Debian's) and the system python3 that can run the check's probe.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export interface FoundPython {
  python: string;
  chosenBy: 'GENIE_TORCH_PYTHON' | '.venv' | 'system';
  output: string; // what the probe printed, trimmed
}

/** The first candidate that runs `probe` (Python source) cleanly; throws naming each candidate's reason. */
export function findPython(probe: string): FoundPython {
  const venv = join(repoRoot, '.venv', 'bin', 'python');
  const candidates: Pick<FoundPython, 'python' | 'chosenBy'>[] = [];
  if (process.env.GENIE_TORCH_PYTHON) candidates.push({ python: process.env.GENIE_TORCH_PYTHON, chosenBy: 'GENIE_TORCH_PYTHON' });
  if (existsSync(venv)) candidates.push({ python: venv, chosenBy: '.venv' });
  candidates.push({ python: 'python3', chosenBy: 'system' });
  const refusals: string[] = [];
  for (const candidate of candidates) {
    try {
      const output = execFileSync(candidate.python, ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { ...candidate, output: output.trim() };
    } catch (err) {
      // The last stderr line is Python's own reason, e.g. "ModuleNotFoundError: No module named 'torch'".
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      const why = stderr ? stderr.split('\n').pop() : err instanceof Error ? err.message : String(err);
      refusals.push(`${candidate.python} (${candidate.chosenBy}): ${why}`);
    }
  }
  throw new Error(`no Python can run \`${probe}\`: ${refusals.join('; ')}`);
}
