// Genie's controllability metric (Bruce et al. 2024, the "Metrics" paragraph of the experiments):
//   Delta_t PSNR = PSNR(x_t, x̂_t) - PSNR(x_t, x̂'_t)
// x_t is the true frame t steps after the prompt, x̂_t the frame generated with the latent actions the
// LAM infers from the true clip, x̂'_t the frame generated with latent actions drawn uniformly at random.
// A world that ignores its actions scores ~0; the paper reports t = 4. Index t of the three sequences
// must be the same time step (pass the generated steps only, not the prompt frames).
import type { ImageFrame } from './frame.ts';
import { capPsnr, meanPsnrPerStep, psnrPerStep } from './image-quality.ts';

export interface ControllabilityRollout {
  truth: readonly ImageFrame[];
  withInferredActions: readonly ImageFrame[];
  withRandomActions: readonly ImageFrame[];
}

// One clip's Delta_t PSNR for every t; each PSNR is capped at PSNR_CAP_DB, so identical frames give a
// finite difference rather than Infinity minus a number.
export function deltaPsnrPerStep(rollout: ControllabilityRollout, dataRange: number): number[] {
  const inferred = psnrPerStep(rollout.truth, rollout.withInferredActions, dataRange);
  const random = psnrPerStep(rollout.truth, rollout.withRandomActions, dataRange);
  return inferred.map((db, t) => capPsnr(db) - capPsnr(random[t]));
}

// The mean over clips, which is also E[PSNR(x_t, x̂_t)] - E[PSNR(x_t, x̂'_t)] as the paper writes it.
export function meanDeltaPsnrPerStep(rollouts: readonly ControllabilityRollout[], dataRange: number): number[] {
  if (rollouts.length === 0) throw new Error('meanDeltaPsnrPerStep: no rollouts');
  const inferred = meanPsnrPerStep(rollouts.map((r) => psnrPerStep(r.truth, r.withInferredActions, dataRange)));
  const random = meanPsnrPerStep(rollouts.map((r) => psnrPerStep(r.truth, r.withRandomActions, dataRange)));
  return inferred.map((db, t) => db - random[t]);
}
