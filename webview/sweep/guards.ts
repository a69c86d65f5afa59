import type { HostToSweepPanel, SweepPanelState, SweepView, TrialCurves } from '../../src/protocol/sweepPanelMessages';
import { isSweepInfo } from '../../src/protocol/sweepGuards';
import { isMessageOf, isObject } from '../../src/protocol/primitiveGuards';

const VIEW_STATES = new Set(['running', 'stopping', 'interrupted', 'ended']);

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
