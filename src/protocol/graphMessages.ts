import type { Range } from '../modelFile/diagnostic';
import type { Inspection } from './inspectorMessages';
import { isMessageOf, isObject } from './primitiveGuards';

/**
 * Messages between the extension host and the layer-graph webview.
 * JSON-safe data only; the webview imports this file with `import type`.
 * Traffic starts with the webview's `ready`: the host sends nothing before.
 */

/** Extension host → graph webview. */
export type HostToGraph =
  /** The layer table (or the file's errors) for one version of the document; replaces what is shown. */
  | {
      readonly type: 'inspection';
      readonly modelFile: string;
      readonly modelName: string;
      /** `TextDocument.version` the inspection is of. */
      readonly version: number;
      readonly inspection: Inspection;
    }
  /** The inspector could not answer (it failed to start or crashed). */
  | { readonly type: 'unavailable'; readonly modelFile: string; readonly modelName: string; readonly message: string }
  /** The layer the editor's cursor is in (null: in none). */
  | { readonly type: 'highlight'; readonly index: number | null };

/** Graph webview → extension host. */
export type GraphToHost =
  /** The webview's script has loaded and listens: the host may send now. */
  | { readonly type: 'ready' }
  /** A node was clicked: reveal and select layer `index` in the model file. */
  | { readonly type: 'revealLayer'; readonly index: number }
  /** A problem was clicked: put the cursor on its range. */
  | { readonly type: 'revealRange'; readonly range: Range };

/** What the webview keeps in `vscode.setState`, so a restored panel knows its file. */
export interface GraphState {
  readonly modelFile: string;
}

function isCount(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

function isPosition(x: unknown): boolean {
  return isObject(x) && isCount(x.line) && isCount(x.character);
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export const isGraphToHost = isMessageOf<GraphToHost>({
  ready: () => true,
  revealLayer: (x) => isCount(x.index),
  revealRange: (x) => isObject(x.range) && isPosition(x.range.start) && isPosition(x.range.end),
});

/** Checks the state a restored panel hands back. */
export function isGraphState(x: unknown): x is GraphState {
  return isObject(x) && typeof x.modelFile === 'string';
}
