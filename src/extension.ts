import * as path from 'node:path';
import * as vscode from 'vscode';
import { TrainCodeLensProvider } from './workbench/features/codeLens';
import { registerCommands } from './workbench/features/commandHandlers';
import { registerModelFileCompletion } from './workbench/features/completion';
import { ModelDiagnostics } from './workbench/features/diagnostics';
import { ModelQuickFixes } from './workbench/features/quickFixes';
import { ModelBackends } from './workbench/features/backends';
import { ModelEvaluations } from './workbench/features/modelEvaluations';
import { MODEL_FILE_SELECTOR } from './workbench/shared/modelFiles';
import { ModelViews } from './workbench/features/modelViews';
import { Prompts } from './workbench/shared/prompts';
import { RunController } from './workbench/services/runController';
import { RunStatus } from './workbench/features/runStatus';
import { RunsView } from './workbench/features/runsView';
import { modelStudioApi, type ModelStudioApi } from './workbench/features/testingApi';
import { TrainingPanels } from './workbench/panels/trainingPanel';
import { SweepController } from './workbench/services/sweepController';
import { SweepPanels } from './workbench/panels/sweepPanel';
import { SlurmJobs } from './workbench/services/slurmJobs';
import { ExperimentsPanels } from './workbench/panels/experimentsPanel';

/** Composition root: builds the services, registers them, and nothing else. */
export function activate(context: vscode.ExtensionContext): ModelStudioApi | undefined {
  const log = vscode.window.createOutputChannel('Model Studio', { log: true });
  const backends = new ModelBackends(context, log);
  const runs = new RunController(context.asAbsolutePath('dist/trainer.js'), log, (modelFile) => backends.choiceFor(modelFile));
  const slurmJobs = new SlurmJobs(log);
  const panels = new TrainingPanels({ extensionUri: context.extensionUri, runs, log, slurmJobs });
  const sweeps = new SweepController(context.asAbsolutePath('dist/trainer.js'), log, (modelFile) => backends.choiceFor(modelFile));
  const sweepPanels = new SweepPanels({ extensionUri: context.extensionUri, sweeps, training: panels, log });
  const experiments = new ExperimentsPanels({ extensionUri: context.extensionUri, training: panels, log, memento: context.workspaceState });
  const codeLens = new TrainCodeLensProvider(runs, sweeps, slurmJobs);
  const runsView = new RunsView(runs, panels, log, sweeps, slurmJobs);
  const views = new ModelViews(context, log);
  const diagnostics = new ModelDiagnostics(log, views.inspections);
  const evaluations = new ModelEvaluations(context, log);
  const prompts = new Prompts();
  context.subscriptions.push(
    log,
    runs,
    slurmJobs,
    sweeps,
    sweepPanels,
    experiments,
    diagnostics,
    panels,
    codeLens,
    runsView,
    views,
    evaluations,
    backends,
    new RunStatus(runs, log),
    vscode.languages.registerCodeLensProvider(MODEL_FILE_SELECTOR, codeLens),
    ...registerModelFileCompletion(),
    vscode.languages.registerCodeActionsProvider(MODEL_FILE_SELECTOR, new ModelQuickFixes(diagnostics), ModelQuickFixes.metadata),
    ...registerCommands({
      runs,
      diagnostics,
      panels,
      runsView,
      views,
      evaluations,
      backends,
      prompts,
      sweeps,
      sweepPanels,
      slurmJobs,
      experiments,
      cliPath: path.join(context.extensionPath, 'dist', 'cli.js'),
      samplesDir: path.join(context.extensionPath, 'samples'),
      log,
    }),
  );
  // Hooks for the integration suite only (docs/decisions.md "The testing API exists only under test").
  return context.extensionMode === vscode.ExtensionMode.Test ? modelStudioApi(prompts, panels, runsView, experiments) : undefined;
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the RunController stops running trainers.
}
