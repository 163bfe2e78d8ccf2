// The behaviour-cloning experiment of Genie (Bruce et al. 2024, Sec. 3.3 "Training agents", App. E,
// Fig. 14): can latent actions learned from unlabelled video, plus a handful of labels, teach an agent?
//
//   1. The expert plays levels the world never saw; the world's frozen LAM labels each transition with a
//      latent action (demonstrations.ts).
//   2. A policy learns latent action | recent frames by cross-entropy on all expert transitions.
//   3. For each N, the first N of one seeded shuffle of the expert transitions (so the sets are nested)
//      carry their real actions; each latent code maps to the real action it co-occurs with most.
//   4. Closed-loop in the environment on held-out levels: that policy through its mapping, against an
//      oracle trained on ALL expert transitions with real actions, the same network trained on only the N
//      labelled transitions, and uniformly random actions. Success = coin reached, 95% Wilson intervals.
// Every network has the same architecture, initial weights (for its class count), minibatch stream and
// step budget; every method plays each level with the same random stream. A tenth of the expert episodes
// is held out to report offline accuracies beside the closed-loop rates.
import { NUM_ACTIONS } from '../envs/platformer/index.ts';
import { codebookUsage, cooccurrenceMatrix, normalizedMutualInformation } from '../eval/metrics/index.ts';
import type { EvalWorld } from '../eval/index.ts';
import { Rng } from '../engine/index.ts';
import { majorityVoteMapping, mappedAccuracy } from './action-mapping.ts';
import { playClosedLoop, policyAgent, randomAgent, summariseOutcomes, type ActionChoice, type Agent, type EpisodeOutcome, type EvaluationSummary } from './closed-loop.ts';
import { labelledSteps, labelWithLatentActions, latentAction, realAction, recordExpert } from './demonstrations.ts';
import { argmax, PolicyNet, type PolicyNetConfig } from './policy-net.ts';
import { policyAccuracy, trainPolicy, type LabelledStep, type PolicyTraining } from './train-policy.ts';

const LOG_EVERY_STEPS = 500;

export interface LevelRange {
  first: number;
  count: number;
}

export interface BcSettings {
  seed: number;
  ns: number[]; // labelled transitions for the mapping and the label-only baseline (paper: 25 .. 500)
  expertLevels: LevelRange;
  evalLevels: LevelRange;
  heldOutFraction: number; // of the expert episodes, for offline accuracies only
  maxSteps: number; // per closed-loop episode; longer ones count as timeouts
  act: ActionChoice;
  net: PolicyNetConfig;
  training: Omit<PolicyTraining, 'seed'>;
}

export interface MethodResult {
  summary: EvaluationSummary;
  outcomes: EpisodeOutcome[]; // one per evaluation level
  trainingLoss?: number; // mean minibatch loss over the last tenth of training
  heldOutAccuracy?: number; // of real actions on the held-out expert steps
}

export interface LabelledResult {
  n: number;
  latent: MethodResult & { mapping: number[]; unseenCodes: number[]; mappingAccuracy: number };
  labelOnly: MethodResult;
  latentWithinOracleInterval: boolean; // latent success rate >= the oracle's lower 95% bound
  latentBeatsLabelOnly: boolean;
}

export interface BcResult {
  data: {
    expertEpisodes: number;
    trainEpisodes: number;
    heldOutEpisodes: number;
    trainTransitions: number;
    failedExpertLevels: number[];
    realActionCounts: number[];
    latentActionCounts: number[];
    cooccurrence: number[][]; // (|A|, real actions) over the training transitions
    nmi: number;
  };
  latentPolicy: { trainingLoss: number; heldOutLatentAccuracy: number | null };
  random: MethodResult;
  oracle: MethodResult;
  byN: LabelledResult[];
  majorityHeldOutAccuracy: number | null; // always the most common real action: the bar for offline accuracies
  seconds: Record<string, number>;
}

