import * as path from 'node:path';
import * as vscode from 'vscode';

/** Model files by name: `*.model.json` (JSON with comments) or `*.model.yaml`. */
const MODEL_FILE = /\.model\.(json|ya?ml)$/i;

export const MODEL_FILE_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.model.json' },
  { scheme: 'file', pattern: '**/*.model.yaml' },
];

export function isModelFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && MODEL_FILE.test(uri.fsPath);
}

/** `mnist-mlp.model.json` → `mnist-mlp`. */
export function modelName(file: string): string {
  return path.basename(file).replace(MODEL_FILE, '');
}

/** Data paths must stay inside this folder: the model file's workspace folder, else its own folder. */
export function workspaceRootFor(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

/**
 * The model file a command acts on: the argument (CodeLens, editor title,
 * explorer), else the active editor's file, else one picked from the workspace.
 */
export async function resolveModelFile(arg: unknown, placeHolder: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && isModelFile(arg)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isModelFile(active)) return active;
  const found = await vscode.workspace.findFiles('**/*.model.{json,yaml}', '**/node_modules/**', 200);
  if (found.length <= 1) return found[0];
  const picked = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder },
  );
  return picked?.uri;
}
