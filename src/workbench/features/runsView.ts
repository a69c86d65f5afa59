import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingPanels } from '../panels/trainingPanel';
import type { RunEntry } from '../../runFolder/readRunFolder';
import { bestOfSummary, groupRuns, modelFileOfRun } from '../../runFolder/runSummary';
import { markDeadRuns, processAlive } from '../../runFolder/deadRuns';
import { readRunsFolder, RunIndexCache, type IndexedRun } from '../../runFolder/runIndex';
import { findRunsFolders } from '../../runFolder/runsFolders';
import { RUNS_PAGE } from '../../runFolder/runGroups';
import { isActive, type RunController } from '../services/runController';
import { Owner } from '../shared/dispose';
import type { SweepController } from '../services/sweepController';
import { dayItem, itemLabel, modelItem, moreItem, runItem, SHOW_MORE_RUNS } from './runsViewItems';
import { sweepEntries, sweepItem, sweepStatus, SWEEP_JSON_GLOB, type SweepNode } from './sweepNodes';
import type { SlurmJobs } from '../services/slurmJobs';
import type { JobFolder } from '../../slurm/jobFolder';
import { jobItem, jobModelFile, type JobNode } from './slurmNodes';
import { FoldNodes } from './runsViewFolds';
import { dayChildren, dayKey, isRunNode, modelNode, type ModelNode, type MoreNode, type RunNode, type RunsNode } from './runsViewNodes';

export { isSweepNode, type SweepNode } from './sweepNodes';
export { isJobNode, type JobNode } from './slurmNodes';
export { isRunNode, type DayNode, type ModelNode, type MoreNode, type RunNode, type RunsNode } from './runsViewNodes';

export const RUNS_VIEW_ID = 'modelStudio.runs';
const RUN_JSON_GLOB = '**/.modelstudio/runs/*/run.json';
/** Several run.json writes in a row (start, end, a CLI run) make one refresh. */
const REFRESH_MS = 300;
/**
 * How often the view reads the runs folders again while a listed run is going or a Slurm job waits: file events
 * miss writes from another node of a shared filesystem, and come late under load. Cheap: running runs only.
 */
const LIVE_POLL_MS = 2000;

/**
 * The "Runs" tree in the Model Studio activity-bar container: every run
 * folder in the workspace, grouped by model file, newest first. Reads the
 * runs folders through their index (src/runFolder/runIndex.ts), so
 * thousands of runs list without opening each folder; a file watcher on
 * run.json says which run to read again. It is complete after a reload and
 * shows runs made with the CLI. Selecting runs draws them in their model
 * file's training panel.
 */
