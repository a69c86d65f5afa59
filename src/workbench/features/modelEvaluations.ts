import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EvaluationPanels } from '../panels/evaluationPanel';
import type { EvaluationProgress } from '../../protocol/evaluationTypes';
import { EvaluatorError, startEvaluation, startExport, type EvaluatorTask } from '../../host/evaluatorProcess';
import { isFinished, listRuns, newestFinishedRun, readRun, runsDirFor } from '../../runFolder/readRunFolder';
import { runLabel } from '../../runFolder/runSummary';
import { isModelFile, modelName, workspaceRootFor } from '../shared/modelFiles';
import { isRunNode } from './runsView';
import { trustedFor } from '../shared/trust';
import { exportOptions, pickStorage } from './exportStorage';
import { exportSummary } from '../../protocol/exportSummary';

/** A finished run chosen to evaluate or export. */
interface PickedRun {
  readonly runDir: string;
  readonly modelFile: string;
  readonly runId: string;
}

/** Data files offered for evaluation besides the run's own test data. */
const DATA_GLOB = '**/*.{csv,json,jsonl,ndjson}';
const IDX_GLOB = '**/*idx3-ubyte*';
const EXCLUDE = '{**/node_modules/**,**/.modelstudio/**,**/.git/**,**/*.model.json,**/package.json,**/package-lock.json,**/tsconfig.json}';

/** Passed by tests and scripts as the second argument: skip the data picker. */
interface EvaluateOptions {
  /** Absolute path of a data file, or `test` for the run's own test data. */
  readonly data: string;
}

function isEvaluateOptions(x: unknown): x is EvaluateOptions {
  return typeof x === 'object' && x !== null && typeof (x as { data?: unknown }).data === 'string';
}

/**
 * `Evaluate Model…` and `Export Model…`: pick a run (a model file stands for
 * its newest finished run) and a data set or a folder, then run the work in
 * a trainer process with a cancellable progress notification; evaluations
 * open in the evaluation panel.
 */
export class ModelEvaluations implements vscode.Disposable {
  private readonly panels: EvaluationPanels;
  private readonly trainerPath: string;

  constructor(
    context: { readonly extensionUri: vscode.Uri; asAbsolutePath(relative: string): string },
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.trainerPath = context.asAbsolutePath('dist/trainer.js');
    this.panels = new EvaluationPanels({ extensionUri: context.extensionUri, log, trainerPath: this.trainerPath });
  }

  /** CodeLens (a model file's Uri), Runs view (a run node), palette (nothing: pick), or a run folder's Uri. */
  async evaluate(arg: unknown, options?: unknown): Promise<void> {
    if (!(await trustedFor('Evaluating', 'evaluate'))) return;
    const run = await this.pickRun(arg, 'Model file or run to evaluate');
    if (!run) return;
    const data = isEvaluateOptions(options) ? options.data : await this.pickData(run);
    if (data === undefined) return;
    const request = {
      runDir: run.runDir,
      workspaceRoot: workspaceRootFor(vscode.Uri.file(run.modelFile)),
      ...(data === 'test' ? {} : { data }),
    };
    const evaluation = await this.withProgress(`Evaluating ${modelName(run.modelFile)}`, (onProgress) =>
      startEvaluation(request, {
        trainerPath: this.trainerPath,
        onProgress,
        onStderr: (text) => this.log.debug(`evaluator: ${text.trimEnd()}`),
      }),
    );
    if (!evaluation) return;
    this.log.info(
      `evaluated run ${evaluation.runId} on ${evaluation.dataset.description} in ${evaluation.durationMs} ms (${evaluation.backend})`,
    );
    this.panels.show(run.modelFile, { runDir: run.runDir, evaluationId: evaluation.id });
  }