export function runBcExperiment(world: EvalWorld, settings: BcSettings, log: (line: string) => void = () => {}): BcResult {
  checkSettings(world, settings);
  const size = world.height;
  const seconds: Record<string, number> = {};
  const timed = <T>(stage: string, work: () => T): T => {
    const start = performance.now();
    const out = work();
    seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - start) / 1000;
    return out;
  };

  // The expert's play and the labelling take minutes each (~30 for 400 levels): a line every tenth.
  const tenths = (stage: string, total: number) => (done: number) => {
    if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) log(`${stage}: ${done}/${total}`);
  };
  log(`expert: playing ${settings.expertLevels.count} levels from ${settings.expertLevels.first}`);
  const { demonstrations, failedSeeds } = timed('expert', () => recordExpert(levels(settings.expertLevels), size, tenths('expert: levels played', settings.expertLevels.count)));
  if (demonstrations.length === 0) throw new Error('bc: the expert solved none of the expert levels; nothing to imitate');
  timed('labelling', () => labelWithLatentActions(world, demonstrations, tenths('labelling with the LAM: episodes', demonstrations.length)));
  const heldOutCount = demonstrations.length >= 2 ? Math.min(demonstrations.length - 1, Math.round(settings.heldOutFraction * demonstrations.length)) : 0;
  const train = demonstrations.slice(0, demonstrations.length - heldOutCount);
  const heldOut = demonstrations.slice(train.length);
  const latentSteps = labelledSteps(train, latentAction);
  const realSteps = labelledSteps(train, realAction);
  const heldOutReal = labelledSteps(heldOut, realAction);
  const maxN = Math.max(...settings.ns);
  if (maxN > realSteps.length) throw new Error(`bc: N = ${maxN} labelled transitions asked for, but the ${train.length} training expert episodes have only ${realSteps.length}; record more expert levels or lower --ns`);
  log(`expert: ${demonstrations.length} episodes solved (${failedSeeds.length} not), ${realSteps.length} training transitions, ${heldOut.length} episodes held out`);

  const netSeed = settings.seed;
  const training: PolicyTraining = { ...settings.training, seed: settings.seed + 1 };
  const frame = { height: size, width: size, channels: 3 };
  const trainNet = (name: string, classes: number, steps: LabelledStep[]) =>
    timed('training', () => {
      const net = new PolicyNet(settings.net, frame, classes, new Rng(netSeed));
      const trained = trainPolicy(net, train, steps, training, (step, loss) => {
        if (step % LOG_EVERY_STEPS === 0 || step === training.steps - 1) log(`${name}: step ${step + 1}/${training.steps} loss ${loss.toFixed(4)}`);
      });
      return { net, trainingLoss: trained.finalLoss };
    });
  const accuracy = (net: PolicyNet, toReal?: number[]) => (heldOutReal.length ? timed('offline', () => policyAccuracy(net, heldOut, heldOutReal, toReal)) : undefined);
  const evalSeeds = levels(settings.evalLevels);
  const play = (name: string, agent: Agent): Pick<MethodResult, 'summary' | 'outcomes'> => {
    const outcomes = timed('closed-loop', () => playClosedLoop(agent, evalSeeds, { size, maxSteps: settings.maxSteps, seed: settings.seed }));
    const summary = summariseOutcomes(outcomes);
    log(`${name}: ${summary.success.successes}/${outcomes.length} levels solved (${percent(summary.success.rate)}, 95% CI ${percent(summary.success.low)}-${percent(summary.success.high)}), mean progress to the coin ${percent(summary.progress.mean)} (95% CI ${percent(summary.progress.low)}-${percent(summary.progress.high)})`);
    return { summary, outcomes };
  };
  const identity = Array.from({ length: NUM_ACTIONS }, (_, a) => a);

  const random = play('random', randomAgent());
  const latentPolicy = trainNet('latent policy', world.numActions, latentSteps);
  const oracleNet = trainNet('oracle', NUM_ACTIONS, realSteps);
  const oracle: MethodResult = { ...play('oracle (all real labels)', policyAgent(oracleNet.net, identity, settings.act)), trainingLoss: oracleNet.trainingLoss, heldOutAccuracy: accuracy(oracleNet.net) };

  // Nested labelled sets: the first N of one shuffle of the training transitions.
  const order = new Rng(settings.seed + 2).shuffle(Array.from(realSteps.keys()));
  const latentPlays = new Map<string, Pick<MethodResult, 'summary' | 'outcomes'>>();
  const byN = settings.ns.map((n): LabelledResult => {
    const labelled = order.slice(0, n).map((i) => ({ latent: latentSteps[i].label, real: realSteps[i] }));
    const fitted = majorityVoteMapping(labelled.map((l) => l.latent), labelled.map((l) => l.real.label), world.numActions, NUM_ACTIONS);
    const mappingAccuracy = mappedAccuracy(fitted.mapping, latentSteps.map((s) => s.label), realSteps.map((s) => s.label), NUM_ACTIONS);
    log(`N = ${n}: latent -> real ${JSON.stringify(fitted.mapping)}, right on ${percent(mappingAccuracy)} of the training transitions`);
    // Play depends on the mapping only (same network, same random streams), so equal mappings share one run.
    const key = JSON.stringify(fitted.mapping);
    if (latentPlays.has(key)) log(`latent policy, N = ${n}: the same mapping as a smaller N, so the same play`);
    else latentPlays.set(key, play(`latent policy, N = ${n}`, policyAgent(latentPolicy.net, fitted.mapping, settings.act)));
    const latent = {
      ...(latentPlays.get(key) as Pick<MethodResult, 'summary' | 'outcomes'>),
      mapping: fitted.mapping,
      unseenCodes: fitted.unseenCodes,
      mappingAccuracy,
      heldOutAccuracy: accuracy(latentPolicy.net, fitted.mapping),
    };
    const labelOnlyNet = trainNet(`label-only, N = ${n}`, NUM_ACTIONS, labelled.map((l) => l.real));
    const labelOnly: MethodResult = { ...play(`label-only, N = ${n}`, policyAgent(labelOnlyNet.net, identity, settings.act)), trainingLoss: labelOnlyNet.trainingLoss, heldOutAccuracy: accuracy(labelOnlyNet.net) };
    return {
      n,
      latent,
      labelOnly,
      latentWithinOracleInterval: latent.summary.success.rate >= oracle.summary.success.low,
      latentBeatsLabelOnly: latent.summary.success.rate > labelOnly.summary.success.rate,
    };
  });

  const realCounts = counts(realSteps, NUM_ACTIONS);
  const cooccurrence = cooccurrenceMatrix(latentSteps.map((s) => s.label), realSteps.map((s) => s.label), world.numActions, NUM_ACTIONS);
  const heldOutLatent = labelledSteps(heldOut, latentAction);
  return {
    data: {
      expertEpisodes: demonstrations.length,
      trainEpisodes: train.length,
      heldOutEpisodes: heldOut.length,
      trainTransitions: realSteps.length,
      failedExpertLevels: failedSeeds,
      realActionCounts: realCounts,
      latentActionCounts: codebookUsage(latentSteps.map((s) => s.label), world.numActions).counts,
      cooccurrence,
      nmi: normalizedMutualInformation(cooccurrence),
    },
    latentPolicy: { trainingLoss: latentPolicy.trainingLoss, heldOutLatentAccuracy: heldOutLatent.length ? policyAccuracy(latentPolicy.net, heldOut, heldOutLatent) : null },
    random,
    oracle,
    byN,
    majorityHeldOutAccuracy: heldOutReal.length ? counts(heldOutReal, NUM_ACTIONS)[argmax(realCounts)] / heldOutReal.length : null,
    seconds,
  };
}

