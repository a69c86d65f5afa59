import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import type { SlurmJob } from '../../src/protocol/slurmTypes';
import { readJobFolder, type JobFolder } from '../../src/slurm/jobFolder';
import { applyReport, checkpointEpochs, isPending, slurmStatusLabel } from '../../src/slurm/jobStatus';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

// What the follower writes down when the scheduler reports on a job (src/slurm/jobStatus.ts), on hand-made run folders.

const now = new Date('2026-12-05T12:00:00Z');

function job(fields: Partial<SlurmJob> = {}): SlurmJob {
  return {
    version: 1,
    request: { modelFile: '/w/m.model.json', workspaceRoot: '/w', runsDir: '/w/runs' },
    jobId: '12',
    submittedAt: '2026-12-05T11:00:00Z',
    state: 'RUNNING',
    ...fields,
  };
}

function run(fields: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 'r',
    name: 'm',
    modelFile: '/w/m.model.json',
    status: 'running',
    backend: 'wasm',
    backendSkipped: [],
    startedAt: '2026-12-05T11:01:00Z',
    heartbeatAt: '2026-12-05T11:59:58Z',
    seed: 1,
    epochs: 10,
    trainSamples: 100,
    batchesPerEpoch: 4,
    pid: 4242,
    executor: { type: 'slurm', jobId: '12', node: 'node7' },
    ...fields,
  };
}

