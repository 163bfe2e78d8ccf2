// The active kernel backend. Every op asks backend() for its kernels, so tests can swap in the reference
// backend with useBackend() and compare.
import type { Kernels } from './kernels.ts';
import { reference } from './reference.ts';

let active: Kernels = reference;

export function backend(): Kernels {
  return active;
}

// Switches the backend for everything that runs afterwards; returns the previous one so a test can restore it.
export function useBackend(kernels: Kernels): Kernels {
  const previous = active;
  active = kernels;
  return previous;
}
