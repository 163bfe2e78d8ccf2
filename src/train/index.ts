export { trainAll, trainDynamics, trainTokenizer, type TrainRunOptions } from './run.ts';
export { trainPhase, type PhaseOutcome, type TrainPhaseOptions } from './loop.ts';
export { readCheckpoint, writeCheckpoint, tensorsUnder, CheckpointFiles, type Checkpoint, type TrainerState } from './checkpoint.ts';
export { resolveRunConfig, withOverrides, runConfigSchema, trainingPresets, type RunConfig, type TrainingConfig, type PhaseName } from './run-config.ts';
export { MetricsLog, readMetrics, type MetricsRecord } from './metrics-log.ts';
export { createProgress, formatStatus, type ProgressReporter, type StepStatus } from './progress.ts';
export { StopSignal, exitCodeFor, type StopReason } from './stop-signal.ts';
export type { Phase, StepLoss, Validation } from './phase.ts';
