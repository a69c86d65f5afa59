import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import type { RunInfo } from '../../src/protocol/runTypes';
import { listRuns, runsDirFor, type RunEntry } from '../../src/runFolder/readRunFolder';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

/**
 * The commands of a user's first minutes and of many runs: New Model from
 * Data…, Open Sample, Continue with Changes and the experiments table.
 */

/** Iris, 2 epochs: a run of a few seconds. */
function tinyIris(name: string, learningRate: number): string {
  return `${JSON.stringify(
    {
      name,
      task: 'classification',
      data: { train: { path: 'data/iris.csv', label: 'species' }, validationSplit: 0.2 },
      model: {
        layers: [
          { type: 'dense', units: 8, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { optimizer: 'adam', learningRate, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 2, seed: 7 },
    },
    null,
    2,
  )}\n`;
}

/** The runs of `file` (the runs folder holds every model file's runs), newest first. */
async function runsOf(file: string): Promise<RunEntry[]> {
  return (await listRuns(runsDirFor(file))).filter((r) => r.run.modelFile === file);
}

function completedChildOf(parent: RunEntry): (file: string) => Promise<RunEntry | undefined> {
  return async (file) =>
    (await runsOf(file)).find((r) => r.run.parent?.id === parent.run.id && r.run.status === 'completed' && r.runDir !== parent.runDir);
}

function webviewTab(label: string): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === label);
}

function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Model Studio');
}

