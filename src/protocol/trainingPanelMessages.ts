import type { BackendName, MetricRecord, RunStatus } from './runTypes';

/**
 * Messages between the extension host and the training panel's webview.
 * JSON-safe data only; the webview imports this file with `import type`.
 * Traffic starts with the webview's `ready`: the host sends nothing before.
 */

/** What the panel's header shows: the model file's current or latest run. */
export interface PanelRun {
  /** `none`: the model file has no run yet. */
  readonly status: 'none' | 'starting' | 'stopping' | RunStatus;
  readonly runId?: string;
  readonly backend?: BackendName;
  /** Planned epochs; the current one is the latest record's. */
  readonly epochs?: number;
  readonly batchesPerEpoch?: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
}

/** Extension host → training panel webview. */
export type HostToTrainingPanel =
  /** Replaces everything the panel shows: after `ready`, and when a new run starts. */
  | {
      readonly type: 'reset';
      readonly modelFile: string;
      readonly modelName: string;
      readonly run: PanelRun;
      /** The run folder's metrics.jsonl so far. */
      readonly records: readonly MetricRecord[];
    }
  /** The run's header changed (status, backend, error). */
  | { readonly type: 'run'; readonly run: PanelRun }
  /** New records of run `runId`; the webview drops records it already has. */
  | { readonly type: 'metrics'; readonly runId: string; readonly records: readonly MetricRecord[] };

/** Training panel webview → extension host. */
export type TrainingPanelToHost =
  /** The webview's script has loaded and listens: the host may send now. */
  | { readonly type: 'ready' }
  | { readonly type: 'train' }
  | { readonly type: 'stop' };

/** What the webview keeps in `vscode.setState`, so a hidden or restored panel comes back whole. */
export interface TrainingPanelState {
  readonly modelFile: string;
  readonly modelName: string;
  readonly run: PanelRun;
  readonly records: readonly MetricRecord[];
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export function isTrainingPanelToHost(value: unknown): value is TrainingPanelToHost {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'train' || type === 'stop';
}

/** Checks the state a restored panel hands back (it was written by an older webview, maybe). */
export function isTrainingPanelState(value: unknown): value is Pick<TrainingPanelState, 'modelFile'> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { modelFile?: unknown }).modelFile === 'string'
  );
}
