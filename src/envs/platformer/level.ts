// Procedural levels in the spirit of CoinRun: a left-to-right run over ground of varying height,
// broken by steps, walls, crate stacks, pits (bottomless or lava), spikes, floating platforms and
// moving hazards (saws going up and down, slimes patrolling), with the coin near the right end.
//
// Units: positions are integers in "units", TILE units per tile; y grows upwards and row 0 is the
// bottom row. Everything is integer so a seed gives the same level on every JavaScript engine.
// Feature sizes are bounded by what the physics can jump (see physics.ts): steps up of at most
// 2 tiles, gaps of at most 3 tiles (2 when landing higher), so every level is meant to be solvable;
// the expert's success rate in the tests checks that promise.
import { SeededRandom } from './random.ts';

export const TILE_SHIFT = 5; // tiles are a power of two wide so the renderer can shift and mask
export const TILE = 1 << TILE_SHIFT;
export const LEVEL_HEIGHT = 16; // tiles; ground stays at most MAX_GROUND so jumps never leave the grid
const MIN_GROUND = 1;
const MAX_GROUND = 9;

export const Tile = { empty: 0, ground: 1, crate: 2, platform: 3, lava: 4, spikes: 5 } as const;
export type TileId = (typeof Tile)[keyof typeof Tile];

/** A hazard moving back and forth between (x, y) and (x + dx, y + dy), box lower-left corner. */
export interface Mover {
  kind: 'saw' | 'slime';
  x: number;
  y: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  phase: number; // steps added to t, so movers of one level do not move in lockstep
}

export interface Point {
  x: number;
  y: number;
}

export interface Level {
  seed: number;
  width: number; // tiles
  height: number; // tiles
  tiles: Uint8Array; // (height, width) row-major, row 0 at the bottom
  spawn: Point; // the agent's feet (bottom centre of its box), units
  coin: Point; // coin box lower-left corner, units
  movers: Mover[];
  moverPeriod: number; // steps for one back-and-forth trip; shared so (t mod period) is the whole mover state
  timeLimit: number; // steps
}

export const COIN_SIZE = 20;
export const MOVER_PERIOD = 40;
export const TIME_LIMIT = 1000; // like Procgen CoinRun

export function tileAt(level: Level, tx: number, ty: number): number {
  if (tx < 0 || tx >= level.width || ty < 0 || ty >= level.height) return Tile.empty;
  return level.tiles[ty * level.width + tx];
}

type Feature = 'flat' | 'stepUp' | 'stepDown' | 'pit' | 'wall' | 'crates' | 'spikes' | 'platforms' | 'saw' | 'slime';

// How often each feature is drawn; hazards get scaled by the level's own difficulty so that some
// levels are gentle runs and others are hazard courses.
const BASE_WEIGHTS: Record<Feature, number> = {
  flat: 10, stepUp: 12, stepDown: 10, pit: 14, wall: 9, crates: 10, spikes: 8, platforms: 7, saw: 6, slime: 6,
};
const HAZARDS: ReadonlySet<Feature> = new Set<Feature>(['spikes', 'saw', 'slime']);

/** Column-by-column builder: ground height per column plus tiles placed on top of it. */
class LevelBuilder {
  readonly ground: number[] = [];
  readonly extras: { x: number; y: number; tile: TileId }[] = [];
  readonly movers: Mover[] = [];

  constructor(
    readonly rng: SeededRandom,
    readonly width: number,
  ) {}

  get x(): number {
    return this.ground.length;
  }

  columns(count: number, height: number): void {
    for (let i = 0; i < count; i++) this.ground.push(height);
  }

  put(x: number, y: number, tile: TileId): void {
    this.extras.push({ x, y, tile });
  }
}

export function generateLevel(seed: number): Level {
  const rng = new SeededRandom(seed);
  const width = rng.int(40, 64);
  const b = new LevelBuilder(rng, width);
  let h = rng.int(2, 4);
  const hazardPercent = rng.int(40, 160);
  const features = Object.keys(BASE_WEIGHTS) as Feature[];
  const weights = features.map((f) => (HAZARDS.has(f) ? Math.floor((BASE_WEIGHTS[f] * hazardPercent) / 100) : BASE_WEIGHTS[f]));
  const total = weights.reduce((s, w) => s + w, 0);

  b.columns(4, h); // spawn area
  const endStart = width - 6;
  while (b.x < endStart) {
    let r = rng.int(0, total - 1);
    let feature = features[0];
    for (let i = 0; i < features.length; i++) {
      if (r < weights[i]) {
        feature = features[i];
        break;
      }
      r -= weights[i];
    }
    h = addFeature(b, feature, h, endStart - b.x);
  }
  b.ground.length = Math.min(b.ground.length, endStart);
  b.columns(width - b.x, h); // goal area: flat run to the right wall

  const tiles = new Uint8Array(LEVEL_HEIGHT * width);
  for (let x = 0; x < width; x++) for (let y = 0; y < b.ground[x]; y++) tiles[y * width + x] = Tile.ground;
  for (const e of b.extras) tiles[e.y * width + e.x] = e.tile;

  const coinX = width - 3;
  return {
    seed,
    width,
    height: LEVEL_HEIGHT,
    tiles,
    spawn: { x: TILE + TILE / 2, y: b.ground[1] * TILE },
    coin: { x: coinX * TILE + (TILE - COIN_SIZE) / 2, y: b.ground[coinX] * TILE + 4 },
    movers: b.movers,
    moverPeriod: MOVER_PERIOD,
    timeLimit: TIME_LIMIT,
  };
}