describe('First minutes and many runs: new model, sample, continue, experiments table', () => {
  let root: string;
  let api: ModelStudioApi;

  before(async () => {
    root = workspaceRoot();
    api = (await activateExtension()).exports as ModelStudioApi;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('New Model from Data… writes <data>.model.yaml beside a CSV whose label is obvious, valid and open; again, <data>-2.model.yaml', async function () {
    this.timeout(60_000);
    const folder = path.join(root, 'new-model');
    fs.mkdirSync(folder, { recursive: true });
    const csv = path.join(folder, 'flowers.csv');
    fs.copyFileSync(path.join(root, 'data', 'iris.csv'), csv);
    try {
      const first = await vscode.commands.executeCommand<vscode.Uri | undefined>(Command.NewModelFromData, vscode.Uri.file(csv));
      assert.equal(first?.fsPath, path.join(folder, 'flowers.model.yaml'));
      const text = fs.readFileSync(first.fsPath, 'utf8');
      assert.match(text, /label: species/);
      assert.match(text, /task: classification/);
      const shown = vscode.window.tabGroups.all.find((g) => g.viewColumn === vscode.ViewColumn.One)?.activeTab?.input;
      assert.ok(shown instanceof vscode.TabInputText && shown.uri.fsPath === first.fsPath, 'the new model file is not the editor in front');
      await waitFor('its hyperparameters form beside it', () =>
        vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === 'Hyperparameters: flowers')) ? true : undefined,
      );
      // Validated once ▶ Train is above it: a file with errors gets no Train lens.
      await waitFor('▶ Train above the new file', async () => ((await codeLensTitles(first)).includes('▶ Train') ? true : undefined));
      assert.deepEqual(
        ourDiagnostics(first).map((d) => `${d.range.start.line + 1}: ${d.message}`),
        [],
      );

      const second = await vscode.commands.executeCommand<vscode.Uri | undefined>(Command.NewModelFromData, vscode.Uri.file(csv));
      assert.equal(second?.fsPath, path.join(folder, 'flowers-2.model.yaml'));
      assert.equal(fs.readFileSync(first.fsPath, 'utf8'), text, 'the first model file was rewritten');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('Open Sample copies the iris sample into the workspace, keeps files already there, and opens the model file', async () => {
    const modelFile = path.join(root, 'iris.model.yaml');
    const csv = path.join(root, 'data', 'iris.csv');
    const keptCsv = `${csv}.kept`;
    const original = fs.readFileSync(modelFile, 'utf8');
    const edited = `${original}# the user's own edit\n`;
    fs.writeFileSync(modelFile, edited);
    fs.renameSync(csv, keptCsv);
    try {
      const opened = await vscode.commands.executeCommand<vscode.Uri | undefined>(Command.OpenSample);
      assert.equal(opened?.fsPath, modelFile);
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, modelFile);
      assert.equal(fs.readFileSync(modelFile, 'utf8'), edited, 'Open Sample overwrote a model file already there');
      const samples = path.join((await activateExtension()).extensionPath, 'samples');
      assert.ok(fs.readFileSync(csv).equals(fs.readFileSync(path.join(samples, 'data', 'iris.csv'))), 'data/iris.csv is not the sample');
    } finally {
      fs.writeFileSync(modelFile, original);
      fs.rmSync(csv, { force: true });
      fs.renameSync(keptCsv, csv);
    }
  });

  describe('Continue with Changes, then the experiments table of its runs', () => {
    const name = 'iris-continue';
    let file: string;
    let parent: RunEntry;

    before(async function () {
      this.timeout(90_000);
      file = path.join(root, `${name}.model.json`);
      fs.writeFileSync(file, tinyIris(name, 0.01));
      await vscode.commands.executeCommand(Command.Train, vscode.Uri.file(file));
      parent = await waitFor(
        'the first run to complete',
        async () => {
          const [latest] = await runsOf(file);
          return latest?.run.status === 'completed' ? latest : undefined;
        },
        60_000,
      );
    });

    it('from the Runs view item and from the run folder: each new run completes naming its parent and the epochs it started from', async function () {
      this.timeout(120_000);
      assert.equal(parent.run.epochsDone, 2);
      // The change Continue with Changes is for: a new learning rate, same layers.
      fs.writeFileSync(file, tinyIris(name, 0.003));

      const node = { kind: 'run', modelFile: file, runDir: parent.runDir, run: parent.run, status: 'completed', best: undefined };
      assert.equal(await vscode.commands.executeCommand(Command.ContinueRun, node), true);
      const child = await waitFor('the continued run to complete', () => completedChildOf(parent)(file), 60_000);
      const expected: RunInfo['parent'] = { id: parent.run.id, epochs: 2 };
      assert.deepEqual(child.run.parent, expected);
      assert.equal(child.run.epochsDone, 2);
      await waitFor('▶ Train back above the file', async () =>
        (await codeLensTitles(vscode.Uri.file(file))).includes('▶ Train') ? true : undefined,
      );

      assert.equal(await vscode.commands.executeCommand(Command.ContinueRun, vscode.Uri.file(parent.runDir)), true);
      const second = await waitFor(
        'the second continued run to complete',
        async () =>
          (await runsOf(file)).find(
            (r) =>
              r.run.parent?.id === parent.run.id && r.run.status === 'completed' && r.runDir !== child.runDir && r.runDir !== parent.runDir,
          ),
        60_000,
      );
      assert.deepEqual(second.run.parent, expected);
      assert.equal((await runsOf(file)).length, 3);
    });

    it('refuses to continue from something that is not a run', async () => {
      assert.equal(await vscode.commands.executeCommand(Command.ContinueRun, vscode.Uri.file(root)), false);
    });

    it("Open Experiments Table lists the model file's runs, parents included, and the folder's runs, each in its own table", async () => {
      const runDirs = (await runsOf(file)).map((r) => r.runDir).sort();
      const modelKey = await vscode.commands.executeCommand<string | undefined>(Command.OpenExperiments, vscode.Uri.file(file));
      assert.equal(modelKey, `model:${file}`);
      const modelTab = await waitFor(`the tab "Experiments: ${name}"`, () => webviewTab(`Experiments: ${name}`));
      assert.match((modelTab.input as vscode.TabInputWebview).viewType, /modelStudio\.experiments$/);
      const rows = await waitFor("the model file table's rows", () => api.experimentsRows(modelKey));
      assert.deepEqual(rows.map((r) => r.runDir).sort(), runDirs);
      assert.deepEqual(
        rows.filter((r) => r.parent !== null).map((r) => r.parent),
        rows.filter((r) => r.runDir !== parent.runDir).map(() => ({ id: parent.run.id, epochs: 2 })),
      );

      const folderKey = await vscode.commands.executeCommand<string | undefined>(Command.OpenExperiments, vscode.Uri.file(root));
      assert.equal(folderKey, `folder:${root}`);
      await waitFor(`the tab "Experiments: ${path.basename(root)}"`, () => webviewTab(`Experiments: ${path.basename(root)}`));
      const folderRows = await waitFor("the folder table's rows", () => api.experimentsRows(folderKey));
      const listed = new Set(folderRows.map((r) => r.runDir));
      assert.ok(
        runDirs.every((dir) => listed.has(dir)),
        'the folder table leaves out runs of a model file in it',
      );
      assert.ok(webviewTab(`Experiments: ${name}`), 'the folder table replaced the model file table');

      // Asked again for the same model file: the same table, not a second one.
      await vscode.commands.executeCommand(Command.OpenExperiments, vscode.Uri.file(file));
      const tables = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label === `Experiments: ${name}`);
      assert.equal(tables.length, 1);
    });
  });
});
