import type { AugmentPreview } from './augmentTypes';
import type { HyperparameterForm } from '../modelFile/formModel';
import type { JsonPath } from '../modelFile/jsonTypes';
import type { SearchParameter } from '../modelFile/modelSpec';
import { isMessageOf, isObject } from './primitiveGuards';

/**
 * Messages between the extension host and the hyperparameters webview.
 * JSON-safe data only; the webview imports this file with `import type`.
 * Traffic starts with the webview's `ready`: the host sends nothing before.
 */

/** Extension host → hyperparameters webview. */
export type HostToHyperparameters =
  /**
   * The form for one version of the document: after `ready` and after every
   * change of the document. The webview patches what it shows and leaves
   * the field being typed into alone.
   */
  | {
      readonly type: 'form';
      readonly modelFile: string;
      readonly modelName: string;
      readonly format: 'json' | 'yaml';
      /** `TextDocument.version` the form was made from. */
      readonly version: number;
      /** The document has unsaved changes (Reset to file on disk applies). */
      readonly dirty: boolean;
      readonly form: HyperparameterForm;
    }
  /** Something to tell the user beside the buttons: why Train cannot start, an edit that failed. */
  | { readonly type: 'notice'; readonly level: 'info' | 'error'; readonly message: string; readonly details?: readonly string[] }
  /** What the user typed into a field cannot be used (not a list of numbers, not JSON); nothing was edited. */
  | { readonly type: 'inputError'; readonly fieldId: string; readonly message: string }
  /** The Augmentation group's preview is being drawn again (its data or seed changed). */
  | { readonly type: 'augmentPreviewDrawing' }
  /** One training image and its augmented versions, for the Augmentation group. */
  | { readonly type: 'augmentPreview'; readonly preview: AugmentPreview }
  /** The preview could not be drawn: the model file's first problem, or a data error, named with file and line. */
  | { readonly type: 'augmentPreviewFailed'; readonly message: string };

/** Hyperparameters webview → extension host. */
export type HyperparametersToHost =
  /** The webview's script has loaded and listens: the host may send now. */
  | { readonly type: 'ready' }
  /**
   * A field was changed: text of a text box, state of a checkbox, options
   * of a multi-select. The host turns it into a value and edits the document.
   */
  | { readonly type: 'change'; readonly fieldId: string; readonly path: JsonPath; readonly input: string | boolean | readonly string[] }
  /**
   * A field's search toggle: `entry` is its `search.parameters` entry (a
   * range or a list of values), null turns the search off.
   */
  | { readonly type: 'search'; readonly path: JsonPath; readonly entry: SearchParameter | null }
  | { readonly type: 'addLayer'; readonly layerType: string }
  | { readonly type: 'removeLayer'; readonly index: number }
  | { readonly type: 'moveLayer'; readonly from: number; readonly to: number }
  /** Puts the cursor on a field's value (or its nearest parent) in the editor. */
  | { readonly type: 'reveal'; readonly path: JsonPath }
  | { readonly type: 'train' }
  /** Run Sweep: the trials of the file's search block. */
  | { readonly type: 'runSweep' }
  /** Reset to file on disk: drop the document's unsaved changes. */
  | { readonly type: 'revert' };

/** What the webview keeps in `vscode.setState`, so a restored panel knows its file. */
export interface HyperparametersState {
  readonly modelFile: string;
}

function isPath(x: unknown): x is JsonPath {
  return Array.isArray(x) && x.every((s) => typeof s === 'string' || (Number.isInteger(s) && s >= 0));
}

function isIndex(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export const isHyperparametersToHost = isMessageOf<HyperparametersToHost>({
  ready: () => true,
  train: () => true,
  runSweep: () => true,
  revert: () => true,
  change: (x) =>
    typeof x.fieldId === 'string' &&
    isPath(x.path) &&
    (typeof x.input === 'string' ||
      typeof x.input === 'boolean' ||
      (Array.isArray(x.input) && x.input.every((s) => typeof s === 'string'))),
  // The entry's shape is checked by the host (isSearchParameter) before it edits anything.
  search: (x) => isPath(x.path) && (x.entry === null || isObject(x.entry)),
  addLayer: (x) => typeof x.layerType === 'string' && x.layerType.length > 0,
  removeLayer: (x) => isIndex(x.index),
  moveLayer: (x) => isIndex(x.from) && isIndex(x.to),
  reveal: (x) => isPath(x.path),
});

/** Checks the state a restored panel hands back. */
export function isHyperparametersState(x: unknown): x is HyperparametersState {
  return isObject(x) && typeof x.modelFile === 'string';
}
