import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, RunInfo } from '../../src/protocol/runTypes';
import { listRuns, readMetrics, readRun, runDirsOf, runsDirFor } from '../../src/runFolder/readRunFolder';
import { markRunFailed } from '../../src/runFolder/deadRuns';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

function runInfo(id: string, startedAt: string, overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    id,
    name: 'm',
    modelFile: '/w/m.model.json',
    status: 'running',
    backend: 'cpu',
    backendSkipped: [],
    startedAt,
    seed: 1,
    epochs: 3,
    trainSamples: 10,
    batchesPerEpoch: 2,
    pid: 999_999,
    ...overrides,
  };
}

const records: MetricRecord[] = [
  { epoch: 1, batch: 0, loss: 1, time: 1 },
  { epoch: 1, batch: 1, loss: 0.9, time: 2 },
  { epoch: 1, batch: null, loss: 0.95, val_loss: null, time: 3 },
  { epoch: 2, batch: 0, loss: 0.8, time: 4 },
];

describe('run folders', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace();
  });
  afterEach(() => workspace.remove());

  function writeRun(run: RunInfo, metrics = ''): string {
    const runDir = workspace.file(`runs/${run.id}`);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
    writeFileSync(path.join(runDir, 'metrics.jsonl'), metrics);
    return runDir;
  }

  it('runsDirFor: .modelstudio/runs next to the model file', () => {
    assert.equal(runsDirFor('/w/models/a.model.json'), path.join('/w/models', '.modelstudio', 'runs'));
  });

  it("runDirsOf keeps only folders directly in the model file's runs folder", () => {
    const runs = path.join('/w/models', '.modelstudio', 'runs');
    const mine = [path.join(runs, '20260101-120000-a'), path.join(runs, '20260101-130000-a')];
    assert.deepEqual(
      runDirsOf('/w/models/a.model.json', [
        ...mine,
        path.join('/w/other', '.modelstudio', 'runs', '20260101-120000-b'), // another model file's folder
        path.join(runs, '..', '..', 'secrets'), // out of the runs folder by ..
        path.join(runs, '20260101-120000-a', 'checkpoints'), // inside a run, not a run
        '.modelstudio/runs/20260101-120000-a', // relative
        runs,
      ]),
      mine,
    );
  });

  it('readMetrics skips a torn last line and reads a missing file as empty', async () => {
    const lines = records.map((r) => JSON.stringify(r)).join('\n');
    const runDir = writeRun(runInfo('a', '2025-01-01T00:00:00Z'), `${lines}\n{"epoch":2,"batch":1,"lo`);
    assert.deepEqual(await readMetrics(runDir), records);
    writeFileSync(path.join(runDir, 'metrics.jsonl'), `${lines}\n`);
    assert.deepEqual(await readMetrics(runDir), records);
    assert.deepEqual(await readMetrics(workspace.file('nowhere')), []);
  });

  it('readMetrics names the line of a corrupt record in the middle', async () => {
    const runDir = writeRun(
      runInfo('a', '2025-01-01T00:00:00Z'),
      `${JSON.stringify(records[0])}\nnot json\n${JSON.stringify(records[1])}\n`,
    );
    await assert.rejects(readMetrics(runDir), /metrics\.jsonl:2: not a metric record/);
  });

  it('listRuns: newest first, skipping folders without a valid run.json', async () => {
    writeRun(runInfo('20250101-000000-m', '2025-01-01T00:00:00.000Z'));
    writeRun(runInfo('20250301-000000-m', '2025-03-01T00:00:00.000Z'));
    mkdirSync(workspace.file('runs/being-created'));
    writeFileSync(workspace.file('runs/20250201-000000-m.txt'), 'not a folder');
    const runs = await listRuns(workspace.file('runs'));
    assert.deepEqual(
      runs.map((r) => r.run.id),
      ['20250301-000000-m', '20250101-000000-m'],
    );
    assert.deepEqual(await listRuns(workspace.file('no-runs-yet')), []);
  });

  it('markRunFailed: failed with the message and the last epoch and batch, metrics kept, pid gone', async () => {
    const lines = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const runDir = writeRun(runInfo('a', '2025-01-01T00:00:00Z'), lines);
    await markRunFailed(runDir, 'trainer process ended unexpectedly (signal SIGKILL)');
    const run = await readRun(runDir);
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.error, { message: 'trainer process ended unexpectedly (signal SIGKILL)', epoch: 2, batch: 0 });
    assert.equal(run.pid, undefined);
    assert.ok(run.endedAt);
    assert.deepEqual(await readMetrics(runDir), records);
  });

  it('markRunFailed leaves a run that already ended alone', async () => {
    const finished = runInfo('b', '2025-01-01T00:00:00Z', { status: 'completed', pid: undefined, endedAt: '2025-01-01T00:01:00Z' });
    const runDir = writeRun(finished);
    await markRunFailed(runDir, 'late news');
    assert.deepEqual(await readRun(runDir), JSON.parse(JSON.stringify(finished)));
  });
});
