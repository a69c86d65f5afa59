// The editor's pure Slurm code: the modelStudio.slurm.* settings as
// SlurmOptions, when `☁ Train on Slurm` is offered, and what the Runs
// view's tooltip says of a Slurm job.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import type { SlurmJob } from '../../src/protocol/slurmTypes';
import { readJobFolder, type JobFolder } from '../../src/slurm/jobFolder';
import { applyReport, slurmStatusLabel } from '../../src/slurm/jobStatus';
import { sbatchOptions, slurmOptionsProblem } from '../../src/slurm/slurmOptions';
import { jobName, slurmRows } from '../../src/workbench/features/slurmRunText';
import { offersSlurm, onPath, SLURM_SETTINGS, slurmOptionsFrom } from '../../src/workbench/shared/slurmSettings';

/** What VS Code's getConfiguration answers with nothing set: package.json's defaults. */
const DEFAULTS: Record<string, unknown> = {
  partition: '',
  account: '',
  time: '',
  gpus: 0,
  cpusPerTask: 0,
  memory: '',
  extraArgs: [],
  setup: [],
  node: 'node',
};

describe('modelStudio.slurm.* settings → SlurmOptions', () => {
  it('with the defaults, only the node binary: the cluster decides the rest', () => {
    assert.deepEqual(
      slurmOptionsFrom((s) => DEFAULTS[s]),
      { node: 'node' },
    );
    assert.deepEqual(sbatchOptions(slurmOptionsFrom((s) => DEFAULTS[s])), []);
  });

  it('every setting set becomes its sbatch option, trimmed', () => {
    const set: Record<string, unknown> = {
      partition: ' gpu ',
      account: 'proj42',
      time: '02:00:00',
      gpus: 2,
      cpusPerTask: 8,
      memory: '16G',
      extraArgs: ['--qos=short', ''],
      setup: ['module load nodejs/20'],
      node: '/opt/node/bin/node',
    };
    assert.deepEqual(Object.keys(set).sort(), [...SLURM_SETTINGS].sort());
    const options = slurmOptionsFrom((s) => set[s]);
    assert.deepEqual(options, {
      partition: 'gpu',
      account: 'proj42',
      time: '02:00:00',
      gpus: 2,
      cpusPerTask: 8,
      memory: '16G',
      extraArgs: ['--qos=short'],
      setup: ['module load nodejs/20'],
      node: '/opt/node/bin/node',
    });
    assert.equal(slurmOptionsProblem(options), undefined);
    assert.deepEqual(sbatchOptions(options), [
      '--partition=gpu',
      '--account=proj42',
      '--time=02:00:00',
      '--gres=gpu:2',
      '--cpus-per-task=8',
      '--mem=16G',
    ]);
  });

  it('leaves out values of the wrong type, and keeps wrong values for slurmOptionsProblem to name', () => {
    const options = slurmOptionsFrom((s) => ({ partition: 3, gpus: 'two', extraArgs: '--qos=short', time: 'two hours' })[s as string]);
    assert.deepEqual(options, { time: 'two hours' });
    assert.match(slurmOptionsProblem(options) ?? '', /time "two hours" is not a Slurm time limit/);
    assert.match(slurmOptionsProblem(slurmOptionsFrom((s) => (s === 'gpus' ? -1 : undefined))) ?? '', /gpus must be a whole number/);
  });
});

describe('☁ Train on Slurm is offered', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slurm-path-'));
    writeFileSync(path.join(dir, 'sbatch'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'sbatch'), 0o755);
    writeFileSync(path.join(dir, 'squeue'), 'not executable');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable sbatch on PATH, and not a file that cannot run or a folder not on PATH', () => {
    assert.equal(onPath('sbatch', ['/nonexistent', dir].join(path.delimiter)), true);
    assert.equal(onPath('squeue', dir), false);
    assert.equal(onPath('sbatch', '/nonexistent'), false);
    assert.equal(onPath('sbatch', undefined), false);
  });

  it('where a partition is set or sbatch is on PATH', () => {
    assert.equal(offersSlurm('gpu', false), true);
    assert.equal(offersSlurm('', true), true);
    assert.equal(offersSlurm('  ', false), false);
    assert.equal(offersSlurm(undefined, false), false);
  });
});

