import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isSweepInfo } from '../../src/protocol/sweepGuards';
import type { SweepInfo, TrialInfo } from '../../src/protocol/sweepTypes';
import { STALE_AFTER_MS } from '../../src/runFolder/deadRuns';
import {
  SWEEP_FILE,
  bestTrial,
  createSweepDir,
  detectDeadSweep,
  listSweeps,
  rankedTrials,
  readSweep,
  sweepsDirFor,
  writeSweep,
} from '../../src/sweep/sweepFolder';
import { bestEpochMetrics, metricCurve } from '../../src/sweep/trialMetrics';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

function trial(index: number, status: TrialInfo['status'], score?: number): TrialInfo {
  return {
    index,
    params: { 'training.learningRate': 0.001 * (index + 1) },
    status,
    ...(score === undefined ? {} : { metrics: { epoch: 3, val_loss: score } }),
  };
}

function sweep(trials: TrialInfo[], goal: SweepInfo['goal'] = 'minimize'): SweepInfo {
  return {
    version: 1,
    id: '20260101-120000-iris',
    modelFile: '/w/iris.model.yaml',
    status: 'running',
    startedAt: '2026-01-01T12:00:00.000Z',
    search: { parameters: { 'training.learningRate': { min: 1e-4, max: 0.1, scale: 'log' } } },
    metric: 'val_loss',
    goal,
    pid: 123,
    heartbeatAt: '2026-01-01T12:00:05.000Z',
    trials,
  };
}

describe('sweep folder', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace();
  });
  afterEach(() => workspace.remove());

  it('lives in .modelstudio/sweeps next to the model file, named like run folders', async () => {
    const modelFile = workspace.file('iris.model.yaml');
    assert.equal(sweepsDirFor(modelFile), path.join(workspace.root, '.modelstudio', 'sweeps'));
    const at = new Date(2026, 0, 2, 3, 4, 5);
    const first = await createSweepDir(modelFile, 'my iris', at);
    const second = await createSweepDir(modelFile, 'my iris', at);
    assert.equal(first.id, '20260102-030405-my-iris');
    assert.equal(second.id, '20260102-030405-my-iris-2');
    assert.equal(path.dirname(first.dir), sweepsDirFor(modelFile));
  });

  it('writes sweep.json whole and reads it back through the guard; listSweeps newest first, skipping strangers', async () => {
    const sweepsDir = sweepsDirFor(workspace.file('iris.model.yaml'));
    const older = path.join(sweepsDir, 'a');
    const newer = path.join(sweepsDir, 'b');
    await createSweepDir(workspace.file('x.model.json'), 'unused', new Date());
    const info = sweep([trial(0, 'completed', 0.5), trial(1, 'queued')]);
    mkdirSync(older, { recursive: true });
    mkdirSync(newer, { recursive: true });
    await writeSweep(older, info);
    await writeSweep(newer, { ...info, id: 'b', startedAt: '2026-02-01T00:00:00.000Z' });
    assert.deepEqual(await readSweep(older), info);
    assert.deepEqual(
      (await listSweeps(sweepsDir)).map((e) => e.sweep.id),
      ['b', info.id],
    );
    writeFileSync(path.join(older, SWEEP_FILE), '{"version":1}');
    await assert.rejects(readSweep(older), /not a sweep\.json written by Model Studio/);
    await assert.rejects(readSweep(workspace.root), /not found: not a sweep folder/);
    assert.deepEqual(await listSweeps(workspace.file('nowhere')), []);
    assert.ok(readFileSync(path.join(newer, SWEEP_FILE), 'utf8').endsWith('}\n'));
  });

  it('the guard checks every field readers use', () => {
    const good = sweep([trial(0, 'pruned', 0.4)]);
    assert.ok(isSweepInfo(good));
    for (const bad of [
      { ...good, version: 2 },
      { ...good, status: 'paused' },
      { ...good, goal: 'up' },
      { ...good, trials: [{ ...trial(0, 'completed'), status: 'stopped' }] },
      { ...good, trials: [{ ...trial(0, 'completed'), index: -1 }] },
      { ...good, trials: [{ ...trial(0, 'completed'), params: { lr: [1] } }] },
      { ...good, trials: [{ ...trial(0, 'completed'), metrics: { loss: 'low' } }] },
      { ...good, search: { parameters: 3 } },
    ]) {
      assert.equal(isSweepInfo(bad), false, JSON.stringify(bad).slice(0, 200));
    }
  });

  it('best trial: by the goal, completed trials before pruned ones, trials without the metric left out', () => {
    const trials = [
      trial(0, 'completed', 0.5),
      trial(1, 'pruned', 0.2),
      trial(2, 'completed', 0.3),
      trial(3, 'failed'),
      trial(4, 'running', 0.1),
    ];
    assert.equal(bestTrial(sweep(trials))?.index, 2);
    assert.deepEqual(
      rankedTrials(sweep(trials)).map((t) => t.index),
      [2, 0, 4, 1],
    );
    assert.equal(bestTrial(sweep(trials, 'maximize'))?.index, 0);
    assert.equal(bestTrial(sweep([trial(0, 'pruned', 0.9), trial(1, 'pruned', 0.2)]))?.index, 1, 'no completed trial: the best pruned one');
    assert.equal(bestTrial(sweep([trial(0, 'failed')])), undefined);
  });

  it('a running sweep is dead when its runner is gone or its heartbeat is stale', () => {
    const info = sweep([]);
    const beat = Date.parse(info.heartbeatAt ?? '');
    assert.equal(
      detectDeadSweep(info, beat + 1000, () => true),
      undefined,
    );
    assert.match(
      detectDeadSweep(info, beat + 1000, () => false) ?? '',
      /sweep runner ended unexpectedly \(no heartbeat since 2026-01-01T12:00:05/,
    );
    assert.ok(detectDeadSweep(info, beat + STALE_AFTER_MS + 1, () => true));
    assert.equal(
      detectDeadSweep({ ...info, status: 'stopped' }, beat + STALE_AFTER_MS + 1, () => false),
      undefined,
    );
  });

  it("a trial's metrics: its epoch record at its best epoch (first on a tie); its curve for the pruner", () => {
    const records = [
      { epoch: 1, batch: null, time: 1, loss: 1, val_loss: 0.9 },
      { epoch: 2, batch: null, time: 2, loss: 0.8, val_loss: 0.5 },
      { epoch: 3, batch: null, time: 3, loss: 0.7, val_loss: 0.5 },
      { epoch: 4, batch: null, time: 4, loss: 0.6, val_loss: null },
    ];
    assert.deepEqual(bestEpochMetrics(records, 'val_loss', 'minimize'), { epoch: 2, loss: 0.8, val_loss: 0.5 });
    assert.deepEqual(bestEpochMetrics(records, 'loss', 'maximize'), { epoch: 1, loss: 1, val_loss: 0.9 });
    assert.equal(bestEpochMetrics(records, 'val_accuracy', 'maximize'), undefined);
    assert.deepEqual(metricCurve(records, 'val_loss'), [0.9, 0.5, 0.5, NaN]);
  });
});
