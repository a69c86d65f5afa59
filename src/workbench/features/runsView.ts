import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingPanels } from '../panels/trainingPanel';
import type { RunStatus } from '../../protocol/runTypes';
import { readMetrics, readRun, type RunEntry } from '../../runFolder/readRunFolder';
import { formatDuration } from '../../runFolder/progress';
import {
  bestMetric,
  describeRunLine,
  formatMetric,
  groupRuns,
  modelFileOfRun,
  runDuration,
  runLabel,
  type BestMetric,
} from '../../runFolder/runSummary';
import { describeCrossValidation, listFolds } from '../../runFolder/crossValidation';
import { markDeadRuns } from '../../runFolder/deadRuns';
import { RUN_FILES } from '../../runFolder/runFiles';
import { isActive, type RunController } from '../services/runController';
import { Owner } from '../shared/dispose';

export const RUNS_VIEW_ID = 'modelStudio.runs';
const RUN_JSON_GLOB = '**/.modelstudio/runs/*/run.json';
/** Several run.json writes in a row (start, end, a CLI run) make one refresh. */
const REFRESH_MS = 300;

/** A node of the Runs view: a model file, or one of its runs. */
export type RunsNode = { readonly kind: 'model'; readonly modelFile: string; readonly runs: readonly RunNode[] } | RunNode;

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
  ) {
    super();
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, {
      treeDataProvider: this,
      canSelectMany: true,
      showCollapseAll: true,
    });
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_JSON_GLOB);
    const schedule = () => this.schedule();
    this.register(
      this.view,
      watcher,
      watcher.onDidCreate(schedule),
      watcher.onDidChange(schedule),
      watcher.onDidDelete(schedule),
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
    const files = await vscode.workspace.findFiles(RUN_JSON_GLOB, '**/node_modules/**');
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
      entries.filter((e): e is RunEntry => e !== undefined),
      {
        skip: (entry) => this.isOwnRun(entry),
      },
    );
    const live = new Set(found.map((e) => e.runDir));
    for (const key of this.bestCache.keys()) if (!live.has(key)) this.bestCache.delete(key);
    const groups = groupRuns(found);
    return Promise.all(
      groups.map(async (group) => ({
        kind: 'model' as const,
        modelFile: group.modelFile,
        runs: await Promise.all(
          group.runs.map(async (entry): Promise<RunNode> => ({
            kind: 'run',
            modelFile: group.modelFile,
            runDir: entry.runDir,
            run: entry.run,
            status: this.statusOf(group.modelFile, entry),
            best: await this.best(entry.runDir),
            ...(entry.run.crossValidation ? { folds: await this.folds(group.modelFile, entry) } : {}),
          })),
        ),
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

  /** The label, description and child labels (a cross-validated run's folds) of the run in `runDir`'s item, after a refresh (the integration suite asks). */
  async itemOfRun(runDir: string): Promise<{ label: string; description: string; children: string[] } | undefined> {
    await this.refresh();
    const node = this.allRuns().find((run) => run.runDir === runDir);
    if (!node) return undefined;
    const text = (item: vscode.TreeItem): string => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
    const item = this.getTreeItem(node);
    return {
      label: text(item),
      description: String(item.description),
      children: (node.folds ?? []).map((fold) => text(this.getTreeItem(fold))),
    };
  }

  /**
   * run.json says `running` also for a run whose trainer died (with the
   * window, or killed): load() marks those failed; one it could not mark
   * shows as interrupted.
   */
  private statusOf(modelFile: string, entry: RunEntry): RunNode['status'] {
    if (entry.run.status !== 'running') return entry.run.status;
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
    return node.kind === 'model' ? [...node.runs] : [...(node.folds ?? [])];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'model') return undefined;
    if (node.fold !== undefined) return this.allRuns().find((run) => run.folds?.some((fold) => fold.runDir === node.runDir));
    return this.models.find((m) => m.kind === 'model' && m.modelFile === node.modelFile);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    return node.kind === 'model' ? modelItem(node) : runItem(node, Date.now());
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

function modelItem(node: Extract<RunsNode, { kind: 'model' }>): vscode.TreeItem {
  const uri = vscode.Uri.file(node.modelFile);
  const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `model:${node.modelFile}`;
  item.label = path.basename(node.modelFile);
  const folder = vscode.workspace.asRelativePath(path.dirname(node.modelFile), true);
  item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}${folder && folder !== path.dirname(node.modelFile) ? ` · ${folder}` : ''}`;
  item.iconPath = vscode.ThemeIcon.File;
  item.contextValue = 'modelFile';
  item.tooltip = node.modelFile;
  return item;
}

const STATUS_ICONS: Record<RunNode['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('testing.iconSkipped')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
};

function runItem(node: RunNode, now: number): vscode.TreeItem {
  const { run } = node;
  const label = node.fold === undefined ? runLabel(run, now) : `fold ${node.fold}`;
  const item = new vscode.TreeItem(label, node.folds ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `run:${node.runDir}`;
  item.description = run.crossValidation ? describeCrossValidation(run, now) : describeRunLine(run, node.best, now);
  item.iconPath = STATUS_ICONS[node.status];
  // `run.completed`, `run.running`, …: menus hide Delete for a running run. A cross-validated run
  // (`run.<status>.folds`) has no model to evaluate; a fold (`fold.<status>`) is deleted and resumed with its run.
  item.contextValue = node.fold !== undefined ? `fold.${node.status}` : `run.${node.status}${node.folds ? '.folds' : ''}`;
  item.resourceUri = vscode.Uri.file(node.runDir);
  item.accessibilityInformation = {
    label: `Run ${label} of ${path.basename(node.modelFile)}, ${node.status}, ${item.description}`,
  };

  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escape(run.id)}** — $(${STATUS_ICONS[node.status].id}) ${node.status}\n\n`);
  const rows: [string, string][] = [['started', new Date(run.startedAt).toLocaleString()]];
  const duration = runDuration(run, now);
  if (duration !== undefined) rows.push(['duration', formatDuration(duration / 1000)]);
  rows.push(['epochs', String(run.epochs)], ['backend', run.backend]);
  for (const skip of run.backendSkipped) rows.push([`skipped ${skip.backend}`, skip.reason]);
  if (node.best) rows.push([`best ${node.best.name}`, `${formatMetric(node.best.name, node.best.value)} (epoch ${node.best.epoch})`]);
  for (const [name, value] of Object.entries(run.test ?? {})) rows.push([`test ${name}`, formatMetric(name, value)]);
  const { mean, std } = run.crossValidation ?? {};
  for (const [name, value] of Object.entries(mean ?? {}))
    rows.push([name, `${formatMetric(name, value)} ± ${formatMetric(name, std?.[name] ?? 0)}`]);
  if (run.error) rows.push(['error', run.error.message]);
  if (node.status === 'interrupted')
    rows.push(['note', 'run.json says running, but no trainer process is: the window was closed or the trainer killed']);
  for (const [term, value] of rows) tip.appendMarkdown(`${escape(term)}: ${escape(value)}  \n`);
  item.tooltip = tip;
  return item;
}

/** Text from run folders (error messages, reasons) shown as Markdown: escaped so it cannot run commands or inject links. */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&');
}
