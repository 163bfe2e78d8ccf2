// `genie env play --terminal`: a person plays the platformer in a terminal, one step per key press
// (hold a key: the terminal's auto-repeat keeps stepping), drawn with 24-bit colour half blocks.
import { renderHalfBlocks } from '../play/terminal.ts';
import { PlatformerEnv } from './platformer/index.ts';

export type PlayKey = { kind: 'action'; action: number } | { kind: 'restart' } | { kind: 'next' } | { kind: 'quit' } | { kind: 'unknown' };

const KEY_ACTIONS: Record<string, number> = {
  '.': 0, s: 0, '\x1b[B': 0, // wait
  a: 1, '\x1b[D': 1,
  d: 2, '\x1b[C': 2,
  w: 3, ' ': 3, '\x1b[A': 3,
  z: 4, // left + jump
  c: 5, // right + jump
};

export const KEY_HELP = 'arrows/wasd: move and jump  z/c: jump left/right  .: wait  r: restart  n: next level  q: quit';

export function parsePlayKey(input: string): PlayKey {
  if (input === 'q' || input === '\x03' || input === '\x1b') return { kind: 'quit' };
  if (input === 'r') return { kind: 'restart' };
  if (input === 'n') return { kind: 'next' };
  const action = KEY_ACTIONS[input];
  return action === undefined ? { kind: 'unknown' } : { kind: 'action', action };
}

export async function playInTerminal(firstSeed: number, size: number): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY) throw new Error('--terminal needs an interactive terminal (stdin is not a TTY)');
  const env = new PlatformerEnv({ size });
  let seed = firstSeed;
  let ended = '';
  let score = 0;
  const draw = (rgb: Uint8Array) => {
    const { t } = env.getState();
    const status = ended ? `${ended} - r: retry, n: next level` : `step ${t}`;
    stdout.write(`\x1b[H\x1b[2J${renderHalfBlocks({ width: size, height: size, rgb })}\nlevel ${seed}  score ${score}  ${status}\n${KEY_HELP}\n`);
  };
  const start = (next: number) => {
    seed = next;
    ended = '';
    draw(env.reset(seed));
  };
  start(seed);
  stdin.setRawMode(true);
  stdin.resume();
  await new Promise<void>((resolve) => {
    stdin.on('data', (data) => {
      const key = parsePlayKey(data.toString());
      if (key.kind === 'quit') {
        stdin.setRawMode(false);
        stdin.pause();
        stdout.write('\n');
        resolve();
      } else if (key.kind === 'restart') start(seed);
      else if (key.kind === 'next') start(seed + 1);
      else if (key.kind === 'action' && !ended) {
        const { frame, reward, done, info } = env.step(key.action);
        score += reward;
        if (done) ended = info.episodeEnd === 'goal' ? 'coin!' : info.episodeEnd === 'death' ? 'ouch' : 'out of time';
        draw(frame);
      }
    });
  });
}
