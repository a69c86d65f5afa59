import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingPanels } from '../panels/trainingPanel';
import { listRuns, runsDirFor } from '../../runFolder/readRunFolder';
import { latestRun, resumableRun } from '../services/latestRun';
import { Command } from '../shared/commands';
import type { ModelDiagnostics } from './diagnostics';
import type { ModelBackends } from './backends';
import type { ModelEvaluations } from './modelEvaluations';
import { modelName, resolveModelFile } from '../shared/modelFiles';
import type { ModelViews } from './modelViews';
import type { Prompts } from '../shared/prompts';
import { isActive, type RunController } from '../services/runController';
import { describeRun } from './runStatus';
import { isRunNode, type RunNode, type RunsView } from './runsView';
import { runLabel } from '../../runFolder/runSummary';
import { trustedFor } from '../shared/trust';
import type { SweepController } from '../services/sweepController';
import type { SweepPanels } from '../panels/sweepPanel';
import { sweepHandlers } from './sweepCommands';
import { newModelHandlers } from './newModelCommand';
import { experimentsHandlers } from './experimentsCommand';
import type { ExperimentsPanels } from '../panels/experimentsPanel';
import { savedAndValid } from './savedAndValid';
import { openSample } from './openSample';
import { continueRun } from './continueCommand';
import type { SlurmJobs } from '../services/slurmJobs';
import { isPending } from '../../slurm/jobStatus';
import { isJobNode, type JobNode } from './slurmNodes';
import { jobName } from './slurmRunText';
import { resumeSlurmRun, slurmHandlers, slurmJobToStop, stopSlurmJob } from './slurmCommands';

/** The services the commands act on. */
export interface CommandContext {
  readonly runs: RunController;
  readonly diagnostics: ModelDiagnostics;
  readonly panels: TrainingPanels;
  readonly runsView: RunsView;
  readonly views: ModelViews;
  readonly evaluations: ModelEvaluations;
  readonly backends: ModelBackends;
  readonly prompts: Prompts;
  readonly sweeps: SweepController;
  readonly sweepPanels: SweepPanels;
  readonly slurmJobs: SlurmJobs;
  readonly experiments: ExperimentsPanels;
  /** dist/cli.js: what a Slurm job runs on its compute node. */
  readonly cliPath: string;
  /** The samples packed with the extension (Open Sample copies one). */
  readonly samplesDir: string;
  readonly log: vscode.LogOutputChannel;
}

/**
 * `arg` is what the caller passed (a CodeLens a Uri, a tree item its node); `selected` a tree's multi-selection.
 * What a handler resolves to is what `executeCommand` returns (tests read it).
 */
export type Handler = (ctx: CommandContext, arg: unknown, selected?: unknown) => Promise<unknown>;

/** One handler per command id: adding a command means one entry here and one in package.json. */
const handlers: Record<Command, Handler> = {
  [Command.Train]: train,
  [Command.Stop]: stop,
  [Command.ResumeRun]: resumeRun,
  [Command.ContinueRun]: continueRun,
  [Command.OpenRunFolder]: openRunFolder,
  [Command.ShowTrainingPanel]: showTrainingPanel,
  [Command.CompareRuns]: compareRuns,
  [Command.DeleteRun]: deleteRun,
  [Command.ShowHyperparameters]: (ctx, arg) => ctx.views.showHyperparameters(arg),
  [Command.ShowGraph]: (ctx, arg) => ctx.views.showGraph(arg),
  [Command.Evaluate]: (ctx, arg, options) => ctx.evaluations.evaluate(arg, options),
  [Command.ExportModel]: (ctx, arg, options) => ctx.evaluations.exportModel(arg, options),
  [Command.SelectBackend]: (ctx, arg) => ctx.backends.select(arg),
  [Command.InstallNativeBackend]: (ctx, arg) => ctx.backends.installNative(arg),
  [Command.OpenSample]: (ctx) => openSample(ctx.samplesDir),
  ...sweepHandlers,
  ...experimentsHandlers,
  ...slurmHandlers,
  ...newModelHandlers,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (arg: unknown, selected: unknown) => handler(ctx, arg, selected)),
  );
}

/** The buttons of the question Train asks when the file is training already. */
export const STOP_CURRENT_RUN = 'Stop Current Run';
export const START_ANOTHER_RUN = 'Start Another';

/**
 * Starts a run and returns once it is started (not when it ends): checks
 * trust and the model file's problems first, then opens the panel and a
 * cancellable progress notification. When the file is training already it
 * asks: stop that run and start a new one, start a second run beside it,
 * or cancel (the panel is shown).
 */
