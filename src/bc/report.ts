// bc.json and the figures: success rate against N, like the paper's Fig. 14, and mean progress towards the
// coin against N, which still separates methods where few levels are solved.
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import type { TopLevelSpec } from 'vega-lite';
import { writeChart } from '../eval/figures/index.ts';
import type { EvaluationSummary } from './closed-loop.ts';
import type { BcResult, BcSettings } from './experiment.ts';

export const BC_FORMAT = 'genie-ts bc 1';
export const BC_JSON = 'bc.json';
export const BC_FIGURES = { success: 'bc-success.png', progress: 'bc-progress.png' } as const;
type Metric = keyof typeof BC_FIGURES;

export interface BcReport {
  format: typeof BC_FORMAT;
  world: { name: string; source: string; checkpoints: unknown; latentActions: number; contextFrames: number; frameSize: number };
  settings: BcSettings;
  notes: {
    confidence: string;
    pairing: string;
    levels: string;
  };
  result: BcResult;
}

export const REPORT_NOTES: BcReport['notes'] = {
  confidence:
    'success = coin reached, [low, high] = 95% Wilson score interval over evaluation levels (one episode per level, binomial); ' +
    'progress = how far right the agent got from its start (0) to the coin (1), mean over levels with a 95% percentile ' +
    'bootstrap interval (2000 resamples of levels); neither covers the variation between training seeds of the policies',
  pairing:
    'latent[t] is the LAM action of frames t -> t+1 (inferred from frames up to t+1, windows of the context length ' +
    'overlapping by one frame), paired with actions[t], the real action taken after frame t; policies predict either from frames t-K+1..t',
  levels: 'the world trains on level seeds from 0 (genie env record), the expert plays its levels, evaluation uses another disjoint range',
};

export async function writeBcReport(out: string, report: BcReport): Promise<{ json: string; figures: string[] }> {
  const json = join(out, BC_JSON);
  await writeFileAtomic(json, JSON.stringify(report, null, 1) + '\n');
  const figures: string[] = [];
  for (const [metric, file] of Object.entries(BC_FIGURES) as [Metric, string][]) {
    figures.push(join(out, file));
    await writeChart(join(out, file), chartSpec(report.result, metric));
  }
  return { json, figures };
}

const METRICS: Record<Metric, { title: string; axis: string; band: string; of: (s: EvaluationSummary) => { value: number; low: number; high: number } }> = {
  success: {
    title: 'Behaviour cloning from latent actions: levels solved',
    axis: 'success rate (coin reached)',
    band: '95% Wilson intervals',
    of: (s) => ({ value: s.success.rate, low: s.success.low, high: s.success.high }),
  },
  progress: {
    title: 'Behaviour cloning from latent actions: progress towards the coin',
    axis: 'mean progress (start 0, coin 1)',
    band: '95% bootstrap intervals',
    of: (s) => ({ value: s.progress.mean, low: s.progress.low, high: s.progress.high }),
  },
};

// One colour per method; the oracle and random policies do not depend on N and are drawn flat across it.
const METHODS = {
  latent: 'Genie latent policy + N-label map',
  labelOnly: 'same network on the N labels only',
  oracle: 'oracle: same network on all labels',
  random: 'random actions',
} as const;

// Lines of the metric against N (log axis, as N spans 25..500) over shaded 95% intervals. A dedicated
// Vega-Lite spec rather than eval's line chart, which has no interval bands.
export function chartSpec(result: BcResult, metric: Metric): TopLevelSpec {
  const { title, axis, band, of } = METRICS[metric];
  const row = (method: string, n: number, summary: EvaluationSummary) => ({ method, n, ...of(summary) });
  const values = result.byN.flatMap((r) => [
    row(METHODS.latent, r.n, r.latent.summary),
    row(METHODS.labelOnly, r.n, r.labelOnly.summary),
    row(METHODS.oracle, r.n, result.oracle.summary),
    row(METHODS.random, r.n, result.random.summary),
  ]);
  const x = { field: 'n', type: 'quantitative', title: 'labelled expert transitions N (log scale)', scale: { type: 'log', nice: false, padding: 24 }, axis: { values: result.byN.map((r) => r.n), format: 'd' } } as const;
  const color = { field: 'method', type: 'nominal', title: null, scale: { domain: Object.values(METHODS) }, legend: { orient: 'bottom', columns: 2, labelLimit: 320 } } as const;
  const rateAxis = { type: 'quantitative' as const, title: axis, scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `${result.oracle.outcomes.length} held-out levels, one episode each; bands: ${band} over levels`, fontSize: 15 },
    width: 560,
    height: 340,
    padding: 8,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'low', ...rateAxis }, y2: { field: 'high' }, color } },
      { mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y: { field: 'value', ...rateAxis }, color } },
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, symbolOpacity: 1 } },
  };
}
