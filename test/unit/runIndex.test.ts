import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import { RUN_INDEX_FILE, readRunRows, readRunsFolder, RunIndexCache, updateRunRow } from '../../src/runFolder/runIndex';
import { specHyperparameters, summarizeMetricsText } from '../../src/runFolder/runRows';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

function runInfo(id: string, startedAt: string, overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    id,
    name: 'iris',
    modelFile: '/elsewhere/iris.model.json',
    status: 'completed',
    backend: 'cpu',
    backendSkipped: [],
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 65_000).toISOString(),
    seed: 1,
    epochs: 3,
    epochsDone: 3,
    trainSamples: 10,
    batchesPerEpoch: 2,
    ...overrides,
  };
}

const SPEC = {
  name: 'iris',
  data: { train: { path: 'iris.csv', label: 'species' } },
  model: {
    inputShape: [4],
    layers: [
      { type: 'dense', units: 16 },
      { type: 'dense', units: 3 },
    ],
  },
  training: { optimizer: 'adam', learningRate: 0.01, batchSize: 32, epochs: 3 },
  search: { trials: 4, parameters: { 'training.learningRate': { values: [0.1, 0.01] } } },
};

const METRICS = [
  { epoch: 1, batch: 0, loss: 1.2, time: 1 },
  { epoch: 1, batch: null, loss: 1.0, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.6, lr: 0.01, time: 2 },
  { epoch: 2, batch: 0, loss: 0.8, time: 3 },
  { epoch: 2, batch: null, loss: 0.6, accuracy: 0.8, val_loss: 0.7, val_accuracy: 0.9, lr: 0.01, time: 4 },
  { epoch: 3, batch: null, loss: 0.5, accuracy: 0.85, val_loss: 0.9, val_accuracy: 0.8, lr: 0.01, time: 5 },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('runs index', () => {
  let ws: TempWorkspace;
  beforeEach(() => {
    ws = tempWorkspace({ 'iris.model.json': '{}' });
  });
  afterEach(() => ws.remove());

  const runsDir = (): string => ws.file('.modelstudio/runs');
  const indexFile = (): string => path.join(runsDir(), RUN_INDEX_FILE);

  function writeRun(dir: string, run: RunInfo, metrics = `${METRICS}\n`, spec: unknown = SPEC): string {
    ws.write(`${dir}/run.json`, JSON.stringify(run));
    ws.write(`${dir}/spec.json`, JSON.stringify(spec));
    ws.write(`${dir}/metrics.jsonl`, metrics);
    return ws.file(dir);
  }

  const runA = (over: Partial<RunInfo> = {}) =>
    writeRun('.modelstudio/runs/20260101-120000-iris', runInfo('20260101-120000-iris', '2026-01-01T12:00:00.000Z', over));
  const runB = (over: Partial<RunInfo> = {}) =>
    writeRun('.modelstudio/runs/20260102-120000-iris', runInfo('20260102-120000-iris', '2026-01-02T12:00:00.000Z', over));

  it('lists each run as a row: hyperparameters of spec.json without search, final, best, test, newest first', async () => {
    const a = runA({ test: { accuracy: 0.7 }, label: 'baseline', notes: 'first try', tags: ['small'] });
    runB();
    const rows = await readRunRows(ws.root);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['20260102-120000-iris', '20260101-120000-iris'],
    );
    const row = rows[1];
    assert.equal(row.runDir, a);
    // From where the folder is, not run.json's old absolute path.
    assert.equal(row.modelFile, ws.file('iris.model.json'));
    assert.equal(row.name, 'baseline');
    assert.equal(rows[0].name, 'iris');
    assert.equal(row.duration, 65);
    assert.equal(row.epochsDone, 3);
    assert.equal(row.executor, null);
    assert.deepEqual(row.final, { loss: 0.5, accuracy: 0.85, val_loss: 0.9, val_accuracy: 0.8 });
    assert.deepEqual(row.best, { loss: 0.5, accuracy: 0.85, val_loss: 0.7, val_accuracy: 0.9 });
    assert.deepEqual(row.test, { accuracy: 0.7 });
    assert.equal(row.notes, 'first try');
    assert.deepEqual(row.tags, ['small']);
    assert.equal(row.hyperparameters['training.learningRate'], 0.01);
    assert.equal(row.hyperparameters['model.layers[1].units'], 3);
    assert.equal(row.hyperparameters['model.inputShape[0]'], 4);
    assert.ok(!Object.keys(row.hyperparameters).some((key) => key.startsWith('search')));
  });

  it('writes the index for runs it had to read, and reads finished runs from it afterwards', async () => {
    const a = runA();
    await readRunRows(ws.root);
    assert.ok(existsSync(indexFile()));
    // run.json changed behind the index's back: the index's word stands for a finished run…
    writeFileSync(path.join(a, 'run.json'), JSON.stringify(runInfo('20260101-120000-iris', '2026-01-01T12:00:00.000Z', { label: 'x' })));
    assert.equal((await readRunRows(ws.root))[0].name, 'iris');
    // …until the writer says so.
    await updateRunRow(a);
    assert.equal((await readRunRows(ws.root))[0].name, 'x');
  });

  it('reads a running run from its folder every time, and drops folders that are gone', async () => {
    const a = runA({ status: 'running', endedAt: undefined, heartbeatAt: '2026-01-01T12:00:30.000Z' });
    const b = runB();
    await updateRunRow(a);
    const first = await readRunRows(ws.root);
    assert.equal(first.find((r) => r.runDir === a)?.status, 'running');
    assert.equal(first.find((r) => r.runDir === a)?.duration, 30);
    runA({ status: 'completed' });
    rmSync(b, { recursive: true });
    const rows = await readRunRows(ws.root);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      [['20260101-120000-iris', 'completed']],
    );
  });

  it('survives a corrupt index, a torn last line and lines of another version', async () => {
    runA();
    runB();
    writeFileSync(indexFile(), '{"v":1,"dir":"20260101-120000-iris","run":{"id":1}}\nnot json\n{"v":99,"dir":"x"}\n{"v":1,"dir":"2026');
    const rows = await readRunRows(ws.root);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1].final.val_accuracy, 0.8);
    // The reader's own lines start on a fresh line: the torn one does not swallow them.
    const cache = new RunIndexCache();
    await readRunsFolder(runsDir(), cache);
    assert.equal(cache.indexes.get(runsDir())?.entries.size, 2);
  });

  it('still reads after the workspace moved (paths in the index are relative)', async () => {
    runA();
    await readRunRows(ws.root);
    const moved = `${ws.root}-moved`;
    cpSync(ws.root, moved, { recursive: true });
    try {
      const rows = await readRunRows(moved);
      assert.equal(rows[0].runDir, path.join(moved, '.modelstudio/runs/20260101-120000-iris'));
      assert.equal(rows[0].modelFile, path.join(moved, 'iris.model.json'));
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it('lists sweep trials, one row per cross-validated run (not its folds), and skips node_modules', async () => {
    writeRun('sub/.modelstudio/sweeps/20260103-000000-iris/20260103-000001-iris', runInfo('t1', '2026-01-03T00:00:01.000Z'));
    writeRun('sub/.modelstudio/sweeps/20260103-000000-iris/20260103-000002-iris-2', runInfo('t2', '2026-01-03T00:00:02.000Z'));
    ws.write('sub/.modelstudio/sweeps/20260103-000000-iris/sweep.json', '{}');
    const cv = runInfo('cv', '2026-01-04T00:00:00.000Z', {
      crossValidation: { foldCount: 2, folds: [], mean: { val_accuracy: 0.9, test_accuracy: 0.85 }, std: {} },
    });
    ws.write('.modelstudio/runs/cv/run.json', JSON.stringify(cv));
    writeRun('.modelstudio/runs/cv/folds/1', runInfo('cv-fold1', '2026-01-04T00:00:00.000Z'));
    writeRun('node_modules/x/.modelstudio/runs/r', runInfo('hidden', '2026-01-05T00:00:00.000Z'));
    const rows = await readRunRows(ws.root);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['cv', 't2', 't1'],
    );
    assert.equal(rows[1].modelFile, ws.file('sub/iris.model.json'));
    assert.deepEqual(rows[0].final, { val_accuracy: 0.9 });
    assert.deepEqual(rows[0].test, { accuracy: 0.85 });
    assert.equal(rows[0].epochsDone, 3);
    // A sweep folder or a runs folder can be named directly.
    assert.equal((await readRunRows(ws.file('sub/.modelstudio/sweeps/20260103-000000-iris'))).length, 2);
    // A fold's row is never written.
    await updateRunRow(ws.file('.modelstudio/runs/cv/folds/1'));
    assert.ok(!existsSync(ws.file('.modelstudio/runs/cv/folds/index.jsonl')));
  });

  it('compacts an index that has grown to many lines per run', async () => {
    const a = runA();
    for (let i = 0; i < 100; i++) await updateRunRow(a);
    await readRunRows(ws.root);
    const lines = readFileSync(indexFile(), 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 1);
    assert.equal((await readRunRows(ws.root)).length, 1);
  });

  it('readRunRows with a kept cache sees a renamed run, a new one and a deleted one', async () => {
    const a = runA();
    const cache = new RunIndexCache();
    assert.deepEqual(
      (await readRunRows(ws.root, cache)).map((r) => r.name),
      ['iris'],
    );
    runA({ label: 'renamed' });
    await updateRunRow(a);
    const b = runB();
    assert.deepEqual(
      (await readRunRows(ws.root, cache)).map((r) => [r.runDir, r.name]),
      [
        [b, 'iris'],
        [a, 'renamed'],
      ],
    );
    rmSync(a, { recursive: true });
    assert.deepEqual(
      (await readRunRows(ws.root, cache)).map((r) => r.runDir),
      [b],
    );
  });

  it('reads only what was appended since, with a cache', async () => {
    const a = runA();
    const cache = new RunIndexCache();
    await readRunsFolder(runsDir(), cache);
    const offset = cache.indexes.get(runsDir())?.offset ?? 0;
    appendFileSync(indexFile(), '{"v":1,"dir":"torn');
    runA({ label: 'renamed' });
    await updateRunRow(a);
    const [run] = await readRunsFolder(runsDir(), cache);
    assert.equal(run.run.label, 'renamed');
    assert.ok((cache.indexes.get(runsDir())?.offset ?? 0) > offset);
  });
});

describe('run rows', () => {
  it('summarizeMetricsText: last epoch, best per metric by its direction, batch records and broken lines skipped', () => {
    const summary = summarizeMetricsText(`${METRICS}\n{"epoch":4,"batch":null,"loss"`);
    assert.equal(summary.epochs, 3);
    assert.deepEqual(summary.bestEpoch, { loss: 3, accuracy: 3, val_loss: 2, val_accuracy: 2 });
  });

  it('specHyperparameters: scalar leaves by path, null kept, search left out', () => {
    assert.deepEqual(specHyperparameters({ a: { b: [1, { c: null }] }, d: 'x', search: { trials: 3 } }), {
      'a.b[0]': 1,
      'a.b[1].c': null,
      d: 'x',
    });
  });
});
