import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelDiagnostics } from './diagnostics';

/**
 * Saves the model file (trainers read it from disk) and validates it; with
 * problems, shows the Problems view and says so, and returns false.
 */
export async function savedAndValid(ctx: { readonly diagnostics: ModelDiagnostics }, uri: vscode.Uri): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty) await document.save();
  const { errors } = await ctx.diagnostics.validate(document);
  if (errors === 0) return true;
  void vscode.commands.executeCommand('workbench.actions.view.problems');
  void vscode.window.showErrorMessage(
    `Fix ${errors} problem${errors === 1 ? '' : 's'} in ${path.basename(uri.fsPath)} first: they are listed in the Problems view.`,
  );
  return false;
}
