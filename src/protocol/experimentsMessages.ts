import { isMessageOf, isObject, isString } from './primitiveGuards';
import type { ParamValue, RunRow } from './runRow';
import type { MetricRecord } from './runTypes';

/**
 * Messages between the extension host and the experiments table's webview.
 * JSON-safe data only; the webview imports this file with `import type`
 * and the guards. Traffic starts with the webview's `ready`.
 */

/** What a table lists: the runs of one model file, every run under a folder, or a sweep's trials. */
export interface ExperimentsScope {
  readonly kind: 'model' | 'folder' | 'sweep';
  /** The model file, the folder, or the sweep folder (`.modelstudio/sweeps/<id>`). */
  readonly path: string;
}

/** Columns the person showed (true) or hid (false); the others follow the table's default. */
export type ColumnChoices = Readonly<Record<string, boolean>>;

/** One leaf of spec.json in a diff: its path, and its value in each run (absent: the run's spec has no such leaf). */
export interface DiffEntry {
  readonly key: string;
  readonly a?: ParamValue;
  readonly b?: ParamValue;
}

/** Whether a diff entry's two sides differ (a leaf only one side has differs). */
export function isChangedEntry(entry: DiffEntry): boolean {
  return Object.hasOwn(entry, 'a') !== Object.hasOwn(entry, 'b') || entry.a !== entry.b;
}

/** Two runs' spec.json side by side, every leaf (changed or not), in path order. */
export interface RunDiff {
  readonly a: string;
  readonly b: string;
  readonly entries: readonly DiffEntry[];
}

/** The epoch records of one run, for the overlaid curves. */
export interface RunCurves {
  readonly runDir: string;
  readonly name: string;
  readonly records: readonly MetricRecord[];
}

/** A person's edit of one run: its name (`label`, empty: back to the folder's name), notes or tags. */
export type RunEdit =
  | { readonly field: 'label'; readonly value: string }
  | { readonly field: 'notes'; readonly value: string }
  | { readonly field: 'tags'; readonly value: readonly string[] };

/** Extension host → experiments webview. */
export type HostToExperiments =
  /** The runs as listed now: after `ready` and whenever a run folder changes. */
  | {
      readonly type: 'rows';
      readonly title: string;
      readonly scope: ExperimentsScope;
      /** Each row's hyperparameters leave out these, the ones every row has with one value (splitConstantParams). */
      readonly rows: readonly RunRow[];
      readonly constants: Readonly<Record<string, ParamValue>>;
      readonly columns: ColumnChoices;
      /**
       * How many runs the table lists. More than `rows` in the first message
       * of a long list: its newest runs, drawn while the rest (the next
       * message, with every row) are posted; `constants` are already the whole list's.
       */
      readonly total: number;
    }
  /** Answering `compare`: the selected runs' epoch records. */
  | { readonly type: 'curves'; readonly runs: readonly RunCurves[] }
  /** Answering `diff`. */
  | { readonly type: 'diff'; readonly diff: RunDiff }
  /** Something to tell the person: a file written, an edit refused. */
  | { readonly type: 'notice'; readonly level: 'info' | 'error'; readonly message: string };

/** Experiments webview → extension host. */
export type ExperimentsToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'compare'; readonly runDirs: readonly string[] }
  | { readonly type: 'diff'; readonly runDirs: readonly [string, string] }
  /** The fields the person changed in the inline editor, written together. */
  | { readonly type: 'edit'; readonly runDir: string; readonly edits: readonly RunEdit[] }
  /** Export CSV: the visible rows and columns, as the page wrote them; the host asks where to save. */
  | { readonly type: 'exportCsv'; readonly csv: string; readonly rows: number }
  /** The person's column choices, remembered per table in the workspace. */
  | { readonly type: 'columns'; readonly choices: ColumnChoices }
  /** A row double-clicked: the run in its model file's training panel. */
  | { readonly type: 'openRun'; readonly runDir: string };

/** The table's order: a column's id, and which way. */
export interface TableSort {
  readonly column: string;
  readonly descending: boolean;
}

/** What the webview keeps in `vscode.setState`, so a restored panel lists the same runs, filtered and sorted alike. */
export interface ExperimentsPanelState {
  readonly scope: ExperimentsScope;
  readonly filter?: string;
  readonly sort?: TableSort;
}

/** Longest note, name or tag the host writes into run.json. */
export const MAX_NOTE_LENGTH = 10_000;
const MAX_RUNS = 100_000;
const MAX_CSV_LENGTH = 200_000_000;

export function isScope(x: unknown): x is ExperimentsScope {
  return isObject(x) && (x.kind === 'model' || x.kind === 'folder' || x.kind === 'sweep') && isString(x.path);
}

function isEdit(x: unknown): x is RunEdit {
  if (!isObject(x)) return false;
  if (x.field === 'label' || x.field === 'notes') return isString(x.value) && x.value.length <= MAX_NOTE_LENGTH;
  return (
    x.field === 'tags' &&
    Array.isArray(x.value) &&
    x.value.length <= 100 &&
    x.value.every((t) => isString(t) && t.length > 0 && t.length <= 200)
  );
}

function isChoices(x: unknown): x is ColumnChoices {
  return isObject(x) && Object.keys(x).length <= 10_000 && Object.values(x).every((v) => typeof v === 'boolean');
}

/** Checks a message from the webview (untrusted) before the host acts on it. */
export const isExperimentsToHost = isMessageOf<ExperimentsToHost>({
  ready: () => true,
  compare: (x) => Array.isArray(x.runDirs) && x.runDirs.length <= 50 && x.runDirs.every(isString),
  diff: (x) => Array.isArray(x.runDirs) && x.runDirs.length === 2 && x.runDirs.every(isString),
  edit: (x) => isString(x.runDir) && Array.isArray(x.edits) && x.edits.length >= 1 && x.edits.length <= 3 && x.edits.every(isEdit),
  exportCsv: (x) => isString(x.csv) && x.csv.length <= MAX_CSV_LENGTH && Number.isInteger(x.rows) && (x.rows as number) <= MAX_RUNS,
  columns: (x) => isChoices(x.choices),
  openRun: (x) => isString(x.runDir),
});

export function isColumnChoices(x: unknown): x is ColumnChoices {
  return isChoices(x);
}

/** Checks the state a restored panel hands back. */
export function isExperimentsPanelState(x: unknown): x is ExperimentsPanelState {
  return (
    isObject(x) &&
    isScope(x.scope) &&
    (x.filter === undefined || isString(x.filter)) &&
    (x.sort === undefined || (isObject(x.sort) && isString(x.sort.column) && typeof x.sort.descending === 'boolean'))
  );
}
