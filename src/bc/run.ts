// What `genie bc` does, as one library function the CLI and the tests call: get the world (open it, or
// train it on random-policy videos), run the experiment, write bc.json and the figures into `out`.
import { mkdirSync } from 'node:fs';
import { StopSignal, type ProgressReporter } from '../train/index.ts';
import { runBcExperiment, type BcSettings } from './experiment.ts';
import { BC_FORMAT, REPORT_NOTES, writeBcReport, type BcReport } from './report.ts';
import { loadEvalWorld } from '../eval/index.ts';
import { trainWorld, type WorldTraining } from './world-source.ts';

export interface BcRunOptions {
  out: string;
  world: { path: string } | Omit<WorldTraining, 'out' | 'progress' | 'stop'>;
  settings: BcSettings;
  progress: ProgressReporter;
}

export async function runBc(options: BcRunOptions): Promise<{ report: BcReport; json: string; figures: string[] }> {
  mkdirSync(options.out, { recursive: true });
  const source = 'path' in options.world ? options.world.path : await trainWorldStoppable({ ...options.world, out: options.out, progress: options.progress });
  const world = await loadEvalWorld(source);
  options.progress.note(`world: ${world.name}, ${world.numActions} latent actions, ${world.width}x${world.height} frames`);
  const result = runBcExperiment(world, options.settings, (line) => options.progress.note(line));
  const report: BcReport = {
    format: BC_FORMAT,
    world: { name: world.name, source, checkpoints: world.checkpoints, latentActions: world.numActions, contextFrames: world.contextFrames, frameSize: world.width },
    settings: options.settings,
    notes: REPORT_NOTES,
    result,
  };
  return { report, ...(await writeBcReport(options.out, report)) };
}

// Ctrl-C while the world trains writes a checkpoint (the next `genie bc` with the same --out resumes it).
// The experiment after it runs in long synchronous stretches that could not see such a request, so there
// the signal keeps its default effect and ends the process.
async function trainWorldStoppable(options: Omit<WorldTraining, 'stop'>): Promise<string> {
  const stop = new StopSignal((signal) => options.progress.note(`${signal}: finishing this training step, then writing a checkpoint (again to quit at once)`));
  try {
    return await trainWorld({ ...options, stop });
  } finally {
    stop.dispose();
  }
}
