// Which Python runs the PyTorch side of the benchmarks: the newest torch wins, so an explicit
// GENIE_TORCH_PYTHON, else the repo's .venv, else the system python3 (Debian's python3-torch 1.13).
import { findPython, type FoundPython } from '../src/util/python.ts';

export interface TorchPython {
  python: string;
  chosenBy: FoundPython['chosenBy'];
  torchVersion: string;
}

export function findTorchPython(): TorchPython {
  try {
    const { python, chosenBy, output } = findPython('import torch; print(torch.__version__)');
    return { python, chosenBy, torchVersion: output };
  } catch (err) {
    throw new Error(
      `no PyTorch found (${err instanceof Error ? err.message : String(err)}). ` +
        'Run `npm run bench:setup` (a .venv with pip\'s torch), or point GENIE_TORCH_PYTHON at a Python that has torch.',
    );
  }
}
