// The environment with a Gym-like API: reset(seed) -> frame, step(action) -> {frame, reward, done, info}.
// One level per seed (layout and theme both follow from it); the episode ends on the coin (reward 10),
// on a hazard or fall, or at the time limit. No DOM or Node APIs, so a web page can run it too.
import { buildArt, type LevelArt } from './art.ts';
import { generateLevel, TILE, type Level } from './level.ts';
import { NUM_ACTIONS, spawnBody, stepBody, type Body } from './physics.ts';
import { Renderer } from './render.ts';
import { pickTheme, type Theme } from './themes.ts';

export const COIN_REWARD = 10;
export const DEFAULT_VIEW_TILES = 8; // 8 px per tile at 64x64, like the paper's small CoinRun frames

export type EpisodeEnd = 'goal' | 'death' | 'timeout';

export interface PlatformerOptions {
  size?: number; // frame width and height in pixels (default 64)
  viewTiles?: number; // tiles across the frame (default 8)
}

/** Everything the dynamics depend on; restoring it with setState replays the same future. */
export interface EnvState {
  seed: number;
  t: number;
  body: Body;
  episodeEnd: EpisodeEnd | null;
}

export interface StepInfo {
  seed: number;
  t: number; // steps taken so far in this episode
  body: Body; // the agent after the step (a copy)
  level: Level; // the layout an expert can plan over (shared, do not modify)
  episodeEnd: EpisodeEnd | null;
}

export interface StepResult {
  frame: Uint8Array; // size*size*3 RGB, a new buffer each step
  reward: number;
  done: boolean;
  info: StepInfo;
}

export class PlatformerEnv {
  readonly size: number;
  readonly numActions = NUM_ACTIONS;
  private readonly renderer: Renderer;
  private current: { level: Level; theme: Theme; art: LevelArt } | null = null;
  private state: EnvState | null = null;

  constructor(options: PlatformerOptions = {}) {
    this.size = options.size ?? 64;
    this.renderer = new Renderer(this.size, (options.viewTiles ?? DEFAULT_VIEW_TILES) * TILE);
  }

  get level(): Level {
    return this.loaded().level;
  }

  get theme(): Theme {
    return this.loaded().theme;
  }

  reset(seed: number): Uint8Array {
    if (this.current?.level.seed !== seed) {
      const level = generateLevel(seed);
      const theme = pickTheme(seed);
      this.current = { level, theme, art: buildArt(level, theme) };
    }
    this.state = { seed, t: 0, body: spawnBody(this.current.level), episodeEnd: null };
    return this.render();
  }

  step(action: number): StepResult {
    const state = this.started();
    if (!Number.isInteger(action) || action < 0 || action >= NUM_ACTIONS) {
      throw new Error(`PlatformerEnv.step: action must be an integer in [0, ${NUM_ACTIONS - 1}], got ${action}`);
    }
    if (state.episodeEnd) throw new Error(`PlatformerEnv.step: the episode has ended (${state.episodeEnd}); call reset(seed)`);
    const { level } = this.loaded();
    const { body, event } = stepBody(level, state.body, state.t, action);
    state.body = body;
    state.t += 1;
    if (event !== 'none') state.episodeEnd = event;
    else if (state.t >= level.timeLimit) state.episodeEnd = 'timeout';
    return {
      frame: this.render(),
      reward: event === 'goal' ? COIN_REWARD : 0,
      done: state.episodeEnd !== null,
      info: { seed: state.seed, t: state.t, body: { ...body }, level, episodeEnd: state.episodeEnd },
    };
  }

  /** The current frame again (e.g. after setState). */
  render(out?: Uint8Array): Uint8Array {
    const state = this.started();
    const { level, art } = this.loaded();
    return this.renderer.render({ level, art, body: state.body, t: state.t, coinTaken: state.episodeEnd === 'goal' }, out);
  }

  getState(): EnvState {
    const state = this.started();
    return { ...state, body: { ...state.body } };
  }

  setState(state: EnvState): void {
    if (this.current?.level.seed !== state.seed) this.reset(state.seed);
    this.state = { ...state, body: { ...state.body } };
  }

  private started(): EnvState {
    if (!this.state) throw new Error('PlatformerEnv: call reset(seed) before step or render');
    return this.state;
  }

  private loaded(): { level: Level; theme: Theme; art: LevelArt } {
    if (!this.current) throw new Error('PlatformerEnv: call reset(seed) first');
    return this.current;
  }
}
