import type { HostToHyperparameters } from '../../src/protocol/hyperparametersMessages';
import type { FormField, FormGroup, FormLayer } from '../../src/modelFile/formModel';
import { isMessageOf, isObject } from '../../src/protocol/primitiveGuards';
import { isAugmentPreview } from '../../src/protocol/augmentTypes';

const CONTROLS = new Set(['number', 'select', 'checkbox', 'multiselect', 'numberList', 'text', 'json']);

function isProblems(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((p) => isObject(p) && typeof p.message === 'string' && (p.severity === 'error' || p.severity === 'warning'))
  );
}

function isField(value: unknown): value is FormField {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    Array.isArray(value.path) &&
    typeof value.label === 'string' &&
    isObject(value.control) &&
    CONTROLS.has(value.control.kind as string) &&
    typeof value.text === 'string' &&
    typeof value.required === 'boolean' &&
    isProblems(value.problems) &&
    (value.search === undefined || isSearch(value.search))
  );
}

function isEntry(value: unknown): boolean {
  return isObject(value) && (Array.isArray(value.values) || (typeof value.min === 'number' && typeof value.max === 'number'));
}

function isSearch(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.key === 'string' &&
    isObject(value.control) &&
    (value.control.kind === 'number' || (value.control.kind === 'choice' && Array.isArray(value.control.options))) &&
    isEntry(value.initial) &&
    (value.entry === undefined || isEntry(value.entry))
  );
}

function isGroup(value: unknown): value is FormGroup {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.title === 'string' &&
    Array.isArray(value.fields) &&
    value.fields.every(isField)
  );
}

function isLayer(value: unknown): value is FormLayer {
  return (
    isObject(value) &&
    Number.isInteger(value.index) &&
    typeof value.type === 'string' &&
    Array.isArray(value.fields) &&
    value.fields.every(isField) &&
    isProblems(value.problems)
  );
}

/** Checks a message from the host before the form acts on it. */
export const isHostMessage = isMessageOf<HostToHyperparameters>({
  form: (value) =>
    typeof value.modelFile === 'string' &&
    typeof value.modelName === 'string' &&
    typeof value.version === 'number' &&
    typeof value.dirty === 'boolean' &&
    isForm(value.form),
  notice: (value) =>
    (value.level === 'info' || value.level === 'error') &&
    typeof value.message === 'string' &&
    (value.details === undefined || (Array.isArray(value.details) && value.details.every((d) => typeof d === 'string'))),
  inputError: (value) => typeof value.fieldId === 'string' && typeof value.message === 'string',
  augmentPreviewDrawing: () => true,
  augmentPreview: (value) => isAugmentPreview(value.preview),
  augmentPreviewFailed: (value) => typeof value.message === 'string',
});

function isForm(form: unknown): boolean {
  return (
    isObject(form) &&
    Array.isArray(form.groups) &&
    form.groups.every(isGroup) &&
    Array.isArray(form.layers) &&
    form.layers.every(isLayer) &&
    Array.isArray(form.layerTypes) &&
    form.layerTypes.every((t) => typeof t === 'string') &&
    isProblems(form.problems) &&
    typeof form.errorCount === 'number'
  );
}

/** Checks what `getState()` returned. */
export function isSavedState(value: unknown): value is { modelFile: string } {
  return isObject(value) && typeof value.modelFile === 'string';
}
