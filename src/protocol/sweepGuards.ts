import { isSlurmExecutor, isTrialParams } from './guards';
import { isNumber, isObject, isOneOf, isOptional, isString } from './primitiveGuards';
import type { SweepInfo, SweepStatus, TrialInfo, TrialStatus } from './sweepTypes';

/** sweep.json is read by the editor, the CLI and a resumed sweep: untrusted JSON, checked field by field. */

export const TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'running', 'pruned', 'completed', 'failed'];
const SWEEP_STATUSES: readonly SweepStatus[] = ['running', 'completed', 'stopped', 'failed'];

function isNumberRecord(x: unknown): boolean {
  return isObject(x) && Object.values(x).every(isNumber);
}

export function isTrialInfo(x: unknown): x is TrialInfo {
  return (
    isObject(x) &&
    Number.isInteger(x.index) &&
    (x.index as number) >= 0 &&
    isTrialParams(x.params) &&
    isOneOf(TRIAL_STATUSES)(x.status) &&
    isOptional(x.runDir, isString) &&
    isOptional(x.epochsDone, isNumber) &&
    isOptional(x.metrics, isNumberRecord) &&
    isOptional(x.reason, isString)
  );
}

export function isSweepInfo(x: unknown): x is SweepInfo {
  return (
    isObject(x) &&
    x.version === 1 &&
    isString(x.id) &&
    isString(x.modelFile) &&
    isOneOf(SWEEP_STATUSES)(x.status) &&
    isString(x.startedAt) &&
    isOptional(x.endedAt, isString) &&
    isObject(x.search) &&
    isObject(x.search.parameters) &&
    isString(x.metric) &&
    isOneOf(['minimize', 'maximize'] as const)(x.goal) &&
    isOptional(x.pid, isNumber) &&
    isOptional(x.heartbeatAt, isString) &&
    isOptional(x.executor, isSlurmExecutor) &&
    Array.isArray(x.trials) &&
    x.trials.every(isTrialInfo)
  );
}
