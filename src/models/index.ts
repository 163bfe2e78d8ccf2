export * from './config.ts';
export { presets } from './presets.ts';
export * from './model-size.ts';
