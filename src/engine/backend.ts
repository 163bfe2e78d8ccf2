// The active kernel backend. Every op asks backend() for its kernels, so tests can swap in the reference
// backend with useBackend() and compare. The native addon is loaded on the first op, not at import, so
// code that never computes (and the error explaining a missing build) works without it.
import type { Kernels } from './kernels.ts';
import { loadNative } from './native.ts';

let active: Kernels | null = null;

export function backend(): Kernels {
  active ??= loadNative();
  return active;
}

// Switches the backend for everything that runs afterwards; returns the previous one (null when the
// native default was never loaded) so a test can restore it.
export function useBackend(kernels: Kernels | null): Kernels | null {
  const previous = active;
  active = kernels;
  return previous;
}
