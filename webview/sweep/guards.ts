import type { HostToSweepPanel, SweepPanelState, SweepView, TrialCurves } from '../../src/protocol/sweepPanelMessages';
import type { SweepInfo, TrialInfo } from '../../src/protocol/sweepTypes';
import { isMessageOf, isObject } from '../../src/protocol/primitiveGuards';

const TRIAL_STATUSES = new Set(['queued', 'running', 'pruned', 'completed', 'failed']);
const SWEEP_STATUSES = new Set(['running', 'completed', 'stopped', 'failed']);
const VIEW_STATES = new Set(['running', 'stopping', 'interrupted', 'ended']);

function isParamValue(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

function isNumbers(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'number');
}

export function isTrial(value: unknown): value is TrialInfo {
  return (
    isObject(value) &&
    Number.isInteger(value.index) &&
    typeof value.status === 'string' &&
    TRIAL_STATUSES.has(value.status) &&
    isObject(value.params) &&
    Object.values(value.params).every(isParamValue) &&
    (value.metrics === undefined || isNumbers(value.metrics)) &&
    (value.epochsDone === undefined || typeof value.epochsDone === 'number') &&
    (value.reason === undefined || typeof value.reason === 'string') &&
    (value.runDir === undefined || typeof value.runDir === 'string')
  );
}

/** The fields the panel reads; the host read sweep.json with the sweep code, this guards the boundary. */
export function isSweepInfo(value: unknown): value is SweepInfo {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.status === 'string' &&
    SWEEP_STATUSES.has(value.status) &&
    typeof value.metric === 'string' &&
    (value.goal === 'minimize' || value.goal === 'maximize') &&
    isObject(value.search) &&
    isObject(value.search.parameters) &&
    Array.isArray(value.trials) &&
    value.trials.every(isTrial)
  );
}

function isView(value: unknown): value is SweepView {
  return (
    isObject(value) &&
    typeof value.modelName === 'string' &&
    typeof value.sweepDir === 'string' &&
    typeof value.state === 'string' &&
    VIEW_STATES.has(value.state) &&
    (value.best === undefined || Number.isInteger(value.best)) &&
    isSweepInfo(value.sweep)
  );
}

function isCurves(value: unknown): value is TrialCurves {
  return (
    isObject(value) &&
    Number.isInteger(value.index) &&
    Array.isArray(value.records) &&
    value.records.every((r) => isObject(r) && typeof r.epoch === 'number' && (r.batch === null || typeof r.batch === 'number'))
  );
}

/** Checks a message from the host before the panel acts on it. */
export const isHostMessage = isMessageOf<HostToSweepPanel>({
  sweep: (x) => isView(x.view),
  curves: (x) => Array.isArray(x.trials) && x.trials.every(isCurves),
  notice: (x) => (x.level === 'info' || x.level === 'error') && typeof x.message === 'string',
});

/** Checks what `getState()` returned. */
export function isSavedState(value: unknown): value is SweepPanelState {
  return isObject(value) && typeof value.modelFile === 'string' && typeof value.sweepDir === 'string';
}
