import type { EvaluationPanelState, HostToEvaluation } from '../../src/protocol/evaluationMessages';
import type { Evaluation } from '../../src/protocol/evaluationTypes';
import { isExplainTarget } from '../../src/protocol/evaluationMessages';
import { type Fields, isMessageOf, isObject } from '../../src/protocol/primitiveGuards';
import { isExplainResult } from '../../src/protocol/explainGuards';

function isNumberOrNull(value: unknown): boolean {
  return value === null || typeof value === 'number';
}

function isRef(value: unknown): boolean {
  return isObject(value) && typeof value.runDir === 'string' && typeof value.evaluationId === 'string';
}

/** The fields the panel draws; the host checked the whole file already, this guards the boundary. */
function isEvaluation(value: unknown): value is Evaluation {
  if (!isObject(value) || !isObject(value.dataset) || !isObject(value.result) || !Array.isArray(value.worst)) return false;
  const result = value.result;
  const shapeOk =
    result.kind === 'classification'
      ? Array.isArray(result.classes) &&
        Array.isArray(result.confusion) &&
        Array.isArray(result.perClass) &&
        isObject(result.macro) &&
        isObject(result.weighted) &&
        Array.isArray(result.topK)
      : result.kind === 'regression' && Array.isArray(result.scatter) && isObject(result.residuals);
  return (
    shapeOk &&
    typeof value.id === 'string' &&
    typeof value.runId === 'string' &&
    typeof value.runDir === 'string' &&
    typeof value.dataset.description === 'string' &&
    typeof value.dataset.sha256 === 'string' &&
    typeof value.count === 'number' &&
    isNumberOrNull(value.loss) &&
    typeof value.lossName === 'string' &&
    value.worst.every((w) => isObject(w) && isObject(w.source) && typeof w.source.file === 'string')
  );
}

/** Checks a message from the host before the panel acts on it. */
export const isHostMessage = isMessageOf<HostToEvaluation>({
  show: (value) =>
    typeof value.modelFile === 'string' &&
    typeof value.modelName === 'string' &&
    Array.isArray(value.choices) &&
    value.choices.every((c) => isRef(c) && typeof (c as Fields).label === 'string') &&
    isEvaluation(value.primary) &&
    (value.compare === undefined || isEvaluation(value.compare)),
  unavailable: (value) => typeof value.modelFile === 'string' && typeof value.modelName === 'string' && typeof value.message === 'string',
  explainProgress: (value) => isRef(value.ref) && isExplainTarget(value.target) && typeof value.message === 'string',
  explained: (value) =>
    isRef(value.ref) &&
    isExplainTarget(value.target) &&
    Array.isArray(value.results) &&
    value.results.every(isExplainResult) &&
    (value.notes === undefined || (Array.isArray(value.notes) && value.notes.every((n) => typeof n === 'string'))),
  explainFailed: (value) =>
    isRef(value.ref) && isExplainTarget(value.target) && typeof value.message === 'string' && typeof value.cancelled === 'boolean',
});

/** Checks what `getState()` returned. */
export function isSavedState(value: unknown): value is EvaluationPanelState {
  return (
    isObject(value) && typeof value.modelFile === 'string' && isRef(value.primary) && (value.compare === undefined || isRef(value.compare))
  );
}
