import type { MetricRecord, RunInfo } from '../protocol/runTypes';

/**
 * File names inside a run folder (docs/architecture.md "The run folder";
 * fixed: other tools read them). The trainer writes them (RunWriter), the
 * host and the CLI read them.
 */
export const RUN_FILES = {
  run: 'run.json',
  spec: 'spec.json',
  metrics: 'metrics.jsonl',
  normalization: 'normalization.json',
  /** Text data: the tokenizer settings and the tokens by id (VocabularyFile), so evaluate and predict read raw text. */
  vocabulary: 'vocabulary.json',
  model: 'model',
  checkpoints: 'checkpoints',
  evaluation: 'evaluation.json',
} as const;

export type CheckpointName = 'best' | 'last';

/**
 * How often a training process rewrites run.json's `heartbeatAt`. The
 * extension host takes a `running` run whose heartbeat is much older
 * (detectDeadRun) for one whose trainer died.
 */
export const HEARTBEAT_MS = 5000;

/**
 * run.json of a run that ended in `message` after `last` (the last metric
 * record written, for the epoch and batch it got to): status failed, no pid.
 */
export function failedRun(run: RunInfo, message: string, last: MetricRecord | undefined): RunInfo {
  const { pid: _endedProcess, heartbeatAt: _lastBeat, ...ended } = run;
  return {
    ...ended,
    status: 'failed',
    endedAt: new Date().toISOString(),
    error: {
      message,
      ...(last ? { epoch: last.epoch } : {}),
      ...(last && last.batch !== null ? { batch: last.batch } : {}),
    },
  };
}
