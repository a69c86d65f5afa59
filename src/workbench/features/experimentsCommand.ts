import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentsScope } from '../../protocol/experimentsMessages';
import { Command } from '../shared/commands';
import { isModelFile } from '../shared/modelFiles';
import type { Handler } from './commandHandlers';
import { isSweepNode } from './sweepNodes';

/**
 * Open Experiments Table: the runs of a model file (its editor's title bar,
 * the Runs view's model group), of a folder (the Explorer; the workspace
 * from the Command Palette) or of a sweep (the Runs view's sweep node).
 * Resolves to the table's key (tests read it).
 */
export const experimentsHandlers: Record<Command.OpenExperiments, Handler> = {
  [Command.OpenExperiments]: async (ctx, arg) => {
    const scope = await scopeOf(arg);
    return scope && ctx.experiments.createOrShow(scope);
  },
};

function isModelNode(arg: unknown): arg is { readonly kind: 'model'; readonly modelFile: string } {
  return (
    typeof arg === 'object' &&
    arg !== null &&
    (arg as { kind?: unknown }).kind === 'model' &&
    typeof (arg as { modelFile?: unknown }).modelFile === 'string'
  );
}

async function scopeOf(arg: unknown): Promise<ExperimentsScope | undefined> {
  if (isSweepNode(arg)) return { kind: 'sweep', path: arg.dir };
  if (isModelNode(arg)) return { kind: 'model', path: arg.modelFile };
  if (arg instanceof vscode.Uri) {
    if (isModelFile(arg)) return { kind: 'model', path: arg.fsPath };
    const isSweep =
      path.basename(path.dirname(arg.fsPath)) === 'sweeps' && path.basename(path.dirname(path.dirname(arg.fsPath))) === '.modelstudio';
    return { kind: isSweep ? 'sweep' : 'folder', path: arg.fsPath };
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    if (folders[0]) return { kind: 'folder', path: folders[0].uri.fsPath };
    void vscode.window.showInformationMessage('Open a folder with runs to see them in the experiments table.');
    return undefined;
  }
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder whose runs to list' });
  return picked && { kind: 'folder', path: picked.uri.fsPath };
}
