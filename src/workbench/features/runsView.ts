import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingPanels } from '../panels/trainingPanel';
import type { RunStatus } from '../../protocol/runTypes';
import { readMetrics, readRun, type RunEntry } from '../../runFolder/readRunFolder';
import { bestMetric, groupRuns, modelFileOfRun, type BestMetric } from '../../runFolder/runSummary';
import { listFolds } from '../../runFolder/crossValidation';
import { markDeadRuns } from '../../runFolder/deadRuns';
import { RUN_FILES } from '../../runFolder/runFiles';
import { isActive, type RunController } from '../services/runController';
import { Owner } from '../shared/dispose';
import type { SweepController } from '../services/sweepController';
import type { TrialInfo } from '../../protocol/sweepTypes';
import { modelItem, runItem } from './runsViewItems';
import { readSweepEntries, sweepItem, sweepStatus, SWEEP_JSON_GLOB, type SweepNode } from './sweepNodes';
import type { SlurmJobs } from '../services/slurmJobs';
import type { JobFolder } from '../../slurm/jobFolder';
import { jobItem, jobModelFile, type JobNode } from './slurmNodes';

export { isSweepNode, type SweepNode } from './sweepNodes';
export { isJobNode, type JobNode } from './slurmNodes';

export const RUNS_VIEW_ID = 'modelStudio.runs';
const RUN_JSON_GLOB = '**/.modelstudio/runs/*/run.json';
/** Several run.json writes in a row (start, end, a CLI run) make one refresh. */
const REFRESH_MS = 300;

/** A node of the Runs view: a model file, one of its sweeps, a Slurm job not started yet, or a run (of the file, or a sweep's trial). */
export type RunsNode =
  | {
      readonly kind: 'model';
      readonly modelFile: string;
      readonly runs: readonly RunNode[];
      readonly sweeps: readonly SweepNode[];
      readonly jobs: readonly JobNode[];
    }
  | SweepNode
  | JobNode
  | RunNode;

export interface RunNode {
  readonly kind: 'run';
  readonly modelFile: string;
  readonly runDir: string;
  readonly run: RunEntry['run'];
  /** What the view shows: `running` only while a trainer process is alive. */
  readonly status: RunStatus | 'interrupted';
  readonly best: BestMetric | undefined;
  /** A cross-validated run's folds (children in the view); a fold's 1-based index. */
  readonly folds?: readonly RunNode[];
  readonly fold?: number;
  /** The sweep trial this run is. */
  readonly trial?: TrialInfo;
  /** The Slurm job that trains it. */
  readonly slurm?: JobFolder;
}

export function isRunNode(value: unknown): value is RunNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'run' &&
    typeof (value as { runDir?: unknown }).runDir === 'string'
  );
}

/**
 * The "Runs" tree in the Model Studio activity-bar container: every run
 * folder in the workspace, grouped by model file, newest first. Reads only
 * run folders (refreshed by a file watcher on run.json, debounced), so it
 * is complete after a reload and shows runs made with the CLI. Selecting
 * runs draws them in their model file's training panel.
 */
