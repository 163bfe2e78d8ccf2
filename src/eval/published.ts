// Published figures printed beside ours. They were measured on other data, models and hardware, so they
// are context, not targets: every report labels them that way.
export interface PublishedFigure {
  metric: PublishedMetric;
  value: number;
  source: string; // who, which model, which data
}

export type PublishedMetric = 'tokenizer.psnr' | 'tokenizer.ssim' | 'rollout.psnr' | 'rollout.ssim' | 'deltaPsnr';

export const PUBLISHED_FIGURES: readonly PublishedFigure[] = [
  { metric: 'deltaPsnr', value: 1.91, source: 'Genie (Bruce et al. 2024), Platformers, 2.5B dynamics model, t=4' },
  { metric: 'deltaPsnr', value: 2.07, source: 'Genie (Bruce et al. 2024), Robotics, t=4' },
  { metric: 'deltaPsnr', value: 0.7, source: 'GenieRedux-G, CoinRun random-agent data' },
  { metric: 'tokenizer.psnr', value: 38.25, source: 'GenieRedux tokenizer, CoinRun' },
  { metric: 'tokenizer.ssim', value: 0.96, source: 'GenieRedux tokenizer, CoinRun' },
  { metric: 'rollout.psnr', value: 25.51, source: 'GenieRedux (LAM actions), CoinRun, 1 prompt frame, 10 frames' },
  { metric: 'rollout.ssim', value: 0.77, source: 'GenieRedux (LAM actions), CoinRun, 1 prompt frame, 10 frames' },
  { metric: 'rollout.psnr', value: 12.66, source: 'Jafar as measured by GenieRedux, CoinRun, 1 prompt frame, 10 frames' },
];

export const PUBLISHED_NOTE = 'Published figures were measured by their authors on their own data, models and hardware: context, not comparable one to one.';

export function publishedFor(metric: PublishedMetric): PublishedFigure[] {
  return PUBLISHED_FIGURES.filter((f) => f.metric === metric);
}
