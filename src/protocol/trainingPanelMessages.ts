import type { BackendName, BackendSkip, MetricRecord, RunStatus } from './runTypes';

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
  /** Short name of the run (its start time), for the legend when runs are compared. */
  readonly label?: string;
  readonly backend?: BackendName;
  /** Backends tried before `backend` and why they were not used (run.json `backendSkipped`). */
  readonly backendSkipped?: readonly BackendSkip[];
  /** wasm: the threads it trains with (run.json `threads`). */
  readonly threads?: number;
  /** Planned epochs; the current one is the latest record's. */
  readonly epochs?: number;
  readonly batchesPerEpoch?: number;
  /** Training examples per epoch, for samples/s. */
  readonly trainSamples?: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
  /** The run is a fold (`fold` of `foldCount`) of a cross-validated run; mean and std once all its folds completed. */
  readonly crossValidation?: PanelCrossValidation;
  /** After the run: its metrics on the test split (run.json `test`). */
  readonly test?: Readonly<Record<string, number>>;
  /** After the run: the `val_` metrics of the model it saved (run.json `validation`). */
  readonly validation?: Readonly<Record<string, number>>;
  /** Continue with Changes: the run this one continued, and the epochs before this run's epoch 1 (all its ancestors'). */
  readonly parent?: { readonly id: string; readonly label: string; readonly epochsBefore: number };
}

/** What the header says of a cross-validated run. */
export interface PanelCrossValidation {
  readonly foldCount: number;
  /** The fold the panel's own curves are of (1-based). */
  readonly fold: number;
  /** Per final validation (and test) metric, over the folds. */
  readonly mean?: Readonly<Record<string, number>>;
  readonly std?: Readonly<Record<string, number>>;
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
      /** A fold of a cross-validated run: its other folds that have started, drawn with it (one colour each). */
      readonly folds?: readonly ComparedRun[];
      /**
       * A continued run: the runs it continues, oldest first, each with the
       * epochs before its own (`epochOffset`), drawn muted before its curve.
       */
      readonly lineage?: readonly ComparedRun[];
    }
  /** The run's header changed (status, backend, error). */
  | { readonly type: 'run'; readonly run: PanelRun }
  /** New records of run `runId`; the webview drops records it already has. */
  | { readonly type: 'metrics'; readonly runId: string; readonly records: readonly MetricRecord[] }
  /**
   * Other runs of the model file to draw with the panel's own (the runs
   * selected in the Runs view); replaces the previous set, empty clears it.
   */
  | { readonly type: 'compare'; readonly runs: readonly ComparedRun[] }
  /**
   * Whether the model file (its editor's text, saved or not) now differs
   * from the spec the shown run started with (its spec.json): the header
   * then says "model file changed since this run started".
   */
  | { readonly type: 'fileChanged'; readonly changed: boolean };

/** A finished (or running) run drawn beside the panel's own, from its run folder. */
export interface ComparedRun {
  readonly runId: string;
  /** Its folder: the webview keeps it in its state, so that a reload draws the same runs again. */
  readonly runDir: string;
  /** How the legend names it, e.g. its start time. */
  readonly label: string;
  readonly status: RunStatus;
  readonly batchesPerEpoch?: number;
  readonly records: readonly MetricRecord[];
  /** Epochs drawn before this run's epoch 1 (a continued run's ancestors'); 0 when absent. */
  readonly epochOffset?: number;
}

/** Training panel webview → extension host. */
export type TrainingPanelToHost =
  /** The webview's script has loaded and listens: the host may send now. */
  | { readonly type: 'ready' }
  | { readonly type: 'train' }
  | { readonly type: 'stop' }
  /** Reveal the shown run's folder. */
  | { readonly type: 'openRunFolder' }
  /** Continue with Changes from the shown run (it has ended). */
  | { readonly type: 'continue' };

/** How the charts are drawn; kept with the panel's state. */
export interface ChartSettings {
  /** `batch`: training curves per batch; `epoch`: one point per epoch. */
  readonly view: 'batch' | 'epoch';
  /** Exponential moving average weight, 0 (off) to 0.99. */
  readonly smoothing: number;
  readonly yScale: 'linear' | 'log';
}

/** What the webview keeps in `vscode.setState`, so a hidden or restored panel comes back whole. */
export interface TrainingPanelState {
  readonly modelFile: string;
  readonly modelName: string;
  readonly run: PanelRun;
  /** The run's records, or only its epoch records when it has very many (a state is saved often). */
  readonly records: readonly MetricRecord[];
  readonly settings?: ChartSettings;
  /** Folders of the runs drawn beside this one (the Runs view's selection when it was saved). */
  readonly comparedRunDirs?: readonly string[];
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export function isTrainingPanelToHost(value: unknown): value is TrainingPanelToHost {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'train' || type === 'stop' || type === 'openRunFolder' || type === 'continue';
}

/** Checks the state a restored panel hands back (it was written by an older webview, maybe). */
export function isTrainingPanelState(value: unknown): value is Pick<TrainingPanelState, 'modelFile' | 'comparedRunDirs'> {
  if (typeof value !== 'object' || value === null) return false;
  const { modelFile, comparedRunDirs } = value as { modelFile?: unknown; comparedRunDirs?: unknown };
  return (
    typeof modelFile === 'string' &&
    (comparedRunDirs === undefined || (Array.isArray(comparedRunDirs) && comparedRunDirs.every((dir) => typeof dir === 'string')))
  );
}
