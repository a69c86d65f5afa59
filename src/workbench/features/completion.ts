import * as vscode from 'vscode';
import type { CompletionEntry } from '../../modelFile/modelFileCompletion';
import { modelFileCode } from '../shared/modelFileCode';
import { workspaceRootFor } from '../shared/modelFiles';

const KINDS: Readonly<Record<CompletionEntry['kind'], vscode.CompletionItemKind>> = {
  file: vscode.CompletionItemKind.File,
  folder: vscode.CompletionItemKind.Folder,
  column: vscode.CompletionItemKind.Field,
  layerType: vscode.CompletionItemKind.Class,
  key: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
  snippet: vscode.CompletionItemKind.Snippet,
};

/**
 * Completion and layer docs in model files, from the model-file code
 * (modelFile/modelFileCompletion.ts): data paths, column names, snippets,
 * and YAML's keys and values. JSON files also get VS Code's JSON service.
 */
export function registerModelFileCompletion(): vscode.Disposable[] {
  const provider: vscode.CompletionItemProvider = {
    async provideCompletionItems(document, position) {
      const code = await modelFileCode();
      const entries = await code.modelFileCompletions({
        file: document.uri.fsPath,
        text: document.getText(),
        offset: document.offsetAt(position),
        workspaceRoot: workspaceRootFor(document.uri),
      });
      return entries.map((entry) => toItem(document, position, entry));
    },
  };
  const hover: vscode.HoverProvider = {
    async provideHover(document, position) {
      const code = await modelFileCode();
      const found = code.layerTypeHover(document.uri.fsPath, document.getText(), document.offsetAt(position));
      if (found === undefined) return undefined;
      return new vscode.Hover(
        new vscode.MarkdownString(found.markdown),
        new vscode.Range(document.positionAt(found.start), document.positionAt(found.end)),
      );
    },
  };
  return [
    vscode.languages.registerCompletionItemProvider({ scheme: 'file', pattern: '**/*.model.json' }, provider, '/', '"'),
    vscode.languages.registerCompletionItemProvider({ scheme: 'file', pattern: '**/*.model.yaml' }, provider, '/', ' '),
    vscode.languages.registerHoverProvider(
      [
        { scheme: 'file', pattern: '**/*.model.json' },
        { scheme: 'file', pattern: '**/*.model.yaml' },
      ],
      hover,
    ),
  ];
}

function toItem(document: vscode.TextDocument, position: vscode.Position, entry: CompletionEntry): vscode.CompletionItem {
  const item = new vscode.CompletionItem(entry.label, KINDS[entry.kind]);
  item.insertText = new vscode.SnippetString(entry.insertText);
  const start = document.positionAt(entry.start);
  // A completion's range stays on the cursor's line (a snippet replaces what was typed there).
  const from = start.line === position.line ? start : position.with(undefined, 0);
  const end = document.positionAt(entry.end);
  item.range = {
    inserting: new vscode.Range(from, position),
    replacing: new vscode.Range(from, end.line === position.line && end.isAfter(position) ? end : position),
  };
  if (entry.detail !== undefined) item.detail = entry.detail;
  if (entry.documentation !== undefined) item.documentation = new vscode.MarkdownString(entry.documentation);
  if (entry.sortText !== undefined) item.sortText = entry.sortText;
  // VS Code matches what was typed in the range against this: a whole path (`data/ir`), after any dash or quote typed.
  const leading = /^[-\s"']*/.exec(document.getText(new vscode.Range(from, position)))?.[0] ?? '';
  item.filterText = leading + (entry.filterText ?? entry.label);
  if (entry.retrigger === true) item.command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
  return item;
}