export class RunsView extends Owner implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<RunsNode>;
  private models: RunsNode[] = [];
  /** Best metric per run folder, keyed by metrics.jsonl's size and time: a long run's file is read once per change. */
  private readonly bestCache = new Map<string, { readonly key: string; readonly best: BestMetric | undefined }>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
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
    this.register(
      this.view,
      watcher,
      watcher.onDidCreate(schedule),
      watcher.onDidChange(schedule),
      watcher.onDidDelete(schedule),
      sweepWatcher,
      sweepWatcher.onDidCreate(schedule),
      sweepWatcher.onDidChange(schedule),
      sweepWatcher.onDidDelete(schedule),
      sweeps.onDidChange(schedule),
      slurmJobs.onDidChange(schedule),
      vscode.workspace.onDidChangeWorkspaceFolders(schedule),
      // The watcher sees run.json; live news (an epoch's best metric, a start) come from the controller.
      runs.onDidChangeState(({ state }) => {
        if (state.kind !== 'running') schedule();
      }),
      runs.onDidRecord(({ record }) => {
        if (record.batch === null) schedule();
      }),
      this.view.onDidChangeSelection((e) => this.onSelection(e.selection)),
      this.changed,
      this.loadedEmitter,
    );
    this.schedule(0);
  }

  /** Reads every run folder again; resolves when the view shows the result. */
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
      this.changed.fire(undefined);
      this.loadedEmitter.fire();
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Every run the view shows, newest first within each model file. */
  allRuns(): RunNode[] {
    return this.models.flatMap((m) => (m.kind === 'model' ? m.runs : []));
  }

  /** The runs selected in the view. */
  selectedRuns(): RunNode[] {
    return this.view.selection.filter(isRunNode);
  }

  private schedule(delayMs = REFRESH_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async load(): Promise<RunsNode[]> {
    const [files, sweepFiles] = await Promise.all([
      vscode.workspace.findFiles(RUN_JSON_GLOB, '**/node_modules/**'),
      vscode.workspace.findFiles(SWEEP_JSON_GLOB, '**/node_modules/**'),
      // Job folders written by another process (the CLI) appear here even where no file event reports them.
      this.slurmJobs.rescan({ quiet: true }),
    ]);
    const sweepEntries = await readSweepEntries(sweepFiles);
    const entries = await Promise.all(
      files.map(async (file): Promise<RunEntry | undefined> => {
        const runDir = path.dirname(file.fsPath);
        try {
          return { runDir, run: await readRun(runDir) };
        } catch {
          return undefined; // being written, or not a run folder
        }
      }),
    );
    // A `running` run whose trainer is dead (pid gone, heartbeat stale) is marked failed on disk first.
    const found = await markDeadRuns(
      [...entries.filter((e): e is RunEntry => e !== undefined), ...sweepEntries.flatMap((s) => s.trials.map((t) => t.entry))],
      {
        skip: (entry) => this.isOwnRun(entry),
      },
    );
    const live = new Set(found.map((e) => e.runDir));
    for (const key of this.bestCache.keys()) if (!live.has(key)) this.bestCache.delete(key);
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
    const trialDirs = new Map(sweepEntries.flatMap((s) => s.trials.map((t) => [t.entry.runDir, t.trial] as const)));
    const runNode = async (modelFile: string, entry: RunEntry): Promise<RunNode> => {
      const trial = trialDirs.get(entry.runDir);
      return {
        kind: 'run',
        modelFile,
        runDir: entry.runDir,
        run: entry.run,
        status: this.statusOf(modelFile, entry),
        best: await this.best(entry.runDir),
        ...(trial ? { trial } : {}),
        ...(slurmFolder(entry) ? { slurm: slurmFolder(entry) } : {}),
        ...(entry.run.crossValidation ? { folds: await this.folds(modelFile, entry) } : {}),
      };
    };
    const byDir = new Map(found.map((e) => [e.runDir, e]));
    const sweeps = await Promise.all(
      sweepEntries.map(async (s): Promise<SweepNode> => ({
        kind: 'sweep',
        modelFile: s.sweep.modelFile,
        dir: s.dir,
        sweep: s.sweep,
        status: sweepStatus(s, this.sweeps.state(s.dir)),
        trials: await Promise.all(s.trials.map((t) => runNode(s.sweep.modelFile, byDir.get(t.entry.runDir) ?? t.entry))),
      })),
    );
    // Trials are listed under their sweep, not beside the file's runs.
    const groups = groupRuns(found.filter((e) => !trialDirs.has(e.runDir)));
    const modelFiles = [
      ...new Set([...groups.map((g) => g.modelFile), ...sweeps.map((s) => s.modelFile), ...jobs.map((j) => j.modelFile)]),
    ].sort();
    return Promise.all(
      modelFiles.map(async (modelFile) => ({
        kind: 'model' as const,
        modelFile,
        runs: await Promise.all((groups.find((g) => g.modelFile === modelFile)?.runs ?? []).map((entry) => runNode(modelFile, entry))),
        sweeps: sweeps.filter((s) => s.modelFile === modelFile).sort((a, b) => b.sweep.startedAt.localeCompare(a.sweep.startedAt)),
        jobs: jobs.filter((j) => j.modelFile === modelFile),
      })),
    );
  }

  /** The fold runs of a cross-validated run, in fold order. */
  private async folds(modelFile: string, parent: RunEntry): Promise<RunNode[]> {
    const folds = await listFolds(parent.runDir, parent.run.crossValidation?.foldCount ?? 0);
    return Promise.all(
      folds.map(async (fold) => ({
        kind: 'run' as const,
        modelFile,
        runDir: fold.runDir,
        run: fold.run,
        // A fold says `running` while its parent does; the parent's status says whether its trainer lives.
        status: fold.run.status === 'running' ? this.statusOf(modelFile, parent) : fold.run.status,
        best: await this.best(fold.runDir),
        fold: fold.fold,
      })),
    );
  }

  /** A run this window's trainer processes are running. */
  private isOwnRun(entry: RunEntry): boolean {
    const state = this.runs.state(modelFileOfRun(entry));
    return isActive(state) && 'runDir' in state && state.runDir === entry.runDir;
  }

  /** The status the view shows for the run in `runDir`, after reading every run folder again (the integration suite asks). */
  async statusOfRun(runDir: string): Promise<RunNode['status'] | undefined> {
    await this.refresh();
    return this.allRuns().find((node) => node.runDir === runDir)?.status;
  }

  /** The label, description and child labels (a cross-validated run's folds) of the run or Slurm job in `runDir`'s item, after a refresh (the integration suite asks). */
  async itemOfRun(runDir: string): Promise<{ label: string; description: string; children: string[] } | undefined> {
    await this.refresh();
    const jobs = this.models.flatMap((m) => (m.kind === 'model' ? m.jobs : []));
    const node = this.allRuns().find((run) => run.runDir === runDir) ?? jobs.find((job) => job.runDir === runDir);
    if (!node) return undefined;
    const text = (item: vscode.TreeItem): string => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
    const item = this.getTreeItem(node);
    return {
      label: text(item),
      description: String(item.description),
      children: node.kind === 'run' ? (node.folds ?? []).map((fold) => text(this.getTreeItem(fold))) : [],
    };
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

  private async best(runDir: string): Promise<BestMetric | undefined> {
    let key: string;
    try {
      const stat = await fs.stat(path.join(runDir, RUN_FILES.metrics));
      key = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.bestCache.get(runDir);
    if (cached?.key === key) return cached.best;
    let best: BestMetric | undefined;
    try {
      best = bestMetric(await readMetrics(runDir));
    } catch (error) {
      this.log.warn(`runs view: ${String(error)}`);
    }
    this.bestCache.set(runDir, { key, best });
    return best;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.models;
    if (node.kind === 'model') return [...node.sweeps, ...node.jobs, ...node.runs];
    if (node.kind === 'job') return [];
    return node.kind === 'sweep' ? [...node.trials] : [...(node.folds ?? [])];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'model') return undefined;
    if (node.kind === 'run' && node.fold !== undefined)
      return this.allRuns().find((run) => run.folds?.some((fold) => fold.runDir === node.runDir));
    const model = this.models.find((m) => m.kind === 'model' && m.modelFile === node.modelFile);
    if (node.kind === 'run' && node.trial && model?.kind === 'model') return model.sweeps.find((s) => s.trials.includes(node));
    return model;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'model':
        return modelItem(node);
      case 'sweep':
        return sweepItem(node);
      case 'job':
        return jobItem(node);
      default:
        return runItem(node, Date.now());
    }
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
    super.dispose();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
