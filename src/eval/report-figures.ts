// The report's PNG figures, and an index.html showing them: per-step PSNR/SSIM curves, the Delta_t PSNR
// curve, the co-occurrence heat map, tokenizer reconstructions, rollouts beside the ground truth and the
// same prompt under each latent action.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { imageFrames, type VideoBatch } from './eval-world.ts';
import { writeFigurePage, writeHeatmap, writeImageGrid, writeLineChart, type LineSeries } from './figures/index.ts';
import type { ImageFrame } from './metrics/index.ts';
import { publishedFor } from './published.ts';
import type { EvalReport } from './report.ts';
import type { RolloutExamples } from './rollout-eval.ts';
import type { TokenizerExamples } from './tokenizer-eval.ts';

export interface FigureInputs {
  tokenizer: TokenizerExamples;
  rollouts: RolloutExamples;
  actionGrid: VideoBatch; // (|A|, steps) from one prompt
  actionGridPrompt: VideoBatch; // (1, 1)
}

type ReportNumbers = Omit<EvalReport, 'figures'>;

// Writes the figures under outDir/figures and returns name -> path relative to outDir.
export async function writeReportFigures(outDir: string, report: ReportNumbers, inputs: FigureInputs): Promise<Record<string, string>> {
  const folder = join(outDir, 'figures');
  mkdirSync(folder, { recursive: true });
  const paths: Record<string, string> = {};
  const at = (name: string, file: string) => {
    paths[name] = relative(outDir, join(folder, file));
    return join(folder, file);
  };
  const { dynamics, controllability, lam, data, settings } = report;
  const steps = (values: readonly number[]) => values.map((y, i) => ({ x: i + 1, y }));
  const curves = (key: 'psnrPerStep' | 'ssimPerStep'): LineSeries[] => [
    { name: 'LAM actions', points: steps(dynamics.lamActions[key]) },
    { name: 'teacher-forced', points: steps(dynamics.teacherForced[key]) },
    { name: 'random actions', points: steps(dynamics.randomActions[key]) },
    { name: 'copy prompt frame', points: steps(dynamics.copyPrompt[key]) },
  ];
  const rulesFor = (metric: 'rollout.psnr' | 'rollout.ssim' | 'deltaPsnr') =>
    publishedFor(metric).map((f) => ({ y: f.value, label: `published, other data: ${f.value} (${f.source.split(',')[0]})` }));
  const note = `${dynamics.windows} rollouts, 1 prompt frame`;

  await writeLineChart(at('psnrPerStep', 'psnr-per-step.png'), {
    title: `PSNR per generated frame (${note})`, xLabel: 'generated frame t', yLabel: 'PSNR (dB)', series: curves('psnrPerStep'), rules: rulesFor('rollout.psnr'), showPoints: true,
  });
  await writeLineChart(at('ssimPerStep', 'ssim-per-step.png'), {
    title: `SSIM per generated frame (${note})`, xLabel: 'generated frame t', yLabel: 'SSIM', series: curves('ssimPerStep'), rules: rulesFor('rollout.ssim'), showPoints: true,
  });
  await writeLineChart(at('deltaPsnr', 'delta-psnr.png'), {
    title: `Delta_t PSNR: LAM actions minus random actions (${note})`, xLabel: 'generated frame t', yLabel: 'Delta_t PSNR (dB)',
    series: [{ name: 'this world', points: steps(controllability.deltaPsnrPerStep) }], rules: [{ y: 0, label: 'no control' }, ...rulesFor('deltaPsnr')], showPoints: true,
  });
  await writeHeatmap(at('cooccurrence', 'cooccurrence.png'), {
    title: `Latent vs true actions (${lam.transitions} transitions, NMI ${lam.analysis.nmi.toFixed(3)})`,
    matrix: lam.analysis.cooccurrence,
    rowLabels: lam.analysis.cooccurrence.map((_, z) => `z${z}`),
    columnLabels: data.actionNames,
    rowTitle: 'latent action',
    columnTitle: 'true action',
  });

  const { tokenizer, rollouts } = inputs;
  await writeImageGrid(at('tokenizer', 'tokenizer.png'), {
    rows: [imageFrames(tokenizer.truth, 0), imageFrames(tokenizer.reconstruction, 0)],
    rowLabels: ['true', 'reconstructed'],
    dataRange: 1,
    title: 'Tokenizer reconstructions',
  });
  const S = settings.rolloutSteps;
  const rows: ImageFrame[][] = [];
  const rowLabels: string[] = [];
  for (let b = 0; b < rollouts.truth.batch; b++) {
    const truth = imageFrames(rollouts.truth, b);
    rows.push(truth);
    rowLabels.push(`clip ${b + 1}: truth`);
    for (const [label, video] of [['LAM actions', rollouts.lamActions], ['random actions', rollouts.randomActions], ['teacher-forced', rollouts.teacherForced]] as const) {
      // The prompt frame starts every row, so generated frame t sits under true frame t.
      rows.push([truth[0], ...imageFrames(video, b)]);
      rowLabels.push(label);
    }
  }
  await writeImageGrid(at('rollouts', 'rollouts.png'), {
    rows, rowLabels, dataRange: 1, scale: 2, columnLabels: Array.from({ length: S + 1 }, (_, t) => `t=${t}`), title: 'Rollouts from the prompt frame (t=0)',
  });
  const prompt = imageFrames(inputs.actionGridPrompt, 0)[0];
  await writeImageGrid(at('actionGrid', 'action-grid.png'), {
    rows: Array.from({ length: inputs.actionGrid.batch }, (_, a) => [prompt, ...imageFrames(inputs.actionGrid, a)]),
    rowLabels: Array.from({ length: inputs.actionGrid.batch }, (_, a) => `z${a}`),
    columnLabels: Array.from({ length: inputs.actionGrid.frames + 1 }, (_, t) => (t === 0 ? 'prompt' : `t=${t}`)),
    dataRange: 1,
    scale: 2,
    title: 'One prompt, each latent action held',
  });

  await writeFigurePage(join(outDir, 'index.html'), {
    title: `Evaluation of ${report.world.name}`,
    intro: [`${data.clips} clips of ${data.dir}; every number is in report.json and report.md.`],
    sections: [
      { heading: 'Rollouts', figures: ['psnrPerStep', 'ssimPerStep', 'deltaPsnr', 'rollouts', 'actionGrid'].map((name) => ({ path: join(outDir, paths[name]), caption: name })) },
      { heading: 'Tokenizer and latent actions', figures: ['tokenizer', 'cooccurrence'].map((name) => ({ path: join(outDir, paths[name]), caption: name })) },
    ],
  });
  paths.page = 'index.html';
  return paths;
}