const clampGround = (h: number): number => Math.max(MIN_GROUND, Math.min(MAX_GROUND, h));

/** Appends one feature at the builder's current column and returns the ground height after it. */
function addFeature(b: LevelBuilder, feature: Feature, h: number, room: number): number {
  const { rng } = b;
  switch (feature) {
    case 'flat':
      b.columns(rng.int(2, 5), h);
      return h;
    case 'stepUp': {
      const up = clampGround(h + rng.int(1, 2));
      b.columns(rng.int(2, 4), up);
      return up;
    }
    case 'stepDown': {
      const down = clampGround(h - rng.int(1, 3));
      b.columns(rng.int(2, 4), down);
      return down;
    }
    case 'pit': {
      const landing = clampGround(h + rng.int(-2, 1));
      const gap = rng.int(1, landing > h ? 2 : 3);
      addPit(b, gap, h);
      b.columns(rng.int(2, 3), landing);
      return landing;
    }
    case 'wall': {
      b.columns(2, h);
      b.columns(rng.int(1, 2), clampGround(h + 2));
      const after = rng.chance(50) ? h : clampGround(h + 1);
      b.columns(2, after);
      return after;
    }
    case 'crates': {
      b.columns(1, h);
      const stacks = rng.int(1, 3);
      for (let i = 0; i < stacks; i++) {
        const x = b.x;
        b.columns(1, h);
        const tall = i === 0 ? 1 : rng.int(1, 2); // the first stack is a single crate, so stacks form a stair
        for (let k = 0; k < tall; k++) b.put(x, h + k, Tile.crate);
      }
      b.columns(2, h);
      return h;
    }
    case 'spikes': {
      b.columns(2, h);
      const count = rng.int(1, 2);
      for (let i = 0; i < count; i++) {
        b.put(b.x, h, Tile.spikes);
        b.columns(1, h);
      }
      b.columns(2, h);
      return h;
    }
    case 'platforms': {
      if (room < 10) return addFeature(b, 'pit', h, room);
      b.columns(1, h);
      addPit(b, rng.int(1, 2), h);
      const row = Math.min(h - 1 + rng.int(0, 2), MAX_GROUND); // its surface is 0-2 tiles above the rim
      const length = rng.int(2, 3);
      const x0 = b.x;
      addPit(b, length, h);
      for (let i = 0; i < length; i++) b.put(x0 + i, row, Tile.platform);
      addPit(b, rng.int(1, 2), h);
      b.columns(2, h);
      return h;
    }
    case 'saw': {
      // A saw going up and down across the path: pass below it while it is up.
      b.columns(2, h);
      const x = b.x;
      b.columns(3, h);
      b.movers.push({ kind: 'saw', x: x * TILE + 4, y: h * TILE + 2, dx: 0, dy: 3 * TILE, width: 24, height: 24, phase: rng.int(0, MOVER_PERIOD - 1) });
      return h;
    }
    case 'slime': {
      // A slime patrolling a flat stretch: jump over it.
      b.columns(1, h);
      const x = b.x;
      const span = rng.int(3, 4);
      b.columns(span + 1, h);
      b.movers.push({ kind: 'slime', x: x * TILE + 2, y: h * TILE, dx: span * TILE - 28, dy: 0, width: 24, height: 14, phase: rng.int(0, MOVER_PERIOD - 1) });
      return h;
    }
  }
}

/** A gap in the ground; half of them hold lava two tiles below the rim instead of being bottomless. */
function addPit(b: LevelBuilder, gap: number, rim: number): void {
  const lava = b.rng.chance(50);
  const floor = Math.max(0, rim - 2);
  for (let i = 0; i < gap; i++) {
    const x = b.x;
    if (lava) {
      b.columns(1, floor);
      b.put(x, floor, Tile.lava);
    } else {
      b.columns(1, 0);
    }
  }
}
