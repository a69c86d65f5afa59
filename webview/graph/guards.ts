import type { HostToGraph } from '../../src/protocol/graphMessages';
import type { Inspection } from '../../src/protocol/inspectorMessages';
import { isMessageOf, isObject } from '../../src/protocol/primitiveGuards';

function isShape(value: unknown): boolean {
  return Array.isArray(value) && value.every((d) => d === null || typeof d === 'number');
}

function isDiagnostics(value: unknown): boolean {
  return Array.isArray(value) && value.every((d) => isObject(d) && typeof d.message === 'string' && isObject(d.range));
}

function isInspection(value: unknown): value is Inspection {
  if (!isObject(value)) return false;
  if (value.kind === 'invalid') return isDiagnostics(value.diagnostics);
  if (value.kind !== 'ok' || !isObject(value.summary) || !isDiagnostics(value.warnings)) return false;
  const s = value.summary;
  return (
    isShape(s.inputShape) &&
    Array.isArray(s.layers) &&
    s.layers.every(
      (l) =>
        isObject(l) &&
        typeof l.index === 'number' &&
        typeof l.name === 'string' &&
        typeof l.type === 'string' &&
        isShape(l.outputShape) &&
        typeof l.params === 'number',
    ) &&
    typeof s.totalParams === 'number' &&
    typeof s.trainableParams === 'number' &&
    typeof s.nonTrainableParams === 'number' &&
    isObject(s.memory)
  );
}

/** Checks a message from the host before the graph acts on it. */
export const isHostMessage = isMessageOf<HostToGraph>({
  inspection: (value) =>
    typeof value.modelFile === 'string' &&
    typeof value.modelName === 'string' &&
    typeof value.version === 'number' &&
    isInspection(value.inspection),
  unavailable: (value) => typeof value.modelFile === 'string' && typeof value.modelName === 'string' && typeof value.message === 'string',
  highlight: (value) => value.index === null || typeof value.index === 'number',
});

/** Checks what `getState()` returned. */
export function isSavedState(value: unknown): value is { modelFile: string } {
  return isObject(value) && typeof value.modelFile === 'string';
}
