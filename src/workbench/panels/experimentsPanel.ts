import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever } from '../../protocol/assertNever';
import {
  isColumnChoices,
  isExperimentsPanelState,
  isExperimentsToHost,
  type ColumnChoices,
  type ExperimentsScope,
  type ExperimentsToHost,
  type HostToExperiments,
  type RunCurves,
} from '../../protocol/experimentsMessages';
import { splitConstantParams } from '../../protocol/constantParams';
import type { RunRow } from '../../protocol/runRow';
import { writeFileAtomic } from '../../runFolder/atomicFile';
import { readMetrics } from '../../runFolder/readRunFolder';
import { readIndexedRun, readRunRows, rowOfIndexedRun, RunIndexCache, updateRunRow } from '../../runFolder/runIndex';
import { editRun } from '../../runFolder/runNotes';
import { diffSpecs, readSpec } from '../../runFolder/specDiff';
import { modelName } from '../shared/modelFiles';
import type { TrainingPanels } from './trainingPanel';
import { PanelController } from './panelController';
import { PanelSet, type PanelDeps, type PanelPage } from './panelSet';

interface Deps extends PanelDeps {
  readonly training: TrainingPanels;
  /** Where each table's column choices are remembered (the workspace's state). */
  readonly memento: vscode.Memento;
}

/** A table's key in the PanelSet and the workspace state: `model:/w/iris.model.yaml`, `folder:/w`, `sweep:/w/.modelstudio/sweeps/<id>`. */
export function scopeKey(scope: ExperimentsScope): string {
  return `${scope.kind}:${scope.path}`;
}

function scopeOfKey(key: string): ExperimentsScope {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) as ExperimentsScope['kind'], path: key.slice(at + 1) };
}

/** What the table lists, in words: its tab and its heading. */
export function scopeTitle(scope: ExperimentsScope): string {
  switch (scope.kind) {
    case 'model':
      return modelName(scope.path);
    case 'folder':
      return path.basename(scope.path) || scope.path;
    case 'sweep':
      return `sweep ${path.basename(scope.path)}`;
  }
}

const PAGE: PanelPage = {
  viewType: 'modelStudio.experiments',
  script: 'experiments.js',
  stylesheet: 'experiments.css',
  icon: 'experiments.svg',
  title: 'Experiments',
  tabTitle: (key) => `Experiments: ${scopeTitle(scopeOfKey(key))}`,
};

/** The experiments tables, at most one per model file, folder or sweep: opens or reveals them, restores them after a reload. */
export class ExperimentsPanels extends PanelSet<ExperimentsPanel> {
  constructor(private readonly deps: Deps) {
    super(PAGE, deps.extensionUri, (state) =>
      isExperimentsPanelState(state)
        ? { modelFile: scopeKey(state.scope), controller: (panel) => new ExperimentsPanel(panel, state.scope, deps) }
        : undefined,
    );
  }

  /** Shows the table of `scope`, opening it beside the editor; returns its key. */
  createOrShow(scope: ExperimentsScope): string {
    const key = scopeKey(scope);
    this.open(key, false, (panel) => new ExperimentsPanel(panel, scope, this.deps));
    return key;
  }

  /** The rows the table of `key` last sent to its webview, if it is open. */
  rows(key: string): readonly RunRow[] | undefined {
    return this.controller(key)?.shownRows;
  }
}

/** The run a folder's run.json belongs to: a fold's (`<run>/folds/<n>`) is its cross-validated run's. */
function runOf(dir: string): string {
  return path.basename(path.dirname(dir)) === 'folds' ? path.dirname(path.dirname(dir)) : dir;
}

/** Several run.json writes in a row (a sweep's trials, heartbeats) make one read. */
const READ_AFTER_MS = 500;
const COLUMNS_KEY = 'modelStudio.experiments.columns';

/** One table: posts the runs as their folders change, and answers the page's compare, diff, edits and export. */
/** Rows in the first message of a long list (the page draws 200 at a time). */
const FIRST_ROWS = 200;

