// `genie eval`: measures a world on a labelled test split and writes report.json, report.md and figures.
// Everything is fixed by the options (seed, clips, batch, sampling settings), which the report records.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { nativeThreadCount } from '../engine/index.ts';
import type { EvalWorld } from './eval-world.ts';
import { clipFrechetDistances, substituteExtractors } from './frechet-eval.ts';
import { keyMapFromCooccurrence } from './key-map.ts';
import { evaluateLatentActions } from './lam-eval.ts';
import { PUBLISHED_FIGURES } from './published.ts';
import { writeReportFigures } from './report-figures.ts';
import { reportMarkdown } from './report-markdown.ts';
import { REPORT_FORMAT, REPORT_JSON, REPORT_MARKDOWN, REPORT_VERSION, type EvalReport } from './report.ts';
import { evaluateRollouts, generateActionGrid } from './rollout-eval.ts';
import { actionClassesFromNames, readEvalSplit } from './split.ts';
import { evaluateTokenizer } from './tokenizer-eval.ts';
import { loadWindows, windowsAt } from './windows.ts';

export interface EvalOptions {
  worldDir: string; // recorded in the report
  dataDir: string;
  outDir: string;
  clips?: number; // first N clips of actions.jsonl; default all
  seed?: number;
  maskgitSteps?: number; // default: the world's
  temperature?: number; // default: the world's
  batchSize?: number;
  starts?: number[]; // prompt frames within each clip
  log?: (line: string) => void;
}

export const EVAL_DEFAULTS = { seed: 0, batchSize: 16, starts: [0], rolloutSteps: 10, clipFrames: 16, deltaT: 4, gridSteps: 6 };

export async function runEval(world: EvalWorld, options: EvalOptions): Promise<EvalReport> {
  const log = options.log ?? (() => {});
  const began = performance.now();
  const sectionSeconds: Record<string, number> = {};
  // CPU seconds (all threads) beside wall seconds: on a shared machine the wall time says as much about
  // the neighbours as about the eval.
  const sectionCpuSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    log(`${name}...`);
    const result = await work();
    sectionSeconds[name] = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    sectionCpuSeconds[name] = (used.user + used.system) / 1e6;
    log(`${name}: ${sectionSeconds[name].toFixed(1)} s (${sectionCpuSeconds[name].toFixed(1)} CPU s)`);
    return result;
  };
  const settings = {
    seed: options.seed ?? EVAL_DEFAULTS.seed,
    batchSize: options.batchSize ?? EVAL_DEFAULTS.batchSize,
    maskgitSteps: options.maskgitSteps ?? world.defaults.maskgitSteps,
    temperature: options.temperature ?? world.defaults.temperature,
    promptFrames: 1,
    rolloutSteps: EVAL_DEFAULTS.rolloutSteps,
    clipFrames: EVAL_DEFAULTS.clipFrames,
    deltaT: EVAL_DEFAULTS.deltaT,
    starts: options.starts ?? EVAL_DEFAULTS.starts,
    threads: nativeThreadCount(),
    precision: world.precision,
  };

  const split = await timed('read data', () => readEvalSplit(options.dataDir, { height: world.height, width: world.width, clips: options.clips }));
  const tokenizer = await timed('tokenizer', () => evaluateTokenizer(world, split, settings.batchSize));
  const lam = await timed('latent actions', () => evaluateLatentActions(world, split, settings.batchSize));
  const rollouts = await timed('rollouts', () => evaluateRollouts(world, split, settings));
  const frechet = await timed('frechet', () => clipFrechetDistances(substituteExtractors(world, settings.batchSize), rollouts.realClips, rollouts.generatedClips));
  const gridPrompt = loadWindows(split, windowsAt(split, [settings.starts[0]], 1).slice(0, 1)); // (1, 1)
  const actionGrid = await timed('action grid', () => generateActionGrid(world, gridPrompt, EVAL_DEFAULTS.gridSteps, settings));
  const keyMap = keyMapFromCooccurrence(lam.result.analysis.cooccurrence, { classes: actionClassesFromNames(split.actionNames) });

  const { generation } = rollouts.result;
  const numbers: Omit<EvalReport, 'figures'> = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    createdAt: new Date().toISOString(),
    world: { dir: resolve(options.worldDir), name: world.name, numActions: world.numActions, config: world.config, checkpoints: [...world.checkpoints] },
    data: {
      dir: split.dir,
      clips: split.clips.length,
      frames: split.clips.reduce((n, c) => n + c.frameCount, 0),
      height: split.height,
      width: split.width,
      actionNames: split.actionNames,
      checksum: split.checksum,
    },
    settings,
    tokenizer: tokenizer.result,
    lam: lam.result,
    dynamics: {
      windows: rollouts.result.windows,
      lamActions: rollouts.result.lamActions,
      teacherForced: rollouts.result.teacherForced,
      randomActions: rollouts.result.randomActions,
      copyPrompt: rollouts.result.copyPrompt,
    },
    controllability: rollouts.result.controllability,
    frechet,
    speed: {
      generatedFrames: generation.frames,
      generationSeconds: generation.seconds,
      generationFramesPerSecond: generation.framesPerSecond,
      totalSeconds: 0, // set below, once the figures are written
      sectionSeconds,
      sectionCpuSeconds,
    },
    keyMap,
    published: [...PUBLISHED_FIGURES],
  };
  mkdirSync(options.outDir, { recursive: true });
  const figures = await timed('figures', () =>
    writeReportFigures(options.outDir, numbers, { tokenizer: tokenizer.examples, rollouts: rollouts.examples, actionGrid, actionGridPrompt: gridPrompt }),
  );
  const report: EvalReport = { ...numbers, speed: { ...numbers.speed, totalSeconds: (performance.now() - began) / 1000 }, figures };
  await writeFileAtomic(join(options.outDir, REPORT_JSON), `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(join(options.outDir, REPORT_MARKDOWN), reportMarkdown(report));
  log(`wrote ${join(options.outDir, REPORT_MARKDOWN)} (${report.speed.totalSeconds.toFixed(1)} s)`);
  return report;
}
