// npm run bench:play: how fast a world plays. One session generates a 64-frame rollout at the world's
// default settings (25 MaskGIT steps unless the world says otherwise) with the KV cache, timing each
// frame as the play page sees it (generation + decoding to pixels). Reports frames/s, per-frame latency
// p50/p95 and peak RSS; writes bench/results/play.json.
//
//   npm run bench:play -- [--world DIR] [--frames 64] [--preset cpu] [--steps S] [--precision auto|bf16|int8|fp32]
// --steps plays at S MaskGIT steps instead of the world's default, as the page's live setting does.
// --precision auto (default) plays a session in each precision this CPU has, in alternating rounds: bf16
// (what play uses where there are bf16 products: AMX or AVX512-BF16), int8 (opt-in; AVX512-VNNI) and fp32,
// and reports each with its speed-up over fp32 (and int8's over bf16); bf16, int8 or fp32 plays that one alone.
// Without --world it plays the shipped world; where that does not exist yet it plays freshly initialised
// weights of --preset (speed does not depend on the weights; the result says which was used).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { integer } from '../src/cli/options.ts';
import { SHIPPED_WORLD } from '../src/cli/play.ts';
import { type Precision, Rng, bf16Supported, choosePrecision, int8Supported } from '../src/engine/index.ts';
import { playableWorld } from '../src/play/playable-world.ts';
import { PlaySession, SETTINGS_LIMITS } from '../src/play/session.ts';
import type { PlayableWorld } from '../src/play/world.ts';
import { packWorld } from '../src/world/pack.ts';
import { freshWorldWeights, testFrame } from '../src/world/testing.ts';
import { loadWorld } from '../src/world/world-folder.ts';
import { machineInfo, median, round1, runBench, writeResult } from './harness.ts';

const TARGET_FPS = 20;
const WARMUP_FRAMES = 3;
const ROUND_FRAMES = 8;

const { values: options } = parseArgs({
  options: {
    world: { type: 'string' },
    frames: { type: 'string', default: '64' },
    preset: { type: 'string', default: 'cpu' },
    steps: { type: 'string' },
    precision: { type: 'string', default: 'auto' },
  },
});

async function worldFolder(): Promise<{ dir: string; weights: string }> {
  if (options.world) return { dir: options.world, weights: 'trained (--world)' };
  if (existsSync(SHIPPED_WORLD)) return { dir: SHIPPED_WORLD, weights: 'trained (shipped world)' };
  const dir = mkdtempSync(join(tmpdir(), 'genie-bench-play-'));
  const weights = freshWorldWeights(options.preset);
  await packWorld(weights, { out: dir, name: `${options.preset} preset, untrained`, keyMap: {}, examples: [] });
  return { dir, weights: `untrained ${options.preset} preset (no shipped world yet; speed does not depend on the weights)` };
}

// The page's limits on its live step setting, with the flag named in the error.
function parseSteps(value: string): number {
  try {
    return integer(SETTINGS_LIMITS.maskgitSteps.min, SETTINGS_LIMITS.maskgitSteps.max)(value);
  } catch (err) {
    throw new Error(`--steps: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// One play session per precision, started from the same prompt and fed the same actions.
function startSession(world: PlayableWorld, maskgitSteps: number, frames: number): { session: PlaySession; rng: Rng } {
  const session = new PlaySession(world, 0, WARMUP_FRAMES + frames + 1);
  session.updateSettings({ maskgitSteps });
  session.start(world.examples[0] ?? testFrame(world.width, world.height));
  const rng = new Rng(1);
  for (let i = 0; i < WARMUP_FRAMES; i++) session.act(rng.int(world.numActions));
  return { session, rng };
}

runBench(async () => {
  const frames = Number(options.frames);
  const source = await worldFolder();
  const loaded = await loadWorld(source.dir);
  // --precision auto measures what play uses here first, then the other precisions the CPU has, interleaved.
  const requested = options.precision as Precision | 'auto';
  const available: Record<Precision, boolean> = { bf16: bf16Supported(), int8: int8Supported(), fp32: true };
  const precisions: Precision[] = requested === 'auto' ? (['bf16', 'int8', 'fp32'] as const).filter((p) => available[p]) : [choosePrecision(requested)];
  const worlds = precisions.map((precision) => playableWorld(loaded, precision));
  const world = worlds[0];
  const maskgitSteps = options.steps === undefined ? world.defaults.maskgitSteps : parseSteps(options.steps);
  console.log(`bench:play: ${world.name} (${source.weights}), ${world.width}x${world.height}, ${world.numActions} actions, ` +
    `${maskgitSteps} MaskGIT steps, temperature ${world.defaults.temperature}, ${precisions.join(' vs ')}`);
  const sessions = worlds.map((w) => startSession(w, maskgitSteps, frames));
  const latencies: number[][] = precisions.map(() => []);
  // Rounds of ROUND_FRAMES frames per precision in turn, so load from other processes hits each alike.
  for (let done = 0; done < frames; done += ROUND_FRAMES) {
    sessions.forEach(({ session, rng }, p) => {
      for (let i = done; i < Math.min(frames, done + ROUND_FRAMES); i++) {
        const t0 = performance.now();
        session.act(rng.int(world.numActions));
        latencies[p].push(performance.now() - t0);
      }
    });
  }
  const runs = Object.fromEntries(precisions.map((precision, p) => {
    const seconds = latencies[p].reduce((a, b) => a + b, 0) / 1000;
    const run = {
      frames_per_s: round1(frames / seconds),
      latency_ms_p50: round1(percentile(latencies[p], 50)),
      latency_ms_p95: round1(percentile(latencies[p], 95)),
    };
    console.log(`  ${precision}: ${run.frames_per_s} frames/s (target ${TARGET_FPS}), latency p50 ${run.latency_ms_p50} ms, p95 ${run.latency_ms_p95} ms`);
    return [precision, run];
  }));
  // Ratios of median latencies, measured interleaved.
  const medianOf = (precision: Precision) => median(latencies[precisions.indexOf(precision)]);
  const ratio = (slow: Precision, fast: Precision) => (precisions.includes(slow) && precisions.includes(fast) ? Math.round((medianOf(slow) / medianOf(fast)) * 100) / 100 : null);
  const speedups = { bf16_vs_fp32: ratio('fp32', 'bf16'), int8_vs_fp32: ratio('fp32', 'int8'), int8_vs_bf16: ratio('bf16', 'int8') };
  for (const [pair, value] of Object.entries(speedups)) if (value !== null) console.log(`  ${pair.replaceAll('_', ' ')}: ${value}x faster (ratio of median latencies, measured interleaved)`);
  const result = {
    world: world.name,
    weights: source.weights,
    frames,
    maskgit_steps: maskgitSteps,
    precision: precisions[0], // what play uses on this machine
    ...runs[precisions[0]],
    runs,
    speedups,
    peak_rss_mb: round1(process.resourceUsage().maxRSS / 1024), // of the whole run, all sessions
    target_frames_per_s: TARGET_FPS,
    machine: machineInfo(),
  };
  console.log(`  peak RSS ${result.peak_rss_mb} MB; wrote ${writeResult('play', result)}`);
});
