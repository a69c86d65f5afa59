import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Command } from '../../src/workbench/shared/commands';
import type { ModelStudioApi } from '../../src/workbench/features/testingApi';
import { isMetricRecord } from '../../src/protocol/guards';
import type { MetricRecord, RunInfo } from '../../src/protocol/runTypes';
import { listRuns, readRun, runsDirFor, type RunEntry } from '../../src/runFolder/readRunFolder';
import { activateExtension, codeLensTitles, waitFor, workspaceRoot } from './helpers';

/**
 * Faults around training, seen from the editor: a trainer killed with
 * SIGKILL, two runs at once (two files, and the same file twice), resuming
 * a stopped run, the model file edited while its run trains, and a run left
 * `running` by a trainer that died with an earlier window.
 */

/** Iris with one example a batch (about 100 batches an epoch): a run that lasts until it is stopped. */
function irisModel(name: string, epochs: number): string {
  return `${JSON.stringify(
    {
      name,
      task: 'classification',
      data: {
        train: { path: 'data/iris.csv', label: 'species' },
        testSplit: 0.2,
        validationSplit: 0.1,
        features: { normalize: 'standard' },
      },
      model: {
        layers: [
          { type: 'dense', units: 16, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: {
        optimizer: 'adam',
        learningRate: 0.01,
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        batchSize: 1,
        epochs,
        seed: 42,
      },
    },
    null,
    2,
  )}\n`;
}

/** The runs of `file` (its folder's runs folder holds every model file's runs), newest first. */
async function runsOf(file: string): Promise<RunEntry[]> {
  return (await listRuns(runsDirFor(file))).filter((r) => path.basename(r.run.modelFile) === path.basename(file));
}

async function runningRunsOf(file: string): Promise<RunEntry[]> {
  return (await runsOf(file)).filter((r) => r.run.status === 'running');
}

/** Every line of metrics.jsonl, each parsed; fails naming a line that does not parse. */
function metricLines(runDir: string): MetricRecord[] {
  const text = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'metrics.jsonl ends in the middle of a line');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line, i) => {
      const value: unknown = JSON.parse(line);
      assert.ok(isMetricRecord(value), `metrics.jsonl:${i + 1}: ${line}`);
      return value;
    });
}

function epochRecords(runDir: string): number[] {
  return metricLines(runDir)
    .filter((r) => r.batch === null)
    .map((r) => r.epoch);
}

/** Waits for `runDir`'s run.json to leave `running`. */
function ended(runDir: string, timeoutMs = 30_000): Promise<RunInfo> {
  return waitFor(
    `${path.basename(runDir)} to end`,
    async () => {
      const run = await readRun(runDir).catch(() => undefined);
      return run && run.status !== 'running' ? run : undefined;
    },
    timeoutMs,
  );
}

