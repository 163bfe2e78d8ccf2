export * from './render.ts';
export * from './line-chart.ts';
export * from './heatmap.ts';
export * from './image-grid.ts';
export * from './html-page.ts';
