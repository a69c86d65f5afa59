import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { listRuns, runsDirFor } from '../../src/runFolder/readRunFolder';
import { Command } from '../../src/workbench/shared/commands';
import { activateExtension, waitFor, workspaceRoot } from './helpers';

/** The iris sample, cross-validated over 3 folds of a few epochs. */
const IRIS_CV = `name: iris-cv
task: classification
data:
  train: { path: data/iris.csv, label: species }
  testSplit: 0.2
model:
  layers:
    - { type: dense, units: 16, activation: relu }
    - { type: dense, units: 3, activation: softmax }
training:
  optimizer: adam
  learningRate: 0.02
  loss: sparseCategoricalCrossentropy
  metrics: [accuracy]
  batchSize: 16
  epochs: 5
  seed: 42
  crossValidation: { folds: 3 }
`;

describe('Cross-validation in the editor', () => {
  let api: ModelStudioApi;
  let file: string;
  before(async () => {
    api = (await activateExtension()).exports as ModelStudioApi;
    file = path.join(workspaceRoot(), 'iris-cv.model.yaml');
    fs.writeFileSync(file, IRIS_CV);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file, { force: true });
  });

  it('trains the folds as one run: the Runs view shows its folds and mean ± std, the panel overlays them', async function () {
    this.timeout(180_000);
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand(Command.Train, uri);
    const done = await waitFor(
      'the cross-validated run to complete',
      async () => {
        const [latest] = (await listRuns(runsDirFor(file))).filter((entry) => path.basename(entry.run.modelFile) === 'iris-cv.model.yaml');
        return latest?.run.status === 'completed' ? latest : undefined;
      },
      150_000,
    );
    assert.equal(done.run.crossValidation?.folds.length, 3);

    const item = await waitFor('the Runs view item with its folds', async () => {
      const shown = await api.runsViewItem(done.runDir);
      return shown?.children.length === 3 ? shown : undefined;
    });
    assert.deepEqual(item.children, ['fold 1', 'fold 2', 'fold 3']);
    assert.match(item.description, /^val_accuracy [\d.]+% ± [\d.]+% · 3 folds · /);

    const header = await waitFor('the training panel to show the mean ± std', () => {
      const shown = api.panelHeader(file);
      return shown?.run.crossValidation?.mean ? shown : undefined;
    });
    assert.equal(header.run.status, 'completed');
    assert.equal(header.run.label, 'fold 3');
    assert.deepEqual(header.folds, ['fold 1', 'fold 2']);
    assert.deepEqual(Object.keys(header.run.crossValidation?.std ?? {}).sort(), ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss']);
  });
});