export class RunsView extends Owner implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<RunsNode>;
  private models: ModelNode[] = [];
  /** Each node's parent, for getParent (reveal) without searching. */
  private parents = new Map<RunsNode, RunsNode>();
  /** The runs folders of the workspace, found again when one appears that is not among them (undefined: search). */
  private folders: string[] | undefined;
  private readonly cache = new RunIndexCache();
  /** The run folder of each model file's run going in this window, by model file. */
  private readonly ownRunDirs = new Map<string, string>();
  private readonly foldNodes = new FoldNodes();
  /** Runs shown per day beyond the first page, by `<model file>\n<day>`. */
  private readonly shown = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  /** When the view was made, until its first list is shown (logged: how long a workspace's runs take to list). */
  private madeAt: number | undefined = Date.now();
  private readonly loadedEmitter = new vscode.EventEmitter<void>();
  /** Fired after each refresh (tests wait on it). */
  readonly onDidRefresh = this.loadedEmitter.event;

  constructor(
    private readonly runs: RunController,
    private readonly panels: TrainingPanels,
    private readonly log: vscode.LogOutputChannel,
    private readonly sweeps: SweepController,
    private readonly slurmJobs: SlurmJobs,
  ) {
    super();
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, {
      treeDataProvider: this,
      canSelectMany: true,
      showCollapseAll: true,
    });
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_JSON_GLOB);
    const sweepWatcher = vscode.workspace.createFileSystemWatcher(SWEEP_JSON_GLOB);
    const schedule = () => this.schedule();
    // A run.json changed: that run is read again; a runs or sweep folder not seen yet makes the view look for them again.
    const changedIn = (folder: string | undefined) => {
      if (folder === undefined || !this.folders?.includes(folder)) this.folders = undefined;
      this.schedule();
    };
    const runChanged = (uri: vscode.Uri) => {
      this.cache.invalidate(path.dirname(uri.fsPath));
      changedIn(path.dirname(path.dirname(uri.fsPath)));
    };
    const sweepChanged = (uri: vscode.Uri) => changedIn(path.dirname(uri.fsPath));
    this.register(
      this.view,
      watcher,
      watcher.onDidCreate(runChanged),
      watcher.onDidChange(runChanged),
      watcher.onDidDelete(runChanged),
      sweepWatcher,
      sweepWatcher.onDidCreate(sweepChanged),
      sweepWatcher.onDidChange(sweepChanged),
      sweepWatcher.onDidDelete(sweepChanged),
      sweeps.onDidChange(schedule),
      slurmJobs.onDidChange(schedule),
      vscode.workspace.onDidChangeWorkspaceFolders(() => changedIn(undefined)),
      // The watcher sees run.json; live news (an epoch's best metric, a start) come from the controller.
      // The editor's own runs do not wait for the file watcher, which can miss a runs folder made after it started.
      runs.onDidChangeState(({ modelFile, state }) => {
        const known = this.ownRunDirs.get(modelFile);
        if (state.kind === 'running') {
          // Another batch of a run already listed: the records' listener refreshes once per epoch.
          if (known === state.runDir) return;
          this.ownRunDirs.set(modelFile, state.runDir);
          this.readAgain(state.runDir);
        } else {
          this.ownRunDirs.delete(modelFile);
          if (known !== undefined) this.readAgain(known);
        }
        schedule();
      }),
      runs.onDidRecord(({ record }) => {
        if (record.batch === null) schedule();
      }),
      this.view.onDidChangeSelection((e) => this.onSelection(e.selection)),
      vscode.commands.registerCommand(SHOW_MORE_RUNS, (node: unknown) => this.showMore(node)),
      this.changed,
      this.loadedEmitter,
    );
    this.schedule(0);
  }

  /** Reads the runs folders again (through their index); resolves when the view shows the result. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          this.models = await this.load();
        } catch (error) {
          this.log.error(`runs view: ${String(error)}`);
        }
      } while (this.again);
      clearTimeout(this.pollTimer);
      if (this.models.some((m) => m.jobs.length > 0 || m.runs.some((r) => r.status === 'running'))) {
        this.pollTimer = setTimeout(() => void this.refresh(), LIVE_POLL_MS);
      }
      this.changed.fire(undefined);
      this.loadedEmitter.fire();
      if (this.madeAt !== undefined) this.log.info(`runs view: ${this.allRuns().length} runs listed in ${Date.now() - this.madeAt} ms`);
      this.madeAt = undefined;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Every run the view shows, newest first within each model file. */
  allRuns(): RunNode[] {
    return this.models.flatMap((m) => m.runs);
  }

  /** The runs selected in the view. */
  selectedRuns(): RunNode[] {
    return this.view.selection.filter(isRunNode);
  }

  private schedule(delayMs = REFRESH_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async runsFolders(): Promise<string[]> {
    if (!this.folders) {
      const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
      this.folders = [...new Set((await Promise.all(roots.map((root) => findRunsFolders(root)))).flat())];
    }
    // A Slurm job's folder is made at submission, before the run.json a file event would report.
    return [...new Set([...this.folders, ...this.slurmJobs.all().map((job) => path.dirname(job.runDir))])];
  }

  private async load(): Promise<ModelNode[]> {
    const folders = await this.runsFolders();
    const [read] = await Promise.all([
      Promise.all(folders.map(async (dir) => [dir, await readRunsFolder(dir, this.cache)] as const)),
      // Job folders written by another process (the CLI) appear here even where no file event reports them.
      this.slurmJobs.rescan({ quiet: true }),
    ]);
    const indexed = new Map<string, IndexedRun>(read.flatMap(([, runs]) => runs.map((run) => [run.runDir, run] as const)));
    const sweepDirs = new Set(read.filter(([dir]) => path.basename(path.dirname(dir)) === 'sweeps').map(([dir]) => dir));
    const sweepList = await sweepEntries([...sweepDirs], indexed);
    // A `running` run whose trainer is dead (pid gone, heartbeat stale) is marked failed on disk first.
    const running = [...indexed.values()].filter((run) => run.run.status === 'running');
    for (const entry of await markDeadRuns(running, { skip: (entry) => this.isOwnRun(entry) })) {
      const before = indexed.get(entry.runDir);
      if (before && entry.run !== before.run) indexed.set(entry.runDir, { ...before, run: entry.run });
    }
    const live = new Set(indexed.keys());
    this.foldNodes.keepOnly(live);
    // The job as last polled, with run.json as just read (the poll's copy may predate the trainer's start or end).
    const slurmFolder = (entry: RunEntry): JobFolder | undefined => {
      const folder = this.slurmJobs.folder(entry.runDir);
      return folder && { ...folder, run: entry.run };
    };
    // Jobs whose trainer has not written run.json (queued, or ended before it started).
    const jobs = this.slurmJobs
      .all()
      .filter((folder) => !live.has(folder.runDir))
      .sort((a, b) => b.job.submittedAt.localeCompare(a.job.submittedAt))
      .map((folder): JobNode => ({ kind: 'job', modelFile: jobModelFile(folder), runDir: folder.runDir, folder }));
    const trialDirs = new Map(sweepList.flatMap((s) => s.trials.map((t) => [t.entry.runDir, t.trial] as const)));
    const runNode = async (modelFile: string, entry: IndexedRun): Promise<RunNode> => {
      const trial = trialDirs.get(entry.runDir);
      const slurm = slurmFolder(entry);
      return {
        kind: 'run',
        modelFile,
        runDir: entry.runDir,
        run: entry.run,
        status: this.statusOf(modelFile, entry),
        best: bestOfSummary(entry.epochs),
        ...(trial ? { trial } : {}),
        ...(slurm ? { slurm } : {}),
        ...(entry.run.crossValidation ? { folds: await this.foldNodes.of(modelFile, entry, this.statusOf(modelFile, entry)) } : {}),
      };
    };
    const parents = new Map<RunsNode, RunsNode>();
    const sweeps = await Promise.all(
      sweepList.map(async (s): Promise<SweepNode> => {
        const trials = await Promise.all(s.trials.map((t) => runNode(s.sweep.modelFile, indexed.get(t.entry.runDir) ?? t.entry)));
        const node: SweepNode = {
          kind: 'sweep',
          modelFile: s.sweep.modelFile,
          dir: s.dir,
          sweep: s.sweep,
          status: sweepStatus(s, this.sweeps.state(s.dir)),
          trials,
        };
        for (const trial of trials) parents.set(trial, node);
        return node;
      }),
    );
    // Trials are listed under their sweep (those its sweep.json names), not beside the file's runs.
    const groups = new Map(
      groupRuns([...indexed.values()].filter((e) => !sweepDirs.has(path.dirname(e.runDir)))).map((g) => [g.modelFile, g.runs] as const),
    );
    const modelFiles = [...new Set([...groups.keys(), ...sweeps.map((s) => s.modelFile), ...jobs.map((j) => j.modelFile)])].sort();
    const now = Date.now();
    const models = await Promise.all(
      modelFiles.map(async (modelFile): Promise<ModelNode> => {
        const runs = await Promise.all((groups.get(modelFile) ?? []).map((entry) => runNode(modelFile, entry)));
        const model = modelNode(modelFile, runs, sweeps, jobs, now);
        for (const child of [...model.sweeps, ...model.jobs, ...(model.days ?? runs)]) parents.set(child, model);
        for (const day of model.days ?? []) for (const run of day.runs) parents.set(run, day);
        return model;
      }),
    );
    for (const run of [...models.flatMap((m) => m.runs), ...sweeps.flatMap((s) => s.trials)])
      for (const fold of run.folds ?? []) parents.set(fold, run);
    this.parents = parents;
    return models;
  }

  /** A run this window's trainer processes are running. */
  private isOwnRun(entry: RunEntry): boolean {
    const state = this.runs.state(modelFileOfRun(entry));
    return isActive(state) && 'runDir' in state && state.runDir === entry.runDir;
  }

  /** The status the view shows for the run in `runDir`, after reading every run folder again (the integration suite asks). */
  async statusOfRun(runDir: string): Promise<RunNode['status'] | undefined> {
    this.readAgain(runDir);
    await this.refresh();
    return this.allRuns().find((node) => node.runDir === runDir)?.status;
  }

  /** The label, description and child labels (a cross-validated run's folds) of the run or Slurm job in `runDir`'s item, after a refresh (the integration suite asks). */
  async itemOfRun(runDir: string): Promise<{ label: string; description: string; children: string[] } | undefined> {
    this.readAgain(runDir);
    await this.refresh();
    const jobs = this.models.flatMap((m) => m.jobs);
    const node = this.allRuns().find((run) => run.runDir === runDir) ?? jobs.find((job) => job.runDir === runDir);
    if (!node) return undefined;
    const item = this.getTreeItem(node);
    return {
      label: itemLabel(item),
      description: String(item.description),
      children: node.kind === 'run' ? (node.folds ?? []).map((fold) => itemLabel(this.getTreeItem(fold))) : [],
    };
  }

  /** The run in `runDir` is read again on the next refresh, its runs folder looked for if new. */
  private readAgain(runDir: string): void {
    this.cache.invalidate(runDir);
    if (!this.folders?.includes(path.dirname(runDir))) this.folders = undefined;
  }

  /** The labels and descriptions of a model file's children in the view, and of its first day's (the integration suite asks). */
  async itemsOfModel(modelFile: string): Promise<{ children: string[]; firstDay: string[] } | undefined> {
    if (!this.models.some((m) => m.modelFile === modelFile)) this.folders = undefined;
    await this.refresh();
    const model = this.models.find((m) => m.modelFile === modelFile);
    if (!model) return undefined;
    const text = (node: RunsNode): string => {
      const item = this.getTreeItem(node);
      return item.description ? `${itemLabel(item)} — ${String(item.description)}` : itemLabel(item);
    };
    const day = model.days?.[0];
    return { children: this.getChildren(model).map(text), firstDay: day ? this.getChildren(day).map(text) : [] };
  }

  /**
   * run.json says `running` also for a run whose trainer died (with the
   * window, or killed): load() marks those failed; one it could not mark
   * shows as interrupted.
   */
  private statusOf(modelFile: string, entry: RunEntry): RunNode['status'] {
    if (entry.run.status !== 'running') return entry.run.status;
    // A Slurm job's trainer runs elsewhere: load() judged it by its heartbeat (markDeadRuns).
    if (entry.run.executor) return 'running';
    const state = this.runs.state(modelFile);
    if (isActive(state) && 'runDir' in state && state.runDir === entry.runDir) return 'running';
    return entry.run.pid !== undefined && processAlive(entry.run.pid) ? 'running' : 'interrupted';
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.models;
    switch (node.kind) {
      case 'model':
        return [...node.sweeps, ...node.jobs, ...(node.days ?? node.runs)];
      case 'day':
        return dayChildren(node, this.shown.get(dayKey(node)) ?? RUNS_PAGE);
      case 'sweep':
        return [...node.trials];
      case 'run':
        return [...(node.folds ?? [])];
      default:
        return [];
    }
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'more') return this.models.find((m) => m.modelFile === node.modelFile)?.days?.find((d) => d.day === node.day);
    return this.parents.get(node);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'model':
        return modelItem(node);
      case 'sweep':
        return sweepItem(node);
      case 'job':
        return jobItem(node);
      case 'day':
        return dayItem(node);
      case 'more':
        return moreItem(node, Math.min(node.hidden, RUNS_PAGE));
      default:
        return runItem(node, Date.now());
    }
  }

  /** "Show more" under a day: the next page of its runs. */
  private showMore(node: unknown): void {
    if (typeof node !== 'object' || node === null || (node as { kind?: unknown }).kind !== 'more') return;
    const more = node as MoreNode;
    const day = this.getParent(more);
    if (day?.kind !== 'day') return;
    this.shown.set(dayKey(day), (this.shown.get(dayKey(day)) ?? RUNS_PAGE) + RUNS_PAGE);
    this.changed.fire(day);
  }

  /** Selected runs are drawn in their model file's training panel; panels of other files drop theirs. */
  private onSelection(selection: readonly RunsNode[]): void {
    const byFile = new Map<string, string[]>();
    for (const node of selection) {
      if (node.kind !== 'run') continue;
      const list = byFile.get(node.modelFile) ?? [];
      list.push(node.runDir);
      byFile.set(node.modelFile, list);
    }
    for (const file of this.panels.modelFiles()) {
      if (!byFile.has(file)) this.panels.compare(vscode.Uri.file(file), []);
    }
    for (const [file, runDirs] of byFile) this.panels.compare(vscode.Uri.file(file), runDirs);
  }

  override dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.pollTimer);
    super.dispose();
  }
}
