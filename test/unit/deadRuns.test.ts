import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import { detectDeadRun, markDeadRuns, processAlive, STALE_AFTER_MS } from '../../src/runFolder/deadRuns';
import { listRuns, readRun } from '../../src/runFolder/readRunFolder';
import { HEARTBEAT_MS } from '../../src/runFolder/runFiles';
import { train } from '../../src/trainer/train';
import { writeTinyModel } from '../fixtures/tinyModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');

function runInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    id: '20300101-115000-tiny',
    name: 'tiny',
    modelFile: '/w/tiny.model.json',
    status: 'running',
    backend: 'cpu',
    backendSkipped: [],
    startedAt: '2030-01-01T11:50:00.000Z',
    seed: 1,
    epochs: 5,
    trainSamples: 30,
    batchesPerEpoch: 4,
    pid: 4242,
    heartbeatAt: new Date(NOW - HEARTBEAT_MS).toISOString(),
    ...overrides,
  };
}

const alive = (): boolean => true;
const gone = (): boolean => false;

/** The id of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.ok(child.pid);
  return child.pid;
}

describe('detectDeadRun (pid and heartbeat)', () => {
  it('leaves runs that are not running alone', () => {
    for (const status of ['completed', 'stopped', 'failed'] as const)
      assert.equal(detectDeadRun(runInfo({ status }), NOW, gone), undefined);
  });

  it('a running run whose process is alive and whose heartbeat is fresh is alive', () => {
    assert.equal(detectDeadRun(runInfo(), NOW, alive), undefined);
    assert.equal(detectDeadRun(runInfo({ heartbeatAt: new Date(NOW - STALE_AFTER_MS).toISOString() }), NOW, alive), undefined);
  });

  it('is dead when its process is gone, with the time of the last heartbeat', () => {
    assert.equal(
      detectDeadRun(runInfo(), NOW, gone),
      `trainer process ended unexpectedly (no heartbeat since ${new Date(NOW - HEARTBEAT_MS).toISOString()})`,
    );
    assert.equal(
      detectDeadRun(runInfo({ pid: undefined }), NOW, alive),
      `trainer process ended unexpectedly (no heartbeat since ${new Date(NOW - HEARTBEAT_MS).toISOString()})`,
    );
  });

  it(`is dead when the heartbeat is older than ${STALE_AFTER_MS / 1000} s even if the pid exists (reused by another process, or a hung trainer)`, () => {
    const heartbeatAt = new Date(NOW - STALE_AFTER_MS - 1).toISOString();
    assert.equal(
      detectDeadRun(runInfo({ heartbeatAt }), NOW, alive),
      `trainer process ended unexpectedly (no heartbeat since ${heartbeatAt})`,
    );
  });

  it('judges a run without heartbeats (an older Model Studio) by its pid alone, since its start', () => {
    const old = runInfo({ heartbeatAt: undefined });
    assert.equal(detectDeadRun(old, NOW, alive), undefined);
    assert.equal(detectDeadRun(old, NOW, gone), 'trainer process ended unexpectedly (no heartbeat since 2030-01-01T11:50:00.000Z)');
  });

  it('judges a Slurm run (its pid on a compute node) by its heartbeat alone, never by a local pid check', () => {
    const executor = { type: 'slurm', jobId: '17', node: 'node1' } as const;
    const asked: number[] = [];
    const isAlive = (pid: number): boolean => {
      asked.push(pid);
      return false;
    };
    assert.equal(detectDeadRun(runInfo({ executor }), NOW, isAlive), undefined);
    const heartbeatAt = new Date(NOW - STALE_AFTER_MS - 1).toISOString();
    assert.equal(
      detectDeadRun(runInfo({ executor, heartbeatAt }), NOW, isAlive),
      `trainer process ended unexpectedly (no heartbeat since ${heartbeatAt})`,
    );
    assert.deepEqual(asked, []);
  });

  it('processAlive: this process yes, an ended one no', () => {
    assert.equal(processAlive(process.pid), true);
    assert.equal(processAlive(deadPid()), false);
  });
});

describe('markDeadRuns (run folders on the next start)', () => {
  let workspace: TempWorkspace;
  before(() => {
    workspace = tempWorkspace();
  });
  after(() => workspace.remove());

  function writeRun(id: string, run: Partial<RunInfo>, metrics: readonly object[] = []): string {
    const runDir = path.join(workspace.root, '.modelstudio', 'runs', id);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(runInfo({ id, ...run })));
    writeFileSync(path.join(runDir, 'metrics.jsonl'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
    return runDir;
  }

  it('marks failed the running runs whose trainer is dead, keeping their metrics; leaves live, finished and skipped ones', async () => {
    const now = Date.now();
    const fresh = new Date(now - 1000).toISOString();
    const records = [
      { epoch: 1, batch: 0, loss: 1, time: now },
      { epoch: 1, batch: null, loss: 0.9, time: now },
      { epoch: 2, batch: 0, loss: 0.8, time: now },
    ];
    const dead = writeRun('20300101-000001-dead', { pid: deadPid(), heartbeatAt: fresh }, records);
    const stale = writeRun('20300101-000002-stale', { pid: process.pid, heartbeatAt: new Date(now - STALE_AFTER_MS - 5000).toISOString() });
    const live = writeRun('20300101-000003-live', { pid: process.pid, heartbeatAt: fresh });
    const done = writeRun('20300101-000004-done', { status: 'completed', pid: undefined, endedAt: fresh });
    const own = writeRun('20300101-000005-own', { pid: deadPid(), heartbeatAt: fresh });

    const entries = await listRuns(path.join(workspace.root, '.modelstudio', 'runs'));
    const after = await markDeadRuns(entries, { skip: (entry) => entry.runDir === own });
    const status = Object.fromEntries(after.map((e) => [path.basename(e.runDir), e.run.status]));
    assert.deepEqual(status, {
      '20300101-000001-dead': 'failed',
      '20300101-000002-stale': 'failed',
      '20300101-000003-live': 'running',
      '20300101-000004-done': 'completed',
      '20300101-000005-own': 'running',
    });
    const failed = await readRun(dead);
    assert.equal(failed.error?.message, `trainer process ended unexpectedly (no heartbeat since ${fresh})`);
    assert.deepEqual([failed.error?.epoch, failed.error?.batch], [2, 0]);
    assert.equal(failed.pid, undefined);
    assert.equal(failed.heartbeatAt, undefined);
    assert.equal(readFileSync(path.join(dead, 'metrics.jsonl'), 'utf8').split('\n').length, 4, 'metrics kept');
    assert.equal((await readRun(stale)).status, 'failed');
    for (const dir of [live, done, own]) assert.notEqual((await readRun(dir)).status, 'failed');
    // The runs index says so too.
    const indexed = readFileSync(path.join(workspace.root, '.modelstudio', 'runs', 'index.jsonl'), 'utf8');
    assert.match(indexed, /"dir":"20300101-000001-dead","run":\{[^\n]*"status":"failed"/);
  });
});

describe('the trainer’s heartbeat', () => {
  it('run.json carries the trainer’s pid and a fresh heartbeatAt while running, and neither once it ends', async () => {
    const tiny = writeTinyModel({ training: { epochs: 1 } });
    try {
      let whileRunning: RunInfo | undefined;
      let runDir = '';
      const outcome = await train(
        { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
        {
          onMessage: (message) => {
            if (message.type === 'runStarted') runDir = message.runDir;
            if (message.type === 'metrics' && whileRunning === undefined) {
              whileRunning = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
            }
          },
        },
      );
      assert.ok(whileRunning);
      assert.equal(whileRunning.status, 'running');
      assert.equal(whileRunning.pid, process.pid);
      assert.ok(whileRunning.heartbeatAt && Math.abs(Date.parse(whileRunning.heartbeatAt) - Date.now()) < 10_000, whileRunning.heartbeatAt);
      assert.equal(detectDeadRun(whileRunning, Date.now(), processAlive), undefined);
      assert.ok(outcome.type === 'done');
      const final = await readRun(outcome.runDir);
      assert.equal(final.status, 'completed');
      assert.equal(final.heartbeatAt, undefined);
      assert.equal(final.pid, undefined);
    } finally {
      tiny.workspace.remove();
    }
  });

  it('beats every interval until stopped, and no beat lands after the final run.json', async () => {
    const { RunWriter } = await import('../../src/trainer/runWriter');
    const workspace = tempWorkspace();
    try {
      const runDir = workspace.write('run/metrics.jsonl', '');
      const writer = RunWriter.open(path.dirname(runDir));
      const running = runInfo({ pid: process.pid, heartbeatAt: undefined });
      await writer.startHeartbeat(running, 20);
      const first = (await readRun(path.dirname(runDir))).heartbeatAt;
      await new Promise((resolve) => setTimeout(resolve, 120));
      const later = (await readRun(path.dirname(runDir))).heartbeatAt;
      assert.ok(first && later && later > first, `${first} then ${later}`);
      await writer.stopHeartbeat();
      await writer.writeRunInfo({ ...running, status: 'completed', pid: undefined });
      writer.close();
      await new Promise((resolve) => setTimeout(resolve, 80));
      const final = await readRun(path.dirname(runDir));
      assert.equal(final.status, 'completed');
      assert.equal(final.heartbeatAt, undefined);
    } finally {
      workspace.remove();
    }
  });
});
