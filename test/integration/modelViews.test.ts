import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

/** Labels of the inlay hints VS Code would show in the whole document. */
async function hintLabels(document: vscode.TextDocument): Promise<string[]> {
  const range = new vscode.Range(0, 0, document.lineCount, 0);
  const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, range);
  return (hints ?? []).map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
}

function openTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

describe('Hyperparameters, Graph and layer hints in a real extension host', () => {
  let root: string;

  before(async () => {
    root = workspaceRoot();
    await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('puts Graph and Hyperparameters above model files', async () => {
    const uri = vscode.Uri.file(path.join(root, 'iris.model.yaml'));
    await vscode.window.showTextDocument(uri);
    const titles = await waitFor('the CodeLenses', async () => {
      const t = await codeLensTitles(uri);
      return t.includes('Graph') ? t : undefined;
    });
    assert.ok(titles.includes('Hyperparameters'), JSON.stringify(titles));
  });

  it("shows each layer's output shape and parameter count as inlay hints, from the inspector process", async () => {
    const document = await vscode.workspace.openTextDocument(path.join(root, 'mnist-mlp.model.json'));
    await vscode.window.showTextDocument(document);
    const labels = await waitFor(
      'the inlay hints',
      async () => {
        const l = await hintLabels(document);
        return l.length === 2 ? l : undefined;
      },
      60_000,
    );
    assert.deepEqual(labels, ['→ [null,512] · 401,920 params', '→ [null,10] · 5,130 params']);
  });

  it('follows edits and shows no hints for an invalid file', async () => {
    const document = await vscode.workspace.openTextDocument(path.join(root, 'mnist-mlp.model.json'));
    const editor = await vscode.window.showTextDocument(document);
    const offset = document.getText().indexOf('"units": 512') + '"units": '.length;
    const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + 3));
    await editor.edit((b) => b.replace(range, '256'));
    const labels = await waitFor(
      'hints for 256 units',
      async () => {
        const l = await hintLabels(document);
        return l[0] === '→ [null,256] · 200,960 params' ? l : undefined;
      },
      30_000,
    );
    assert.equal(labels.length, 2);
    await editor.edit((b) => b.replace(new vscode.Range(range.start, range.start.translate(0, 3)), '0'));
    await waitFor('no hints for 0 units', async () => ((await hintLabels(document)).length === 0 ? true : undefined), 30_000);
  });

  it('opens one form and one graph per model file beside the editor', async () => {
    const uri = vscode.Uri.file(path.join(root, 'mnist-cnn.model.json'));
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand(Command.ShowHyperparameters, uri);
    await vscode.commands.executeCommand(Command.ShowGraph, uri);
    await vscode.commands.executeCommand(Command.ShowGraph, uri);
    const tabs = await waitFor('the two panels', () => {
      const labels = openTabLabels();
      return labels.includes('Hyperparameters: mnist-cnn') && labels.includes('Graph: mnist-cnn') ? labels : undefined;
    });
    assert.equal(tabs.filter((l) => l === 'Graph: mnist-cnn').length, 1, JSON.stringify(tabs));
  });
});
