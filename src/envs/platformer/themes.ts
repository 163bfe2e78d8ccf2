// Visual themes: each level draws its background pattern, its ground pattern and its colours from
// these lists (with its own random stream, independent of the layout), so a world model trained on
// the videos sees many looks for the same mechanics, as with CoinRun's backgrounds and tile sets.
import { SeededRandom } from './random.ts';

export type BackgroundPattern = 'gradient' | 'stripes' | 'checker' | 'stars' | 'hills' | 'diagonal' | 'dots' | 'bricks' | 'waves';
export type TilePattern = 'bricks' | 'stone' | 'dirt' | 'checker' | 'plain';

export interface Theme {
  background: { pattern: BackgroundPattern; low: number; high: number; detail: number }; // 0xRRGGBB colours
  ground: { pattern: TilePattern; base: number; accent: number; top: number };
  crate: number;
  platform: number;
  liquid: number; // lava pools
  agent: number;
  slime: number;
}

const BACKGROUND_PATTERNS: BackgroundPattern[] = ['gradient', 'stripes', 'checker', 'stars', 'hills', 'diagonal', 'dots', 'bricks', 'waves'];
const TILE_PATTERNS: TilePattern[] = ['bricks', 'stone', 'dirt', 'checker', 'plain'];

// [low (bottom of the level), high (top), detail (clouds, stars, hills, lines)]
const BACKGROUND_PALETTES: [number, number, number][] = [
  [0x9fd8f0, 0x4a90d9, 0xffffff], // day sky
  [0xf7b267, 0x7b4b94, 0xf25c54], // sunset
  [0x1b1f3b, 0x05060f, 0xe8e8ff], // night
  [0xf2e2b1, 0xe0b86a, 0xc98b4a], // desert
  [0x2a9d8f, 0x14465c, 0x8fe3d8], // underwater
  [0x9bc53d, 0x3b7d3b, 0x1e4d2b], // forest
  [0xf6d6e8, 0xc9b6f2, 0xffffff], // pastel
  [0x8d99ae, 0x4a4e69, 0x22223b], // overcast
  [0x3d1f4f, 0x1a0b26, 0xff9f1c], // dusk with lights
  [0xd8f3dc, 0x95d5b2, 0x52b788], // mint
];

// [base, accent (lines, shadows), top (grass, snow, sand)]
const GROUND_PALETTES: [number, number, number][] = [
  [0x8b5a2b, 0x5c3a1a, 0x4caf50], // dirt and grass
  [0x9aa5b1, 0x5f6b78, 0xf4f8fb], // stone and snow
  [0xe3c07b, 0xb88f45, 0xf5deb3], // sand
  [0x6a4c93, 0x3f2b5b, 0xc77dff], // crystal
  [0xa23b2a, 0x6b2219, 0xd9a066], // red brick
  [0x5a6470, 0x343a42, 0xb0bec5], // metal
  [0x2f6b3a, 0x1b3f22, 0x8bd450], // jungle
  [0x3a3a3a, 0x1c1c1c, 0xff6f3c], // volcanic
];

const CRATES = [0xb5793c, 0x9c6b30, 0xc98f4a, 0x7f5a2e];
const PLATFORMS = [0xc0c0c0, 0xd4a373, 0x90e0ef, 0xffd166];
const LIQUIDS = [0xff4d1a, 0xff7518, 0x7cfc00, 0xd62dff];
const AGENTS = [0xf4a261, 0xe76f51, 0x48cae4, 0xffd60a, 0xff70a6, 0x80ed99, 0xffffff];
const SLIMES = [0x70e000, 0x9d4edd, 0x00b4d8, 0xef476f];

export function luminance(color: number): number {
  return (((color >> 16) & 255) * 299 + ((color >> 8) & 255) * 587 + (color & 255) * 114) / 1000;
}

const clampByte = (v: number): number => Math.max(0, Math.min(255, v));

export function shade(color: number, delta: number): number {
  return (clampByte(((color >> 16) & 255) + delta) << 16) | (clampByte(((color >> 8) & 255) + delta) << 8) | clampByte((color & 255) + delta);
}

function mixChannel(a: number, b: number, shift: number, num: number, den: number): number {
  const x = (a >> shift) & 255;
  return x + Math.trunc(((((b >> shift) & 255) - x) * num) / den);
}

/** The colour num/den of the way from a to b, per channel, in integers. */
export function mix(a: number, b: number, num: number, den: number): number {
  return (mixChannel(a, b, 16, num, den) << 16) | (mixChannel(a, b, 8, num, den) << 8) | mixChannel(a, b, 0, num, den);
}

const MIN_CONTRAST = 70; // luminance steps (0-255) between the ground and the sky behind it

/** How much to brighten (or darken) a colour of luminance `lum` to stand out against `sky`. */
function contrastShift(lum: number, sky: number): number {
  const gap = lum - sky;
  if (Math.abs(gap) >= MIN_CONTRAST) return 0;
  const brighten = gap >= 0 ? sky + MIN_CONTRAST <= 255 : sky - MIN_CONTRAST < 0;
  return Math.trunc(brighten ? MIN_CONTRAST - gap : -MIN_CONTRAST - gap);
}

function withContrast(color: number, sky: number): number {
  return shade(color, contrastShift(luminance(color), sky));
}

export function pickTheme(seed: number): Theme {
  const rng = new SeededRandom(seed, 1);
  const [low, high, detail] = rng.pick(BACKGROUND_PALETTES);
  const [base, accent, top] = rng.pick(GROUND_PALETTES);
  // Keep the ground readable against the sky: push it away from the background's brightness.
  const sky = luminance(mix(low, high, 1, 2));
  const shift = contrastShift(luminance(base), sky);
  const ground = { base: shade(base, shift), accent: shade(accent, shift), top: withContrast(top, sky) };
  return {
    background: { pattern: rng.pick(BACKGROUND_PATTERNS), low, high, detail },
    ground: { pattern: rng.pick(TILE_PATTERNS), ...ground },
    crate: rng.pick(CRATES),
    platform: rng.pick(PLATFORMS),
    liquid: rng.pick(LIQUIDS),
    agent: withContrast(rng.pick(AGENTS), sky),
    slime: rng.pick(SLIMES),
  };
}
