// Policies that play the platformer: the planning expert (expert.ts) and a uniform random player.
import type { ExpertView } from './expert.ts';
import { NUM_ACTIONS } from './physics.ts';
import { SeededRandom } from './random.ts';

export interface Policy {
  act(view: ExpertView): number;
}

/** A fresh uniformly random action before every step, like the CoinRun random-play data. */
export class RandomPolicy implements Policy {
  private readonly rng: SeededRandom;

  constructor(seed: number) {
    this.rng = new SeededRandom(seed, 2);
  }

  act(): number {
    return this.rng.int(0, NUM_ACTIONS - 1);
  }
}
