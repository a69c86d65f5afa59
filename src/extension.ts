import * as vscode from 'vscode';
import { TrainCodeLensProvider } from './editor/codeLens';
import { registerCommands } from './editor/commandHandlers';
import { ModelDiagnostics } from './editor/diagnostics';
import { MODEL_FILE_SELECTOR } from './editor/modelFiles';
import { RunController } from './editor/runController';
import { RunStatus } from './editor/runStatus';
import { TrainingPanels } from './panels/trainingPanel';

/** Composition root: builds the services, registers them, and nothing else. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Model Studio', { log: true });
  const runs = new RunController(context.asAbsolutePath('dist/trainer.js'), log);
  const diagnostics = new ModelDiagnostics(log);
  const panels = new TrainingPanels({ extensionUri: context.extensionUri, runs, log });
  const codeLens = new TrainCodeLensProvider(runs);
  context.subscriptions.push(
    log,
    runs,
    diagnostics,
    panels,
    codeLens,
    new RunStatus(runs, log),
    vscode.languages.registerCodeLensProvider(MODEL_FILE_SELECTOR, codeLens),
    ...registerCommands({ runs, diagnostics, panels }),
  );
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the RunController stops running trainers.
}
