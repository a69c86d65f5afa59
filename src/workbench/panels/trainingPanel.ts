import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PanelController } from './panelController';
import { panelPage, PanelSet, type PanelDeps } from './panelSet';
import { Command, ContextKey } from '../shared/commands';
import { latestRun } from '../services/latestRun';
import { modelName } from '../shared/modelFiles';
import type { RunController, RunRecord, RunState, RunStateChange } from '../services/runController';
import { assertNever } from '../../protocol/assertNever';
import {
  isTrainingPanelState,
  isTrainingPanelToHost,
  type HostToTrainingPanel,
  type PanelRun,
  type TrainingPanelToHost,
} from '../../protocol/trainingPanelMessages';
import { readMetrics, readRun, runDirsOf } from '../../runFolder/readRunFolder';
import { crossValidatedRun, fromRunInfo, panelRun, readCompared, withLineage, withUnwritten, type ShownRun } from './trainingPanelRuns';
import { RUN_FILES } from '../../runFolder/runFiles';
import { modelFileCode } from '../shared/modelFileCode';
import type { SlurmJobs } from '../services/slurmJobs';
import { isActive } from '../services/runController';
import type { JobFolder } from '../../slurm/jobFolder';
import { modelFileOfRun } from '../../runFolder/runSummary';

/** Typing in the model file is checked against the run's spec at most this often. */
const FILE_CHECK_MS = 300;
/**
 * Live records travel to the webview at most this often, in one message;
 * the first after a quiet spell goes at once. Each message costs the
 * workbench a round trip and the webview a redraw: at 20 a second a busy
 * 2-core machine fell seconds behind, and Stop's news queued behind them.
 */
const SEND_EVERY_MS = 250;

interface Deps extends PanelDeps {
  readonly runs: RunController;
  /** Slurm runs train on another machine: their news comes from the scheduler's polls and their folders. */
  readonly slurmJobs: SlurmJobs;
}

const PAGE = panelPage('training', 'Training', 'Training');

/**
 * The training panels, at most one per model file: opens or reveals them,
 * restores them after a reload and routes run news to the right one.
 */
export class TrainingPanels extends PanelSet<TrainingPanel> {
  constructor(private readonly deps: Deps) {
    super(PAGE, deps.extensionUri, (state) =>
      isTrainingPanelState(state)
        ? {
            modelFile: state.modelFile,
            controller: (panel) => new TrainingPanel(panel, state.modelFile, deps, runDirsOf(state.modelFile, state.comparedRunDirs ?? [])),
          }
        : undefined,
    );
    this.register(deps.runs.onDidChangeState((change) => this.controller(change.modelFile)?.onState(change)));
    this.register(deps.runs.onDidRecord((record) => this.controller(record.modelFile)?.onRecord(record)));
    this.register(
      deps.slurmJobs.onDidChange((folders) => {
        for (const folder of folders) {
          if (folder.run) this.controller(modelFileOfRun({ runDir: folder.runDir, run: folder.run }))?.onSlurmPoll(folder);
        }
      }),
    );
  }

  createOrShow(modelUri: vscode.Uri, preserveFocus = true): void {
    const modelFile = modelUri.fsPath;
    this.open(modelFile, preserveFocus, (panel) => new TrainingPanel(panel, modelFile, this.deps));
    void vscode.commands.executeCommand('setContext', ContextKey.CurvesShown, true);
  }

  /**
   * Draws the runs in `runDirs` (of `modelUri`'s model file) in its panel
   * beside the panel's own run, opening the panel if needed; an empty list
   * clears them.
   */
  compare(modelUri: vscode.Uri, runDirs: readonly string[]): void {
    if (runDirs.length > 0) this.createOrShow(modelUri, true);
    this.controller(modelUri.fsPath)?.setCompared(runDirs);
  }

  /**
   * What the panel of `modelFile` shows in its header, as last sent to its
   * webview: the run, and whether the model file differs from the run's
   * spec. For the integration suite (a webview's DOM is out of its reach).
   */
  header(modelFile: string): PanelHeader | undefined {
    return this.controller(modelFile)?.header;
  }
}

/** What a panel shows in its header, and the labels of a cross-validated run's other folds it draws. */
export interface PanelHeader {
  readonly run: PanelRun;
  readonly fileChanged: boolean | undefined;
  readonly folds: readonly string[];
}

