export { PlatformerEnv, COIN_REWARD, DEFAULT_VIEW_TILES } from './env.ts';
export type { EnvState, EpisodeEnd, PlatformerOptions, StepInfo, StepResult } from './env.ts';
export { generateLevel, Tile, TILE, tileAt } from './level.ts';
export type { Level, Mover } from './level.ts';
export { ACTION_NAMES, NUM_ACTIONS, stepBody, spawnBody } from './physics.ts';
export type { Body, StepEvent } from './physics.ts';
export { pickTheme } from './themes.ts';
export type { Theme } from './themes.ts';
