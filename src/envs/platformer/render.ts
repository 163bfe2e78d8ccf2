// Agent-centred camera: draws the background (with parallax), the tiles, the coin, the moving
// hazards and the agent into an RGB frame (rows top to bottom, 3 bytes per pixel).
//
// The world is sampled on a fixed global pixel grid (pixel g covers units [g*view/size,
// (g+1)*view/size) and samples its centre); the camera scrolls by whole pixels, so textures do not
// shimmer as the agent moves, and any frame size works (64 is the dataset size).
import { BACKGROUND_WIDTH, Visual, type LevelArt, type Texture } from './art.ts';
import { TILE, TILE_SHIFT, type Level } from './level.ts';
import { AGENT_HEIGHT, AGENT_WIDTH, moverPosition, type Body } from './physics.ts';

export interface Scene {
  level: Level;
  art: LevelArt;
  body: Body;
  t: number;
  coinTaken: boolean;
}

const LAVA_FLOW = 2; // units per step the lava texture drifts: a slow, visible flow

export class Renderer {
  private readonly columnX: Int32Array;
  private readonly rowY: Int32Array;

  constructor(
    readonly size: number,
    readonly viewUnits: number,
  ) {
    if (!Number.isInteger(size) || size < 8 || size > 1024) throw new Error(`Renderer: frame size must be an integer in [8, 1024], got ${size}`);
    if (!Number.isInteger(viewUnits) || viewUnits < TILE) throw new Error(`Renderer: view must be at least one tile (${TILE} units), got ${viewUnits}`);
    this.columnX = new Int32Array(size);
    this.rowY = new Int32Array(size);
  }

  private pixelCentre(g: number): number {
    return Math.floor(((2 * g + 1) * this.viewUnits) / (2 * this.size));
  }

  render(scene: Scene, out: Uint8Array = new Uint8Array(this.size * this.size * 3)): Uint8Array {
    const { size, columnX, rowY } = this;
    if (out.length !== size * size * 3) throw new Error(`Renderer.render: out has ${out.length} bytes, expected ${size * size * 3}`);
    const { level, art, body } = scene;
    const centreX = body.x + AGENT_WIDTH / 2;
    const centreY = body.y + AGENT_HEIGHT / 2;
    const half = Math.floor(size / 2);
    const left = Math.floor((centreX * size) / this.viewUnits) - half;
    const top = Math.floor((centreY * size) / this.viewUnits) + (size - half) - 1;
    for (let i = 0; i < size; i++) {
      columnX[i] = this.pixelCentre(left + i);
      rowY[i] = this.pixelCentre(top - i);
    }

    const { width, height } = level;
    const { visuals, tiles, background } = art;
    const parallax = Math.floor(centreX / 2); // the background scrolls at half speed
    const lavaShift = (scene.t * LAVA_FLOW) & (TILE - 1);
    for (let py = 0; py < size; py++) {
      const wy = rowY[py];
      const ty = wy >> TILE_SHIFT;
      const v = wy & (TILE - 1);
      const by = Math.max(0, Math.min(background.height - 1, wy));
      let o = py * size * 3;
      for (let px = 0; px < size; px++, o += 3) {
        const wx = columnX[px];
        const tx = wx >> TILE_SHIFT;
        // Outside the grid: solid walls to the sides, open sky above and below.
        const visual = tx < 0 || tx >= width ? Visual.ground : ty < 0 || ty >= height ? Visual.empty : visuals[ty * width + tx];
        if (visual !== Visual.empty) {
          const texture = tiles[visual];
          const u = visual === Visual.lava ? (wx + lavaShift) & (TILE - 1) : wx & (TILE - 1);
          const t = v * TILE + u;
          if (texture.opaque[t]) {
            out[o] = texture.rgb[t * 3];
            out[o + 1] = texture.rgb[t * 3 + 1];
            out[o + 2] = texture.rgb[t * 3 + 2];
            continue;
          }
        }
        const b = (by * BACKGROUND_WIDTH + ((wx - parallax) & (BACKGROUND_WIDTH - 1))) * 3;
        out[o] = background.rgb[b];
        out[o + 1] = background.rgb[b + 1];
        out[o + 2] = background.rgb[b + 2];
      }
    }

    if (!scene.coinTaken) this.drawSprite(out, art.coin, level.coin.x, level.coin.y, false);
    for (const mover of level.movers) {
      const p = moverPosition(mover, scene.t, level.moverPeriod);
      const texture = mover.kind === 'saw' ? art.saw[(scene.t >> 1) & 1] : art.slime;
      this.drawSprite(out, texture, p.x, p.y, false);
    }
    this.drawSprite(out, art.agent, body.x, body.y, body.facing < 0);
    return out;
  }

  /** Draws a texture whose lower-left corner is at world (x, y), skipping its transparent texels. */
  private drawSprite(out: Uint8Array, texture: Texture, x: number, y: number, mirror: boolean): void {
    const { size, columnX, rowY } = this;
    for (let py = 0; py < size; py++) {
      const v = rowY[py] - y;
      if (v < 0 || v >= texture.height) continue;
      for (let px = 0; px < size; px++) {
        let u = columnX[px] - x;
        if (u < 0 || u >= texture.width) continue;
        if (mirror) u = texture.width - 1 - u;
        const t = v * texture.width + u;
        if (!texture.opaque[t]) continue;
        const o = (py * size + px) * 3;
        out[o] = texture.rgb[t * 3];
        out[o + 1] = texture.rgb[t * 3 + 1];
        out[o + 2] = texture.rgb[t * 3 + 2];
      }
    }
  }
}
