import type { MetricRecord, RunInfo, RunStatus } from './runTypes';
import { QUANTIZATIONS } from './exportTypes';
import { isAugmentPreview, isAugmentPreviewRequest } from './augmentTypes';
import { isEvaluateRequest, isEvaluation, isEvaluationProgress } from './evaluationGuards';
import { isExplainRequest, isExplainResult } from './explainGuards';
import {
  isBackendChoice,
  isBackendName,
  isMessageOf,
  isNumber,
  isObject,
  isOneOf,
  isOptional,
  isString,
  isThreadCount,
} from './primitiveGuards';
import type { EvaluatorToHost, HostToTrainer, TrainerToHost, TrainRequest } from './trainerMessages';

/**
 * Type guards for messages crossing the host ↔ trainer boundary. Whatever
 * arrives over IPC is untrusted: callers drop (and log) what fails these.
 * They check every field the receiver reads, and no more.
 */

const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed'];
const LOG_LEVELS = ['info', 'warn', 'error'] as const;

function isPositiveInteger(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) > 0;
}

function isBackendSkipList(x: unknown): boolean {
  return Array.isArray(x) && x.every((s) => isObject(s) && isBackendName(s.backend) && isString(s.reason));
}

export function isTrialParams(x: unknown): boolean {
  return isObject(x) && Object.values(x).every((v) => typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v));
}

export function isTrainRequest(x: unknown): x is TrainRequest {
  return (
    isObject(x) &&
    isString(x.modelFile) &&
    isString(x.workspaceRoot) &&
    isString(x.runsDir) &&
    isOptional(x.epochs, isPositiveInteger) &&
    isOptional(x.overrides, isTrialParams) &&
    (x.crossValidation === undefined || x.crossValidation === false) &&
    isOptional(x.backend, isBackendChoice) &&
    isOptional(x.threads, isThreadCount) &&
    isOptional(x.resumeRunDir, isString) &&
    isOptional(x.continueRunDir, isString) &&
    isOptional(x.runDir, isString) &&
    isOptional(x.executor, isSlurmExecutor) &&
    isOptional(x.maxMemoryMB, isPositiveInteger)
  );
}

export function isSlurmExecutor(x: unknown): boolean {
  return (
    isObject(x) &&
    x.type === 'slurm' &&
    isString(x.jobId) &&
    isOptional(x.arrayTaskId, (n) => Number.isInteger(n) && (n as number) >= 0) &&
    isOptional(x.node, isString)
  );
}

function isMetricValues(x: unknown): boolean {
  return isObject(x) && Object.values(x).every(isNumber);
}

export function isRunInfo(x: unknown): x is RunInfo {
  return (
    isObject(x) &&
    isString(x.id) &&
    isString(x.name) &&
    isString(x.modelFile) &&
    isOneOf(RUN_STATUSES)(x.status) &&
    isBackendName(x.backend) &&
    isBackendSkipList(x.backendSkipped) &&
    isOptional(x.threads, isThreadCount) &&
    isOptional(x.replicas, isThreadCount) &&
    isString(x.startedAt) &&
    isOptional(x.endedAt, isString) &&
    isNumber(x.seed) &&
    isNumber(x.epochs) &&
    isNumber(x.trainSamples) &&
    isNumber(x.batchesPerEpoch) &&
    isOptional(x.pid, isNumber) &&
    isOptional(x.heartbeatAt, isString) &&
    isOptional(x.resumedAt, isString) &&
    isOptional(x.epochsDone, isNumber) &&
    isOptional(x.error, (e) => isObject(e) && isString(e.message) && isOptional(e.epoch, isNumber) && isOptional(e.batch, isNumber)) &&
    isOptional(x.test, isMetricValues) &&
    isOptional(x.validation, isMetricValues) &&
    isOptional(
      x.crossValidation,
      (cv) =>
        isObject(cv) &&
        isPositiveInteger(cv.foldCount) &&
        Array.isArray(cv.folds) &&
        cv.folds.every(isMetricValues) &&
        isOptional(cv.mean, isMetricValues) &&
        isOptional(cv.std, isMetricValues),
    ) &&
    isOptional(x.executor, isSlurmExecutor) &&
    isOptional(x.label, isString) &&
    isOptional(x.notes, isString) &&
    isOptional(x.tags, (tags) => Array.isArray(tags) && tags.every(isString)) &&
    isOptional(x.parent, (p) => isObject(p) && isString(p.id) && isNumber(p.epochs))
  );
}

