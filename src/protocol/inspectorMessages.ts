import type { SpecDiagnostic } from '../modelFile/diagnostic';
import { isMessageOf, isObject } from './primitiveGuards';

/**
 * Messages between the extension host and the inspector process
 * (dist/inspector.js): a long-lived child that validates a model file's text
 * and builds its model on TF.js's cpu backend to report layer shapes and
 * parameter counts, so the extension host never loads TF.js. JSON-safe data
 * only; the graph webview imports the summary types with `import type`.
 */

/** One layer of the model as built by TF.js. */
export interface LayerSummary {
  /** Position in `model.layers`. */
  readonly index: number;
  /** TF.js layer name: the file's `name`, else `<type>_<index + 1>`. */
  readonly name: string;
  /** The `type` of the model file. */
  readonly type: string;
  /** Output shape with the batch axis first (null), e.g. [null, 512]. */
  readonly outputShape: readonly (number | null)[];
  /** Weights of the layer (TF.js `countParams()`). */
  readonly params: number;
  readonly trainableParams: number;
  /**
   * A layer of the `model.from` model (fine-tuning): listed first, its
   * `type` is its class, its `index` counts on past the file's own layers.
   */
  readonly fromBase?: boolean;
}

/**
 * What training the model costs in memory, estimated from the spec, in bytes
 * (float32 = 4 bytes a value). Not measured: TF.js backends add their own
 * overhead and temporary tensors.
 */
export interface MemoryEstimate {
  /** Every weight, once. */
  readonly weightsBytes: number;
  /** The optimizer's slots: per trainable weight, 2 for adam, adamax, adadelta and rmsprop, 1 for adagrad and momentum, 0 for sgd. */
  readonly optimizerBytes: number;
  readonly optimizerSlots: number;
  /** One gradient per trainable weight, during a step. */
  readonly gradientsBytes: number;
  /** Every layer's output for one batch, kept for the backward pass. */
  readonly activationsBytes: number;
  /** The batch size the activations are counted for (`training.batchSize`, default 32). */
  readonly batchSize: number;
  readonly totalBytes: number;
}

export interface ModelSummary {
  /** Shape of the input with the batch axis, e.g. [null, 784]. */
  readonly inputShape: readonly (number | null)[];
  readonly layers: readonly LayerSummary[];
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly memory: MemoryEstimate;
}

/** What inspecting one version of a model file found. */
export type Inspection =
  /** The model builds; `warnings` are the file's non-error diagnostics. */
  | { readonly kind: 'ok'; readonly summary: ModelSummary; readonly warnings: readonly SpecDiagnostic[] }
  /** The file has errors (the editor's diagnostics, same messages), or TF.js refused to build the model. */
  | { readonly kind: 'invalid'; readonly diagnostics: readonly SpecDiagnostic[] };

export interface InspectRequest {
  /** Answers carry it back; the host matches them to requests. */
  readonly id: number;
  /** Absolute path of the model file (its format and relative data paths follow from it). */
  readonly modelFile: string;
  /** The document's text, saved or not. */
  readonly text: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
}

/** Extension host → inspector process. */
export type HostToInspector = { readonly type: 'inspect'; readonly request: InspectRequest };

/** Inspector process → extension host. */
export type InspectorToHost =
  /** TF.js and the cpu backend are loaded: requests are answered from now on. */
  | { readonly type: 'ready' }
  /** `ms`: time spent validating and building, in the inspector. */
  | { readonly type: 'inspected'; readonly id: number; readonly inspection: Inspection; readonly ms: number }
  /** Something unexpected went wrong with request `id`. */
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

type Fields = Record<string, unknown>;

function isCount(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

function isShape(x: unknown): boolean {
  return Array.isArray(x) && x.every((d) => d === null || isCount(d));
}

function isPosition(x: unknown): boolean {
  return isObject(x) && isCount(x.line) && isCount(x.character);
}

/** Checks a diagnostic from another process (a SpecDiagnostic). */
export function isSpecDiagnostic(x: unknown): x is SpecDiagnostic {
  return (
    isObject(x) &&
    typeof x.file === 'string' &&
    isObject(x.range) &&
    isPosition(x.range.start) &&
    isPosition(x.range.end) &&
    (x.severity === 'error' || x.severity === 'warning') &&
    typeof x.message === 'string' &&
    Array.isArray(x.path) &&
    x.path.every((s) => typeof s === 'string' || typeof s === 'number')
  );
}

function isLayerSummary(x: unknown): x is LayerSummary {
  return (
    isObject(x) &&
    isCount(x.index) &&
    typeof x.name === 'string' &&
    typeof x.type === 'string' &&
    isShape(x.outputShape) &&
    isCount(x.params) &&
    isCount(x.trainableParams)
  );
}

export function isModelSummary(x: unknown): x is ModelSummary {
  return (
    isObject(x) &&
    isShape(x.inputShape) &&
    Array.isArray(x.layers) &&
    x.layers.every(isLayerSummary) &&
    isCount(x.totalParams) &&
    isCount(x.trainableParams) &&
    isCount(x.nonTrainableParams) &&
    isObject(x.memory) &&
    ['weightsBytes', 'optimizerBytes', 'optimizerSlots', 'gradientsBytes', 'activationsBytes', 'batchSize', 'totalBytes'].every((key) =>
      isCount((x.memory as Fields)[key]),
    )
  );
}

export function isInspection(x: unknown): x is Inspection {
  if (!isObject(x)) return false;
  switch (x.kind) {
    case 'ok':
      return isModelSummary(x.summary) && Array.isArray(x.warnings) && x.warnings.every(isSpecDiagnostic);
    case 'invalid':
      return Array.isArray(x.diagnostics) && x.diagnostics.every(isSpecDiagnostic);
    default:
      return false;
  }
}

/** Inspector → host: what the host accepts. */
export const isInspectorToHost = isMessageOf<InspectorToHost>({
  ready: () => true,
  inspected: (x) => isCount(x.id) && isInspection(x.inspection) && typeof x.ms === 'number',
  failed: (x) => isCount(x.id) && typeof x.message === 'string',
});

/** Host → inspector: what the inspector accepts. */
export function isHostToInspector(x: unknown): x is HostToInspector {
  if (!isObject(x) || x.type !== 'inspect' || !isObject(x.request)) return false;
  const r = x.request;
  return isCount(r.id) && typeof r.modelFile === 'string' && typeof r.text === 'string' && typeof r.workspaceRoot === 'string';
}
