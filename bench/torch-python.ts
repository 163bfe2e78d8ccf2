// Which Python runs the PyTorch side of the benchmarks. The newest torch wins: an explicit
// GENIE_TORCH_PYTHON, else the repo's .venv (made by `npm run bench:setup` from pip's torch 2.x CPU
// wheels), else the system python3 (Debian's python3-torch 1.13 where installed).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface TorchPython {
  python: string;
  chosenBy: 'GENIE_TORCH_PYTHON' | '.venv' | 'system';
  torchVersion: string;
}

export const repoRoot = join(import.meta.dirname, '..');

export function findTorchPython(): TorchPython {
  const fromEnv = process.env.GENIE_TORCH_PYTHON;
  const venv = join(repoRoot, '.venv', 'bin', 'python');
  const candidate: Pick<TorchPython, 'python' | 'chosenBy'> = fromEnv
    ? { python: fromEnv, chosenBy: 'GENIE_TORCH_PYTHON' }
    : existsSync(venv)
      ? { python: venv, chosenBy: '.venv' }
      : { python: '/usr/bin/python3', chosenBy: 'system' };
  let torchVersion: string;
  try {
    torchVersion = execFileSync(candidate.python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    // The last stderr line is Python's own reason, e.g. "ModuleNotFoundError: No module named 'torch'".
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const why = stderr ? stderr.split('\n').pop() : err instanceof Error ? err.message : String(err);
    throw new Error(
      `no PyTorch found: ${candidate.python} (chosen by ${candidate.chosenBy}) cannot import torch (${why}). ` +
        'Run `npm run bench:setup` (a .venv with pip\'s torch), or point GENIE_TORCH_PYTHON at a Python that has torch.',
    );
  }
  return { ...candidate, torchVersion };
}
