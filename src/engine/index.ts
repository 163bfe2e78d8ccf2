// The engine's public API: models and training import from here only.
export { Tensor, assertFinite, full, ones, parameter, tensor, zeros } from './tensor.ts';
export { noGrad } from './autodiff.ts';
export * from './ops.ts';
export { Rng } from './random.ts';
export { backend, useBackend } from './backend.ts';
export type { Kernels } from './kernels.ts';
