// Textures for one level's theme, drawn procedurally in world units (one texel per unit), so frames
// of any size sample the same pictures. Integer arithmetic only: pictures are identical everywhere.
// Texture rows go upwards (v = 0 is the bottom), like world y.
import { LEVEL_HEIGHT, Tile, TILE, tileAt, type Level } from './level.ts';
import { AGENT_HEIGHT, AGENT_WIDTH } from './physics.ts';
import { mix, shade, type Theme } from './themes.ts';

export class Texture {
  readonly rgb: Uint8Array;
  readonly opaque: Uint8Array; // 1 where the texture covers what lies behind it

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Uint8Array(width * height * 3);
    this.opaque = new Uint8Array(width * height);
  }

  set(u: number, v: number, color: number): void {
    const i = v * this.width + u;
    this.rgb[i * 3] = (color >> 16) & 255;
    this.rgb[i * 3 + 1] = (color >> 8) & 255;
    this.rgb[i * 3 + 2] = color & 255;
    this.opaque[i] = 1;
  }

  static paint(width: number, height: number, colorAt: (u: number, v: number) => number | null): Texture {
    const texture = new Texture(width, height);
    for (let v = 0; v < height; v++) {
      for (let u = 0; u < width; u++) {
        const color = colorAt(u, v);
        if (color !== null) texture.set(u, v, color);
      }
    }
    return texture;
  }
}

/** What each cell of the grid looks like: tile ids, except ground with open sky above gets its own look. */
export const Visual = { empty: 0, ground: 1, groundTop: 2, crate: 3, platform: 4, lava: 5, spikes: 6 } as const;

export interface LevelArt {
  visuals: Uint8Array; // (height, width), Visual ids
  tiles: Texture[]; // indexed by Visual id; empty has none
  background: Texture; // BACKGROUND_WIDTH x level height, repeats horizontally
  agent: Texture;
  saw: Texture[]; // animation frames
  slime: Texture;
  coin: Texture;
}

export const BACKGROUND_WIDTH = 256;

