// `genie eval --world W --data SPLIT --out reports/NAME`: measure a world on a labelled test split and
// write report.json, report.md and figures; `genie eval --compare reports/A reports/B`: two reports side by
// side. Thin wrappers over src/eval.
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { type Precision, choosePrecision } from '../engine/index.ts';
import { EVAL_DEFAULTS, compareReports, loadEvalWorld, readReport, runEval } from '../eval/index.ts';
import { integer, number, precisionOption } from './options.ts';

function frameList(value: string): number[] {
  const frames = value.split(',').map(Number);
  if (value.trim() === '' || frames.some((f) => !Number.isInteger(f) || f < 0)) throw new InvalidArgumentError(`expected frame numbers such as 0,40,80, got '${value}'`);
  return frames;
}

interface EvalFlags {
  world?: string;
  data?: string;
  out?: string;
  clips?: number;
  seed: number;
  maskgitSteps?: number;
  temperature?: number;
  batch: number;
  starts: number[];
  compare?: string[];
  precision: Precision | 'auto';
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('measure a world on a labelled test split (tokenizer, latent actions, rollouts, Delta_t PSNR, substitute Fréchet distances, speed), or compare two reports')
    .option('--world <path>', "the world: a world folder (world.json), a run folder holding dynamics.safetensors, or that checkpoint file")
    .option('--data <dir>', 'a labelled split in the CoinRun layout: clip files beside actions.jsonl')
    .option('--out <dir>', 'report folder: report.json, report.md, figures/, index.html')
    .option('--clips <n>', 'evaluate the first N clips of actions.jsonl (default: all)', integer(2))
    .option('--seed <n>', 'seed of MaskGIT sampling and of the random latent actions', integer(0), EVAL_DEFAULTS.seed)
    .option('--maskgit-steps <n>', "MaskGIT steps per generated frame (default: the world's)", integer(1))
    .option('--temperature <t>', "sampling temperature (default: the world's)", number(0))
    .option('--batch <n>', 'clips per model call (results depend on it through the sampling seeds)', integer(1), EVAL_DEFAULTS.batchSize)
    .option('--starts <frames>', 'prompt frames of the rollouts within each clip, comma-separated', frameList, EVAL_DEFAULTS.starts)
    .option('--compare <reports...>', 'print two report folders side by side instead of evaluating')
    .addOption(precisionOption('fp32', '; default fp32, the reference a report is compared against (on the shipped world bf16 scored within the variation between seeds, README)'))
    .action(async (flags: EvalFlags) => {
      if (flags.compare) {
        if (flags.compare.length !== 2) throw new Error(`--compare takes two report folders, got ${flags.compare.length}`);
        const [a, b] = await Promise.all(flags.compare.map(readReport));
        console.log(compareReports(a, b, [basename(flags.compare[0]), basename(flags.compare[1])]));
        return;
      }
      const { world: worldPath, data, out } = flags;
      if (!worldPath || !data || !out) throw new Error(`--${!worldPath ? 'world' : !data ? 'data' : 'out'} is required (or --compare A B)`);
      const world = await loadEvalWorld(worldPath, choosePrecision(flags.precision));
      const report = await runEval(world, {
        worldDir: worldPath,
        dataDir: data,
        outDir: out,
        clips: flags.clips,
        seed: flags.seed,
        maskgitSteps: flags.maskgitSteps,
        temperature: flags.temperature,
        batchSize: flags.batch,
        starts: flags.starts,
        log: (line) => console.error(line),
      });
      const { dynamics, controllability, tokenizer, lam } = report;
      console.log(
        `tokenizer PSNR ${tokenizer.psnr.toFixed(2)} dB | rollout PSNR ${dynamics.lamActions.psnr.toFixed(2)} dB ` +
          `(copy baseline ${dynamics.copyPrompt.psnr.toFixed(2)}) | Delta_${controllability.t} PSNR ${controllability.deltaPsnr.toFixed(2)} dB | ` +
          `actions used ${lam.codebook.used}/${lam.codebook.codes} | NMI ${lam.analysis.nmi.toFixed(4)}\nreport: ${out}/report.md`,
      );
    });
}
