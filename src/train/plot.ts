// `genie runs plot runs/NAME`: the curves of a run from its metrics.jsonl (loss terms, validation PSNR,
// codebook usage, learning rate, per phase) as PNG+SVG charts in runs/NAME/plots, and an index.html
// showing them with the latest sample grids.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFigurePage, writeLineChart, type LineChartOptions, type LineSeries, type PageSection } from '../eval/figures/index.ts';
import { readMetrics, type MetricsRecord } from './metrics-log.ts';
import type { PhaseName } from './run-config.ts';

type Train = Extract<MetricsRecord, { kind: 'train' }>;
type Val = Extract<MetricsRecord, { kind: 'val' }>;

interface ChartPlan {
  file: string;
  caption: string;
  options: LineChartOptions;
}

const PHASES: PhaseName[] = ['tokenizer', 'dynamics'];

// Validation metrics drawn per phase: [file, chart title, y label, metric names, caption].
const VALIDATION_CHARTS: Record<PhaseName, [string, string, string, string[], string][]> = {
  tokenizer: [
    ['tokenizer-psnr', 'tokenizer reconstruction PSNR (validation)', 'PSNR (dB)', ['psnr'], 'Reconstruction PSNR of held-out clips; the shipped world needs >= 28 dB on the test split.'],
    ['tokenizer-codebook', 'tokenizer codebook usage (validation)', 'codes', ['codesUsed', 'codebookPerplexity'], 'Codes used by the held-out clips, and the perplexity of their distribution.'],
  ],
  dynamics: [
    ['dynamics-rollout-psnr', 'rollout PSNR (validation)', 'PSNR (dB)', ['rolloutPsnr', 'copyPsnr'], 'Frames generated from one prompt frame with the LAM\'s actions, beside copying the prompt frame: a world that cannot beat copying has not learned dynamics.'],
    ['dynamics-action-usage', 'latent action usage (validation)', 'actions', ['actionsUsed', 'actionPerplexity'], 'Latent actions used on held-out transitions; 1 means the action codebook collapsed.'],
    ['dynamics-lam-psnr', 'latent action model reconstruction (validation)', 'PSNR (dB)', ['lamPsnr', 'lamRandomActionPsnr', 'lamOtherClipActionPsnr'], 'The LAM decoder\'s next-frame PSNR with its inferred actions, with random ones and with another clip\'s: when the lines meet, the latent actions carry no information about the clip.'],
    ['dynamics-masked-accuracy', 'masked-token accuracy (validation)', 'accuracy', ['maskedAccuracy'], 'Fraction of masked tokens the dynamics model predicts exactly, on a fixed mask.'],
  ],
};

export async function plotRun(runDir: string): Promise<{ page: string; charts: string[] }> {
  const metricsPath = join(runDir, 'metrics.jsonl');
  const records = readMetrics(metricsPath);
  if (records.length === 0) throw new Error(`${metricsPath}: no metrics to plot (is ${runDir} a training run directory?)`);
  const outDir = join(runDir, 'plots');
  mkdirSync(outDir, { recursive: true });

  const sections: PageSection[] = [];
  const charts: string[] = [];
  for (const phase of PHASES) {
    const train = records.filter((r): r is Train => r.kind === 'train' && r.phase === phase);
    const val = records.filter((r): r is Val => r.kind === 'val' && r.phase === phase);
    if (train.length === 0) continue;
    const plans = [...trainingCharts(phase, train), ...validationCharts(phase, val)];
    const figures = [];
    for (const plan of plans) {
      const { png } = await writeLineChart(join(outDir, plan.file), plan.options);
      charts.push(png);
      figures.push({ path: png, caption: plan.caption });
    }
    const sample = latestSample(runDir, phase);
    if (sample) figures.push({ path: sample, caption: `The latest ${phase} validation samples (${sample.split('/').pop()}).` });
    const last = train[train.length - 1];
    sections.push({ heading: phase, paragraphs: [`${last.step} steps logged; last loss ${last.loss.toPrecision(4)}; peak RSS ${Math.round(last.rssMB)} MB.`], figures });
  }
  const page = await writeFigurePage(join(outDir, 'index.html'), {
    title: `Training run ${runDir}`,
    intro: [`Curves from ${metricsPath}. Regenerate with: genie runs plot ${runDir}`],
    sections,
  });
  return { page, charts };
}

function trainingCharts(phase: PhaseName, train: Train[]): ChartPlan[] {
  const termNames = [...new Set(train.flatMap((r) => Object.keys(r.terms)))];
  const series = (name: string, value: (r: Train) => number | undefined): LineSeries => ({
    name,
    points: train.flatMap((r) => {
      const y = value(r);
      return y === undefined ? [] : [{ x: r.step, y }];
    }),
  });
  return [
    {
      file: `${phase}-loss.png`,
      caption: `Training loss of the ${phase} phase and its terms, per step.`,
      options: { title: `${phase} training loss`, xLabel: 'step', yLabel: 'loss', series: [series('total', (r) => r.loss), ...termNames.map((t) => series(t, (r) => r.terms[t]))] },
    },
    {
      file: `${phase}-lr.png`,
      caption: 'Learning rate: linear warmup, then cosine decay.',
      options: { title: `${phase} learning rate`, xLabel: 'step', yLabel: 'learning rate', series: [series('lr', (r) => r.lr)] },
    },
  ];
}

function validationCharts(phase: PhaseName, val: Val[]): ChartPlan[] {
  return VALIDATION_CHARTS[phase].flatMap(([file, title, yLabel, names, caption]) => {
    const series = names
      .map((name) => ({ name, points: val.flatMap((r) => (name in r.metrics ? [{ x: r.step, y: r.metrics[name] }] : [])) }))
      .filter((s) => s.points.length > 0);
    if (series.length === 0) return [];
    return [{ file: `${file}.png`, caption, options: { title, xLabel: 'step', yLabel, series, showPoints: true } }];
  });
}

function latestSample(runDir: string, phase: PhaseName): string | null {
  const dir = join(runDir, 'samples');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => f.startsWith(`${phase}-step`) && f.endsWith('.png')).sort();
  return files.length ? join(dir, files[files.length - 1]) : null;
}