function hash(x: number, y: number, salt: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(salt, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Triangle wave with the given period and amplitude, integer valued: a smooth-enough hill shape. */
function triangle(x: number, period: number, amplitude: number): number {
  const u = ((x % period) + period) % period;
  const half = period / 2;
  return Math.trunc(((u < half ? u : period - u) * amplitude) / half);
}

function backgroundTexture(theme: Theme): Texture {
  const { pattern, low, high, detail } = theme.background;
  const height = LEVEL_HEIGHT * TILE;
  // Colours depend on the row through the sky gradient; computing them once per row rather than once
  // per texel keeps a level's art cheap to build (it is rebuilt at every reset).
  const sky = Int32Array.from({ length: height }, (_, v) => mix(low, high, v, height));
  const tint = (num: number, den: number) => sky.map((color) => mix(color, detail, num, den));
  const colorAt = ((): ((u: number, v: number) => number) => {
    switch (pattern) {
      case 'gradient': {
        const cloudColor = tint(3, 4);
        const cloud = (u: number, v: number, cx: number, cy: number): boolean => (u - cx) * (u - cx) + 4 * (v - cy) * (v - cy) < 24 * 24;
        return (u, v) => (cloud(u, v, 60, 380) || cloud(u, v, 84, 372) || cloud(u, v, 190, 300) || cloud(u, v, 210, 306) ? cloudColor[v] : sky[v]);
      }
      case 'stripes': {
        const band = tint(1, 4);
        return (_u, v) => ((v >> 5) & 1 ? sky[v] : band[v]);
      }
      case 'checker': {
        const square = tint(1, 5);
        return (u, v) => (((u >> 6) + (v >> 6)) & 1 ? sky[v] : square[v]);
      }
      case 'stars':
        return (u, v) => (hash(u >> 2, v >> 2, 7) % 97 === 0 ? detail : sky[v]);
      case 'hills': {
        const farHill = tint(1, 2);
        const nearHill = mix(detail, 0x000000, 1, 4);
        return (u, v) => {
          const far = 200 + triangle(u, 256, 70) + triangle(u, 64, 14);
          const near = 120 + triangle(u + 90, 128, 50);
          return v < near ? nearHill : v < far ? farHill[v] : sky[v];
        };
      }
      case 'diagonal': {
        const stripe = tint(1, 5);
        return (u, v) => (((u + v) >> 4) & 1 ? sky[v] : stripe[v]);
      }
      case 'dots': {
        const dot = tint(1, 2);
        return (u, v) => {
          const du = (u & 31) - 16;
          const dv = (v & 31) - 16;
          return du * du + dv * dv < 36 ? dot[v] : sky[v];
        };
      }
      case 'bricks': {
        const mortar = tint(1, 3);
        return (u, v) => ((v & 31) < 3 || ((u + ((v >> 5) & 1) * 32) & 63) < 3 ? mortar[v] : sky[v]);
      }
      case 'waves': {
        const wave = tint(1, 4);
        return (u, v) => (((v + triangle(u, 64, 12)) >> 4) & 1 ? sky[v] : wave[v]);
      }
    }
  })();
  return Texture.paint(BACKGROUND_WIDTH, height, colorAt);
}

function groundTexture(theme: Theme, withTop: boolean): Texture {
  const { pattern, base, accent, top } = theme.ground;
  const light = shade(base, 28);
  return Texture.paint(TILE, TILE, (u, v) => {
    if (withTop) {
      const edge = TILE - 7 - (hash(u >> 2, 0, 3) % 3) * 2; // a ragged fringe of grass, snow or sand
      if (v >= edge) return v === edge ? shade(top, -40) : top;
    }
    switch (pattern) {
      case 'bricks': {
        const row = v >> 3;
        return (v & 7) < 2 || ((u + (row & 1) * 8) & 15) < 2 ? accent : base;
      }
      case 'stone': {
        const bu = u & 15;
        const bv = v & 15;
        if (bu < 2 || bv > 13) return light;
        return bu > 13 || bv < 2 ? accent : base;
      }
      case 'dirt': {
        const h = hash(u >> 2, v >> 2, 11) % 9;
        return h === 0 ? accent : h === 1 ? light : base;
      }
      case 'checker':
        return ((u >> 3) + (v >> 3)) & 1 ? base : mix(base, accent, 1, 2);
      case 'plain':
        return u < 2 || v < 2 || u > TILE - 3 || v > TILE - 3 ? accent : base;
    }
  });
}

function crateTexture(color: number): Texture {
  const dark = shade(color, -60);
  return Texture.paint(TILE, TILE, (u, v) => {
    if (u < 3 || v < 3 || u > TILE - 4 || v > TILE - 4) return dark;
    if (Math.abs(u - v) < 2 || Math.abs(u + v - (TILE - 1)) < 2) return shade(color, -30);
    return (v & 7) === 0 ? shade(color, -20) : color;
  });
}

function platformTexture(color: number): Texture {
  return Texture.paint(TILE, TILE, (u, v) => {
    if (v > TILE - 9) return (u === 4 || u === TILE - 5) && (v === TILE - 5 || v === TILE - 4) ? shade(color, -90) : shade(color, 30);
    return (u >> 2) & 1 ? color : shade(color, -40);
  });
}

/** Lava: a wavy surface a bit below the tile top (where it starts to hurt, see physics.ts). */
function lavaTexture(color: number): Texture {
  return Texture.paint(TILE, TILE, (u, v) => {
    const surface = 19 + triangle(u, 16, 4);
    if (v > surface) return null;
    if (v >= surface - 2) return shade(color, 70);
    return hash(u >> 2, v >> 2, 5) % 5 === 0 ? shade(color, 40) : color;
  });
}

function spikesTexture(): Texture {
  return Texture.paint(TILE, TILE, (u, v) => {
    if (v >= 14 || u < 4 || u >= TILE - 4) return null;
    const offset = ((u - 4) % 8) * 2 - 7; // -7..7 across one spike, in half units
    if (Math.abs(offset) * 14 > (14 - v) * 8) return null;
    return offset < 0 ? 0xe0e0e0 : 0x9a9a9a;
  });
}

function agentTexture(color: number): Texture {
  const outline = shade(color, -90);
  return Texture.paint(AGENT_WIDTH, AGENT_HEIGHT, (u, v) => {
    const corner = (u < 2 || u > AGENT_WIDTH - 3) && (v < 2 || v > AGENT_HEIGHT - 3);
    if (corner) return null;
    if (v < 4) return u >= 8 && u < 12 ? null : outline; // feet
    if (v >= 14 && v < 20) {
      // eyes looking right; the renderer mirrors the texture when the agent faces left
      const inLeftEye = u >= 8 && u < 12;
      const inRightEye = u >= 14 && u < 18;
      if (inLeftEye || inRightEye) return (u === 11 || u === 17) && v < 18 ? 0x101010 : 0xffffff;
    }
    if (u < 2 || u > AGENT_WIDTH - 3 || v > AGENT_HEIGHT - 3) return outline;
    return color;
  });
}

function sawTexture(frame: number): Texture {
  const size = 24;
  return Texture.paint(size, size, (u, v) => {
    const du = 2 * u - (size - 1);
    const dv = 2 * v - (size - 1);
    const r2 = du * du + dv * dv; // in half units squared
    if (r2 > size * size) return null;
    if (r2 < 36) return 0x303030;
    if (r2 > 17 * 17) return ((u + v + frame * 4) >> 2) & 1 ? 0xd0d0d0 : null; // teeth that turn
    return r2 < 12 * 12 ? 0xb0b0b0 : 0x808080;
  });
}

function slimeTexture(color: number): Texture {
  return Texture.paint(24, 14, (u, v) => {
    const du = 2 * u - 23;
    if (du * du * 196 + v * v * 576 > 576 * 196) return null;
    if (v >= 6 && v < 10 && (u === 8 || u === 9 || u === 15 || u === 16)) return 0x101010;
    return v < 2 ? shade(color, -60) : color;
  });
}

function coinTexture(): Texture {
  const size = 20;
  return Texture.paint(size, size, (u, v) => {
    const du = 2 * u - (size - 1);
    const dv = 2 * v - (size - 1);
    const r2 = du * du + dv * dv;
    if (r2 > size * size) return null;
    if (r2 > 15 * 15) return 0xc08a00;
    return u >= 8 && u < 12 && v >= 4 && v < 16 ? 0xfff2a8 : 0xffcc00;
  });
}

export function buildArt(level: Level, theme: Theme): LevelArt {
  const visuals = new Uint8Array(level.width * level.height);
  for (let ty = 0; ty < level.height; ty++) {
    for (let tx = 0; tx < level.width; tx++) {
      const tile = tileAt(level, tx, ty);
      const covered = tileAt(level, tx, ty + 1) === Tile.ground;
      visuals[ty * level.width + tx] =
        tile === Tile.ground ? (covered ? Visual.ground : Visual.groundTop)
        : tile === Tile.crate ? Visual.crate
        : tile === Tile.platform ? Visual.platform
        : tile === Tile.lava ? Visual.lava
        : tile === Tile.spikes ? Visual.spikes
        : Visual.empty;
    }
  }
  const tiles: Texture[] = [];
  tiles[Visual.ground] = groundTexture(theme, false);
  tiles[Visual.groundTop] = groundTexture(theme, true);
  tiles[Visual.crate] = crateTexture(theme.crate);
  tiles[Visual.platform] = platformTexture(theme.platform);
  tiles[Visual.lava] = lavaTexture(theme.liquid);
  tiles[Visual.spikes] = spikesTexture();
  return {
    visuals,
    tiles,
    background: backgroundTexture(theme),
    agent: agentTexture(theme.agent),
    saw: [sawTexture(0), sawTexture(1)],
    slime: slimeTexture(theme.slime),
    coin: coinTexture(),
  };
}
