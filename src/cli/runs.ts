// `genie runs plot runs/NAME`: charts of a training run's curves and an HTML page with them.
import type { Command } from 'commander';

export function register(program: Command): void {
  const runs = program.command('runs').description('look at training runs');
  runs
    .command('plot')
    .description('PNG charts of loss, PSNR, codebook usage and learning rate, and an HTML page, in RUN/plots')
    .argument('<run>', 'a run directory written by genie train (holds metrics.jsonl)')
    .action(async (run: string) => {
      const { plotRun } = await import('../train/plot.ts');
      const { page, charts } = await plotRun(run);
      console.log(`${charts.length} charts; open ${page}`);
    });
}
