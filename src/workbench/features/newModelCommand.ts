import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../shared/commands';
import { pickData, pickLabelColumn, pickTask } from '../shared/dataPrompts';
import { modelFileCode } from '../shared/modelFileCode';
import { workspaceRootFor } from '../shared/modelFiles';
import type { Handler } from './commandHandlers';

/**
 * New Model from Data… (Explorer context menu, the Runs view's welcome, the
 * palette): the data's baseline model file, written next to it by the pure
 * code that `init` runs, opened with the hyperparameters form beside it.
 * Resolves to the model file's Uri, undefined when cancelled or refused.
 */
export const newModelHandlers: Record<Command.NewModelFromData, Handler> = {
  [Command.NewModelFromData]: async (_ctx, arg) => newModelFromData(arg),
};

async function newModelFromData(arg: unknown): Promise<vscode.Uri | undefined> {
  const data = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg : await pickData();
  if (data === undefined) return undefined;
  const code = await modelFileCode();
  const name = path.basename(data.fsPath);
  try {
    const sample = await code.readDataSample(data.fsPath);
    let inference = code.inferData(sample);
    if (!inference.labelObvious && sample.kind === 'table') {
      const label = await pickLabelColumn(name, sample.columns, inference.label);
      if (label === undefined) return undefined;
      inference = code.inferData(sample, { label });
    }
    if (!inference.taskObvious && inference.label !== undefined) {
      const task = await pickTask(inference.label, inference.classes ?? []);
      if (task === undefined) return undefined;
      inference = code.inferData(sample, { label: inference.label, task });
    }
    const folder = sample.kind === 'images' ? path.dirname(sample.folder) : path.dirname(data.fsPath);
    const modelFile = await code.freeModelFile(folder, code.modelNameFor(sample));
    const uri = vscode.Uri.file(modelFile);
    await code.writeNewModelFile({ sample, inference, modelFile, workspaceRoot: workspaceRootFor(uri) });
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand(Command.ShowHyperparameters, uri);
    return uri;
  } catch (error) {
    // DataError and NewModelError name the file (and line); anything else gets the data file's name here.
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`New Model from Data: ${message.includes(name) ? message : `${name}: ${message}`}`);
    return undefined;
  }
}
