// Policies that play the platformer besides the planning expert (expert.ts): random players.
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

/**
 * Random key presses held like a person would: an action drawn uniformly, held for 1-12 steps (uniform),
 * like the coinrun-sticky data set; the pressed keys become visible as sustained motion.
 */
export class StickyRandomPolicy implements Policy {
  private readonly rng: SeededRandom;
  private action = 0;
  private stepsLeft = 0;

  constructor(seed: number, private readonly maxHold = 12) {
    this.rng = new SeededRandom(seed, 4);
  }

  act(): number {
    if (this.stepsLeft === 0) {
      this.action = this.rng.int(0, NUM_ACTIONS - 1);
      this.stepsLeft = this.rng.int(1, this.maxHold);
    }
    this.stepsLeft--;
    return this.action;
  }
}
