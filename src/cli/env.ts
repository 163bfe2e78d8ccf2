// `genie env record | play | bench`: the built-in platformer (src/envs). Thin wrappers over src/envs.
import { Option, type Command } from 'commander';
import { integer } from './options.ts';
import { benchmarkEnv } from '../envs/benchmark.ts';
import { POLICY_NAMES, recordSplit, type PolicyName } from '../envs/record.ts';
import { playInTerminal } from '../envs/terminal-play.ts';
import { startEnvPlayServer } from '../envs/web-play.ts';
import type { ClipSelection } from '../envs/clips.ts';

// The CoinRun data set's conventions: train levels from seed 0 with every clip of each episode,
// test levels from seed 100000 (unseen) with only each episode's first clip.
const SPLIT_DEFAULTS: Record<string, { seed: number; clips: ClipSelection }> = {
  train: { seed: 0, clips: 'all' },
  test: { seed: 100_000, clips: 'first' },
};

export function register(program: Command): void {
  const env = program.command('env').description('the built-in CoinRun-like platformer: record datasets, play it, measure its speed');

  env
    .command('record')
    .description('play episodes (one per level seed) and write clips + actions.jsonl + manifest.json in the CoinRun data layout')
    .requiredOption('--out <dir>', 'dataset folder; the clips go to <dir>/<split>/')
    .requiredOption('--episodes <n>', 'episodes to play (level seeds --seed .. --seed+n-1)', integer(1))
    .addOption(new Option('--policy <name>', 'who plays: the planning expert, uniform random actions, or random actions held 1-12 steps').choices(POLICY_NAMES).default('random'))
    .option('--split <name>', 'sub-folder: train (default seed 0, all clips) or test (default seed 100000, first clip only) or any name', 'train')
    .option('--seed <n>', 'first level seed (default: 0 for train, 100000 for test)', integer(0))
    .option('--frames-per-clip <n>', 'frames per clip; shorter episode tails are dropped', integer(1), 160)
    .addOption(new Option('--clips <which>', 'clips per episode (default: all for train, first otherwise)').choices(['all', 'first']))
    .option('--size <px>', 'frame width and height', integer(8), 64)
    .option('--fps <n>', 'frame rate written into the videos', integer(1), 10)
    .option('--jobs <n>', 'video encoders at once (default: one per core)', integer(1))
    .option('--overwrite', 'replace an existing <dir>/<split>')
    .action(async (opts) => {
      const defaults = SPLIT_DEFAULTS[opts.split] ?? { seed: 0, clips: 'first' };
      const summary = await recordSplit({
        out: opts.out,
        split: opts.split,
        episodes: opts.episodes,
        policy: opts.policy as PolicyName,
        firstSeed: opts.seed ?? defaults.seed,
        framesPerClip: opts.framesPerClip,
        clips: (opts.clips as ClipSelection | undefined) ?? defaults.clips,
        size: opts.size,
        fps: opts.fps,
        jobs: opts.jobs,
        overwrite: Boolean(opts.overwrite),
        onProgress: process.stderr.isTTY ? (p) => process.stderr.write(`\r${p.episodesDone}/${p.episodes} episodes, ${p.clips} clips`) : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      const ends = summary.episode_end_counts;
      console.log(`${opts.out}/${opts.split}: ${summary.clips} clips (${summary.frames} frames) from ${opts.episodes} episodes (${summary.policy}): ${ends.goal} coin, ${ends.death} death, ${ends.timeout} timeout; ${summary.seeds_without_clips.length} episodes shorter than a clip gave none`);
    });

  env
    .command('play')
    .description('play the platformer yourself: in a web page (the environment runs in the browser), or in this terminal')
    .option('--terminal', 'in this terminal (24-bit colour half blocks, one step per key press) instead of a web page')
    .option('--seed <n>', 'first level', integer(0), 0)
    .option('--size <px>', 'frame width and height (terminal)', integer(8), 64)
    .option('--host <address>', 'web page: address to bind', '127.0.0.1')
    .option('--port <n>', 'web page: port (0: any free one)', integer(0), 8081)
    .action(async (opts) => {
      if (opts.terminal) return playInTerminal(opts.seed, opts.size);
      const server = await startEnvPlayServer({ host: opts.host, port: opts.port });
      console.log(`the platformer: ${server.url}/?seed=${opts.seed}  (Ctrl-C stops)`);
    });

  env
    .command('bench')
    .description('steps per second on one core, rendering included (per CPU second, so other busy processes do not skew it)')
    .option('--steps <n>', 'steps to time', integer(1), 20_000)
    .option('--size <px>', 'frame width and height', integer(8), 64)
    .action((opts) => {
      const result = benchmarkEnv(opts.steps, opts.size);
      const rate = (n: number) => Math.round(n).toLocaleString('en-US');
      console.log(`${result.steps} steps at ${result.size}x${result.size} over ${result.episodes} levels, rendering included: ${rate(result.stepsPerCpuSecond)} steps per CPU second (${rate(result.stepsPerWallSecond)} per wall-clock second); physics alone: ${rate(result.physicsStepsPerCpuSecond)} steps per CPU second`);
    });
}