class ExperimentsPanel extends PanelController<HostToExperiments, ExperimentsToHost> {
  private rows: readonly RunRow[] = [];
  /** What the page was last sent (tests read it). */
  shownRows: readonly RunRow[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  /** Runs whose run.json changed since the last read; `readAll`: the list itself may have changed. */
  private readonly changed = new Set<string>();
  private readAll = true;
  private editing: Promise<void> = Promise.resolve();
  /** Rows messages posted; the first one logs how long the rows took to read (the last whole read) and to post. */
  private posts = 0;
  private readMs = 0;
  /** The rows read when the panel was made are there for the page's first `ready`. */
  private prefetched = true;
  /** The runs indexes as last read: a list read again (a run made or deleted) parses only what was appended. */
  private readonly index = new RunIndexCache();

  constructor(
    panel: vscode.WebviewPanel,
    private readonly scope: ExperimentsScope,
    private readonly deps: Deps,
  ) {
    super(panel, isExperimentsToHost, deps.log, 'experiments table');
    // Runs started, ended, renamed, deleted, by this window, the CLI or another window.
    const watcher = this.register(
      vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.root()), '**/run.json')),
    );
    // A run.json rewritten (a heartbeat, the end) re-reads that run; one made or deleted, the list.
    const all = () => this.scheduleRead(undefined);
    this.register(
      watcher.onDidCreate(all),
      watcher.onDidChange((uri) => this.scheduleRead(runOf(path.dirname(uri.fsPath)))),
      watcher.onDidDelete(all),
    );
    this.register({ dispose: () => clearTimeout(this.timer) });
    // The rows are read while the page loads (a second or so with thousands of runs): `ready` then only posts them.
    this.read().catch((error: unknown) => {
      this.prefetched = false;
      this.log.warn(`experiments table: ${String(error)}`);
    });
  }

  /** The folder whose runs the table lists (a model file's: its `.modelstudio`, runs and sweeps). */
  private root(): string {
    return this.scope.kind === 'model' ? path.join(path.dirname(this.scope.path), '.modelstudio') : this.scope.path;
  }

  /** Reads `runDir`'s row again soon, or (undefined) every row. */
  private scheduleRead(runDir: string | undefined): void {
    if (runDir === undefined || !this.rows.some((r) => r.runDir === runDir)) this.readAll = true;
    else this.changed.add(runDir);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.read(), READ_AFTER_MS);
  }

  private ofScope(rows: readonly RunRow[]): RunRow[] {
    if (this.scope.kind !== 'model') return [...rows];
    const file = path.resolve(this.scope.path);
    return rows.filter((r) => path.resolve(r.modelFile) === file);
  }

  /** The rows with the runs in `runDirs` read again (a run that cannot be read keeps its row until the list is read). */
  private async reread(runDirs: readonly string[]): Promise<RunRow[]> {
    const fresh = new Map<string, RunRow>();
    await Promise.all(
      runDirs.map(async (dir) => {
        const row = await readIndexedRun(dir).then(rowOfIndexedRun, () => undefined);
        if (row) fresh.set(dir, row);
      }),
    );
    return this.rows.map((r) => fresh.get(r.runDir) ?? r);
  }

  /** Reads the rows and posts them; a read asked for while one runs happens once after it. */
  private async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        const changed = [...this.changed];
        const all = this.readAll || this.rows.length === 0;
        this.changed.clear();
        this.readAll = false;
        const started = Date.now();
        this.rows = this.ofScope(all ? await readRunRows(this.root(), this.index) : await this.reread(changed));
        if (all) this.readMs = Date.now() - started;
        if (this.ready) {
          const posting = Date.now();
          const { rows, constants } = splitConstantParams(this.rows);
          const message = {
            type: 'rows',
            title: scopeTitle(this.scope),
            scope: this.scope,
            constants,
            columns: this.columnChoices(),
          } as const;
          // A long list's newest runs first: the page draws them while the whole list (megabytes) is posted.
          if (this.posts === 0 && rows.length > FIRST_ROWS) {
            await this.post({ ...message, rows: rows.slice(0, FIRST_ROWS), total: rows.length });
          }
          await this.post({ ...message, rows, total: rows.length });
          this.shownRows = this.rows;
          // The first list's cost, for people with thousands of runs (bench/experiments.mjs reads it).
          if (this.posts++ === 0) {
            this.log.info(`experiments table: ${rows.length} runs read in ${this.readMs} ms, posted in ${Date.now() - posting} ms`);
          }
        }
      } while (this.readAgain);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private columnChoices(): ColumnChoices {
    const saved = this.deps.memento.get<unknown>(`${COLUMNS_KEY}:${scopeKey(this.scope)}`);
    return isColumnChoices(saved) ? saved : {};
  }

  /** The row of a folder the page names: only runs this table lists are read or written (the page is untrusted). */
  private row(runDir: string): RunRow | undefined {
    return this.rows.find((r) => r.runDir === runDir);
  }

  private async notice(level: 'info' | 'error', message: string): Promise<void> {
    await this.post({ type: 'notice', level, message });
  }

  protected async onMessage(msg: ExperimentsToHost): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        const posts = this.posts;
        if (this.prefetched) {
          this.prefetched = false;
          // The early read, if it ended after `ready`, has posted the rows itself.
          await this.reading?.catch(() => undefined);
          if (this.posts > posts) return;
        } else this.readAll = true; // a page rebuilt later (hidden, then shown): the runs are read again
        await this.read();
        return;
      }
      case 'compare':
        await this.post({ type: 'curves', runs: await this.curves(msg.runDirs) });
        return;
      case 'diff':
        await this.diff(msg.runDirs);
        return;
      case 'edit': {
        const row = this.row(msg.runDir);
        if (!row) return;
        // One edit at a time: two read-modify-writes of one run.json would lose one of them.
        this.editing = this.editing.then(async () => {
          try {
            await editRun(row.runDir, msg.edits);
            await updateRunRow(row.runDir);
          } catch (error) {
            await this.notice('error', `${row.name} was not changed: ${error instanceof Error ? error.message : String(error)}`);
          }
        });
        await this.editing;
        this.changed.add(row.runDir);
        await this.read();
        return;
      }
      case 'exportCsv':
        await this.exportCsv(msg.csv, msg.rows);
        return;
      case 'columns':
        await this.deps.memento.update(`${COLUMNS_KEY}:${scopeKey(this.scope)}`, msg.choices);
        return;
      case 'openRun': {
        const row = this.row(msg.runDir);
        if (row) this.deps.training.compare(vscode.Uri.file(row.modelFile), [row.runDir]);
        return;
      }
      default:
        assertNever(msg);
    }
  }

  /** Epoch records of the listed runs among `runDirs`; a run whose metrics cannot be read has no curves. */
  private async curves(runDirs: readonly string[]): Promise<RunCurves[]> {
    const rows = runDirs.map((dir) => this.row(dir)).filter((r) => r !== undefined);
    const read = await Promise.all(
      rows.map(async (row): Promise<RunCurves> => {
        try {
          const records = await readMetrics(row.runDir);
          return { runDir: row.runDir, name: row.name, records: records.filter((r) => r.batch === null) };
        } catch (error) {
          this.log.warn(`experiments table: ${String(error)}`);
          return { runDir: row.runDir, name: row.name, records: [] };
        }
      }),
    );
    return read;
  }

  private async diff([first, second]: readonly [string, string]): Promise<void> {
    const a = this.row(first);
    const b = this.row(second);
    if (!a || !b) return;
    try {
      const [specA, specB] = await Promise.all([readSpec(a.runDir), readSpec(b.runDir)]);
      await this.post({ type: 'diff', diff: { a: a.runDir, b: b.runDir, entries: diffSpecs(specA, specB) } });
    } catch (error) {
      await this.notice('error', `No diff: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async exportCsv(csv: string, count: number): Promise<void> {
    const folder = this.scope.kind === 'model' ? path.dirname(this.scope.path) : this.scope.path;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(folder, `${scopeTitle(this.scope).replace(/[^\w.-]+/g, '-')}-runs.csv`)),
      filters: { CSV: ['csv'] },
      saveLabel: 'Export',
      title: 'Export the table as CSV',
    });
    if (!target) return;
    try {
      await writeFileAtomic(target.fsPath, csv);
      await this.notice('info', `Exported ${count} run${count === 1 ? '' : 's'} to ${target.fsPath}.`);
    } catch (error) {
      await this.notice('error', `${target.fsPath} was not written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
