import * as vscode from 'vscode';
import type { SpecFix } from '../../modelFile/diagnostic';
import { modelFileCode } from '../shared/modelFileCode';
import { DIAGNOSTIC_SOURCE, type ModelDiagnostics } from './diagnostics';

/**
 * Quick fixes (the light bulb, Ctrl+.) for the model file's diagnostics
 * that carry fixes: a did-you-mean key, layer type or value, a label column
 * from the header, a number written as a string, the output units the data
 * needs, a loss that fits the task, a required key with its usual value.
 * The edits are computed by src/modelFile/quickFixes.ts on the text as it
 * is, in JSON and YAML alike, keeping comments and layout.
 */
export class ModelQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: ModelDiagnostics) {}

  async provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics
      .filter((d) => d.source === DIAGNOSTIC_SOURCE)
      .map((d) => ({ diagnostic: d, fixes: this.diagnostics.fixesFor(document.uri, d) }))
      .filter(({ fixes }) => fixes.length > 0);
    if (ours.length === 0) return [];
    const { quickFixEdits } = await modelFileCode();
    const text = document.getText();
    return ours.flatMap(({ diagnostic, fixes }) =>
      fixes.flatMap((fix) => {
        const edits = quickFixEdits(document.uri.fsPath, text, fix);
        return edits.length === 0 ? [] : [action(document, diagnostic, fix, edits, fixes.length === 1)];
      }),
    );
  }
}

function action(
  document: vscode.TextDocument,
  diagnostic: vscode.Diagnostic,
  fix: SpecFix,
  edits: readonly { offset: number; length: number; newText: string }[],
  preferred: boolean,
): vscode.CodeAction {
  const result = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.newText);
  }
  result.edit = edit;
  result.diagnostics = [diagnostic];
  // The one fix of a diagnostic is what Auto Fix (Shift+Alt+.) applies.
  result.isPreferred = preferred;
  return result;
}
