import { isMessageOf, isObject } from './primitiveGuards';
import type { MetricRecord } from './runTypes';
import type { SweepInfo } from './sweepTypes';

/**
 * Messages between the extension host and the sweep panel's webview.
 * JSON-safe data only; the webview imports this file with `import type`.
 * Traffic starts with the webview's `ready`: the host sends nothing before.
 */

/** What the panel shows of a sweep besides its sweep.json. */
export interface SweepView {
  readonly modelName: string;
  /** The sweep's folder (`.modelstudio/sweeps/<id>`). */
  readonly sweepDir: string;
  readonly sweep: SweepInfo;
  /**
   * `running`: this window's runner (or another live process) runs it;
   * `interrupted`: sweep.json says running but no runner is alive (a reload,
   * a killed process): Resume Sweep continues it.
   */
  readonly state: 'running' | 'stopping' | 'interrupted' | 'ended';
  /** The index of the best trial so far by the sweep's metric and goal. */
  readonly best?: number;
}

/** Epoch records of one trial, for its curves. */
export interface TrialCurves {
  readonly index: number;
  readonly records: readonly MetricRecord[];
}

/** Extension host → sweep panel webview. */
export type HostToSweepPanel =
  /** The sweep as sweep.json says now: after `ready` and whenever the file changes. */
  | { readonly type: 'sweep'; readonly view: SweepView }
  /** Curves of the trials the page selected (their epoch records), replacing those sent before. */
  | { readonly type: 'curves'; readonly trials: readonly TrialCurves[] }
  /** Something to tell the user: the values applied, an edit that failed. */
  | { readonly type: 'notice'; readonly level: 'info' | 'error'; readonly message: string };

/** Sweep panel webview → extension host. */
export type SweepPanelToHost =
  | { readonly type: 'ready' }
  /** The trials selected in the table or the plots: their curves are drawn together. */
  | { readonly type: 'select'; readonly trials: readonly number[] }
  /** Apply best values: the best trial's parameters into the model file, one undoable edit. */
  | { readonly type: 'applyBest' }
  | { readonly type: 'stop' }
  | { readonly type: 'resume' }
  /** Shows a trial's run in the training panel. */
  | { readonly type: 'openTrial'; readonly index: number };

/** What the webview keeps in `vscode.setState`, so a restored panel shows the same sweep. */
export interface SweepPanelState {
  readonly modelFile: string;
  readonly sweepDir: string;
}

function isIndex(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export const isSweepPanelToHost = isMessageOf<SweepPanelToHost>({
  ready: () => true,
  select: (x) => Array.isArray(x.trials) && x.trials.length <= 1000 && x.trials.every(isIndex),
  applyBest: () => true,
  stop: () => true,
  resume: () => true,
  openTrial: (x) => isIndex(x.index),
});

/** Checks the state a restored panel hands back. */
export function isSweepPanelState(x: unknown): x is SweepPanelState {
  return isObject(x) && typeof x.modelFile === 'string' && typeof x.sweepDir === 'string';
}
