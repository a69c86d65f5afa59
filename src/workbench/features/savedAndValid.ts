import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SpecDiagnostic } from '../../modelFile/diagnostic';
import type { Prompts } from '../shared/prompts';
import type { ModelDiagnostics } from './diagnostics';

/** The button of the refusal that opens the first error. */
export const GO_TO_FIRST_PROBLEM = 'Go to First Problem';

/**
 * Saves the model file (trainers read it from disk) and validates it; with
 * problems, shows the Problems view, says so with a button that opens the
 * first error where it is (as clicking it in the Problems view would), and
 * returns false.
 */
export async function savedAndValid(
  ctx: { readonly diagnostics: ModelDiagnostics; readonly prompts: Prompts },
  uri: vscode.Uri,
): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty) await document.save();
  const { errors, diagnostics } = await ctx.diagnostics.validate(document);
  if (errors === 0) return true;
  void vscode.commands.executeCommand('workbench.actions.view.problems');
  const first = firstError(diagnostics, uri.fsPath);
  const message = `Fix ${errors} problem${errors === 1 ? '' : 's'} in ${path.basename(uri.fsPath)} first: they are listed in the Problems view.`;
  void ctx.prompts.offer(message, ...(first ? [GO_TO_FIRST_PROBLEM] : [])).then(async (choice) => {
    if (choice === GO_TO_FIRST_PROBLEM && first) await revealProblem(first);
  });
  return false;
}

/** The first error of the model file itself (diagnostics come sorted by position), else the first in a data file it names. */
function firstError(diagnostics: readonly SpecDiagnostic[], modelFile: string): SpecDiagnostic | undefined {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return errors.find((d) => d.file === modelFile) ?? errors[0];
}

async function revealProblem(problem: SpecDiagnostic): Promise<void> {
  const { start, end } = problem.range;
  const selection = new vscode.Range(start.line, start.character, end.line, end.character);
  await vscode.window.showTextDocument(vscode.Uri.file(problem.file), { selection, preview: false });
}
