// bc.json and the success-vs-N figure, like the paper's Fig. 14.
import { join } from 'node:path';
import { writeFileAtomic } from '../data/index.ts';
import type { TopLevelSpec } from 'vega-lite';
import { writeChart } from '../eval/figures/index.ts';
import type { RateInterval } from './confidence.ts';
import type { BcResult, BcSettings } from './experiment.ts';

export const BC_FORMAT = 'genie-ts bc 1';
export const BC_JSON = 'bc.json';
export const BC_FIGURE = 'bc-success.png';

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
    'success = coin reached; [low, high] is the 95% Wilson score interval over evaluation levels (one episode per level, ' +
    'binomial); it does not cover the variation between training seeds of the policies',
  pairing:
    'latent[t] is the LAM action of frames t -> t+1 (inferred from frames up to t+1, windows of the context length ' +
    'overlapping by one frame), paired with actions[t], the real action taken after frame t; policies predict either from frames t-K+1..t',
  levels: 'the world trains on level seeds from 0 (genie env record), the expert plays its levels, evaluation uses another disjoint range',
};

export async function writeBcReport(out: string, report: BcReport): Promise<{ json: string; figure: string }> {
  const json = join(out, BC_JSON);
  await writeFileAtomic(json, JSON.stringify(report, null, 1) + '\n');
  const figure = join(out, BC_FIGURE);
  await writeChart(figure, successChartSpec(report.result));
  return { json, figure };
}

// One colour per method; the oracle and random policies do not depend on N and are drawn flat across it.
const METHODS = {
  latent: 'Genie latent policy + N-label map',
  labelOnly: 'same network on the N labels only',
  oracle: 'oracle: same network on all labels',
  random: 'random actions',
} as const;

// Lines of success rate against N (log axis, as N spans 25..500) over shaded 95% intervals. A dedicated
// Vega-Lite spec rather than eval's line chart, which has no interval bands.
export function successChartSpec(result: BcResult): TopLevelSpec {
  const row = (method: string, n: number, rate: RateInterval) => ({ method, n, rate: rate.rate, low: rate.low, high: rate.high });
  const values = result.byN.flatMap((r) => [
    row(METHODS.latent, r.n, r.latent.summary.success),
    row(METHODS.labelOnly, r.n, r.labelOnly.summary.success),
    row(METHODS.oracle, r.n, result.oracle.summary.success),
    row(METHODS.random, r.n, result.random.summary.success),
  ]);
  const x = { field: 'n', type: 'quantitative', title: 'labelled expert transitions N (log scale)', scale: { type: 'log', nice: false, padding: 24 }, axis: { values: result.byN.map((r) => r.n), format: 'd' } } as const;
  const color = { field: 'method', type: 'nominal', title: null, scale: { domain: Object.values(METHODS) }, legend: { orient: 'bottom', columns: 2, labelLimit: 320 } } as const;
  const rateAxis = { type: 'quantitative' as const, title: 'success rate (coin reached)', scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Behaviour cloning from latent actions', subtitle: `success on ${result.oracle.outcomes.length} held-out levels; bands: 95% Wilson intervals over levels`, fontSize: 15 },
    width: 560,
    height: 340,
    padding: 8,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'low', ...rateAxis }, y2: { field: 'high' }, color } },
      { mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y: { field: 'rate', ...rateAxis }, color } },
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, symbolOpacity: 1 } },
  };
}
