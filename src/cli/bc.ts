// `genie bc`: the paper's behaviour-cloning experiment (Sec. 3.3, App. E, Fig. 14) in the built-in
// platformer: a policy on the world's latent actions plus N real labels, against an oracle, the same
// network on the N labels alone, and random actions; writes bc.json, bc-success.png and bc-progress.png. Thin wrapper over src/bc.
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { presets } from '../models/index.ts';

// The world config of the measured result (src/bc/README.md, ninth run: the latent policy matched the
// oracle): the default of --train-world, with 400 uniform-random episodes.
export const MEASURED_WORLD_CONFIG = fileURLToPath(new URL('../bc/measured/latent-next/world-config.json', import.meta.url));

// Loaded when the command runs, so `genie --help` does not pay for the models and the figure renderer.
const library = () => import('../bc/index.ts');

const integer = (min: number) => z.coerce.number().int().min(min);
const list = z.string().transform((text, ctx) => {
  const values = text.split(',').map(Number);
  if (values.some((n) => !Number.isInteger(n) || n < 1)) ctx.addIssue({ code: 'custom', message: `expected positive integers such as 25,50,100, got '${text}'` });
  return values;
});

// The option values as commander hands them over (strings), checked and converted in one place.
const bcOptionsSchema = z.strictObject({
  out: z.string(),
  world: z.string().optional(),
  trainWorld: z.boolean().optional(),
  config: z.string().optional(),
  set: z.array(z.string()),
  worldEpisodes: integer(1),
  worldPolicy: z.enum(['random', 'sticky']),
  worldClipFrames: integer(2),
  episodes: integer(1),
  expertEpisodes: integer(1),
  evalSeed: integer(0),
  expertSeed: integer(0),
  ns: list,
  seed: integer(0),
  steps: integer(1),
  batch: integer(1),
  lr: z.coerce.number().positive(),
  history: integer(1),
  maxSteps: integer(1),
  act: z.enum(['sample', 'greedy']),
  heldOut: z.coerce.number().min(0).max(0.9),
});
type BcFlags = z.infer<typeof bcOptionsSchema>;

// [flags, description, default]: declared once, for parsing and --help alike.
const OPTIONS: [string, string, string?][] = [
  ['--out <dir>', 'where bc.json and the figures go (with --train-world also the world data and the world run)'],
  ['--world <path>', 'an existing world: a world folder, a run folder with dynamics.safetensors, or a phase-2 checkpoint'],
  ['--train-world', 'train the world here first: record random-policy videos, prepare them, genie train all (reused or resumed on a rerun)'],
  ['--config <name|file>', `with --train-world: the model/training config (${Object.keys(presets).join(', ')} or a JSON file; default: src/bc/measured/latent-next/world-config.json, the measured world's, src/bc/README.md)`],
  ['--set <key=value>', 'with --train-world: override one config field, as in genie train (repeatable)'],
  ['--world-episodes <n>', 'with --train-world: random-policy episodes to record (level seeds 0..n-1)', '400'],
  ['--world-policy <name>', 'with --train-world: random (a fresh action each step: the measured world\'s videos; a LAM with model.lam.motion learns the keys from them) or sticky (random actions held 1-12 steps; the earlier runs, src/bc/README.md)', 'random'],
  ['--world-clip-frames <n>', 'with --train-world: frames per recorded clip (episode tails shorter than a clip are dropped; random-policy episodes are often short)', '40'],
  ['--episodes <n>', 'evaluation levels (one closed-loop episode each, held out from world and expert levels)', '100'],
  ['--expert-episodes <n>', 'expert levels to imitate (measured: the oracle solved 9% of the evaluation levels with 150, 12-15% with 400; src/bc/README.md)', '400'],
  ['--eval-seed <n>', 'first evaluation level seed', '300000'],
  ['--expert-seed <n>', 'first expert level seed', '200000'],
  ['--ns <list>', 'numbers of labelled expert transitions N', '25,50,100,200,500'],
  ['--seed <n>', 'seed of the networks, minibatches, labelled subsets and action sampling', '0'],
  ['--steps <n>', 'training steps of every policy network', '3000'],
  ['--batch <n>', 'minibatch size', '64'],
  ['--lr <x>', 'peak learning rate (AdamW, cosine decay)', '1e-3'],
  ['--history <k>', 'frames the policy sees (t-k+1..t)', '4'],
  ['--max-steps <n>', 'steps before a closed-loop episode counts as a timeout (the expert needs ~200)', '400'],
  ['--act <how>', 'sample actions from the policy or take the most likely (greedy)', 'sample'],
  ['--held-out <fraction>', 'expert episodes kept out of training for offline accuracies', '0.1'],
];

function parseOptions(raw: Record<string, unknown>): BcFlags {
  const parsed = bcOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const option = `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new Error(issue.code === 'invalid_type' && raw[String(issue.path[0])] === undefined ? `${option} is required` : `${option}: ${issue.message}`);
}

export function register(program: Command): void {
  const command = program
    .command('bc')
    .description("behaviour cloning from latent actions (Genie Sec. 3.3): latent-action policy + N labels vs oracle, N-label-only and random policies, closed-loop in the platformer");
  for (const [flags, help, fallback] of OPTIONS) {
    if (flags.startsWith('--set')) command.option(flags, help, (value: string, previous: string[]) => [...previous, value], []);
    else command.option(flags, help, fallback);
  }
  command.action(async (raw: Record<string, unknown>) => {
    const flags = parseOptions(raw);
    if (Boolean(flags.world) === Boolean(flags.trainWorld)) throw new Error('bc: give either --world PATH (an existing world) or --train-world (train one on random-policy videos)');
    const [{ runBc, DEFAULT_POLICY_NET }, { createProgress }] = await Promise.all([library(), import('../train/index.ts')]);
    const progress = createProgress({ lineIntervalSeconds: 10 });
    const { report, json, figures } = await runBc({
      out: flags.out,
      world: flags.world ? { path: flags.world } : { config: flags.config ?? MEASURED_WORLD_CONFIG, set: flags.set, episodes: flags.worldEpisodes, policy: flags.worldPolicy, framesPerClip: flags.worldClipFrames },
      settings: {
        seed: flags.seed,
        ns: flags.ns,
        expertLevels: { first: flags.expertSeed, count: flags.expertEpisodes },
        evalLevels: { first: flags.evalSeed, count: flags.episodes },
        heldOutFraction: flags.heldOut,
        maxSteps: flags.maxSteps,
        act: flags.act,
        net: { ...DEFAULT_POLICY_NET, historyFrames: flags.history },
        training: { steps: flags.steps, batchSize: flags.batch, lr: flags.lr, weightDecay: 0.01 },
      },
      progress,
    });
    progress.stop();
    const { oracle, random, byN } = report.result;
    const rate = (r: { rate: number; low: number; high: number }) => `${(100 * r.rate).toFixed(0)}% [${(100 * r.low).toFixed(0)}, ${(100 * r.high).toFixed(0)}]`;
    console.log(`success on ${oracle.outcomes.length} held-out levels (95% Wilson CI): oracle ${rate(oracle.summary.success)}, random ${rate(random.summary.success)}`);
    for (const r of byN) console.log(`  N = ${r.n}: latent policy ${rate(r.latent.summary.success)}, label-only ${rate(r.labelOnly.summary.success)}`);
    console.log(`wrote ${json}, ${figures.join(', ')}`);
  });
}
