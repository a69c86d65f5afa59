import * as vscode from 'vscode';
import { TrainCodeLensProvider } from './editor/codeLens';
import { registerCommands } from './editor/commandHandlers';
import { ModelDiagnostics } from './editor/diagnostics';
import { ModelBackends } from './editor/modelBackends';
import { ModelEvaluations } from './editor/modelEvaluations';
import { MODEL_FILE_SELECTOR } from './editor/modelFiles';
import { ModelViews } from './editor/modelViews';
import { Prompts } from './editor/prompts';
import { RunController } from './editor/runController';
import { RunStatus } from './editor/runStatus';
import { RunsView } from './editor/runsView';
import { modelStudioApi, type ModelStudioApi } from './editor/testingApi';
import { TrainingPanels } from './panels/trainingPanel';

/** Composition root: builds the services, registers them, and nothing else. */
export function activate(context: vscode.ExtensionContext): ModelStudioApi {
  const log = vscode.window.createOutputChannel('Model Studio', { log: true });
  const backends = new ModelBackends(context, log);
  const runs = new RunController(context.asAbsolutePath('dist/trainer.js'), log, (modelFile) => backends.choiceFor(modelFile));
  const diagnostics = new ModelDiagnostics(log);
  const panels = new TrainingPanels({ extensionUri: context.extensionUri, runs, log });
  const codeLens = new TrainCodeLensProvider(runs);
  const runsView = new RunsView(runs, panels, log);
  const views = new ModelViews(context, log);
  const evaluations = new ModelEvaluations(context, log);
  const prompts = new Prompts();
  context.subscriptions.push(
    log,
    runs,
    diagnostics,
    panels,
    codeLens,
    runsView,
    views,
    evaluations,
    backends,
    new RunStatus(runs, log),
    vscode.languages.registerCodeLensProvider(MODEL_FILE_SELECTOR, codeLens),
    ...registerCommands({ runs, diagnostics, panels, runsView, views, evaluations, backends, prompts }),
  );
  return modelStudioApi(prompts, panels, runsView);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the RunController stops running trainers.
}