describe('a Slurm job folder after the scheduler reports', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace();
  });
  afterEach(() => workspace.remove());

  async function folder(files: {
    job: SlurmJob;
    run?: RunInfo;
    metrics?: object[];
    checkpointEpoch?: number;
    jobErr?: string;
  }): Promise<JobFolder> {
    const dir = workspace.file('run');
    workspace.write('run/job.json', JSON.stringify(files.job));
    if (files.run) workspace.write('run/run.json', JSON.stringify(files.run));
    if (files.metrics) workspace.write('run/metrics.jsonl', files.metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
    if (files.checkpointEpoch !== undefined) {
      workspace.write(
        'run/checkpoints/last/model.json',
        JSON.stringify({ userDefinedMetadata: { modelStudio: { version: 2, epoch: files.checkpointEpoch, batchesDone: 4 } } }),
      );
    }
    if (files.jobErr !== undefined) workspace.write('run/job.err', files.jobErr);
    const read = await readJobFolder(dir);
    assert.ok(read);
    return read;
  }

  const epochRecord = (epoch: number): object => ({ epoch, batch: null, time: 1, loss: 0.5 });

  it('a pending job is queued with its reason, and stays pending', async () => {
    const after = await applyReport(await folder({ job: job({ state: 'PENDING' }) }), { state: 'PENDING', reason: 'Priority' }, now);
    assert.equal(slurmStatusLabel(after), 'queued (Priority)');
    assert.ok(isPending(after));
    assert.equal((await readJobFolder(after.runDir))?.job.reason, 'Priority', 'job.json keeps the last word');
  });

  it("a trainer killed by the scheduler after a checkpoint ends stopped there, resumable, with Slurm's reason", async () => {
    const before = await folder({ job: job(), run: run(), metrics: [epochRecord(1), epochRecord(2), epochRecord(3)], checkpointEpoch: 3 });
    const after = await applyReport(before, { state: 'OUT_OF_MEMORY', node: 'node7' }, now);
    assert.equal(after.run?.status, 'stopped');
    assert.equal(after.run?.epochsDone, 3);
    assert.match(
      after.run?.error?.message ?? '',
      /ran out of the memory it asked for \(raise modelStudio.slurm.memory\); resume continues from its last checkpoint \(epoch 3\)/,
    );
    assert.equal(after.run?.pid, undefined);
    assert.equal(slurmStatusLabel(after), 'out of memory');
    assert.ok(!isPending(after));
    assert.deepEqual((await readJobFolder(after.runDir))?.run, after.run, 'run.json written');
  });

  it('a checkpoint inside an epoch counts only the epochs before it', async () => {
    await folder({ job: job(), run: run(), metrics: [epochRecord(1), epochRecord(2)], checkpointEpoch: 3 });
    assert.equal(await checkpointEpochs(workspace.file('run')), 2);
  });

  it('a trainer killed before any checkpoint fails with the reason', async () => {
    const after = await applyReport(await folder({ job: job(), run: run() }), { state: 'NODE_FAIL' }, now);
    assert.equal(after.run?.status, 'failed');
    assert.match(after.run?.error?.message ?? '', /compute node of the Slurm job failed/);
  });

  it("a run the trainer stopped on the time limit's TERM says why", async () => {
    const stopped = run({ status: 'stopped', epochsDone: 4, pid: undefined });
    const after = await applyReport(await folder({ job: job(), run: stopped }), { state: 'TIMEOUT', reason: 'TimeLimit' }, now);
    assert.equal(after.run?.status, 'stopped');
    assert.match(
      after.run?.error?.message ?? '',
      /reached its time limit \(TimeLimit\) \(raise modelStudio.slurm.time\); resume continues/,
    );
    assert.equal(slurmStatusLabel(after), 'timed out');
  });

  it('a run stopped by the user says stopped, however Slurm ended the job', async () => {
    for (const state of ['CANCELLED', 'COMPLETED', 'FAILED', 'UNKNOWN'] as const) {
      const stopped = run({ status: 'stopped', epochsDone: 4, pid: undefined });
      const after = await applyReport(await folder({ job: job(), run: stopped }), { state }, now);
      assert.equal(after.run?.error, undefined, state);
      assert.equal(slurmStatusLabel(after), 'stopped', state);
    }
  });

  it("a stopped run resubmitted to continue is queued again, and a run resumed here is no longer the job's", async () => {
    const stopped = run({ status: 'stopped', epochsDone: 4, pid: undefined, endedAt: '2026-12-05T10:30:00Z' });
    const queued = await applyReport(
      await folder({ job: job({ state: 'PENDING' }), run: stopped }),
      { state: 'PENDING', reason: 'Priority' },
      now,
    );
    assert.equal(slurmStatusLabel(queued), 'queued (Priority)');
    // The job whose trainer just stopped, which Slurm has yet to call ended, does not make the run look queued.
    const justStopped = run({ status: 'stopped', epochsDone: 4, pid: undefined, endedAt: '2026-12-05T11:30:00Z' });
    assert.equal(slurmStatusLabel({ runDir: '/r', job: job({ state: 'COMPLETING' }), run: justStopped }), 'stopped');
    const { executor: _slurm, ...local } = run();
    const here = await folder({ job: job({ state: 'RUNNING' }), run: local });
    assert.equal(isPending(here), false);
    assert.equal(slurmStatusLabel(here), 'running');
  });

  it("a job that ended before the trainer started shows the batch script's own words, else Slurm's", async () => {
    const scripted = await applyReport(
      await folder({
        job: job(),
        jobErr: 'some noise\nmodel-studio: Node.js (node18) was not found on node7: set modelStudio.slurm.node\n',
      }),
      { state: 'FAILED', reason: 'NonZeroExitCode' },
      now,
    );
    assert.equal(scripted.job.message, 'Node.js (node18) was not found on node7: set modelStudio.slurm.node');
    assert.equal(slurmStatusLabel(scripted), 'failed');
    workspace.remove();
    workspace = tempWorkspace();
    const cancelled = await applyReport(await folder({ job: job({ state: 'PENDING' }) }), { state: 'CANCELLED' }, now);
    assert.equal(cancelled.job.message, 'cancelled before it started');
  });

  it("the job's own message, written while the scheduler was asked, wins over the guessed one", async () => {
    const before = await folder({ job: job() });
    workspace.write('run/job.json', JSON.stringify(job({ message: 'data/iris.csv: no such file' })));
    const after = await applyReport(before, { state: 'FAILED' }, now);
    assert.equal(after.job.message, 'data/iris.csv: no such file');
    assert.equal((await readJobFolder(after.runDir))?.job.message, 'data/iris.csv: no such file');
  });

  it("the job's own message (written by train --job) is kept", async () => {
    const after = await applyReport(await folder({ job: job({ message: 'data/iris.csv: no such file' }) }), { state: 'FAILED' }, now);
    assert.equal(after.job.message, 'data/iris.csv: no such file');
    assert.equal(path.basename(after.runDir), 'run');
  });
});