/** One panel's controller: speaks the protocol with its webview. */
class TrainingPanel extends PanelController<HostToTrainingPanel, TrainingPanelToHost> {
  /** The run the webview shows; records of other runs are not sent. */
  private runId: string | undefined;
  /** Live records held back while a reset reads the run folder, or until SEND_EVERY_MS has passed. */
  private pending: RunRecord[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** When records were last sent (ms). */
  private flushedAt = 0;
  /** Resets and header updates in order: an update must not overtake a reset reading the folder. */
  private queue: Promise<void> = Promise.resolve();
  /** Resets queued or in flight. */
  private resets = 0;
  /** The folder of the run the webview shows, for Open Run Folder. */
  private runDir: string | undefined;
  /** Run folders drawn beside the panel's own run (the Runs view's selection). */
  private compared: readonly string[];
  /** The header as last sent: see TrainingPanels.header. */
  private shownRun: PanelRun | undefined;
  private shownFolds: readonly string[] = [];
  private fileChanged: boolean | undefined;
  private fileCheckTimer: NodeJS.Timeout | undefined;
  /** A Slurm run the panel follows from its folder while no run of this window trains the file, and its status as last shown. */
  private followed: { readonly runDir: string; status: string } | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly modelFile: string,
    private readonly deps: Deps,
    /** Runs to draw beside the panel's own from the start: those it drew before a reload. */
    compared: readonly string[] = [],
  ) {
    super(panel, isTrainingPanelToHost, deps.log, 'training panel');
    this.compared = compared;
    this.register(
      // Edits (saved or not) may make the file differ from the run's snapshot, or agree with it again;
      // so may a change on disk while no editor has the file open (a checkout, another tool).
      vscode.workspace.onDidChangeTextDocument(({ document }) => {
        if (document.uri.fsPath === this.modelFile) this.scheduleFileCheck();
      }),
    );
    this.watchFile(modelFile, () => this.scheduleFileCheck(), { createAndDelete: true });
  }

  private scheduleFileCheck(): void {
    if (!this.ready) return;
    clearTimeout(this.fileCheckTimer);
    this.fileCheckTimer = setTimeout(() => this.enqueue(() => this.checkFileChanged()), FILE_CHECK_MS);
  }

  get header(): PanelHeader | undefined {
    return this.shownRun && { run: this.shownRun, fileChanged: this.fileChanged, folds: this.shownFolds };
  }

