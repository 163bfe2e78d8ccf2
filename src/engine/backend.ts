// The active kernel backend. Every op asks backend() for its kernels, so tests can swap in the reference
// backend with useBackend() and compare. The native addon is loaded on the first op, not at import, so
// code that never computes (and the error explaining a missing build) works without it.
// GENIE_PROFILE=1 times every kernel call and prints the table to stderr at exit (profile.ts).
import type { Kernels } from './kernels.ts';
import { loadNative } from './native.ts';
import { formatProfile, profileKernels } from './profile.ts';

let active: Kernels | null = null;

export function backend(): Kernels {
  active ??= process.env.GENIE_PROFILE === '1' ? profiledNative() : loadNative();
  return active;
}

function profiledNative(): Kernels {
  const profile = profileKernels(loadNative());
  process.on('exit', () => process.stderr.write(`\nGENIE_PROFILE: time in native kernels\n${formatProfile(profile.table())}\n`));
  return profile.kernels;
}

// Switches the backend for everything that runs afterwards; returns the previous one (null when the
// native default was never loaded) so a test can restore it.
export function useBackend(kernels: Kernels | null): Kernels | null {
  const previous = active;
  active = kernels;
  return previous;
}
