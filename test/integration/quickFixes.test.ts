import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { activateExtension, waitFor, workspaceRoot } from './helpers';

/** A minimal model file (data and layers only) with a misspelt layer type and a label column that is not in the header. */
const JSON_TEXT = `{
  // no name, task or training: they have defaults
  "data": { "train": { "path": "data/iris.csv", "label": "specie" } },
  "model": { "layers": [{ "type": "dens", "units": 3, "activation": "softmax" }] }
}
`;

const YAML_TEXT = `# no name, task or training: they have defaults
data:
  train: { path: data/iris.csv, label: specie }
model:
  layers:
    - { type: dens, units: 3, activation: softmax }
`;

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Model Studio');
}

async function quickFixes(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    uri,
    diagnostic.range,
    vscode.CodeActionKind.QuickFix.value,
  );
  // Only ours: other providers (VS Code's JSON) may offer actions at the same range.
  return actions.filter(
    (a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value && a.title.match(/^(Change to|Use column|Rename to|Add|Write|Set) /),
  );
}

describe('Quick fixes and Go to First Problem', () => {
  let root: string;
  let api: ModelStudioApi;

  before(async () => {
    root = workspaceRoot();
    api = (await activateExtension()).exports as ModelStudioApi;
  });

  afterEach(async () => {
    api.setAsk(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const name of ['quickfix.model.json', 'quickfix.model.yaml']) fs.rmSync(path.join(root, name), { force: true });
  });

  for (const [name, text] of [
    ['quickfix.model.json', JSON_TEXT],
    ['quickfix.model.yaml', YAML_TEXT],
  ] as const) {
    it(`${name}: Train refuses and Go to First Problem selects the first problem; the light bulb fixes the layer type and the label column`, async () => {
      const file = path.join(root, name);
      fs.writeFileSync(file, text);
      const uri = vscode.Uri.file(file);
      await vscode.window.showTextDocument(uri);
      const typeProblem = await waitFor('the unknown layer type', () =>
        ours(uri).find((d) => d.message.includes('unknown layer type "dens"')),
      );
      const labelProblem = await waitFor('the missing label column', () => ours(uri).find((d) => d.message.includes('no column "specie"')));
      // The label is on the line above the layers: it is the first problem.
      assert.ok(labelProblem.range.start.isBefore(typeProblem.range.start));

      // Train refuses; the test answers its message with the button it offers.
      const offered: string[][] = [];
      api.setAsk(async (_message, _detail, ...choices) => {
        offered.push(choices);
        return choices.includes('Go to First Problem') ? 'Go to First Problem' : undefined;
      });
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(root, 'iris.model.yaml')));
      await vscode.commands.executeCommand(Command.Train, uri);
      assert.deepEqual(offered, [['Go to First Problem']]);
      const editor = await waitFor('the model file at its first problem', () => {
        const active = vscode.window.activeTextEditor;
        return active?.document.uri.fsPath === file && active.selection.isEqual(labelProblem.range) ? active : undefined;
      });

      const typeFixes = await quickFixes(uri, typeProblem);
      const typeFix = typeFixes.find((a) => a.title === 'Change to "dense"');
      assert.ok(typeFix?.edit, `no "Change to "dense"" quick fix among ${JSON.stringify(typeFixes.map((a) => a.title))}`);
      assert.ok(await vscode.workspace.applyEdit(typeFix.edit));

      const labelFixes = await quickFixes(uri, labelProblem);
      assert.deepEqual(
        labelFixes.map((a) => a.title),
        [
          'Use column "species"',
          'Use column "sepal_length"',
          'Use column "sepal_width"',
          'Use column "petal_length"',
          'Use column "petal_width"',
        ],
      );
      assert.ok(labelFixes[0].edit && (await vscode.workspace.applyEdit(labelFixes[0].edit)));
      await waitFor('no problems left', () => (ours(uri).length === 0 ? true : undefined));
      const fixed = editor.document.getText();
      assert.ok(fixed.includes('no name, task or training'), 'the comment is kept');
      assert.ok(fixed.includes(name.endsWith('json') ? '"type": "dense"' : 'type: dense'), fixed);
      assert.ok(fixed.includes(name.endsWith('json') ? '"label": "species"' : 'label: species'), fixed);
      // Not saved: the file is removed after the test (a save would race the local history's copy of it).
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  }
});
