// `genie train tokenizer | dynamics | all`: the two training phases of Genie on a prepared dataset.
// Thin wrappers over src/train/run.ts.
import type { Command } from 'commander';
import { presets } from '../models/index.ts';

// Loaded when a train command runs, so `genie --help` does not pay for the models and image writers.
const library = () => import('../train/index.ts');

interface TrainFlags {
  data: string;
  out: string;
  config?: string;
  set: string[];
  resume?: boolean;
  tokenizer?: string;
  logEvery: string;
}

// Options shared by the three commands, declared once: [flags, description, default].
const OPTIONS: [string, string, unknown?][] = [
  ['--data <dir>', 'a prepared dataset (genie data prepare VIDEOS --out DIR)'],
  ['--out <dir>', 'the run directory: config.json, metrics.jsonl, checkpoints, samples'],
  ['--config <name|file>', `a preset (${Object.keys(presets).join(', ')}) or a JSON config file; default cpu`],
  ['--set <key=value>', 'override one config field by its dotted path, e.g. --set train.tokenizer.lr=3e-4 (repeatable)', []],
  ['--resume', 'continue from the latest checkpoint in --out, exactly where it stopped'],
  ['--log-every <seconds>', 'without a terminal, print a status line this often (0: every step)', '10'],
];

const HELP = `
Ctrl-C (SIGINT) or SIGTERM writes a checkpoint and exits (status 130/143); run again with --resume.
A NaN/Inf loss stops the run (status 1) without saving, naming the step and the last good checkpoint.
Testing hook: GENIE_INJECT_NAN_AT_STEP=N makes step N's loss NaN.`;

const collect = (value: string, previous: string[]) => [...previous, value];

type PhaseRunner = 'trainTokenizer' | 'trainDynamics' | 'trainAll';

async function runCommand(runner: PhaseRunner, flags: TrainFlags): Promise<void> {
  const { createProgress, exitCodeFor, StopSignal, [runner]: train } = await library();
  const interval = Number(flags.logEvery);
  if (!(interval >= 0)) throw new Error(`--log-every: expected seconds >= 0, got '${flags.logEvery}'`);
  const progress = createProgress({ lineIntervalSeconds: interval });
  const stop = new StopSignal((signal) => progress.note(`${signal}: finishing this step, then writing a checkpoint (again to quit at once)`));
  try {
    const outcome = await train({ data: flags.data, out: flags.out, config: flags.config, set: flags.set, resume: Boolean(flags.resume), tokenizer: flags.tokenizer, progress, stop });
    if (outcome.status === 'diverged') throw new Error(outcome.message);
    console.log(outcome.message);
    if (outcome.status === 'interrupted' && stop.reason) process.exitCode = exitCodeFor(stop.reason);
  } finally {
    stop.dispose();
  }
}

export function register(program: Command): void {
  const train = program.command('train').description('train a Genie world from a prepared video dataset');
  const phases = [
    ['tokenizer', 'phase 1: the video tokenizer (ST-ViViT VQ-VAE)', 'trainTokenizer'],
    ['dynamics', 'phase 2: the latent action model and the dynamics model, jointly, on a trained tokenizer', 'trainDynamics'],
    ['all', 'both phases in order (with --resume, a finished tokenizer is kept)', 'trainAll'],
  ] as const satisfies readonly (readonly [string, string, PhaseRunner])[];
  for (const [name, description, run] of phases) {
    const command = train.command(name).description(description).addHelpText('after', HELP);
    for (const [flags, help, fallback] of OPTIONS) {
      if (flags.startsWith('--set')) command.option(flags, help, collect, fallback as string[]);
      else command.option(flags, help, fallback as string | undefined);
    }
    if (name === 'dynamics') command.option('--tokenizer <file>', 'the tokenizer checkpoint, e.g. runs/NAME/tokenizer.safetensors');
    command.action(async (flags: TrainFlags) => {
      for (const required of ['data', 'out'] as const) if (!flags[required]) throw new Error(`train ${name}: --${required} is required`);
      await runCommand(run, flags);
    });
  }
}
