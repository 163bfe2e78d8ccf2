// Run-and-jump physics on the tile grid, in integer units (level.ts) so that a state and an action
// always give the same next state: the expert plans with this very function.
//
// One step: the horizontal speed is set by the keys at once (full speed in the pressed direction, zero
// otherwise), a jump when standing, gravity, then an axis-by-axis move that stops at solid tiles. The
// instant response shows every left/right press in the very next frame (a 2-pixel scroll at 64x64), as a
// latent action model learning from video needs; with momentum a press moved the next frame by half a
// pixel (src/bc/README.md). Speeds stay below one tile per step, so checking the leading edge's new row
// or column is enough to never pass through a wall.
import { COIN_SIZE, Tile, TILE, tileAt, type Level, type Mover } from './level.ts';

export const NUM_ACTIONS = 6;
export const ACTION_NAMES = ['NOOP', 'LEFT', 'RIGHT', 'JUMP', 'LEFT+JUMP', 'RIGHT+JUMP'] as const;

export const AGENT_WIDTH = 20;
export const AGENT_HEIGHT = 24;
export const MAX_SPEED = 8; // units per step: a quarter tile
// A jump rises 18+16+...+2 = 90 units (2.8 tiles) and covers about 4.7 tiles at full speed.
export const JUMP_SPEED = 20;
export const GRAVITY = 2;
const MAX_FALL = 24;

/** The agent's box: (x, y) is its lower-left corner, in units. */
export interface Body {
  x: number;
  y: number;
  vx: number;
  vy: number;
  facing: 1 | -1; // drawn only; does not change the dynamics
}

export type StepEvent = 'none' | 'goal' | 'death';

export function spawnBody(level: Level): Body {
  return { x: level.spawn.x - AGENT_WIDTH / 2, y: level.spawn.y, vx: 0, vy: 0, facing: 1 };
}

// The side walls hold the agent in; above and below the grid is open (falling out kills).
function isSolid(level: Level, tx: number, ty: number): boolean {
  if (tx < 0 || tx >= level.width) return true;
  const tile = tileAt(level, tx, ty);
  return tile === Tile.ground || tile === Tile.crate || tile === Tile.platform;
}

function anySolidInColumn(level: Level, tx: number, ty0: number, ty1: number): boolean {
  for (let ty = ty0; ty <= ty1; ty++) if (isSolid(level, tx, ty)) return true;
  return false;
}

function anySolidInRow(level: Level, ty: number, tx0: number, tx1: number): boolean {
  for (let tx = tx0; tx <= tx1; tx++) if (isSolid(level, tx, ty)) return true;
  return false;
}

export function isGrounded(level: Level, body: Body): boolean {
  if (body.vy > 0 || body.y % TILE !== 0) return false;
  return anySolidInRow(level, body.y / TILE - 1, Math.floor(body.x / TILE), Math.floor((body.x + AGENT_WIDTH - 1) / TILE));
}

export function moverPosition(mover: Mover, t: number, period: number): { x: number; y: number } {
  const u = (t + mover.phase) % period;
  const half = period / 2;
  const along = u <= half ? u : period - u; // triangle wave 0..half..0
  return { x: mover.x + Math.trunc((mover.dx * along) / half), y: mover.y + Math.trunc((mover.dy * along) / half) };
}

function overlaps(ax: number, ay: number, aw: number, ah: number, bx: number, by: number, bw: number, bh: number): boolean {
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

// Hazard tiles hurt only in their lower part (the lava surface sits below the tile top, spikes are
// short), which is also how they are drawn.
const HAZARD_BOX: Partial<Record<number, { x: number; w: number; h: number }>> = {
  [Tile.lava]: { x: 0, w: TILE, h: 22 },
  [Tile.spikes]: { x: 4, w: TILE - 8, h: 14 },
};
const MOVER_MARGIN = 3; // movers' hitboxes are a little smaller than their pictures, as players expect

function touchesHazard(level: Level, body: Body, t: number): boolean {
  const tx0 = Math.floor(body.x / TILE);
  const tx1 = Math.floor((body.x + AGENT_WIDTH - 1) / TILE);
  const ty0 = Math.floor(body.y / TILE);
  const ty1 = Math.floor((body.y + AGENT_HEIGHT - 1) / TILE);
  for (let ty = ty0; ty <= ty1; ty++) {
    for (let tx = tx0; tx <= tx1; tx++) {
      const box = HAZARD_BOX[tileAt(level, tx, ty)];
      if (box && overlaps(body.x, body.y, AGENT_WIDTH, AGENT_HEIGHT, tx * TILE + box.x, ty * TILE, box.w, box.h)) return true;
    }
  }
  for (const mover of level.movers) {
    const p = moverPosition(mover, t, level.moverPeriod);
    const m = MOVER_MARGIN;
    if (overlaps(body.x, body.y, AGENT_WIDTH, AGENT_HEIGHT, p.x + m, p.y + m, mover.width - 2 * m, mover.height - 2 * m)) return true;
  }
  return false;
}

/**
 * Advances the agent by one step taken at time t (movers are checked at t + 1, where the step ends).
 * Returns a new Body; the input is not modified.
 */
export function stepBody(level: Level, body: Body, t: number, action: number): { body: Body; event: StepEvent } {
  const dir = action === 1 || action === 4 ? -1 : action === 2 || action === 5 ? 1 : 0;
  const jump = action >= 3;
  const grounded = isGrounded(level, body);
  let { x, y, vy, facing } = body;

  let vx = dir * MAX_SPEED;
  if (dir !== 0) facing = dir;
  if (jump && grounded) vy = JUMP_SPEED;
  vy = Math.max(vy - GRAVITY, -MAX_FALL);

  const ty0 = Math.floor(y / TILE);
  const ty1 = Math.floor((y + AGENT_HEIGHT - 1) / TILE);
  x += vx;
  if (vx > 0) {
    const lead = Math.floor((x + AGENT_WIDTH - 1) / TILE);
    if (anySolidInColumn(level, lead, ty0, ty1)) {
      x = lead * TILE - AGENT_WIDTH;
      vx = 0;
    }
  } else if (vx < 0) {
    const lead = Math.floor(x / TILE);
    if (anySolidInColumn(level, lead, ty0, ty1)) {
      x = (lead + 1) * TILE;
      vx = 0;
    }
  }

  const tx0 = Math.floor(x / TILE);
  const tx1 = Math.floor((x + AGENT_WIDTH - 1) / TILE);
  y += vy;
  if (vy > 0) {
    const lead = Math.floor((y + AGENT_HEIGHT - 1) / TILE);
    if (anySolidInRow(level, lead, tx0, tx1)) {
      y = lead * TILE - AGENT_HEIGHT;
      vy = 0;
    }
  } else if (vy < 0) {
    const lead = Math.floor(y / TILE);
    if (anySolidInRow(level, lead, tx0, tx1)) {
      y = (lead + 1) * TILE;
      vy = 0;
    }
  }

  const next: Body = { x, y, vx, vy, facing };
  let event: StepEvent = 'none';
  if (y < -TILE || touchesHazard(level, next, t + 1)) event = 'death';
  else if (overlaps(x, y, AGENT_WIDTH, AGENT_HEIGHT, level.coin.x, level.coin.y, COIN_SIZE, COIN_SIZE)) event = 'goal';
  return { body: next, event };
}
