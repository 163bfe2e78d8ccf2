// `genie eval --world W --data SPLIT --out reports/NAME`: measure a world on a labelled test split and
// write report.json, report.md and figures; `genie eval --compare reports/A reports/B`: two reports side by
// side. Thin wrappers over src/eval.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { EVAL_DEFAULTS, compareReports, loadEvalWorld, readReport, runEval } from '../eval/index.ts';

const integer = (min: number) => z.coerce.number().int().min(min);

// The option values as commander hands them over (strings), checked and converted in one place.
const evalOptionsSchema = z.strictObject({
  world: z.string(),
  data: z.string(),
  out: z.string(),
  clips: integer(2).optional(),
  seed: integer(0),
  maskgitSteps: integer(1).optional(),
  temperature: z.coerce.number().min(0).optional(),
  batch: integer(1),
  starts: z.string().transform((text, ctx) => {
    const starts = text.split(',').map(Number);
    if (starts.some((s) => !Number.isInteger(s) || s < 0)) ctx.addIssue({ code: 'custom', message: `expected frame numbers such as 0,40,80, got '${text}'` });
    return starts;
  }),
});

function parseOptions(raw: Record<string, unknown>): z.infer<typeof evalOptionsSchema> {
  const parsed = evalOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const option = `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new Error(issue.code === 'invalid_type' && raw[String(issue.path[0])] === undefined ? `${option} is required` : `${option}: ${issue.message}`);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('measure a world on a labelled test split (tokenizer, latent actions, rollouts, Delta_t PSNR, substitute Fréchet distances, speed), or compare two reports')
    .option('--world <path>', "the world: a run folder holding dynamics.safetensors (after 'genie train dynamics'), or that checkpoint file")
    .option('--data <dir>', 'a labelled split in the CoinRun layout: clip files beside actions.jsonl')
    .option('--out <dir>', 'report folder: report.json, report.md, figures/, index.html')
    .option('--clips <n>', 'evaluate the first N clips of actions.jsonl (default: all)')
    .option('--seed <n>', 'seed of MaskGIT sampling and of the random latent actions', String(EVAL_DEFAULTS.seed))
    .option('--maskgit-steps <n>', "MaskGIT steps per generated frame (default: the world's)")
    .option('--temperature <t>', "sampling temperature (default: the world's)")
    .option('--batch <n>', 'clips per model call (results depend on it through the sampling seeds)', String(EVAL_DEFAULTS.batchSize))
    .option('--starts <frames>', 'prompt frames of the rollouts within each clip, comma-separated', EVAL_DEFAULTS.starts.join(','))
    .option('--compare <reports...>', 'print two report folders side by side instead of evaluating')
    .action(async (raw: Record<string, unknown>) => {
      if (raw.compare) {
        const folders = raw.compare as string[];
        if (folders.length !== 2) throw new Error(`--compare takes two report folders, got ${folders.length}`);
        const [a, b] = await Promise.all(folders.map(readReport));
        console.log(compareReports(a, b, [basename(folders[0]), basename(folders[1])]));
        return;
      }
      const { compare: _, ...rest } = raw;
      const options = parseOptions(rest);
      const world = await loadEvalWorld(options.world);
      const report = await runEval(world, {
        worldDir: options.world,
        dataDir: options.data,
        outDir: options.out,
        clips: options.clips,
        seed: options.seed,
        maskgitSteps: options.maskgitSteps,
        temperature: options.temperature,
        batchSize: options.batch,
        starts: options.starts,
        log: (line) => console.error(line),
      });
      const { dynamics, controllability, tokenizer, lam } = report;
      console.log(
        `tokenizer PSNR ${tokenizer.psnr.toFixed(2)} dB | rollout PSNR ${dynamics.lamActions.psnr.toFixed(2)} dB ` +
          `(copy baseline ${dynamics.copyPrompt.psnr.toFixed(2)}) | Delta_${controllability.t} PSNR ${controllability.deltaPsnr.toFixed(2)} dB | ` +
          `actions used ${lam.codebook.used}/${lam.codebook.codes} | NMI ${lam.analysis.nmi.toFixed(4)}\nreport: ${options.out}/report.md`,
      );
    });
}
