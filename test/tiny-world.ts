// The world the end-to-end tests play: the `tiny` preset's real models, freshly initialised, packed into
// a world folder and loaded the way `genie play` loads the shipped world.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { playableWorld } from '../src/play/playable-world.ts';
import type { PlayableWorld } from '../src/play/world.ts';
import { makeTinyWorld } from '../src/world/testing.ts';
import { loadWorld } from '../src/world/world-folder.ts';

export async function tinyTestWorld(): Promise<PlayableWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'genie-tiny-world-'));
  await makeTinyWorld(dir);
  return playableWorld(await loadWorld(dir));
}
