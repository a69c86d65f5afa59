import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import type { RunNode } from '../../src/workbench/features/runsView';
import type { RunInfo } from '../../src/protocol/runTypes';
import { listRuns, runsDirFor } from '../../src/runFolder/readRunFolder';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { activateExtension, EXTENSION_ID, waitFor, workspaceRoot } from './helpers';

const OURS = 'Model Studio';

/** Schema problems only (no syntax error): every one is Model Studio's to report. */
const SCHEMA_BROKEN = `{
  "name": "schema-broken",
  "task": "classification",
  "data": { "train": { "path": "data/iris.csv", "label": "species" }, "validationSplit": 1.5 },
  "model": { "layers": [{ "type": "dense", "units": 0, "activation": "softmax" }] },
  "training": { "optimizer": "adamw", "loss": "sparseCategoricalCrossentropy", "epochs": -3, "epoch": 3 }
}
`;

/** One syntax error (a missing comma) on line 2. */
const SYNTAX_BROKEN = `{
  "name": "syntax-broken"
  "task": "classification"
}
`;

function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Runs, commands and diagnostics around training', () => {
  let root: string;

  before(async () => {
    root = workspaceRoot();
    await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports the extension host’s activation times (code loading and activate())', () => {
    // VS Code's own marks for "Developer: Show Running Extensions", kept in the extension host.
    const registry = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } })
      .MonacoPerformanceMarks;
    const marks = new Map((registry?.getMarks() ?? []).map((m) => [m.name, m.startTime]));
    const at = (what: string) => marks.get(`code/extHost/${what}/${EXTENSION_ID}`);
    const [willLoad, didLoad, willActivate, didActivate] = [
      'willLoadExtensionCode',
      'didLoadExtensionCode',
      'willActivateExtension',
      'didActivateExtension',
    ].map(at);
    assert.ok(
      willLoad !== undefined && didLoad !== undefined && willActivate !== undefined && didActivate !== undefined,
      'no activation marks',
    );
    console.log(
      `activation: code loading ${(didLoad - willLoad).toFixed(1)} ms, activate() ${(didActivate - willActivate).toFixed(1)} ms, total ${(didActivate - willLoad).toFixed(1)} ms`,
    );
  });

  it('contributes the Model Studio view container with the Runs view', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.modelStudio');
    await vscode.commands.executeCommand('modelStudio.runs.focus');
  });

  it('asks for a model file when none is active (a quick pick of the workspace’s model files)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(vscode.window.activeTextEditor, undefined);
    let settled = false;
    const shown = vscode.commands.executeCommand(Command.ShowTrainingPanel).then(() => {
      settled = true;
    });
    // The command waits on the quick pick: accept its first item once it is there.
    await waitFor('the quick pick to be answered', async () => {
      if (settled) return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await pause(200);
      return settled ? true : undefined;
    });
    await shown;
    const label = await waitFor('a training panel', () => tabLabels().find((l) => l.startsWith('Training: ')));
    assert.match(label, /^Training: [\w-]+$/);
  });

  it('shows a .model.json’s schema problems once, in Model Studio’s words, and leaves syntax errors to VS Code’s JSON service', async function () {
    this.timeout(60_000);
    const schemaFile = path.join(root, 'schema-broken.model.json');
    fs.writeFileSync(schemaFile, SCHEMA_BROKEN);
    const schemaUri = vscode.Uri.file(schemaFile);
    await vscode.window.showTextDocument(schemaUri);
    const ours = await waitFor('our diagnostics', () => {
      const d = vscode.languages.getDiagnostics(schemaUri).filter((x) => x.source === OURS);
      return d.length >= 5 ? d : undefined;
    });
    assert.ok(
      ours.some((d) => /"training\.epochs" must be an integer ≥ 1/.test(d.message)),
      ours.map((d) => d.message).join('\n'),
    );

    // The JSON service is up when it reports the syntax error of another file.
    const syntaxFile = path.join(root, 'syntax-broken.model.json');
    fs.writeFileSync(syntaxFile, SYNTAX_BROKEN);
    const syntaxUri = vscode.Uri.file(syntaxFile);
    await vscode.window.showTextDocument(syntaxUri);
    const theirs = await waitFor(
      'the JSON service’s syntax error',
      () => {
        const d = vscode.languages.getDiagnostics(syntaxUri).filter((x) => x.source !== OURS);
        return d.length > 0 ? d : undefined;
      },
      30_000,
    );
    await pause(1000); // our debounced validation has run too
    const onLine = vscode.languages.getDiagnostics(syntaxUri).filter((d) => d.range.start.line === theirs[0].range.start.line);
    assert.equal(onLine.length, 1, `the syntax error shows once: ${JSON.stringify(onLine.map((d) => [d.source, d.message]))}`);

    // By now the JSON service has validated the first file too: nothing from it there.
    const others = vscode.languages.getDiagnostics(schemaUri).filter((d) => d.source !== OURS);
    assert.deepEqual(
      others.map((d) => `${d.source}: ${d.message}`),
      [],
    );
    fs.rmSync(schemaFile);
    fs.rmSync(syntaxFile);
  });

  it('still completes keys and enum values of a .model.json from the schema', async () => {
    const uri = vscode.Uri.file(path.join(root, 'mnist-mlp-small.model.json'));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const offset = document.getText().indexOf('"adam"') + 1;
    const values = await waitFor('value completions', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        uri,
        document.positionAt(offset),
      );
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      return labels.some((l) => l.includes('rmsprop')) ? labels : undefined;
    });
    assert.ok(
      values.some((l) => l.includes('sgd')),
      JSON.stringify(values),
    );
  });

  it('draws runs together with Compare Runs', async function () {
    this.timeout(60_000);
    const file = path.join(root, 'mnist-mlp-small.model.json');
    const runs = await listRuns(runsDirFor(file));
    assert.ok(runs.length >= 2, `earlier tests left ${runs.length} runs`);
    await vscode.commands.executeCommand(
      Command.CompareRuns,
      vscode.Uri.file(file),
      runs.slice(0, 2).map((r) => r.runDir),
    );
    await waitFor('the training panel', () => tabLabels().find((l) => l === 'Training: mnist-mlp-small'));
  });

  it('does not delete a run that is still training', async () => {
    const runDir = path.join(root, '.modelstudio', 'runs', '20990101-000000-fake');
    fs.mkdirSync(runDir, { recursive: true });
    const run: RunInfo = {
      id: path.basename(runDir),
      name: 'fake',
      modelFile: path.join(root, 'fake.model.json'),
      status: 'running',
      backend: 'cpu',
      backendSkipped: [],
      startedAt: new Date().toISOString(),
      seed: 1,
      epochs: 1,
      trainSamples: 1,
      batchesPerEpoch: 1,
      pid: process.pid,
    };
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
    const node: RunNode = { kind: 'run', modelFile: run.modelFile, runDir, run, status: 'running', best: undefined };
    await vscode.commands.executeCommand(Command.DeleteRun, node, [node]);
    assert.ok(fs.existsSync(path.join(runDir, 'run.json')), 'the running run was deleted');
    fs.rmSync(runDir, { recursive: true });
  });

  it('Stop Training says so when nothing is training, and stops nothing', async () => {
    // Resolves to the file it stopped: none (the information message is not awaited).
    assert.equal(await vscode.commands.executeCommand(Command.Stop), undefined);
    assert.equal(
      await vscode.commands.executeCommand(Command.Stop, vscode.Uri.file(path.join(workspaceRoot(), 'iris.model.yaml'))),
      undefined,
    );
  });
  describe('a model file with many runs', () => {
    let dir: string;
    let modelFile: string;
    let api: ModelStudioApi;
    const RUNS_TODAY = 60;

    /** A finished run of bulk.model.json started `start`, with two epochs. */
    function writeRun(index: number, start: Date, extra: Partial<RunInfo> = {}): string {
      const pad = (n: number) => String(n).padStart(2, '0');
      const id = `${start.getFullYear()}${pad(start.getMonth() + 1)}${pad(start.getDate())}-${pad(start.getHours())}${pad(start.getMinutes())}${pad(start.getSeconds())}-bulk-${index}`;
      const runDir = path.join(dir, '.modelstudio', 'runs', id);
      fs.mkdirSync(runDir, { recursive: true });
      const run: RunInfo = {
        id,
        name: 'bulk',
        modelFile,
        status: 'completed',
        backend: 'cpu',
        backendSkipped: [],
        startedAt: start.toISOString(),
        endedAt: new Date(start.getTime() + 65_000).toISOString(),
        seed: 1,
        epochs: 2,
        trainSamples: 10,
        batchesPerEpoch: 1,
        ...extra,
      };
      fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
      const epochs = [1, 2].map((epoch) =>
        JSON.stringify({
          epoch,
          batch: null,
          loss: 1 / epoch,
          accuracy: 0.45 * epoch,
          val_loss: 1.2 / epoch,
          val_accuracy: 0.4 * epoch,
          time: epoch,
        }),
      );
      fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), `${epochs.join('\n')}\n`);
      return runDir;
    }

    before(async () => {
      api = (await activateExtension()).exports as ModelStudioApi;
      dir = path.join(workspaceRoot(), 'bulk');
      modelFile = path.join(dir, 'bulk.model.json');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(modelFile, '{}\n');
      const today = new Date();
      today.setHours(0, 30, 0, 0);
      for (let i = 0; i < RUNS_TODAY; i++) writeRun(i, new Date(today.getTime() + i * 60_000));
      const earlier = new Date(today.getTime() - 3 * 86_400_000);
      for (let i = 0; i < 5; i++) writeRun(RUNS_TODAY + i, new Date(earlier.getTime() + i * 60_000));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('groups them by day, newest first, 50 at a time with Show more', async () => {
      const shown = await waitFor('the runs of bulk.model.json', async () => {
        const model = await api.runsViewModel(modelFile);
        return model && model.children.length === 2 ? model : undefined;
      });
      assert.equal(shown.children[0], `Today — ${RUNS_TODAY} runs`);
      assert.match(shown.children[1], / — 5 runs$/);
      assert.equal(shown.firstDay.length, 51, shown.firstDay.join('\n'));
      assert.match(shown.firstDay[0], /^\d\d:\d\d:\d\d — val_accuracy 80\.0% · 1:05 · cpu$/);
      assert.equal(shown.firstDay[50], `Show 10 more… — 10 older`);
      const day = new Date();
      const key = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
      await vscode.commands.executeCommand('modelStudio.runs.showMore', { kind: 'more', modelFile, day: key, hidden: 10 });
      assert.equal((await api.runsViewModel(modelFile))?.firstDay.length, RUNS_TODAY);
    });

    it('shows a renamed run by its name, its start first in the description', async () => {
      const runDir = writeRun(999, new Date(), { label: 'my best run', notes: 'lr 0.01', tags: ['keep'] });
      const item = await waitFor('the renamed run', () => api.runsViewItem(runDir));
      assert.equal(item.label, 'my best run');
      assert.match(item.description, /^\d\d:\d\d:\d\d · val_accuracy 80\.0% · 1:05 · cpu$/);
      // run.json renamed again (as the experiments table does): the view follows.
      const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
      fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...run, label: 'renamed twice' }));
      assert.equal((await api.runsViewItem(runDir))?.label, 'renamed twice');
    });
  });
});