function checkSettings(world: EvalWorld, s: BcSettings): void {
  if (world.height !== world.width || world.channels !== 3) {
    throw new Error(`bc: the world plays ${world.width}x${world.height}x${world.channels} frames; the platformer renders square RGB frames, so the world must be square RGB`);
  }
  if (s.ns.length === 0 || s.ns.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bc: --ns must be positive integers, got ${s.ns.join(',')}`);
  for (const [name, range] of [['expert', s.expertLevels], ['evaluation', s.evalLevels]] as const) {
    if (!Number.isSafeInteger(range.first) || range.first < 0 || !Number.isInteger(range.count) || range.count < 1) {
      throw new Error(`bc: ${name} levels must start at a seed >= 0 and number at least 1, got ${range.first} + ${range.count}`);
    }
  }
  const [a, b] = [s.expertLevels, s.evalLevels];
  if (a.first < b.first + b.count && b.first < a.first + a.count) throw new Error(`bc: the expert levels ${a.first}.. and the evaluation levels ${b.first}.. overlap; evaluation must be on held-out levels`);
  if (!(s.heldOutFraction >= 0 && s.heldOutFraction < 1)) throw new Error(`bc: the held-out fraction must be in [0, 1), got ${s.heldOutFraction}`);
}

function levels(range: LevelRange): number[] {
  return Array.from({ length: range.count }, (_, i) => range.first + i);
}

function counts(steps: readonly LabelledStep[], classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const s of steps) out[s.label]++;
  return out;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