async function train(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file to train');
  if (!uri) {
    void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file to train it.');
    return;
  }
  if (!(await trustedFor('Training', 'train'))) return;
  let current: 'stop' | 'keep' | undefined;
  if (isActive(ctx.runs.state(uri.fsPath))) {
    const choice = await ctx.prompts.ask(
      `${path.basename(uri.fsPath)} is training already.`,
      'Stop the current run (it saves a checkpoint and can be resumed) and start a new one, or start a second run beside it?',
      STOP_CURRENT_RUN,
      START_ANOTHER_RUN,
    );
    if (choice !== STOP_CURRENT_RUN && choice !== START_ANOTHER_RUN) {
      ctx.panels.createOrShow(uri);
      return;
    }
    current = choice === STOP_CURRENT_RUN ? 'stop' : 'keep';
  }
  if (!(await savedAndValid(ctx, uri))) return;
  const started = ctx.runs.start(uri, current === undefined ? {} : { current }); // false: a second click started one meanwhile
  ctx.panels.createOrShow(uri);
  // After a run of the file, the notification already showing follows the new run.
  if (started && current === undefined) showProgress(ctx, uri);
}

/**
 * Continues a stopped run from its last checkpoint to its planned epochs:
 * the Runs view's item, a run folder's Uri, else the newest run of the
 * model file (the Resume CodeLens) when it is a stopped one.
 */
async function resumeRun(ctx: CommandContext, arg: unknown): Promise<void> {
  let runDir = isRunNode(arg) ? arg.runDir : arg instanceof vscode.Uri && isRunFolder(arg.fsPath) ? arg.fsPath : undefined;
  if (!runDir) {
    const uri = await resolveModelFile(arg, 'Model file whose stopped run to resume');
    if (!uri) return;
    runDir = (await resumableRun(uri.fsPath))?.runDir;
    if (!runDir) {
      void vscode.window.showInformationMessage(
        `${path.basename(uri.fsPath)} has no stopped run to resume: its newest run is not a stopped one.`,
      );
      return;
    }
  }
  if (!(await trustedFor('Training', 'train'))) return;
  const job = ctx.slurmJobs.folder(runDir);
  if (job && (await resumeSlurmRun(ctx, job)) === 'done') return;
  const resumed = await ctx.runs.resume(runDir);
  if ('problem' in resumed) {
    void vscode.window.showWarningMessage(resumed.problem);
    return;
  }
  const uri = vscode.Uri.file(resumed.modelFile);
  ctx.panels.createOrShow(uri);
  showProgress(ctx, uri);
}

/** A notification that follows the run; its Cancel stops it. */
function showProgress(ctx: CommandContext, uri: vscode.Uri): void {
  const modelFile = uri.fsPath;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Training ${modelName(modelFile)}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        /** Percent reported so far: whole epochs before the current one. */
        let done = 0;
        let reportedAt = 0;
        const subscription = ctx.runs.onDidChangeState(({ modelFile: file, state }) => {
          if (file !== modelFile) return;
          if (!isActive(state)) {
            subscription.dispose();
            resolve();
            return;
          }
          if (state.kind !== 'running') {
            progress.report({ message: describeRun(state) });
            return;
          }
          // Batches come faster than anyone reads: a new message at most every 500 ms.
          const percent = (Math.max(state.epoch - 1, 0) / state.run.epochs) * 100;
          const now = Date.now();
          if (percent <= done && now - reportedAt < 500) return;
          reportedAt = now;
          progress.report({ message: describeRun(state), increment: Math.max(percent - done, 0) });
          done = Math.max(done, percent);
        });
        token.onCancellationRequested(() => ctx.runs.stop(modelFile));
      }),
  );
}

/**
 * Stops the run of `arg`'s file, the active editor's, or the only one going
 * (else asks which); resolves to the file stopped. A Slurm run (a Runs view
 * item, or the file's pending job when no local run goes) is stopped through its job.
 */
async function stop(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const slurmItem = isJobNode(arg) || isRunNode(arg) ? slurmJobToStop(ctx, arg, undefined) : undefined;
  if (slurmItem) {
    await stopSlurmJob(ctx, slurmItem);
    return slurmItem.job.request.modelFile;
  }
  const active = ctx.runs.activeFiles();
  let file: string | undefined;
  if (arg instanceof vscode.Uri) {
    file = arg.fsPath;
  } else {
    const editorFile = vscode.window.activeTextEditor?.document.uri.fsPath;
    file = editorFile && active.includes(editorFile) ? editorFile : active.length === 1 ? active[0] : undefined;
    if (!file && active.length > 1) {
      const picked = await vscode.window.showQuickPick(
        active.map((f) => ({ label: modelName(f), description: vscode.workspace.asRelativePath(f), file: f })),
        { placeHolder: 'Run to stop' },
      );
      file = picked?.file;
      if (!file) return undefined;
    }
  }
  if (file && ctx.runs.stop(file)) return file;
  const job = slurmJobToStop(ctx, undefined, file ?? (arg instanceof vscode.Uri ? arg.fsPath : undefined));
  if (job) {
    await stopSlurmJob(ctx, job);
    return job.job.request.modelFile;
  }
  void vscode.window.showInformationMessage('No training run is going.');
  return undefined;
}

/**
 * Reveals a run folder in the Explorer and opens its run.json: the run of a
 * Runs view item, a run folder's Uri (the training panel's button), else the
 * latest run of the model file.
 */
