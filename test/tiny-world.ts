// The world the end-to-end tests play: for now the play layer's counting double (replaced by a tiny real model).
import { countingWorld } from '../src/play/testing.ts';
import type { PlayableWorld } from '../src/play/world.ts';

export async function tinyTestWorld(): Promise<PlayableWorld> {
  return countingWorld(16, 4);
}
