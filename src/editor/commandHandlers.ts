import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingPanels } from '../panels/trainingPanel';
import { latestRun } from './latestRun';
import { Command } from './commands';
import type { ModelDiagnostics } from './diagnostics';
import { modelName, resolveModelFile } from './modelFiles';
import { isActive, type RunController } from './runController';
import { describeRun } from './runStatus';

/** The services the commands act on. */
export interface CommandContext {
  readonly runs: RunController;
  readonly diagnostics: ModelDiagnostics;
  readonly panels: TrainingPanels;
}

type Handler = (ctx: CommandContext, arg: unknown) => Promise<void>;

/** One handler per command id: adding a command means one entry here and one in package.json. */
const handlers: Record<Command, Handler> = {
  [Command.Train]: train,
  [Command.Stop]: stop,
  [Command.OpenRunFolder]: openRunFolder,
  [Command.ShowTrainingPanel]: showTrainingPanel,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (arg: unknown) => handler(ctx, arg)),
  );
}

/**
 * Starts a run and returns once it is started (not when it ends): checks
 * trust and the model file's problems first, then opens the panel and a
 * cancellable progress notification.
 */
async function train(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file to train');
  if (!uri) {
    void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file to train it.');
    return;
  }
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(
      'Training is disabled in Restricted Mode: it runs TensorFlow.js on the data files this workspace names. Trust the workspace to train.',
      'Manage Workspace Trust',
    );
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  if (isActive(ctx.runs.state(uri.fsPath))) {
    ctx.panels.createOrShow(uri);
    return;
  }
  // The trainer reads the file from disk.
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty) await document.save();
  const { errors } = await ctx.diagnostics.validate(document);
  if (errors > 0) {
    void vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showErrorMessage(
      `Fix ${errors} problem${errors === 1 ? '' : 's'} in ${path.basename(uri.fsPath)} first: they are listed in the Problems view.`,
    );
    return;
  }
  const started = ctx.runs.start(uri); // false: a second click started one meanwhile
  ctx.panels.createOrShow(uri);
  if (started) showProgress(ctx, uri);
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

async function stop(ctx: CommandContext, arg: unknown): Promise<void> {
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
      if (!file) return;
    }
  }
  if (!file || !ctx.runs.stop(file)) void vscode.window.showInformationMessage('No training run is going.');
}

/** Reveals the model file's latest run folder in the Explorer and opens its run.json. */
async function openRunFolder(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file whose latest run to open');
  if (!uri) return;
  const state = ctx.runs.state(uri.fsPath);
  const runDir =
    state.kind === 'idle' || state.kind === 'starting' ? (await latestRun(uri.fsPath))?.runDir : state.runDir;
  if (!runDir) {
    void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} has no runs yet: train it first.`);
    return;
  }
  const folder = vscode.Uri.file(runDir);
  await vscode.commands.executeCommand('revealInExplorer', folder);
  await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'run.json'), { preview: true });
}

async function showTrainingPanel(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await resolveModelFile(arg, 'Model file whose training panel to show');
  if (uri) ctx.panels.createOrShow(uri, false);
}