async function openRunFolder(ctx: CommandContext, arg: unknown): Promise<void> {
  const given = isRunNode(arg) ? arg.runDir : arg instanceof vscode.Uri && isRunFolder(arg.fsPath) ? arg.fsPath : undefined;
  if (given) {
    await revealRunFolder(given);
    return;
  }
  const uri = await resolveModelFile(arg, 'Model file whose latest run to open');
  if (!uri) return;
  const state = ctx.runs.state(uri.fsPath);
  const runDir = state.kind === 'idle' || state.kind === 'starting' ? (await latestRun(uri.fsPath))?.runDir : state.runDir;
  if (!runDir) {
    void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} has no runs yet: train it first.`);
    return;
  }
  await revealRunFolder(runDir);
}

async function revealRunFolder(runDir: string): Promise<void> {
  const folder = vscode.Uri.file(runDir);
  await vscode.commands.executeCommand('revealInExplorer', folder);
  await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'run.json'), { preview: true });
}

/** `…/.modelstudio/runs/<id>`: a run folder rather than a model file. */
function isRunFolder(fsPath: string): boolean {
  return path.basename(path.dirname(fsPath)) === 'runs' && path.basename(path.dirname(path.dirname(fsPath))) === '.modelstudio';
}

/**
 * Draws several runs of one model file together in its training panel:
 * the runs given (run folders, e.g. from a test or a script), else picked
 * from the model file's runs. The Runs view does the same on selection.
 */
async function compareRuns(ctx: CommandContext, arg: unknown, selected?: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file whose runs to compare');
  if (!uri) return;
  let runDirs: string[] | undefined;
  if (Array.isArray(selected) && selected.every((d) => typeof d === 'string')) {
    runDirs = selected;
  } else {
    const runs = await listRuns(runsDirFor(uri.fsPath));
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} has no runs yet: train it first.`);
      return;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      runs.map((r, i) => ({
        label: runLabel(r.run, now),
        description: `${r.run.status} · ${r.run.backend}`,
        detail: r.run.id,
        picked: i < 2,
        runDir: r.runDir,
      })),
      { canPickMany: true, placeHolder: `Runs of ${path.basename(uri.fsPath)} to draw together` },
    );
    if (!picked) return;
    runDirs = picked.map((p) => p.runDir);
  }
  ctx.panels.compare(uri, runDirs);
}

/**
 * Deletes run folders after a modal confirmation: the Runs view's item
 * (or its whole selection), else runs picked from every run in the view.
 * A running run, or a Slurm job still queued or running, is not deleted:
 * stop it first.
 */
async function deleteRun(ctx: CommandContext, arg: unknown, selected?: unknown): Promise<void> {
  const isTarget = (value: unknown): value is RunNode | JobNode => isRunNode(value) || isJobNode(value);
  let targets: (RunNode | JobNode)[];
  if (Array.isArray(selected) && selected.some(isTarget)) {
    targets = selected.filter(isTarget);
  } else if (isTarget(arg)) {
    targets = [arg];
  } else {
    await ctx.runsView.refresh();
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      ctx.runsView.allRuns().map((node) => ({
        label: runLabel(node.run, now),
        description: `${path.basename(node.modelFile)} · ${node.status}`,
        detail: node.runDir,
        node,
      })),
      { canPickMany: true, placeHolder: 'Runs to delete' },
    );
    if (!picked || picked.length === 0) return;
    targets = picked.map((p) => p.node);
  }
  const name = (t: RunNode | JobNode): string => (t.kind === 'run' ? runLabel(t.run, Date.now()) : `Slurm job ${jobName(t.folder)}`);
  const busy = targets.filter((t) => {
    const job = ctx.slurmJobs.folder(t.runDir);
    return (t.kind === 'run' && t.status === 'running') || (job !== undefined && isPending(job));
  });
  if (busy.length > 0) {
    void vscode.window.showWarningMessage(
      `${busy.map(name).join(', ')} ${busy.length === 1 ? 'is' : 'are'} still queued or training: stop ${busy.length === 1 ? 'it' : 'them'} before deleting.`,
    );
    return;
  }
  const what =
    targets.length === 1 ? (targets[0].kind === 'run' ? `run ${targets[0].run.id}` : name(targets[0])) : `${targets.length} runs`;
  const choice = await vscode.window.showWarningMessage(
    `Delete ${what}?`,
    {
      modal: true,
      detail: `${targets.length === 1 ? 'Its folder' : 'Their folders'} (metrics, model, checkpoints) will be deleted from disk:\n${targets.map((t) => vscode.workspace.asRelativePath(t.runDir)).join('\n')}`,
    },
    'Delete',
  );
  if (choice !== 'Delete') return;
  for (const target of targets) {
    await vscode.workspace.fs.delete(vscode.Uri.file(target.runDir), { recursive: true, useTrash: false });
  }
  await Promise.all([ctx.slurmJobs.rescan(), ctx.runsView.refresh()]);
}

async function showTrainingPanel(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file whose training panel to show');
  if (uri) ctx.panels.createOrShow(uri, false);
}