  /**
   * Tells the webview whether the model file (the editor's text when it is
   * open) still says what the shown run's spec.json says. A run trains on
   * that snapshot whatever happens to the file.
   */
  private async checkFileChanged(): Promise<void> {
    const runDir = this.runDir;
    let changed = false;
    if (runDir) {
      let snapshot: unknown;
      try {
        snapshot = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.spec), 'utf8'));
      } catch {
        snapshot = undefined; // a run folder being created, or not ours: say nothing
      }
      if (snapshot !== undefined) {
        const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === this.modelFile);
        const text = open?.getText() ?? (await fs.readFile(this.modelFile, 'utf8').catch(() => undefined));
        const { parseModelFile, sameSpec } = await modelFileCode();
        changed = !sameSpec(text === undefined ? undefined : parseModelFile(this.modelFile, text).value, snapshot, this.modelFile);
      }
    }
    if (changed === this.fileChanged) return;
    this.fileChanged = changed;
    this.post({ type: 'fileChanged', changed });
  }

  protected onMessage(msg: TrainingPanelToHost): void {
    const uri = vscode.Uri.file(this.modelFile);
    switch (msg.type) {
      case 'ready':
        // Also sent again when a hidden webview is rebuilt: it reads the run folder afresh.
        this.reset();
        return;
      case 'train':
        void vscode.commands.executeCommand(Command.Train, uri);
        return;
      case 'stop':
        void vscode.commands.executeCommand(Command.Stop, uri);
        return;
      case 'openRunFolder':
        void vscode.commands.executeCommand(Command.OpenRunFolder, this.runDir ? vscode.Uri.file(this.runDir) : uri);
        return;
      case 'continue':
        if (this.runDir) void vscode.commands.executeCommand(Command.ContinueRun, vscode.Uri.file(this.runDir));
        return;
      default:
        assertNever(msg);
    }
  }

  onState({ state }: RunStateChange): void {
    if (state.kind === 'starting') this.followed = undefined; // a run of this window takes the panel back
    if (!this.ready) return;
    switch (state.kind) {
      case 'running': {
        // Fired with every batch: only a new run (or a cross-validated run's next fold) matters; the webview counts epochs from the records.
        const shownId = state.fold?.run.id ?? state.run.id;
        if (shownId !== this.runId) {
          this.runId = shownId; // one reset per run, however many batches arrive meanwhile
          this.reset();
        }
        return;
      }
      case 'finished':
        // A cross-validated run's end brings the mean ± std of its folds: read them from its folder.
        if (state.run.crossValidation) {
          this.reset();
          return;
        }
        this.enqueue(async () => void this.post({ type: 'run', run: this.keepParent(panelRun(state)) }));
        return;
      case 'stopping': {
        const run = this.keepParent(panelRun(state));
        this.enqueue(async () => void this.post({ type: 'run', run }));
        return;
      }
      case 'idle':
      case 'starting':
      case 'failed':
        // A new run, or one that ended without a final run.json from the trainer: read the folder.
        this.reset();
        return;
      default:
        assertNever(state);
    }
  }

  /** A header from the run's state, with the parent the panel read from the folders when the run started. */
  private keepParent(run: PanelRun): PanelRun {
    const parent = this.shownRun?.runId === run.runId ? this.shownRun?.parent : undefined;
    return parent ? { ...run, parent } : run;
  }

  /**
   * After a poll of the scheduler: a Slurm run of this file that trains is
   * shown from its folder (read afresh each poll, as a CLI run's), until
   * it ends; a run of this window comes first.
   */
  onSlurmPoll({ runDir, run }: JobFolder): void {
    if (!this.ready || !run || isActive(this.deps.runs.state(this.modelFile))) return;
    const following = this.followed?.runDir === runDir;
    if (run.status !== 'running' && (!following || this.followed?.status === run.status)) return;
    this.followed = { runDir, status: run.status };
    this.reset();
  }

  onRecord(record: RunRecord): void {
    if (!this.ready) return;
    if (this.resets === 0 && record.runId !== this.runId) return;
    this.pending.push(record);
    if (this.resets === 0) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), Math.max(0, this.flushedAt + SEND_EVERY_MS - Date.now()));
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushedAt = Date.now();
    const runId = this.runId;
    const records = this.pending.filter((r) => r.runId === runId).map((r) => r.record);
    this.pending = [];
    if (runId !== undefined && records.length > 0) this.post({ type: 'metrics', runId, records });
  }

  /** Sends everything afresh from the run folder (the single source of truth). */
  private reset(): void {
    this.resets++;
    this.enqueue(async () => {
      try {
        const shown = await this.runToShow(this.deps.runs.state(this.modelFile));
        this.runId = shown.run.runId;
        this.runDir = shown.runDir;
        this.post({
          type: 'reset',
          modelFile: this.modelFile,
          modelName: modelName(this.modelFile),
          run: shown.run,
          records: shown.records,
          ...(shown.folds ? { folds: shown.folds } : {}),
          ...(shown.lineage ? { lineage: shown.lineage } : {}),
        });
        if (this.compared.length > 0) this.post({ type: 'compare', runs: await readCompared(this.compared) });
        this.fileChanged = undefined; // a new webview state or another run: say it afresh
        await this.checkFileChanged();
      } finally {
        this.resets--;
        // Records that came while the folder was read; the webview drops the ones it has.
        if (this.resets === 0) this.flush();
      }
    });
  }

  /** Replaces the runs drawn beside this panel's own; see TrainingPanels.compare. */
  setCompared(runDirs: readonly string[]): void {
    const same = runDirs.length === this.compared.length && runDirs.every((d, i) => d === this.compared[i]);
    if (same) return;
    this.compared = [...runDirs];
    if (!this.ready) return; // sent after the reset that `ready` starts
    this.enqueue(async () => void this.post({ type: 'compare', runs: await readCompared(runDirs) }));
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.deps.log.error(`training panel: ${String(error)}`);
    });
  }

  private async runToShow(state: RunState): Promise<ShownRun> {
    if (this.followed && !isActive(state)) return this.folderRun(this.followed.runDir, state);
    const runDir = state.kind === 'idle' || state.kind === 'starting' ? undefined : state.runDir;
    if (state.kind === 'starting') return { run: panelRun(state), records: [] };
    if (runDir) {
      const info = state.kind === 'running' || state.kind === 'finished' ? state.run : await readRun(runDir);
      if (info.crossValidation) return crossValidatedRun(runDir, info, state, this.deps.runs.unwritten(this.modelFile));
      const run = { ...fromRunInfo(info), ...panelRun(state) };
      const records = await readMetrics(runDir);
      return withLineage({ run, runDir, records: withUnwritten(records, this.deps.runs.unwritten(this.modelFile)) }, info);
    }
    if (state.kind === 'failed') return { run: panelRun(state), records: [] };
    const latest = await latestRun(this.modelFile);
    if (!latest) return { run: { status: 'none' }, records: [] };
    if (latest.run.crossValidation) return crossValidatedRun(latest.runDir, latest.run, state, []);
    return withLineage({ run: fromRunInfo(latest.run), runDir: latest.runDir, records: await readMetrics(latest.runDir) }, latest.run);
  }

  /** A run shown from its folder alone (a Slurm run, trained elsewhere). */
  private async folderRun(runDir: string, state: RunState): Promise<ShownRun> {
    const info = await readRun(runDir);
    if (info.crossValidation) return crossValidatedRun(runDir, info, state, []);
    return withLineage({ run: fromRunInfo(info), runDir, records: await readMetrics(runDir) }, info);
  }

  /**
   * Not awaited anywhere: messages reach the webview in the order posted,
   * and waiting for each one's round trip through the workbench would hold
   * the next back (a `finished` right after `stopping`) when it is busy.
   */
  protected override post(msg: HostToTrainingPanel): Thenable<boolean> {
    if (msg.type === 'reset' || msg.type === 'run') this.shownRun = msg.run;
    if (msg.type === 'reset') this.shownFolds = (msg.folds ?? []).map((fold) => fold.label);
    return super.post(msg);
  }

  override dispose(): void {
    clearTimeout(this.flushTimer);
    clearTimeout(this.fileCheckTimer);
    super.dispose();
  }
}
