export * from './frame.ts';
export * from './image-quality.ts';
export * from './frechet.ts';
export * from './feature-extractor.ts';
export * from './latent-actions.ts';
export * from './controllability.ts';
