import * as vscode from 'vscode';
import { Command } from './commands';
import { isActive, type RunController, type RunState } from './runController';

/** `▶ Train` above a model file, `■ Stop` while that file's run is going. */
export class TrainCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly kinds = new Map<string, RunState['kind']>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunController) {
    // Refresh when a run changes kind (starts, stops, ends), not on every batch.
    this.subscription = runs.onDidChangeState(({ modelFile, state }) => {
      if (this.kinds.get(modelFile) === state.kind) return;
      this.kinds.set(modelFile, state.kind);
      this.changed.fire();
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    const state = this.runs.state(document.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    if (isActive(state)) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: state.kind === 'stopping' ? '■ Stopping…' : '■ Stop',
          tooltip: 'Stop training (a second click kills the trainer)',
          command: Command.Stop,
          arguments: [document.uri],
        }),
      );
    } else {
      lenses.push(
        new vscode.CodeLens(top, {
          title: '▶ Train',
          tooltip: 'Train this model in a separate process',
          command: Command.Train,
          arguments: [document.uri],
        }),
      );
    }
    if (state.kind !== 'idle') {
      lenses.push(
        new vscode.CodeLens(top, {
          title: 'Show Curves',
          command: Command.ShowTrainingPanel,
          arguments: [document.uri],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