describe('Surviving faults around training', () => {
  let root: string;
  let api: ModelStudioApi;
  const asked: string[] = [];
  /** Trainer processes a test started beside another (Start Another): stopped after the suite if a test failed midway. */
  const strays: number[] = [];

  before(async () => {
    root = workspaceRoot();
    api = (await activateExtension()).exports as ModelStudioApi;
    assert.ok(typeof api?.setAsk === 'function', 'activate() returns no test API');
  });

  afterEach(async () => {
    api.setAsk(undefined);
    for (const file of ['iris-long.model.json', 'iris-long-b.model.json', 'iris-short.model.json']) {
      await vscode.commands.executeCommand(Command.Stop, vscode.Uri.file(path.join(root, file)));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(() => {
    // SIGTERM: the trainer stops after its batch, saves and marks its run stopped.
    for (const pid of strays) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  it('a trainer killed with SIGKILL: the run fails saying so, its finished epochs stay whole, panel and Runs view say failed, and Train starts a new run at once', async function () {
    this.timeout(120_000);
    const file = path.join(root, 'iris-long.model.json');
    fs.writeFileSync(file, irisModel('iris-long', 5000));
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand(Command.Train, uri);
    const { runDir, run } = await waitFor(
      'a run with two finished epochs',
      async () => {
        const [latest] = await runningRunsOf(file);
        return latest?.run.pid && epochRecords(latest.runDir).length >= 2 ? latest : undefined;
      },
      60_000,
    );
    const epochsBefore = epochRecords(runDir).length;

    const killedAt = Date.now();
    process.kill(run.pid as number, 'SIGKILL');
    const failed = await ended(runDir);
    const failedMs = Date.now() - killedAt;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.message, 'trainer process ended unexpectedly (signal SIGKILL)');
    const epochs = epochRecords(runDir);
    assert.ok(epochs.length >= epochsBefore, `${epochs.length} epoch records, ${epochsBefore} before the kill`);
    assert.deepEqual(
      epochs,
      epochs.map((_, i) => i + 1),
      'every finished epoch once, in order',
    );

    const header = await waitFor('the panel to say failed', () => {
      const h = api.panelHeader(file);
      return h?.run.status === 'failed' ? h : undefined;
    });
    assert.equal(header.run.error, 'trainer process ended unexpectedly (signal SIGKILL)');
    assert.equal(await api.runsViewStatus(runDir), 'failed');
    await waitFor('▶ Train to come back', async () => ((await codeLensTitles(uri)).includes('▶ Train') ? true : undefined));

    // The editor keeps working: a new run of the same file starts at once.
    const trainAt = Date.now();
    await vscode.commands.executeCommand(Command.Train, uri);
    const next = await waitFor('a new running run', async () => (await runningRunsOf(file)).find((r) => r.runDir !== runDir), 60_000);
    const restartMs = Date.now() - trainAt;
    await vscode.commands.executeCommand(Command.Stop, uri);
    assert.equal((await ended(next.runDir)).status, 'stopped');
    console.log(`SIGKILL: run.json failed ${failedMs} ms after the kill; Train had a new run going ${restartMs} ms later`);
  });

  it('trains two model files at once', async function () {
    this.timeout(120_000);
    const a = path.join(root, 'iris-long.model.json');
    const b = path.join(root, 'iris-long-b.model.json');
    fs.writeFileSync(a, irisModel('iris-long', 5000));
    fs.writeFileSync(b, irisModel('iris-long-b', 5000));
    await vscode.commands.executeCommand(Command.Train, vscode.Uri.file(a));
    await vscode.commands.executeCommand(Command.Train, vscode.Uri.file(b));
    const [runA, runB] = await waitFor(
      'both running, with records',
      async () => {
        const [ra] = await runningRunsOf(a);
        const [rb] = await runningRunsOf(b);
        return ra && rb && metricLines(ra.runDir).length > 0 && metricLines(rb.runDir).length > 0 ? [ra, rb] : undefined;
      },
      60_000,
    );
    assert.notEqual(runA.run.pid, runB.run.pid);
    await vscode.commands.executeCommand(Command.Stop, vscode.Uri.file(a));
    await vscode.commands.executeCommand(Command.Stop, vscode.Uri.file(b));
    assert.equal((await ended(runA.runDir)).status, 'stopped');
    assert.equal((await ended(runB.runDir)).status, 'stopped');
  });

  it('Train on a file that is training asks: Cancel keeps one run, Start Another runs a second beside it, Stop Current Run replaces it', async function () {
    this.timeout(120_000);
    const file = path.join(root, 'iris-long.model.json');
    fs.writeFileSync(file, irisModel('iris-long', 5000));
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand(Command.Train, uri);
    const [first] = await waitFor(
      'a running run',
      async () => {
        const running = await runningRunsOf(file);
        return running.length === 1 ? running : undefined;
      },
      60_000,
    );

    api.setAsk(async (message, _detail, ...choices) => {
      asked.push(`${message} [${choices.join(' | ')}]`);
      return undefined;
    });
    await vscode.commands.executeCommand(Command.Train, uri);
    assert.deepEqual(asked, ['iris-long.model.json is training already. [Stop Current Run | Start Another]']);
    assert.equal((await runningRunsOf(file)).length, 1, 'Cancel started a run');

    api.setAsk(async () => 'Start Another');
    await vscode.commands.executeCommand(Command.Train, uri);
    const second = await waitFor(
      'a second run beside the first',
      async () => {
        const running = await runningRunsOf(file);
        return running.length === 2 ? running.find((r) => r.runDir !== first.runDir) : undefined;
      },
      60_000,
    );
    strays.push(first.run.pid as number);
    const firstRecords = metricLines(first.runDir).length;
    await waitFor('the first run to go on', () => (metricLines(first.runDir).length > firstRecords ? true : undefined));

    api.setAsk(async () => 'Stop Current Run');
    await vscode.commands.executeCommand(Command.Train, uri);
    assert.equal((await ended(second.runDir)).status, 'stopped');
    const third = await waitFor(
      'a third run',
      async () => (await runningRunsOf(file)).find((r) => r.runDir !== first.runDir && r.runDir !== second.runDir),
      60_000,
    );
    assert.equal((await readRun(first.runDir)).status, 'running', 'Stop Current Run stopped the run beside it too');
    await vscode.commands.executeCommand(Command.Stop, uri);
    assert.equal((await ended(third.runDir)).status, 'stopped');
    // The run beside them is the file's no more; SIGTERM (a shutdown) stops it as gracefully as Stop does.
    process.kill(first.run.pid as number, 'SIGTERM');
    assert.equal((await ended(first.runDir)).status, 'stopped');
  });

  it('a stopped run shows ↻ Resume; Resume Run (Runs view item, then CodeLens) finishes it in the same folder; the panel says when the file no longer matches the run', async function () {
    this.timeout(120_000);
    const EPOCHS = 12;
    const file = path.join(root, 'iris-short.model.json');
    fs.writeFileSync(file, irisModel('iris-short', EPOCHS));
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand(Command.Train, uri);
    const { runDir } = await waitFor(
      'a finished first epoch',
      async () => {
        const [latest] = await runningRunsOf(file);
        return latest && epochRecords(latest.runDir).length >= 1 ? latest : undefined;
      },
      60_000,
    );
    await vscode.commands.executeCommand(Command.Stop, uri);
    const stopped = await ended(runDir);
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.epochsDone !== undefined && stopped.epochsDone < EPOCHS, `stopped after ${stopped.epochsDone} epochs`);
    await waitFor('↻ Resume above the file', async () => ((await codeLensTitles(uri)).includes('↻ Resume') ? true : undefined));

    // From the Runs view (its context menu passes the run's node): resumed, then stopped again after another epoch.
    const node = { kind: 'run', modelFile: file, runDir, run: stopped, status: 'stopped', best: undefined };
    await vscode.commands.executeCommand(Command.ResumeRun, node);
    await waitFor(
      'the resumed run to finish another epoch',
      async () => {
        const run = await readRun(runDir);
        return run.status === 'running' && epochRecords(runDir).length > (stopped.epochsDone ?? 0) ? true : undefined;
      },
      60_000,
    );
    await vscode.commands.executeCommand(Command.Stop, uri);
    const again = await ended(runDir);
    assert.equal(again.status, 'stopped', 'the resumed run completed before it could be stopped');

    // From the CodeLens (its argument is the model file): to the end.
    await vscode.commands.executeCommand(Command.ResumeRun, uri);
    const final = await waitFor(
      'the resumed run to complete',
      async () => {
        const run = await readRun(runDir);
        return run.status === 'completed' ? run : undefined;
      },
      60_000,
    );
    assert.equal(final.epochsDone, EPOCHS);
    assert.ok(final.resumedAt);
    assert.equal(final.startedAt, stopped.startedAt);
    assert.deepEqual(
      epochRecords(runDir),
      Array.from({ length: EPOCHS }, (_, i) => i + 1),
    );
    const batches = metricLines(runDir)
      .filter((r) => r.batch !== null)
      .map((r) => `${r.epoch}/${r.batch}`);
    assert.equal(new Set(batches).size, batches.length, 'a batch recorded twice');
    assert.equal(batches.length, EPOCHS * final.batchesPerEpoch, 'a batch missing');
    assert.equal((await runsOf(file)).length, 1, 'resuming made a new run folder');
    assert.ok(!(await codeLensTitles(uri)).includes('↻ Resume'));

    // The run keeps its snapshot; the panel says when the file (saved or not) differs from it.
    await vscode.commands.executeCommand(Command.ShowTrainingPanel, uri);
    await waitFor('the panel to agree with the file', () => (api.panelHeader(file)?.fileChanged === false ? true : undefined));
    const editor = await vscode.window.showTextDocument(uri);
    const text = editor.document.getText();
    const at = text.indexOf('"learningRate": 0.01');
    await editor.edit((edit) =>
      edit.replace(
        new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + '"learningRate": 0.01'.length)),
        '"learningRate": 0.02',
      ),
    );
    await waitFor('"model file changed since this run started"', () => (api.panelHeader(file)?.fileChanged === true ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('the notice to go once the file agrees again', () => (api.panelHeader(file)?.fileChanged === false ? true : undefined));
  });

  it('a run that outgrows modelStudio.trainer.maxMemoryMB fails as out of memory, saying what to try; the editor goes on', async function () {
    this.timeout(120_000);
    const settings = vscode.workspace.getConfiguration('modelStudio.trainer');
    await settings.update('maxMemoryMB', 32, vscode.ConfigurationTarget.Workspace);
    try {
      const file = path.join(root, 'iris-wide.model.json');
      // 4 → 400,000 → 3 units: 38 MB of weights and Adam moments after the first batch.
      const spec = JSON.parse(irisModel('iris-wide', 1)) as { model: { layers: unknown[] }; training: { batchSize: number } };
      spec.model.layers = [
        { type: 'dense', units: 400_000, activation: 'relu', kernelInitializer: 'zeros' },
        { type: 'dense', units: 3, activation: 'softmax', kernelInitializer: 'zeros' },
      ];
      spec.training.batchSize = 2;
      fs.writeFileSync(file, JSON.stringify(spec, null, 2));
      const uri = vscode.Uri.file(file);
      await vscode.commands.executeCommand(Command.Train, uri);
      const [latest] = await waitFor(
        'a run',
        async () => {
          const runs = await runsOf(file);
          return runs.length > 0 ? runs : undefined;
        },
        60_000,
      );
      const failed = await ended(latest.runDir, 60_000);
      assert.equal(failed.status, 'failed');
      assert.match(
        failed.error?.message ?? '',
        /^out of memory at epoch 1, batch 0 \(used \d+ MB of 32 MB\): try a smaller training\.batchSize \(now 2\) or raise modelStudio\.trainer\.maxMemoryMB \(now 32\)$/,
      );
      const header = await waitFor('the panel to say so', () => {
        const h = api.panelHeader(file);
        return h?.run.status === 'failed' ? h : undefined;
      });
      assert.equal(header.run.error, failed.error?.message);
      await waitFor('▶ Train to come back', async () => ((await codeLensTitles(uri)).includes('▶ Train') ? true : undefined));
    } finally {
      await settings.update('maxMemoryMB', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a run left running by a trainer that died with an earlier window is marked failed on the next listing', async function () {
    this.timeout(60_000);
    const runDir = path.join(root, '.modelstudio', 'runs', '20000101-000000-ghost');
    fs.mkdirSync(runDir, { recursive: true });
    const heartbeatAt = '2000-01-01T00:00:05.000Z';
    const ghost: RunInfo = {
      id: path.basename(runDir),
      name: 'ghost',
      modelFile: path.join(root, 'ghost.model.json'),
      status: 'running',
      backend: 'cpu',
      backendSkipped: [],
      startedAt: '2000-01-01T00:00:00.000Z',
      seed: 1,
      epochs: 3,
      trainSamples: 10,
      batchesPerEpoch: 2,
      // A pid no process has (above Linux's pid_max), and a heartbeat from long ago.
      pid: 4_194_304 + 17,
      heartbeatAt,
    };
    fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), `${JSON.stringify({ epoch: 1, batch: 0, loss: 1, time: 946684801000 })}\n`);
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(ghost));
    assert.equal(await api.runsViewStatus(runDir), 'failed');
    const run = await readRun(runDir);
    assert.equal(run.status, 'failed');
    assert.equal(run.error?.message, `trainer process ended unexpectedly (no heartbeat since ${heartbeatAt})`);
    assert.deepEqual([run.error?.epoch, run.error?.batch], [1, 0]);
    fs.rmSync(runDir, { recursive: true });
  });
});
