import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import { listRuns, readMetrics, runsDirFor } from '../../src/runFolder/readRunFolder';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

const ALL_COMMANDS = [
  Command.Train,
  Command.Stop,
  Command.ResumeRun,
  Command.OpenRunFolder,
  Command.ShowTrainingPanel,
  Command.ShowHyperparameters,
  Command.ShowGraph,
  Command.CompareRuns,
  Command.DeleteRun,
  Command.Evaluate,
  Command.ExportModel,
  Command.SelectBackend,
  Command.InstallNativeBackend,
  Command.RunSweep,
  Command.RunSweepOnSlurm,
  Command.TrainOnSlurm,
  Command.StopSweep,
  Command.ResumeSweep,
  Command.ShowSweep,
  Command.NewModelFromData,
  Command.ContinueRun,
  Command.OpenSample,
  Command.OpenExperiments,
];

/** A model file with a few mistakes the validator must point at, line by line. */
const BROKEN_JSON = `{
  "name": "broken",
  "task": "classification",
  "data": { "train": { "path": "data/iris.csv", "label": "species" } },
  "model": { "layers": [{ "type": "dense", "units": 3, "activation": "softmax" }] },
  "training": {
    "optimizer": "adam",
    "loss": "sparseCategoricalCrossentropy",
    "epochs": -3
  }
}
`;

const BROKEN_YAML = `name: broken-yaml
task: classification
data:
  train:
    path: data/iris.csv
    label: species
model:
  layers:
    - type: dense
      units: 3
training:
  optimizer: adam
  loss: sparseCategoricalCrossentropy
  epochs: -3
`;

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle));
}

async function ourDiagnostics(uri: vscode.Uri): Promise<vscode.Diagnostic[] | undefined> {
  const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Model Studio');
  return found.length > 0 ? found : undefined;
}

describe('Model Studio in a real extension host', () => {
  let root: string;

  before(async () => {
    root = workspaceRoot();
    await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers every command package.json contributes, under the same ids', async () => {
    const extension = await activateExtension();
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands
      .map((c) => c.command)
      .sort();
    assert.deepEqual(contributed, [...ALL_COMMANDS].sort());
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ALL_COMMANDS) assert.ok(registered.has(id), `${id} is not registered`);
  });

  it('opens *.model.json as JSON with comments', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(root, 'mnist-mlp-small.model.json'));
    assert.equal(doc.languageId, 'jsonc');
  });

  it('puts ▶ Train above JSON and YAML model files', async () => {
    for (const name of ['mnist-mlp-small.model.json', 'iris.model.yaml']) {
      const uri = vscode.Uri.file(path.join(root, name));
      await vscode.window.showTextDocument(uri);
      const titles = await waitFor(`a CodeLens on ${name}`, async () => {
        const t = await codeLensTitles(uri);
        return t.length > 0 ? t : undefined;
      });
      assert.ok(titles.includes('▶ Train'), `${name}: ${JSON.stringify(titles)}`);
    }
  });

  it('shows diagnostics at the offending line of a broken JSON and YAML file, and refuses to train it', async () => {
    for (const [name, text] of [
      ['broken.model.json', BROKEN_JSON],
      ['broken.model.yaml', BROKEN_YAML],
    ] as const) {
      const file = path.join(root, name);
      fs.writeFileSync(file, text);
      const uri = vscode.Uri.file(file);
      await vscode.window.showTextDocument(uri);
      const diagnostics = await waitFor(`diagnostics on ${name}`, () => ourDiagnostics(uri));
      const epochsLine = lineOf(text, 'epochs');
      assert.ok(
        diagnostics.some((d) => d.severity === vscode.DiagnosticSeverity.Error && d.range.start.line === epochsLine),
        `${name}: no error on line ${epochsLine}: ${JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.message]))}`,
      );

      await vscode.commands.executeCommand(Command.Train, uri);
      // Other suites' runs of other model files share this runs folder.
      const runsOfThisFile = (await listRuns(runsDirFor(file))).filter((entry) => entry.run.modelFile === file);
      assert.deepEqual(runsOfThisFile, [], `${name}: a run was started for a file with errors`);
    }
  });

  it('updates diagnostics as the file is edited', async () => {
    const file = path.join(root, 'broken.model.json');
    const uri = vscode.Uri.file(file);
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('the initial diagnostics', () => ourDiagnostics(uri));
    const line = lineOf(BROKEN_JSON, 'epochs');
    const range = editor.document.lineAt(line).range;
    await editor.edit((edit) => edit.replace(range, '    "epochs": 3'));
    await waitFor('diagnostics to clear after the fix', () =>
      vscode.languages.getDiagnostics(uri).some((d) => d.source === 'Model Studio' && d.range.start.line === line) ? undefined : true,
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('starts a run with Train Model and stops it with Stop Training', async function () {
    this.timeout(120_000);
    const file = path.join(root, 'mnist-mlp-small.model.json');
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);

    await vscode.commands.executeCommand(Command.Train, uri);
    const { runDir } = await waitFor(
      'a running run with a metrics record',
      async () => {
        const [latest] = await listRuns(runsDirFor(file));
        return latest?.run.status === 'running' && (await readMetrics(latest.runDir)).length > 0 ? latest : undefined;
      },
      60_000,
    );
    assert.ok((await codeLensTitles(uri)).includes('■ Stop'), 'the CodeLens did not turn into ■ Stop');
    await waitFor('the training panel tab', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'Training: mnist-mlp-small'),
    );

    const stopAsked = Date.now();
    await vscode.commands.executeCommand(Command.Stop, uri);
    const stopped = await waitFor('run.json to leave running', async () => {
      const run = (await listRuns(runsDirFor(file))).find((r) => r.runDir === runDir)?.run;
      return run && run.status !== 'running' ? run : undefined;
    });
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.endedAt, 'run.json has no endedAt');
    console.log(`stopped ${Date.now() - stopAsked} ms after Stop Training`);
    await waitFor('▶ Train to come back', async () => ((await codeLensTitles(uri)).includes('▶ Train') ? true : undefined));

    await vscode.commands.executeCommand(Command.OpenRunFolder, uri);
    const opened = await waitFor('run.json in an editor', () => vscode.window.activeTextEditor?.document.uri.fsPath);
    assert.equal(opened, path.join(runDir, 'run.json'));
  });

  it('marks a run failed when its trainer process dies', async function () {
    this.timeout(120_000);
    const file = path.join(root, 'mnist-mlp-small.model.json');
    const uri = vscode.Uri.file(file);
    const before = (await listRuns(runsDirFor(file))).length;
    await vscode.commands.executeCommand(Command.Train, uri);
    const { runDir, run } = await waitFor(
      'a new running run',
      async () => {
        const runs = await listRuns(runsDirFor(file));
        return runs.length > before && runs[0].run.status === 'running' && runs[0].run.pid ? runs[0] : undefined;
      },
      60_000,
    );
    process.kill(run.pid as number, 'SIGKILL');
    const failed = await waitFor('run.json to say failed', async () => {
      const now = (await listRuns(runsDirFor(file))).find((r) => r.runDir === runDir)?.run;
      return now?.status === 'failed' ? now : undefined;
    });
    assert.equal(failed.error?.message, 'trainer process ended unexpectedly (signal SIGKILL)');
    await waitFor('▶ Train to come back', async () => ((await codeLensTitles(uri)).includes('▶ Train') ? true : undefined));
  });
});
