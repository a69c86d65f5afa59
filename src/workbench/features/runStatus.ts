import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever } from '../../protocol/assertNever';
import { Command, ContextKey } from '../shared/commands';
import { modelName } from '../shared/modelFiles';
import { isActive, type RunController, type RunState } from '../services/runController';

const REFRESH_MS = 250;

/**
 * What the window shows about runs besides the panel: a status-bar item
 * while a run goes (click → training panel), the context keys the menus
 * read, and an error notification with "Show Log" when a run fails.
 */
export class RunStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('modelStudio.run', vscode.StatusBarAlignment.Left, 10);
  private readonly kinds = new Map<string, RunState['kind']>();
  /** The file the item shows: the one whose run changed last. */
  private shown: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly runs: RunController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Model Studio Training';
    this.subscription = runs.onDidChangeState(({ modelFile, state }) => {
      if (isActive(state)) this.shown = modelFile;
      // Batches come faster than anyone reads: redraw at most every REFRESH_MS.
      this.timer ??= setTimeout(() => this.render(), REFRESH_MS);
      if (this.kinds.get(modelFile) === state.kind) return;
      this.kinds.set(modelFile, state.kind);
      this.render();
      void this.updateContext();
      if (state.kind === 'failed') void this.reportFailure(modelFile, state.error);
    });
  }

  private render(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const active = this.runs.activeFiles();
    if (!this.shown || !active.includes(this.shown)) this.shown = active[0];
    if (!this.shown) {
      this.item.hide();
      return;
    }
    const name = modelName(this.shown);
    const state = this.runs.state(this.shown);
    const more = active.length > 1 ? ` (+${active.length - 1})` : '';
    this.item.text = `$(sync~spin) ${name}: ${describeRun(state)}${more}`;
    this.item.tooltip = `Model Studio: ${path.basename(this.shown)} — click to show the training panel`;
    this.item.command = {
      title: 'Show Training Panel',
      command: Command.ShowTrainingPanel,
      arguments: [vscode.Uri.file(this.shown)],
    };
    this.item.show();
  }

  private async updateContext(): Promise<void> {
    const active = this.runs.activeFiles();
    await vscode.commands.executeCommand('setContext', ContextKey.RunningFiles, active);
    await vscode.commands.executeCommand('setContext', ContextKey.AnyRunning, active.length > 0);
  }

  private async reportFailure(modelFile: string, error: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(`Training ${path.basename(modelFile)} failed: ${error}`, 'Show Log');
    if (choice === 'Show Log') this.log.show(true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }
}

/** `epoch 2/5 · loss 0.3124` (`fold 2/5 · epoch …` while cross-validating), or what the run is doing before and after. */
export function describeRun(state: RunState): string {
  switch (state.kind) {
    case 'idle':
      return 'idle';
    case 'starting':
      return state.backend ? `starting (${state.backend})…` : 'starting…';
    case 'running': {
      const loss = state.loss === undefined ? '' : ` · loss ${state.loss.toPrecision(4)}`;
      const fold = state.fold ? `fold ${state.fold.index}/${state.run.crossValidation?.foldCount ?? '?'} · ` : '';
      return `${fold}epoch ${Math.max(state.epoch, 1)}/${state.run.epochs}${loss}`;
    }
    case 'stopping':
      return 'stopping…';
    case 'finished':
      return state.run.status;
    case 'failed':
      return 'failed';
    default:
      return assertNever(state);
  }
}
