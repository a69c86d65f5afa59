import type { MetricRecord } from '../../src/protocol/runTypes';
import type {
  ChartSettings,
  ComparedRun,
  HostToTrainingPanel,
  PanelRun,
  TrainingPanelState,
} from '../../src/protocol/trainingPanelMessages';

import { isMessageOf, isObject, isThreadCount } from '../../src/protocol/primitiveGuards';

const STATUSES = new Set(['none', 'starting', 'stopping', 'running', 'completed', 'stopped', 'failed']);

function isPanelRun(value: unknown): value is PanelRun {
  return (
    isObject(value) &&
    typeof value.status === 'string' &&
    STATUSES.has(value.status) &&
    (value.threads === undefined || isThreadCount(value.threads)) &&
    (value.crossValidation === undefined ||
      (isObject(value.crossValidation) &&
        typeof value.crossValidation.foldCount === 'number' &&
        typeof value.crossValidation.fold === 'number' &&
        [value.crossValidation.mean, value.crossValidation.std].every((v) => v === undefined || isNumbers(v)))) &&
    [value.test, value.validation].every((v) => v === undefined || isNumbers(v)) &&
    (value.parent === undefined ||
      (isObject(value.parent) &&
        typeof value.parent.id === 'string' &&
        typeof value.parent.label === 'string' &&
        typeof value.parent.epochsBefore === 'number'))
  );
}

function isNumbers(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'number');
}

function isRecord(value: unknown): value is MetricRecord {
  return (
    isObject(value) &&
    typeof value.epoch === 'number' &&
    (value.batch === null || typeof value.batch === 'number') &&
    (typeof value.loss === 'number' || value.loss === null)
  );
}

function isRecords(value: unknown): value is MetricRecord[] {
  return Array.isArray(value) && value.every(isRecord);
}

/** Checks a message from the host before the panel acts on it. */
export const isHostMessage = isMessageOf<HostToTrainingPanel>({
  reset: (value) =>
    typeof value.modelFile === 'string' &&
    typeof value.modelName === 'string' &&
    isPanelRun(value.run) &&
    isRecords(value.records) &&
    (value.folds === undefined || (Array.isArray(value.folds) && value.folds.every(isComparedRun))) &&
    (value.lineage === undefined || (Array.isArray(value.lineage) && value.lineage.every(isComparedRun))),
  run: (value) => isPanelRun(value.run),
  metrics: (value) => typeof value.runId === 'string' && isRecords(value.records),
  compare: (value) => Array.isArray(value.runs) && value.runs.every(isComparedRun),
  fileChanged: (value) => typeof value.changed === 'boolean',
});

function isComparedRun(value: unknown): value is ComparedRun {
  return (
    isObject(value) &&
    typeof value.runId === 'string' &&
    typeof value.runDir === 'string' &&
    typeof value.label === 'string' &&
    typeof value.status === 'string' &&
    (value.batchesPerEpoch === undefined || typeof value.batchesPerEpoch === 'number') &&
    (value.epochOffset === undefined || typeof value.epochOffset === 'number') &&
    isRecords(value.records)
  );
}

/** Chart settings as saved; anything else (an older version's state) is dropped. */
export function isChartSettings(value: unknown): value is ChartSettings {
  return (
    isObject(value) &&
    (value.view === 'batch' || value.view === 'epoch') &&
    typeof value.smoothing === 'number' &&
    value.smoothing >= 0 &&
    value.smoothing < 1 &&
    (value.yScale === 'linear' || value.yScale === 'log')
  );
}

/** Checks what `getState()` returned: it may have been written by an older version. */
export function isSavedState(value: unknown): value is TrainingPanelState {
  return (
    isObject(value) &&
    typeof value.modelFile === 'string' &&
    typeof value.modelName === 'string' &&
    isPanelRun(value.run) &&
    isRecords(value.records) &&
    (value.settings === undefined || isChartSettings(value.settings)) &&
    (value.comparedRunDirs === undefined ||
      (Array.isArray(value.comparedRunDirs) && value.comparedRunDirs.every((dir) => typeof dir === 'string')))
  );
}
