import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SweepInfo } from '../../src/protocol/sweepTypes';
import { Command } from '../../src/workbench/shared/commands';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

/** Iris with a small search block: 4 trials of 3 epochs. */
const SWEPT = `name: iris-sweep
task: classification
data:
  train: { path: data/iris.csv, label: species }
  validationSplit: 0.2
model:
  layers:
    - { type: dense, units: 8, activation: relu }
    - { type: dense, units: 3, activation: softmax }
training:
  optimizer: adam
  learningRate: 0.01
  loss: sparseCategoricalCrossentropy
  metrics: [accuracy]
  epochs: 3
search:
  trials: 4
  parallel: 2
  parameters:
    training.learningRate: { min: 0.001, max: 0.1, scale: log }
`;

function readSweepJson(dir: string): SweepInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepInfo;
  } catch {
    return undefined;
  }
}

describe('Sweeps', () => {
  let uri: vscode.Uri;

  before(async () => {
    await activateExtension();
    const file = path.join(workspaceRoot(), 'iris-sweep.model.yaml');
    fs.writeFileSync(file, SWEPT);
    uri = vscode.Uri.file(file);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Run Sweep, Show Sweep, Stop Sweep and Resume Sweep: the sweep folder ends with every trial finished', async () => {
    await vscode.window.showTextDocument(uri);
    await waitFor('Run Sweep above the file', async () => ((await codeLensTitles(uri)).includes('Run Sweep') ? true : undefined));

    const dir = await vscode.commands.executeCommand<string | undefined>(Command.RunSweep, uri);
    assert.ok(dir, 'Run Sweep started no sweep');
    await waitFor('sweep.json', () => readSweepJson(dir));
    assert.equal(path.basename(path.dirname(dir)), 'sweeps');
    await waitFor('■ Stop Sweep above the file', async () => ((await codeLensTitles(uri)).includes('■ Stop Sweep') ? true : undefined));

    const shown = await vscode.commands.executeCommand<string | undefined>(Command.ShowSweep, vscode.Uri.file(dir));
    assert.equal(shown, dir);
    await waitFor('the sweep panel', () =>
      vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === `Sweep: ${path.basename(dir)}`)) ? true : undefined,
    );

    assert.equal(await vscode.commands.executeCommand(Command.StopSweep, vscode.Uri.file(dir)), dir);
    const stopped = await waitFor(
      'the sweep stopped',
      () => (readSweepJson(dir)?.status === 'stopped' ? readSweepJson(dir) : undefined),
      60_000,
    );
    assert.ok(stopped.trials.every((t) => t.status !== 'running'));

    assert.equal(await vscode.commands.executeCommand(Command.ResumeSweep, vscode.Uri.file(dir)), dir);
    const done = await waitFor(
      'the resumed sweep completed',
      () => (readSweepJson(dir)?.status === 'completed' ? readSweepJson(dir) : undefined),
      120_000,
    );
    assert.equal(done.trials.length, 4);
    assert.ok(
      done.trials.every((t) => t.status === 'completed' || t.status === 'pruned'),
      JSON.stringify(done.trials.map((t) => t.status)),
    );
    await waitFor('Run Sweep back above the file', async () => ((await codeLensTitles(uri)).includes('Run Sweep') ? true : undefined));
  });
});
