import type { ExperimentsPanelState, HostToExperiments, RunCurves, RunDiff } from '../../src/protocol/experimentsMessages';
import { isColumnChoices, isExperimentsPanelState, isScope } from '../../src/protocol/experimentsMessages';
import { isMessageOf, isNumber, isObject, isString } from '../../src/protocol/primitiveGuards';
import type { RunRow } from '../../src/protocol/runRow';

const STATUSES = new Set(['running', 'completed', 'stopped', 'failed']);

function isParamValue(x: unknown): boolean {
  return x === null || typeof x === 'string' || typeof x === 'boolean' || isNumber(x);
}

function isRecordOf(x: unknown, value: (v: unknown) => boolean): boolean {
  return isObject(x) && Object.values(x).every(value);
}

function isRow(x: unknown): x is RunRow {
  return (
    isObject(x) &&
    isString(x.id) &&
    isString(x.runDir) &&
    isString(x.modelFile) &&
    isString(x.name) &&
    isString(x.status) &&
    STATUSES.has(x.status) &&
    isString(x.started) &&
    (x.duration === null || isNumber(x.duration)) &&
    isString(x.backend) &&
    (x.epochsDone === null || isNumber(x.epochsDone)) &&
    isRecordOf(x.hyperparameters, isParamValue) &&
    isRecordOf(x.final, isNumber) &&
    isRecordOf(x.best, isNumber) &&
    isRecordOf(x.test, isNumber) &&
    isString(x.notes) &&
    Array.isArray(x.tags) &&
    x.tags.every(isString)
  );
}

function isCurves(x: unknown): x is RunCurves {
  return (
    isObject(x) &&
    isString(x.runDir) &&
    isString(x.name) &&
    Array.isArray(x.records) &&
    x.records.every((r) => isObject(r) && typeof r.epoch === 'number' && (r.batch === null || typeof r.batch === 'number'))
  );
}

function isDiff(x: unknown): x is RunDiff {
  return (
    isObject(x) &&
    isString(x.a) &&
    isString(x.b) &&
    Array.isArray(x.entries) &&
    x.entries.every(
      (e) => isObject(e) && isString(e.key) && (e.a === undefined || isParamValue(e.a)) && (e.b === undefined || isParamValue(e.b)),
    )
  );
}

/** Checks a message from the host before the page acts on it. */
export const isHostMessage = isMessageOf<HostToExperiments>({
  rows: (x) =>
    isString(x.title) &&
    isScope(x.scope) &&
    Array.isArray(x.rows) &&
    x.rows.every(isRow) &&
    isRecordOf(x.constants, isParamValue) &&
    isColumnChoices(x.columns) &&
    Number.isInteger(x.total) &&
    (x.total as number) >= x.rows.length,
  curves: (x) => Array.isArray(x.runs) && x.runs.every(isCurves),
  diff: (x) => isDiff(x.diff),
  notice: (x) => (x.level === 'info' || x.level === 'error') && isString(x.message),
});

/** Checks what `getState()` returned. */
export function isSavedState(value: unknown): value is ExperimentsPanelState {
  return isExperimentsPanelState(value);
}
