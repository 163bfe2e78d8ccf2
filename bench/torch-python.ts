// Which Python runs the PyTorch side of the benchmarks: the newest torch wins, so an explicit
// GENIE_TORCH_PYTHON, else the repo's .venv, else the system python3 (Debian's python3-torch 1.13). An
// explicit choice that cannot import torch is an error, not a reason to time another torch.
import { findPython, type FoundPython } from '../src/util/python.ts';

export interface TorchPython {
  python: string;
  chosenBy: FoundPython['chosenBy'];
  torchVersion: string;
}

export function findTorchPython(): TorchPython {
  const explicit = process.env.GENIE_TORCH_PYTHON;
  let found: FoundPython;
  try {
    found = findPython('import torch; print(torch.__version__)');
  } catch (err) {
    throw new Error(
      `no PyTorch found (${err instanceof Error ? err.message : String(err)}). ` +
        'Run `npm run bench:setup` (a .venv with pip\'s torch), or point GENIE_TORCH_PYTHON at a Python that has torch.',
    );
  }
  if (explicit && found.chosenBy !== 'GENIE_TORCH_PYTHON') {
    throw new Error(`GENIE_TORCH_PYTHON=${explicit} cannot import torch (${found.python} can): point it at a Python that has torch, or unset it`);
  }
  return { python: found.python, chosenBy: found.chosenBy, torchVersion: found.output };
}
