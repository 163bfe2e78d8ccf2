// `genie eval --compare A B`: the headline numbers of two reports side by side, with the difference and
// which way is better, plus warnings when the two were not measured the same way (other data, seeds or
// sampling settings), because then a difference may not be the world's.
import { fixed } from './report-markdown.ts';
import type { EvalReport } from './report.ts';

interface Row {
  label: string;
  value: (r: EvalReport) => number | null;
  higherIsBetter: boolean | null; // null: neither (counts, settings)
  digits: number;
}

const ROWS: readonly Row[] = [
  { label: 'tokenizer PSNR (dB)', value: (r) => r.tokenizer.psnr, higherIsBetter: true, digits: 2 },
  { label: 'tokenizer SSIM', value: (r) => r.tokenizer.ssim, higherIsBetter: true, digits: 3 },
  { label: 'LAM x_{t+1} PSNR (dB)', value: (r) => r.lam.reconstruction.psnr, higherIsBetter: true, digits: 2 },
  { label: 'latent actions used', value: (r) => r.lam.codebook.used, higherIsBetter: true, digits: 0 },
  { label: 'latent action perplexity', value: (r) => r.lam.codebook.perplexity, higherIsBetter: true, digits: 2 },
  { label: 'NMI(latent, true)', value: (r) => r.lam.analysis.nmi, higherIsBetter: true, digits: 4 },
  { label: 'mapping accuracy', value: (r) => r.lam.analysis.mappingAccuracy, higherIsBetter: true, digits: 3 },
  { label: 'rollout PSNR, LAM actions (dB)', value: (r) => r.dynamics.lamActions.psnr, higherIsBetter: true, digits: 2 },
  { label: 'rollout SSIM, LAM actions', value: (r) => r.dynamics.lamActions.ssim, higherIsBetter: true, digits: 3 },
  { label: 'rollout PSNR, teacher-forced (dB)', value: (r) => r.dynamics.teacherForced.psnr, higherIsBetter: true, digits: 2 },
  { label: 'rollout PSNR, random actions (dB)', value: (r) => r.dynamics.randomActions.psnr, higherIsBetter: null, digits: 2 },
  { label: 'copy-prompt baseline PSNR (dB)', value: (r) => r.dynamics.copyPrompt.psnr, higherIsBetter: null, digits: 2 },
  { label: 'rollout minus copy baseline (dB)', value: (r) => r.dynamics.lamActions.psnr - r.dynamics.copyPrompt.psnr, higherIsBetter: true, digits: 2 },
  { label: 'Delta_t PSNR at headline t (dB)', value: (r) => r.controllability.deltaPsnr, higherIsBetter: true, digits: 2 },
  { label: 'generation frames/s', value: (r) => r.speed.generationFramesPerSecond, higherIsBetter: true, digits: 1 },
  { label: 'eval wall time (s)', value: (r) => r.speed.totalSeconds, higherIsBetter: false, digits: 1 },
];

export function compareReports(a: EvalReport, b: EvalReport, names: readonly [string, string]): string {
  const frechetIds = [...new Set([...a.frechet, ...b.frechet].map((f) => f.extractorId))];
  const frechetRows: Row[] = frechetIds.map((id) => ({
    label: `Fréchet distance, ${id} (NOT FVD)`,
    value: (r) => r.frechet.find((f) => f.extractorId === id)?.distance ?? null,
    higherIsBetter: false,
    digits: 4,
  }));
  const rows = [...ROWS, ...frechetRows].map((row) => {
    const [x, y] = [row.value(a), row.value(b)];
    const difference = x === null || y === null ? null : y - x;
    const verdict = difference === null || row.higherIsBetter === null || difference === 0 ? '' : (difference > 0) === row.higherIsBetter ? 'B better' : 'A better';
    return [row.label, fixed(x, row.digits), fixed(y, row.digits), difference === null ? 'n/a' : signed(difference, row.digits), verdict];
  });
  const header = ['measure', `A: ${names[0]}`, `B: ${names[1]}`, 'B - A', ''];
  return [formatColumns([header, ...rows]), ...differencesInSetup(a, b).map((w) => `warning: ${w}`)].join('\n');
}

function signed(value: number, digits: number): string {
  const text = fixed(value, digits);
  return value > 0 ? `+${text}` : text;
}

// Plain text columns padded to the widest cell, for a terminal.
function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

function differencesInSetup(a: EvalReport, b: EvalReport): string[] {
  const warnings: string[] = [];
  if (a.data.checksum.sha256 !== b.data.checksum.sha256) warnings.push(`the reports were measured on different data (${a.data.dir}, ${a.data.clips} clips vs ${b.data.dir}, ${b.data.clips} clips)`);
  for (const key of ['seed', 'maskgitSteps', 'temperature', 'batchSize', 'rolloutSteps', 'deltaT', 'precision'] as const) {
    if (a.settings[key] !== b.settings[key]) warnings.push(`${key} differs: ${a.settings[key]} vs ${b.settings[key]}`);
  }
  if (a.settings.starts.join(',') !== b.settings.starts.join(',')) warnings.push(`prompt frames differ: ${a.settings.starts.join(',')} vs ${b.settings.starts.join(',')}`);
  return warnings;
}
