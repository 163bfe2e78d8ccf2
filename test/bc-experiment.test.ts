// The behaviour-cloning experiment end to end at toy scale on the `tiny` preset's untrained world (its LAM
// still labels every transition with one of its 4 codes): every method is trained and played in the
// environment, results are reproducible, and bad settings are refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { playClosedLoop, randomAgent, runBcExperiment, type BcResult, type BcSettings } from '../src/bc/index.ts';
import { loadEvalWorld, type EvalWorld } from '../src/eval/index.ts';
import { makeTinyWorld } from '../src/world/testing.ts';

const SETTINGS: BcSettings = {
  seed: 3,
  ns: [5, 20],
  expertLevels: { first: 200_000, count: 4 },
  evalLevels: { first: 300_000, count: 5 },
  heldOutFraction: 0.25,
  maxSteps: 40,
  act: 'sample',
  net: { historyFrames: 2, convs: [{ kernel: 4, channels: 8 }, { kernel: 2, channels: 16 }], hidden: 32 },
  training: { steps: 12, batchSize: 16, lr: 1e-3, weightDecay: 0.01 },
};

let dir: string;
let world: EvalWorld;
let result: BcResult;
const logged: string[] = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'genie-bc-'));
  await makeTinyWorld(dir);
  world = await loadEvalWorld(dir);
  result = runBcExperiment(world, SETTINGS, (line) => logged.push(line));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const withoutTimes = (r: BcResult) => ({ ...r, seconds: undefined });

test('the long stages report progress', () => {
  const levels = SETTINGS.expertLevels.count;
  assert.ok(logged.includes(`expert: levels played: ${levels}/${levels}`), logged.join('\n'));
  const episodes = result.data.expertEpisodes;
  assert.ok(logged.includes(`labelling with the LAM: episodes: ${episodes}/${episodes}`), logged.join('\n'));
  assert.ok(logged.indexOf(`labelling with the LAM: episodes: 1/${episodes}`) > logged.indexOf(`expert: levels played: 1/${levels}`));
});

test('every method is trained and played on every evaluation level', () => {
  const { data, oracle, random, byN, latentPolicy } = result;
  assert.equal(data.expertEpisodes, 4);
  assert.equal(data.trainEpisodes + data.heldOutEpisodes, 4);
  assert.equal(data.heldOutEpisodes, 1);
  assert.equal(data.latentActionCounts.reduce((a, b) => a + b), data.trainTransitions);
  assert.equal(data.realActionCounts.reduce((a, b) => a + b), data.trainTransitions);
  assert.ok(Number.isFinite(latentPolicy.trainingLoss) && Number.isFinite(oracle.trainingLoss!));
  const methods = [random, oracle, ...byN.flatMap((r) => [r.latent, r.labelOnly])];
  for (const method of methods) {
    assert.deepEqual(method.outcomes.map((o) => o.seed), [300_000, 300_001, 300_002, 300_003, 300_004]);
    for (const o of method.outcomes) assert.ok(o.steps >= 1 && o.steps <= SETTINGS.maxSteps && (o.end !== 'timeout' || o.steps === SETTINGS.maxSteps), JSON.stringify(o));
    assert.equal(method.summary.success.trials, 5);
  }
  assert.deepEqual(byN.map((r) => r.n), [5, 20]);
  for (const r of byN) {
    assert.equal(r.latent.mapping.length, world.numActions);
    assert.ok(r.latent.mappingAccuracy >= 0 && r.latent.mappingAccuracy <= 1);
    assert.equal(r.latentBeatsLabelOnly, r.latent.summary.success.rate > r.labelOnly.summary.success.rate);
    assert.equal(r.latentWithinOracleInterval, r.latent.summary.success.rate >= oracle.summary.success.low);
  }
  // Networks trained on different labels behave differently in the game.
  const trajectories = methods.slice(1).map((m) => JSON.stringify(m.outcomes));
  assert.ok(new Set(trajectories).size > 1, 'all learned policies played identically');
});

test('the random baseline is the uniformly random agent played in the environment', () => {
  const replay = playClosedLoop(randomAgent(), [300_000, 300_001, 300_002, 300_003, 300_004], { size: world.width, maxSteps: SETTINGS.maxSteps, seed: SETTINGS.seed });
  assert.deepEqual(result.random.outcomes, replay);
});

test('the same settings give the same results; another seed gives other ones', () => {
  assert.deepEqual(withoutTimes(runBcExperiment(world, SETTINGS)), withoutTimes(result));
  const other = runBcExperiment(world, { ...SETTINGS, seed: 4, ns: [5] });
  assert.notDeepEqual(other.oracle.outcomes, result.oracle.outcomes);
});

test('bad settings are refused with the reason', () => {
  assert.throws(() => runBcExperiment(world, { ...SETTINGS, evalLevels: { first: 200_002, count: 5 } }), /expert levels 200000.. and the evaluation levels 200002.. overlap/);
  assert.throws(() => runBcExperiment(world, { ...SETTINGS, ns: [100_000] }), /N = 100000 labelled transitions asked for, but the 3 training expert episodes have only \d+/);
  assert.throws(() => runBcExperiment(world, { ...SETTINGS, ns: [0] }), /--ns must be positive integers/);
});
