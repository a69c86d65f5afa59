import type { MetricRecord } from '../../src/protocol/runTypes';
import type {
  ChartSettings,
  ComparedRun,
  HostToTrainingPanel,
  PanelRun,
  TrainingPanelState,
} from '../../src/protocol/trainingPanelMessages';

import { isObject } from '../../src/protocol/primitiveGuards';

const STATUSES = new Set(['none', 'starting', 'stopping', 'running', 'completed', 'stopped', 'failed']);

function isPanelRun(value: unknown): value is PanelRun {
  return isObject(value) && typeof value.status === 'string' && STATUSES.has(value.status);
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
export function isHostMessage(value: unknown): value is HostToTrainingPanel {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'reset':
      return (
        typeof value.modelFile === 'string' &&
        typeof value.modelName === 'string' &&
        isPanelRun(value.run) &&
        isRecords(value.records)
      );
    case 'run':
      return isPanelRun(value.run);
    case 'metrics':
      return typeof value.runId === 'string' && isRecords(value.records);
    case 'compare':
      return Array.isArray(value.runs) && value.runs.every(isComparedRun);
    case 'fileChanged':
      return typeof value.changed === 'boolean';
    default:
      return false;
  }
}

function isComparedRun(value: unknown): value is ComparedRun {
  return (
    isObject(value) &&
    typeof value.runId === 'string' &&
    typeof value.runDir === 'string' &&
    typeof value.label === 'string' &&
    typeof value.status === 'string' &&
    (value.batchesPerEpoch === undefined || typeof value.batchesPerEpoch === 'number') &&
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
    (value.comparedRunDirs === undefined || (Array.isArray(value.comparedRunDirs) && value.comparedRunDirs.every((dir) => typeof dir === 'string')))
  );
}