  /**
   * Export Model…: the run's model as TF.js layers files and Keras topology,
   * its weights stored as picked (or as `options.quantize` says), compared
   * with the float32 model on the run's test data.
   */
  async exportModel(arg: unknown, options?: unknown): Promise<void> {
    if (!(await trustedFor('Exporting', 'export'))) return;
    const given = exportOptions(options);
    const run = await this.pickRun(arg, 'Model file or run to export');
    if (!run) return;
    const storage = given.quantize ?? (await pickStorage(run));
    if (!storage) return;
    let outDir = given.outDir;
    if (outDir === undefined) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        openLabel: 'Export Here',
        title: `Export ${modelName(run.modelFile)} (run ${run.runId}) as TF.js layers model, ${storage} weights`,
        defaultUri: vscode.Uri.file(path.dirname(run.modelFile)),
      });
      outDir = picked?.[0]?.fsPath;
    }
    if (!outDir) return;
    const request = {
      runDir: run.runDir,
      outDir,
      workspaceRoot: workspaceRootFor(vscode.Uri.file(run.modelFile)),
      ...(storage === 'float32' ? {} : { quantize: storage }),
    };
    const result = await this.withProgress(`Exporting ${modelName(run.modelFile)}`, () =>
      startExport(request, { trainerPath: this.trainerPath, onStderr: (text) => this.log.debug(`exporter: ${text.trimEnd()}`) }),
    );
    if (!result) return;
    const summary = exportSummary(result);
    this.log.info(`exported run ${result.runId} to ${result.outDir}: ${result.files.join(', ')}; ${summary}`);
    const shards = result.files.filter((file) => file.endsWith('.bin')).length;
    const reveal = 'Reveal in Explorer';
    // Not awaited: the command is done when the files are written, not when the notification goes.
    void vscode.window
      .showInformationMessage(
        `Exported ${modelName(run.modelFile)} to ${vscode.workspace.asRelativePath(result.outDir)} (model.json, ${shards} weight file${shards === 1 ? '' : 's'}, keras-topology.json): ${summary}.${result.loadNote === undefined ? '' : ` Note: ${result.loadNote} (see README.md there).`}`,
        reveal,
      )
      .then((choice) =>
        choice === reveal ? vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.files[0])) : undefined,
      );
  }

  /** The run `arg` names, or one picked from every model file (its newest finished run) and every finished run. */
  private async pickRun(arg: unknown, placeHolder: string): Promise<PickedRun | undefined> {
    if (isRunNode(arg)) return { runDir: arg.runDir, modelFile: arg.modelFile, runId: arg.run.id };
    if (arg instanceof vscode.Uri && isModelFile(arg)) return this.newestOf(arg.fsPath);
    if (arg instanceof vscode.Uri) {
      const run = await readRun(arg.fsPath).catch(() => undefined);
      if (run) return { runDir: arg.fsPath, modelFile: run.modelFile, runId: run.id };
    }
    type Item = vscode.QuickPickItem & { run?: PickedRun; modelFile?: string };
    const files = await vscode.workspace.findFiles('**/*.model.{json,yaml}', '**/node_modules/**', 200);
    const active = vscode.window.activeTextEditor?.document.uri;
    files.sort((a, b) => Number(b.fsPath === active?.fsPath) - Number(a.fsPath === active?.fsPath) || a.fsPath.localeCompare(b.fsPath));
    const now = Date.now();
    const models: Item[] = [];
    const runs: Item[] = [];
    for (const file of files) {
      const all = (await listRuns(runsDirFor(file.fsPath))).filter(
        (r) => isFinished(r.run) && path.basename(r.run.modelFile) === path.basename(file.fsPath),
      );
      if (all.length === 0) continue;
      models.push({
        label: `$(file) ${vscode.workspace.asRelativePath(file)}`,
        description: `newest finished run: ${runLabel(all[0].run, now)}`,
        modelFile: file.fsPath,
      });
      for (const entry of all) {
        runs.push({
          label: `$(history) ${runLabel(entry.run, now)}`,
          description: `${path.basename(file.fsPath)} · ${entry.run.status}${entry.run.test?.accuracy === undefined ? '' : ` · test accuracy ${entry.run.test.accuracy.toFixed(4)}`}`,
          detail: entry.run.id,
          run: { runDir: entry.runDir, modelFile: file.fsPath, runId: entry.run.id },
        });
      }
    }
    if (models.length === 0) {
      void vscode.window.showInformationMessage('No finished runs yet: train a model first (▶ Train above a model file).');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick<Item>(
      [
        { label: 'Model files', kind: vscode.QuickPickItemKind.Separator },
        ...models,
        { label: 'Runs', kind: vscode.QuickPickItemKind.Separator },
        ...runs,
      ],
      { placeHolder, matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return undefined;
    return picked.run ?? (picked.modelFile ? this.newestOf(picked.modelFile) : undefined);
  }

  private async newestOf(modelFile: string): Promise<PickedRun | undefined> {
    const entry = await newestFinishedRun(modelFile);
    if (!entry) {
      void vscode.window.showInformationMessage(`${path.basename(modelFile)} has no finished run yet: train it first.`);
      return undefined;
    }
    return { runDir: entry.runDir, modelFile, runId: entry.run.id };
  }

  /** `test` (the run's own test data), the path of another data file, or undefined when the picker was closed. */
  private async pickData(run: PickedRun): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { data: string };
    const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(run.modelFile));
    // Offer files of the kind the run was trained on: IDX images for IDX, tables otherwise.
    const train = await readFile(path.join(run.runDir, 'spec.json'), 'utf8').then(
      (text) => (JSON.parse(text) as { data?: { train?: Record<string, unknown> } }).data?.train,
      () => undefined,
    );
    const idxTrained = typeof train?.images === 'string';
    const found = await vscode.workspace.findFiles(idxTrained ? IDX_GLOB : DATA_GLOB, EXCLUDE, 500);
    const files = found
      .filter((uri) => !root || vscode.workspace.getWorkspaceFolder(uri) === root)
      .map((uri) => uri.fsPath)
      .sort();
    const items: Item[] = [
      { label: '$(beaker) Test data of the run', description: 'data.test, or the testSplit rows training held out', data: 'test' },
      { label: 'Workspace files', kind: vscode.QuickPickItemKind.Separator, data: '' },
      ...files.map((file) => ({
        label: `$(file) ${vscode.workspace.asRelativePath(file)}`,
        description: idxTrained
          ? 'IDX images; the labels file is found by name'
          : `needs the training columns${typeof train?.label === 'string' ? ` and "${train.label}"` : ''}`,
        data: file,
      })),
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `Data to evaluate run ${run.runId} on` });
    return picked?.data || undefined;
  }

  /** Runs a task with a cancellable notification; errors are shown, a cancel is silent. */
  private async withProgress<T>(
    title: string,
    start: (onProgress: (p: EvaluationProgress) => void) => EvaluatorTask<T>,
  ): Promise<T | undefined> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        const task = start((p) => {
          if (p.phase !== 'predicting' || p.total === 0) {
            progress.report({ message: p.phase === 'loading' ? 'loading the model and data…' : 'saving…' });
            return;
          }
          const percent = (p.done / p.total) * 100;
          progress.report({
            message: `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} examples`,
            increment: percent - reported,
          });
          reported = percent;
        });
        const subscription = token.onCancellationRequested(() => task.cancel());
        try {
          return await task.result;
        } catch (error) {
          if (error instanceof EvaluatorError && error.cancelled) return undefined;
          const message = error instanceof Error ? error.message : String(error);
          this.log.error(`${title}: ${message}`);
          void vscode.window.showErrorMessage(`${title} failed: ${message}`);
          return undefined;
        } finally {
          subscription.dispose();
        }
      },
    );
  }

  dispose(): void {
    this.panels.dispose();
  }
}