/** Metric values may be null: JSON has no NaN, and a diverged validation metric becomes null. */
export function isMetricRecord(x: unknown): x is MetricRecord {
  return (
    isObject(x) &&
    isPositiveInteger(x.epoch) &&
    (x.batch === null || (Number.isInteger(x.batch) && (x.batch as number) >= 0)) &&
    isNumber(x.time) &&
    isNumber(x.loss) &&
    Object.values(x).every((value) => value === null || isNumber(value))
  );
}

const isQuantization = isOneOf(QUANTIZATIONS);

function isExportComparison(x: unknown): boolean {
  return (
    isObject(x) && isNumber(x.examples) && isString(x.metric) && isNumber(x.float32) && isNumber(x.exported) && isNumber(x.maxAbsDifference)
  );
}

/** Extension host (or CLI) → trainer. */
export const isHostToTrainer = isMessageOf<HostToTrainer>({
  train: (x) => isTrainRequest(x.request),
  evaluate: (x) => isEvaluateRequest(x.request),
  export: (x) =>
    isObject(x.request) &&
    isString(x.request.runDir) &&
    isString(x.request.outDir) &&
    isString(x.request.workspaceRoot) &&
    isOptional(x.request.backend, isBackendChoice) &&
    isOptional(x.request.quantize, isQuantization),
  explain: (x) => isExplainRequest(x.request),
  augmentPreview: (x) => isAugmentPreviewRequest(x.request),
  stop: () => true,
});

/** Trainer → extension host while evaluating or exporting. */
export const isEvaluatorToHost = isMessageOf<EvaluatorToHost>({
  evaluationProgress: (x) => isEvaluationProgress(x.progress),
  evaluationDone: (x) => isEvaluation(x.evaluation),
  exportDone: (x) =>
    isObject(x.result) &&
    isString(x.result.runId) &&
    isString(x.result.outDir) &&
    Array.isArray(x.result.files) &&
    x.result.files.every(isString) &&
    isOptional(x.result.parity, (p) => isObject(p) && isNumber(p.examples) && isNumber(p.maxAbsDifference)) &&
    isOptional(x.result.parityNote, isString) &&
    isOptional(x.result.quantize, isQuantization) &&
    isNumber(x.result.bytes) &&
    isNumber(x.result.bytesFloat32) &&
    isOptional(x.result.comparison, isExportComparison) &&
    isOptional(x.result.loadNote, isString),
  explainDone: (x) => isExplainResult(x.result),
  augmentPreviewDone: (x) => isAugmentPreview(x.preview),
  taskFailed: (x) => isString(x.message) && typeof x.cancelled === 'boolean',
});

/** Trainer → extension host (or CLI). */
export const isTrainerToHost = isMessageOf<TrainerToHost>({
  ready: (x) => isBackendName(x.backend) && isBackendSkipList(x.skipped),
  runStarted: (x) => isString(x.runDir) && isRunInfo(x.run) && isOptional(x.fold, isPositiveInteger),
  done: (x) => isString(x.runDir) && isRunInfo(x.run) && isOptional(x.fold, isPositiveInteger),
  metrics: (x) => isMetricRecord(x.record) && isOptional(x.fold, isPositiveInteger),
  log: (x) => isOneOf(LOG_LEVELS)(x.level) && isString(x.message),
  error: (x) => isString(x.message),
});
