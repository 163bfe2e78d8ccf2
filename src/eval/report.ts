// report.json: every number `genie eval` measured, with what is needed to reproduce it (world config,
// checkpoint hashes, data checksum, seeds, sample counts). The schema is the one definition of the file:
// the pipeline writes this type and `genie eval --compare` reads it back through the schema, so an old or
// hand-edited report fails with the field that is wrong rather than printing nonsense.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PRECISIONS } from '../engine/index.ts';

export const REPORT_FORMAT = 'genie-eval-report';
export const REPORT_VERSION = 1;
export const REPORT_JSON = 'report.json';
export const REPORT_MARKDOWN = 'report.md';

const count = z.number().int().nonnegative();
const scoreSummary = z.object({ psnr: z.number(), ssim: z.number(), frames: count });
const stepCurves = scoreSummary.extend({ psnrPerStep: z.array(z.number()), ssimPerStep: z.array(z.number()) });

export const evalReportSchema = z.object({
  format: z.literal(REPORT_FORMAT),
  version: z.literal(REPORT_VERSION),
  createdAt: z.string(),
  world: z.object({
    dir: z.string(),
    name: z.string(),
    numActions: count,
    config: z.unknown(),
    checkpoints: z.array(z.object({ component: z.string(), path: z.string(), sha256: z.string(), bytes: count })),
  }),
  data: z.object({
    dir: z.string(),
    clips: count,
    frames: count,
    height: count,
    width: count,
    actionNames: z.array(z.string()),
    checksum: z.object({ sha256: z.string(), files: count }),
  }),
  settings: z.object({
    seed: z.number().int(),
    batchSize: count,
    maskgitSteps: count,
    temperature: z.number(),
    promptFrames: count,
    rolloutSteps: count,
    clipFrames: count,
    deltaT: count,
    starts: z.array(count),
    threads: count,
    precision: z.enum(PRECISIONS).default('fp32'), // reports before bf16 inference were all fp32
  }),
  tokenizer: scoreSummary.extend({ windowFrames: count }),
  lam: z.object({
    transitions: count,
    windowFrames: count,
    reconstruction: scoreSummary,
    copyLastFrame: scoreSummary,
    codebook: z.object({ counts: z.array(count), fractions: z.array(z.number()), used: count, perplexity: z.number(), codes: count }),
    analysis: z.object({
      cooccurrence: z.array(z.array(count)),
      nmi: z.number(),
      mapping: z.array(count),
      mappingAccuracy: z.number(),
      majorityAccuracy: z.number(),
      fitClips: count,
      scoreClips: count,
    }),
    pairing: z.string(),
  }),
  dynamics: z.object({
    windows: count,
    lamActions: stepCurves,
    teacherForced: stepCurves,
    randomActions: stepCurves,
    copyPrompt: stepCurves,
  }),
  controllability: z.object({
    deltaPsnrPerStep: z.array(z.number()),
    t: count,
    deltaPsnr: z.number(),
    standardError: z.number().nullable(),
  }),
  frechet: z.array(
    z.object({
      distance: z.number(),
      extractorId: z.string(),
      extractorDescription: z.string(),
      dim: count,
      realClips: count,
      generatedClips: count,
      clipFrames: count,
    }),
  ),
  speed: z.object({
    generatedFrames: count,
    generationSeconds: z.number(),
    generationFramesPerSecond: z.number(),
    totalSeconds: z.number(),
    sectionSeconds: z.record(z.string(), z.number()),
    sectionCpuSeconds: z.record(z.string(), z.number()), // user + system, all threads
  }),
  keyMap: z.object({
    keys: z.record(z.string(), z.object({ action: count, label: z.string() })),
    choices: z.array(
      z.object({
        role: z.enum(['left', 'right', 'jump', 'noop']),
        latent: count,
        lift: z.number(),
        roleShareGivenLatent: z.number(),
        roleBaseRate: z.number(),
        support: count,
        distinct: z.boolean(),
      }),
    ),
    transitions: count,
    minSupport: count,
    criterion: z.string(),
  }),
  figures: z.record(z.string(), z.string()), // name -> path relative to the report folder
  published: z.array(z.object({ metric: z.string(), value: z.number(), source: z.string() })),
});

export type EvalReport = z.infer<typeof evalReportSchema>;

export async function readReport(dir: string): Promise<EvalReport> {
  const path = join(dir, REPORT_JSON);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${dir} has no ${REPORT_JSON}: is it a folder written by genie eval?` : `cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = evalReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: field '${issue.path.join('.') || '(top level)'}': ${issue.message}`);
  }
  return parsed.data;
}
