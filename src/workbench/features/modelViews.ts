import * as vscode from 'vscode';
import { GraphPanels } from '../panels/graphPanel';
import { HyperparametersPanels } from '../panels/hyperparametersPanel';
import { LayerInlayHints } from './layerInlayHints';
import { MODEL_FILE_SELECTOR, isModelFile, resolveModelFile } from '../shared/modelFiles';
import { ModelInspections } from '../services/modelInspections';
import { Owner } from '../shared/dispose';

/**
 * The views of a model file's contents: the hyperparameter form, the layer
 * graph, and the shape / parameter inlay hints, with the inspector process
 * they share. One object so the composition root and the command table
 * each need one line.
 */
export class ModelViews extends Owner {
  /** The inspector's answers, which the editor's diagnostics use too: a layer TF.js refuses is an error on its line. */
  readonly inspections: ModelInspections;
  private readonly graphs: GraphPanels;
  private readonly forms: HyperparametersPanels;

  constructor(context: { readonly extensionUri: vscode.Uri; asAbsolutePath(relative: string): string }, log: vscode.LogOutputChannel) {
    super();
    this.inspections = new ModelInspections(context.asAbsolutePath('dist/inspector.js'), log);
    this.graphs = new GraphPanels({ extensionUri: context.extensionUri, inspections: this.inspections, log });
    this.forms = new HyperparametersPanels({ extensionUri: context.extensionUri, log });
    const hints = new LayerInlayHints(this.inspections);
    this.register(
      this.forms,
      this.graphs,
      hints,
      vscode.languages.registerInlayHintsProvider(MODEL_FILE_SELECTOR, hints),
      this.inspections,
    );
  }

  /** `Hyperparameters` (CodeLens, palette): the form beside the model file. */
  async showHyperparameters(arg: unknown): Promise<void> {
    const uri =
      arg instanceof vscode.Uri && isModelFile(arg) ? arg : await resolveModelFile(arg, 'Model file whose hyperparameters to edit');
    if (uri) this.forms.createOrShow(uri);
    else void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file to edit its hyperparameters.');
  }

  /** `Graph` (CodeLens, palette): the layer graph beside the model file. */
  async showGraph(arg: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri && isModelFile(arg) ? arg : await resolveModelFile(arg, 'Model file whose layers to show');
    if (uri) this.graphs.createOrShow(uri);
    else void vscode.window.showInformationMessage('Open a *.model.json or *.model.yaml file to see its layer graph.');
  }

  override dispose(): void {
    super.dispose();
  }
}
