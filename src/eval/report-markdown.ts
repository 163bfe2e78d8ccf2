// report.md: the report for people. Tables of our numbers with the sample counts behind them, published
// figures beside them clearly labelled as other people's measurements, and the figures inline.
import { PUBLISHED_NOTE, publishedFor, type PublishedMetric } from './published.ts';
import type { EvalReport } from './report.ts';

export function fixed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text; // no '-0.00'
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function published(metric: PublishedMetric, digits = 2): string {
  return publishedFor(metric).map((f) => `${fixed(f.value, digits)} (${f.source})`).join('; ') || '';
}

export function reportMarkdown(report: EvalReport): string {
  const { world, data, settings, tokenizer, lam, dynamics, controllability, speed } = report;
  const S = settings.rolloutSteps;
  const t = controllability.t;
  const names = data.actionNames;
  const figure = (name: string, caption: string) => (report.figures[name] ? `![${caption}](${report.figures[name]})\n\n*${caption}*\n` : '');
  const sections: string[] = [];

  sections.push(`# Evaluation of world \`${world.name}\`

- World: \`${world.dir}\` (|A| = ${world.numActions} latent actions)
- Data: \`${data.dir}\`, ${data.clips} clips, ${data.frames} frames at ${data.width}x${data.height}; checksum sha256 \`${data.checksum.sha256}\` over ${data.checksum.files} files
- Settings: seed ${settings.seed}, batch ${settings.batchSize}, MaskGIT steps ${settings.maskgitSteps}, temperature ${settings.temperature}, ${settings.promptFrames} prompt frame, ${S} generated frames scored, prompt frames ${settings.starts.join(', ')} of every clip, ${settings.threads} threads, ${settings.precision} products
- Written ${report.createdAt}. Every number is in \`report.json\`.`);

  sections.push(`## Summary

${PUBLISHED_NOTE}

${markdownTable(['measure', 'this world', 'samples', 'published figures'], [
    ['Tokenizer reconstruction PSNR (dB)', fixed(tokenizer.psnr), `${tokenizer.frames} frames`, published('tokenizer.psnr')],
    ['Tokenizer reconstruction SSIM', fixed(tokenizer.ssim, 3), `${tokenizer.frames} frames`, published('tokenizer.ssim')],
    [`Rollout PSNR, LAM actions, mean of ${S} frames (dB)`, fixed(dynamics.lamActions.psnr), `${dynamics.windows} rollouts`, published('rollout.psnr')],
    [`Rollout SSIM, LAM actions, mean of ${S} frames`, fixed(dynamics.lamActions.ssim, 3), `${dynamics.windows} rollouts`, published('rollout.ssim')],
    ['Copy-the-prompt-frame baseline PSNR (dB)', fixed(dynamics.copyPrompt.psnr), `${dynamics.windows} rollouts`, ''],
    ['Teacher-forced PSNR, upper bound (dB)', fixed(dynamics.teacherForced.psnr), `${dynamics.windows} rollouts`, ''],
    [`Delta_t PSNR at t=${t} (dB) ± standard error`, `${fixed(controllability.deltaPsnr)} ± ${fixed(controllability.standardError)}`, `${dynamics.windows} rollouts`, published('deltaPsnr')],
    ['Latent actions used, perplexity', `${lam.codebook.used} / ${lam.codebook.codes}, ${fixed(lam.codebook.perplexity)}`, `${lam.transitions} transitions`, ''],
    ['NMI(latent, true action)', fixed(lam.analysis.nmi, 4), `${lam.transitions} transitions`, ''],
    ['Many-to-one mapping accuracy (vs always-majority)', `${fixed(lam.analysis.mappingAccuracy, 3)} (${fixed(lam.analysis.majorityAccuracy, 3)})`, `fit on ${lam.analysis.fitClips} clips, scored on ${lam.analysis.scoreClips}`, ''],
    ...report.frechet.map((f) => [`Fréchet distance over ${f.extractorId} (NOT FVD)`, fixed(f.distance, 4), `${f.realClips} real vs ${f.generatedClips} generated ${f.clipFrames}-frame clips`, '']),
    ['Generation speed (frames/s)', fixed(speed.generationFramesPerSecond), `${speed.generatedFrames} frames in ${fixed(speed.generationSeconds, 1)} s`, ''],
  ])}`);

  sections.push(`## Quality floors of the shipped world (issue 5)

${markdownTable(['floor', 'this world', 'met'], qualityFloors(report).map((f) => [f.floor, f.value, f.met ? 'yes' : 'NO']))}`);

  sections.push(`## Tokenizer

Every frame of the ${data.clips} clips, encoded and decoded in consecutive windows of ${tokenizer.windowFrames} frames: PSNR ${fixed(tokenizer.psnr)} dB, SSIM ${fixed(tokenizer.ssim, 3)} (Gaussian-window SSIM, per RGB channel, then averaged).

${figure('tokenizer', 'Tokenizer reconstructions: true frames (top), reconstructions (bottom)')}`);

  const codeRows = lam.codebook.counts.map((n, z) => [`z${z}`, String(n), fixed(100 * lam.codebook.fractions[z], 1), names[lam.analysis.mapping[z]] ?? String(lam.analysis.mapping[z])]);
  sections.push(`## Latent action model

Pairing: ${lam.pairing}. Windows of ${lam.windowFrames} frames overlapping by one frame, so each of the ${lam.transitions} transitions gets one latent action.

- Reconstruction of x_{t+1} by the LAM decoder: PSNR ${fixed(lam.reconstruction.psnr)} dB, SSIM ${fixed(lam.reconstruction.ssim, 3)} (copying x_t would score ${fixed(lam.copyLastFrame.psnr)} dB / ${fixed(lam.copyLastFrame.ssim, 3)}).
- Codebook: ${lam.codebook.used} of ${lam.codebook.codes} codes used, perplexity ${fixed(lam.codebook.perplexity)}.
- Normalised mutual information with the true actions: ${fixed(lam.analysis.nmi, 4)} (arithmetic-mean normalisation, as scikit-learn).
- Best many-to-one mapping latent -> true action, fitted on the first ${lam.analysis.fitClips} clips and scored on the other ${lam.analysis.scoreClips}: accuracy ${fixed(lam.analysis.mappingAccuracy, 3)}, against ${fixed(lam.analysis.majorityAccuracy, 3)} for always guessing the most common action.

${markdownTable(['latent', 'transitions', '%', 'mapped to'], codeRows)}

Co-occurrence (rows: latent actions, columns: true actions):

${markdownTable(['', ...names], lam.analysis.cooccurrence.map((row, z) => [`z${z}`, ...row.map(String)]))}

${figure('cooccurrence', 'Co-occurrence of latent and true actions')}`);

  const stepRows = Array.from({ length: S }, (_, i) => [
    String(i + 1),
    fixed(dynamics.lamActions.psnrPerStep[i]), fixed(dynamics.teacherForced.psnrPerStep[i]), fixed(dynamics.randomActions.psnrPerStep[i]), fixed(dynamics.copyPrompt.psnrPerStep[i]),
    fixed(dynamics.lamActions.ssimPerStep[i], 3), fixed(dynamics.copyPrompt.ssimPerStep[i], 3),
    fixed(controllability.deltaPsnrPerStep[i]),
  ]);
  const mean = (c: { psnr: number }) => fixed(c.psnr);
  sections.push(`## Dynamics rollouts and controllability

${dynamics.windows} rollouts from 1 prompt frame, ${S} generated frames each. LAM actions: inferred by the LAM from the true clip. Teacher-forced: each frame generated from the TRUE previous frames (upper bound). Random actions: latent actions drawn uniformly. Copy: the prompt frame as the guess for every frame. The generated rollouts of a batch share their sampling seed, so they differ only through actions and context. Delta_t PSNR = PSNR(LAM actions) - PSNR(random actions), Genie's controllability metric.

${markdownTable(['t', 'PSNR LAM', 'PSNR teacher-forced', 'PSNR random', 'PSNR copy', 'SSIM LAM', 'SSIM copy', 'Delta_t PSNR'], [
    ...stepRows,
    ['mean', mean(dynamics.lamActions), mean(dynamics.teacherForced), mean(dynamics.randomActions), mean(dynamics.copyPrompt), fixed(dynamics.lamActions.ssim, 3), fixed(dynamics.copyPrompt.ssim, 3), ''],
  ])}

${figure('psnrPerStep', 'PSNR per generated frame')}
${figure('ssimPerStep', 'SSIM per generated frame')}
${figure('deltaPsnr', 'Delta_t PSNR per generated frame')}
${figure('rollouts', 'Rollouts beside the ground truth')}
${figure('actionGrid', 'The same prompt under each latent action, held for several frames')}`);

  sections.push(`## Fréchet distances (substitutes, NOT FVD)

FVD needs I3D features trained on Kinetics, which are not available here. These are the same Fréchet distance between Gaussians fitted to real and generated clips, over substitute features; they compare worlds evaluated the same way and nothing else. With fewer clips than feature dimensions the covariances are singular, which the distance handles, but the value is noisy.

${markdownTable(['features', 'distance', 'dim', 'clips', 'what the features are'], report.frechet.map((f) => [f.extractorId, fixed(f.distance, 4), String(f.dim), `${f.realClips} vs ${f.generatedClips}`, f.extractorDescription]))}`);

  const keyRows = report.keyMap.choices.map((c) => [c.role, `z${c.latent}`, fixed(c.lift), fixed(c.roleShareGivenLatent, 3), fixed(c.roleBaseRate, 3), String(c.support), c.distinct ? 'yes' : 'no (shared)']);
  sections.push(`## Play key map

Criterion: ${report.keyMap.criterion} (minSupport ${report.keyMap.minSupport}). Keys: ${Object.entries(report.keyMap.keys).map(([key, v]) => `${key} = z${v.action} (${v.label})`).join(', ')}.

${markdownTable(['role', 'latent', 'lift', 'P(role|latent)', 'P(role)', 'support', 'distinct'], keyRows)}`);

  const sectionTimes = Object.entries(speed.sectionSeconds).map(([name, s]) => `${name} ${fixed(s, 1)} s / ${fixed(speed.sectionCpuSeconds[name], 1)} CPU s`).join(', ');
  sections.push(`## Speed and provenance

Generation: ${fixed(speed.generationFramesPerSecond)} frames/s (${speed.generatedFrames} frames of ${settings.batchSize}-clip batches, ${settings.maskgitSteps} MaskGIT steps each; wall time of the rollout calls, tokenizing the prompt and decoding included). Whole eval: ${fixed(speed.totalSeconds, 1)} s wall on ${settings.threads} engine threads (${sectionTimes}; CPU seconds count every thread).

${markdownTable(['checkpoint', 'sha256', 'bytes'], world.checkpoints.map((c) => [`${c.component}: \`${c.path}\``, `\`${c.sha256}\``, String(c.bytes)]))}`);

  return `${sections.join('\n\n')}\n`;
}

// The shipped world's quality floors (issue 5), checked on this report's numbers.
export function qualityFloors(report: EvalReport): { floor: string; value: string; met: boolean }[] {
  const { tokenizer, dynamics, lam, controllability } = report;
  const rarest = Math.min(...lam.codebook.fractions);
  return [
    { floor: 'tokenizer PSNR >= 28 dB', value: `${fixed(tokenizer.psnr)} dB`, met: tokenizer.psnr >= 28 },
    { floor: 'rollout PSNR (LAM actions) >= 18 dB', value: `${fixed(dynamics.lamActions.psnr)} dB`, met: dynamics.lamActions.psnr >= 18 },
    { floor: 'rollout PSNR above the copy-the-prompt baseline (the aim)', value: `${fixed(dynamics.lamActions.psnr - dynamics.copyPrompt.psnr)} dB`, met: dynamics.lamActions.psnr > dynamics.copyPrompt.psnr },
    { floor: 'every latent action >= 3% of transitions', value: `rarest ${fixed(100 * rarest, 1)}%`, met: rarest >= 0.03 },
    { floor: `Delta_t PSNR at t=${controllability.t} > 0.5 dB`, value: `${fixed(controllability.deltaPsnr)} dB`, met: controllability.deltaPsnr > 0.5 },
  ];
}
