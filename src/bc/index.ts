export { runBc, type BcRunOptions } from './run.ts';
export { runBcExperiment, type BcResult, type BcSettings, type LabelledResult, type LevelRange, type MethodResult } from './experiment.ts';
export { BC_FIGURES, BC_FORMAT, BC_JSON, chartSpec, writeBcReport, type BcReport } from './report.ts';
export { trainWorld, type WorldTraining } from './world-source.ts';
export { DEFAULT_POLICY_NET, PolicyNet, type PolicyNetConfig } from './policy-net.ts';
export { policyAccuracy, trainPolicy, type LabelledStep, type PolicyTraining } from './train-policy.ts';
export { playClosedLoop, policyAgent, randomAgent, summariseOutcomes, type Agent, type EpisodeOutcome, type EvaluationSummary } from './closed-loop.ts';
export { majorityVoteMapping, mappedAccuracy, type LatentToRealMapping } from './action-mapping.ts';
export { bootstrapMeanInterval, wilsonInterval, type MeanInterval, type RateInterval } from './confidence.ts';