const JOB: SlurmJob = {
  version: 1,
  request: { modelFile: '/w/iris.model.yaml', workspaceRoot: '/w', runsDir: '/w/.modelstudio/runs' },
  jobId: '41',
  submittedAt: '2030-01-01T11:50:00.000Z',
  state: 'PENDING',
  reason: 'Priority',
};

const RUN = {
  id: '20300101-115000-iris',
  name: 'iris',
  modelFile: '/w/iris.model.yaml',
  status: 'failed',
  backend: 'cpu',
  backendSkipped: [],
  startedAt: '2030-01-01T11:51:00.000Z',
  seed: 1,
  epochs: 5,
  trainSamples: 30,
  batchesPerEpoch: 4,
  executor: { type: 'slurm', jobId: '41', node: 'node7' },
  error: { message: 'the Slurm job ran out of the memory it asked for' },
} satisfies RunInfo;

function folder(job: Partial<SlurmJob>, run?: RunInfo): JobFolder {
  return { runDir: '/w/.modelstudio/runs/20300101-115000-iris', job: { ...JOB, ...job }, ...(run ? { run } : {}) };
}

describe("the Runs view's words for a Slurm job", () => {
  it('names the job as squeue does, an array task as id_task', () => {
    assert.equal(jobName(folder({})), '41');
    assert.equal(jobName(folder({ arrayTaskId: 3 })), '41_3');
    assert.equal(jobName(folder({ jobId: undefined })), 'not submitted');
  });

  it("a queued job's tooltip: job id, state, reason", () => {
    const rows = new Map(slurmRows(folder({})));
    assert.equal(rows.get('Slurm job'), '41');
    assert.equal(rows.get('Slurm state'), 'PENDING');
    assert.equal(rows.get('reason'), 'Priority');
    assert.equal(rows.has('node'), false);
  });

  it("a job that ended before its trainer started says why; a started run's node comes from run.json", () => {
    const ended = new Map(slurmRows(folder({ state: 'FAILED', reason: undefined, message: 'node was not found on the compute node' })));
    assert.equal(ended.get('message'), 'node was not found on the compute node');
    const started = new Map(slurmRows(folder({ state: 'OUT_OF_MEMORY', reason: undefined }, RUN)));
    assert.equal(started.get('node'), 'node7');
    assert.equal(started.get('Slurm state'), 'OUT_OF_MEMORY');
    // The run's error is among the run's own rows of the tooltip, not twice.
    assert.equal(started.has('message'), false);
  });
});

describe('a Slurm run the user stopped', () => {
  it('says stopped, without an error, though Slurm calls its job FAILED (the trainer exits non-zero after saving)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slurm-stop-'));
    try {
      const runDir = path.join(dir, 'run');
      mkdirSync(runDir);
      const stopped: RunInfo = { ...RUN, status: 'stopped', epochsDone: 3, error: undefined };
      writeFileSync(path.join(runDir, 'job.json'), JSON.stringify({ ...JOB, state: 'RUNNING', reason: undefined }));
      writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(stopped));
      const read = await readJobFolder(runDir);
      assert.ok(read);
      const after = await applyReport(read, { state: 'FAILED', reason: 'NonZeroExitCode' }, new Date());
      assert.equal(slurmStatusLabel(after), 'stopped');
      assert.equal(after.run?.error, undefined);
      // Killed at the time limit after a checkpoint, it says so.
      assert.equal(slurmStatusLabel({ ...after, job: { ...after.job, state: 'TIMEOUT' } }), 'timed out');
      // A run that failed on its own is still failed.
      assert.equal(slurmStatusLabel({ ...after, run: { ...stopped, status: 'failed' } }), 'failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
