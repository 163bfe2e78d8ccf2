// Play in a terminal: each character cell shows two pixels with the upper-half block (foreground = top
// pixel, background = bottom pixel) in 24-bit colour, for people on a remote machine without a browser.
import { PlaySession } from './session.ts';
import type { Frame, PlayableWorld } from './world.ts';

const ESC = '\x1b[';

/** The frame as lines of half-block characters, each cell two pixels tall, scaled by `scale` columns. */
export function renderHalfBlocks(frame: Frame, scale = 1): string {
  const { width, height, rgb } = frame;
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = '';
    for (let x = 0; x < width; x++) {
      const top = (y * width + x) * 3;
      const bottom = y + 1 < height ? ((y + 1) * width + x) * 3 : top;
      const cell = `${ESC}38;2;${rgb[top]};${rgb[top + 1]};${rgb[top + 2]}m${ESC}48;2;${rgb[bottom]};${rgb[bottom + 1]};${rgb[bottom + 2]}m▀`;
      line += cell + '▀'.repeat(scale - 1);
    }
    lines.push(`${line}${ESC}0m`);
  }
  return lines.join('\n');
}

export type TerminalKey =
  | { kind: 'action'; action: number }
  | { kind: 'back' }
  | { kind: 'reset' }
  | { kind: 'quit' }
  | { kind: 'unknown' };

const ARROWS: Record<string, string> = { '\x1b[A': 'ArrowUp', '\x1b[B': 'ArrowDown', '\x1b[C': 'ArrowRight', '\x1b[D': 'ArrowLeft' };

/** Maps one keypress (raw terminal bytes) to what it does in this world. */
export function parseKey(input: string, world: Pick<PlayableWorld, 'numActions' | 'keyMap'>): TerminalKey {
  if (input === 'q' || input === '\x03' || input === '\x1b') return { kind: 'quit' };
  if (input === 'b' || input === '\x7f') return { kind: 'back' };
  if (input === 'r') return { kind: 'reset' };
  const digit = Number(input);
  if (input.length === 1 && Number.isInteger(digit) && digit >= 1 && digit <= world.numActions) return { kind: 'action', action: digit - 1 };
  const code = ARROWS[input] ?? (input === ' ' ? 'Space' : undefined);
  const mapped = code ? world.keyMap[code] : undefined;
  return mapped ? { kind: 'action', action: mapped.action } : { kind: 'unknown' };
}

function legendLine(world: PlayableWorld): string {
  const keys = Object.entries(world.keyMap).map(([key, { label, action }]) => `${key.replace('Arrow', '')}=${label}(${action + 1})`);
  return `keys 1-${world.numActions}: latent actions  ${keys.join('  ')}  b: back  r: reset  q: quit`;
}

/** Runs an interactive terminal session until the user quits. */
export async function playInTerminal(world: PlayableWorld, prompt: Frame, seed: number): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY) throw new Error('--terminal needs an interactive terminal (stdin is not a TTY)');
  const session = new PlaySession(world, seed, 100_000);
  const scale = Math.max(1, Math.min(2, Math.floor((stdout.columns ?? 80) / world.width)));
  const draw = (frame: Frame, status: string) => {
    stdout.write(`${ESC}H${ESC}2J${renderHalfBlocks(frame, scale)}\n${legendLine(world)}\n${status}\n`);
  };
  draw(session.start(prompt), 'frame 0');
  stdin.setRawMode(true);
  stdin.resume();
  await new Promise<void>((resolve) => {
    stdin.on('data', (data) => {
      const key = parseKey(data.toString(), world);
      const started = performance.now();
      try {
        if (key.kind === 'quit') {
          stdin.setRawMode(false);
          stdin.pause();
          stdout.write('\n');
          resolve();
          return;
        }
        const frame =
          key.kind === 'action' ? session.act(key.action)
          : key.kind === 'back' ? session.goTo(Math.max(0, session.length - 2))
          : key.kind === 'reset' ? session.reset()
          : null;
        if (frame) draw(frame, `frame ${session.length - 1}  ${(performance.now() - started).toFixed(0)} ms`);
      } catch (err) {
        stdout.write(`\n${(err as Error).message}\n`);
      }
    });
  });
}
