import type { Evaluation } from './evaluationTypes';
import type { ExplainResult } from './explainTypes';
import { isMessageOf, isObject } from './primitiveGuards';

/**
 * Messages between the extension host and the evaluation webview. JSON-safe
 * data only; the webview imports this file with `import type`. Traffic
 * starts with the webview's `ready`: the host sends nothing before.
 */

/** One evaluation the panel can show, as the pickers list it. */
export interface EvaluationChoice {
  readonly runDir: string;
  readonly evaluationId: string;
  /** e.g. `run 20261123-101813 · data/iris.csv (testSplit 0.2: 30 of 150 rows) · accuracy 0.9667`. */
  readonly label: string;
}

/** Which evaluation a side of the panel shows. */
export interface EvaluationRef {
  readonly runDir: string;
  readonly evaluationId: string;
}

/**
 * What the panel asks the host to explain, for the evaluation a side shows:
 * one example of an image model (saliency and Grad-CAM, with its feature
 * maps; `example` is WorstPrediction.example), or a table model's feature importance.
 */
export type ExplainTarget = { readonly kind: 'example'; readonly example: number } | { readonly kind: 'importance' };

/** Extension host → evaluation webview. */
export type HostToEvaluation =
  /** Replaces what is shown: the evaluation, the one it is compared with (if any), and every evaluation of the model file to pick from. */
  | {
      readonly type: 'show';
      readonly modelFile: string;
      readonly modelName: string;
      readonly choices: readonly EvaluationChoice[];
      readonly primary: Evaluation;
      readonly compare?: Evaluation;
    }
  /** The evaluation to show could not be read (its evaluation.json or run folder is gone or broken). */
  | { readonly type: 'unavailable'; readonly modelFile: string; readonly modelName: string; readonly message: string }
  /** An explanation the panel asked for is being computed: what the trainer process is doing now. */
  | { readonly type: 'explainProgress'; readonly ref: EvaluationRef; readonly target: ExplainTarget; readonly message: string }
  /**
   * It finished: `example`: the saliency result (with the feature maps), then the Grad-CAM one; `importance`: one result.
   * `notes`: the parts left out and why (Grad-CAM of a model without convolution layers).
   */
  | {
      readonly type: 'explained';
      readonly ref: EvaluationRef;
      readonly target: ExplainTarget;
      readonly results: readonly ExplainResult[];
      readonly notes?: readonly string[];
    }
  /** It did not finish: a problem with the run or its data (the message names it), a crash, or a cancel. */
  | {
      readonly type: 'explainFailed';
      readonly ref: EvaluationRef;
      readonly target: ExplainTarget;
      readonly message: string;
      readonly cancelled: boolean;
    };

/** Evaluation webview → extension host. */
export type EvaluationToHost =
  /** The script has loaded and listens: the host may send now. */
  | { readonly type: 'ready' }
  /** Show another evaluation (the left side). */
  | { readonly type: 'select'; readonly ref: EvaluationRef }
  /** Show a second evaluation beside the first; null: stop comparing. */
  | { readonly type: 'compare'; readonly ref: EvaluationRef | null }
  /** A worst-prediction row was clicked: open its example (the host only opens files the shown evaluations name). */
  | { readonly type: 'openSource'; readonly file: string; readonly line?: number }
  /** Explain an example or compute the feature importance of a shown evaluation (one at a time: a new one cancels the last). */
  | { readonly type: 'explain'; readonly ref: EvaluationRef; readonly target: ExplainTarget }
  /** Stop the explanation being computed. */
  | { readonly type: 'cancelExplain' };

/** What the webview keeps in `vscode.setState`, so a restored panel shows the same evaluations. */
export interface EvaluationPanelState {
  readonly modelFile: string;
  readonly primary: EvaluationRef;
  readonly compare?: EvaluationRef;
}

function isRef(x: unknown): x is EvaluationRef {
  return isObject(x) && typeof x.runDir === 'string' && typeof x.evaluationId === 'string';
}

export function isExplainTarget(x: unknown): x is ExplainTarget {
  if (!isObject(x)) return false;
  if (x.kind === 'importance') return true;
  return x.kind === 'example' && Number.isInteger(x.example) && (x.example as number) >= 0;
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export const isEvaluationToHost = isMessageOf<EvaluationToHost>({
  ready: () => true,
  select: (x) => isRef(x.ref),
  compare: (x) => x.ref === null || isRef(x.ref),
  openSource: (x) => typeof x.file === 'string' && (x.line === undefined || (Number.isInteger(x.line) && (x.line as number) >= 1)),
  explain: (x) => isRef(x.ref) && isExplainTarget(x.target),
  cancelExplain: () => true,
});

/** Checks the state a restored panel hands back. */
export function isEvaluationPanelState(x: unknown): x is EvaluationPanelState {
  return isObject(x) && typeof x.modelFile === 'string' && isRef(x.primary) && (x.compare === undefined || isRef(x.compare));
}
