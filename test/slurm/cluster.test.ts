import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import { readJob } from '../../src/slurm/jobFolder';
import { checkpointEpochs, slurmStatusLabel } from '../../src/slurm/jobStatus';
import { slurmCommand } from '../../src/slurm/slurmCommands';
import { stopJob } from '../../src/slurm/stopJob';
import type { TempWorkspace } from '../fixtures/workspace';
import { cancelSubmitted, cli, epochRecords, irisWorkspace, refreshed, scontrol, settled, waitFor, type CliResult } from './helpers';

// train --on slurm through the real CLI and a real Slurm cluster (test/slurm/run.mjs
// starts one, or uses SLURM_CONF's): nothing here is mocked. The cluster has one node
// with two CPUs; the jobs ask for one each.

function runDirOf(result: CliResult): string {
  assert.equal(typeof result.result.runDir, 'string', result.stdout + result.stderr);
  return result.result.runDir as string;
}

function readRunJson(runDir: string): RunInfo {
  return JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
}

function runFolders(workspace: TempWorkspace): string[] {
  const runs = workspace.file('.modelstudio/runs');
  return existsSync(runs) ? readdirSync(runs) : [];
}

describe('train --on slurm against a real Slurm cluster', () => {
  let workspace: TempWorkspace;
  /** (e) runs beside the others from the start: a time limit takes one to two minutes to strike. */
  let timeLimited: Promise<CliResult>;
  let follower: ChildProcess | undefined;

  before(() => {
    workspace = irisWorkspace();
    timeLimited = cli(
      workspace,
      // Far more epochs than a minute holds: on an idle machine 1,000 took 83 s and finished before Slurm struck.
      ['train', 'slow.model.yaml', '--epochs', '100000', '--on', 'slurm', '--time', '1', '--wait', '--json'],
      process.env,
      (child) => (follower = child),
    );
  });
  after(async () => {
    // Where (e) did not run (--grep) or failed early.
    follower?.kill();
    await cancelSubmitted();
    workspace.remove();
  });

  it('(a) --wait: the trainer runs on the node and the CLI ends with the run, as a local train does', async () => {
    const result = await cli(workspace, ['train', 'iris.model.yaml', '--epochs', '3', '--on', 'slurm', '--wait', '--json']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const [submitted] = result.lines;
    assert.equal(submitted?.type, 'submitted');
    assert.match(String(submitted?.jobId), /^\d+$/);
    const states = result.lines.filter((line) => line.type === 'slurm').map((line) => line.state);
    assert.equal(states.at(-1), 'completed', JSON.stringify(states));
    assert.equal(result.lines.filter((line) => line.batch === null).length, 3);
    assert.equal(result.result.status, 'completed');
    const runDir = runDirOf(result);
    const run = readRunJson(runDir);
    assert.deepEqual(run.executor, { type: 'slurm', jobId: submitted?.jobId, node: 'localhost' });
    assert.equal(run.epochsDone, 3);
    for (const file of ['job.sh', 'job.out', 'job.err', 'job.json']) assert.ok(existsSync(path.join(runDir, file)), file);
    // The trainer's progress, as a terminal shows it (on stderr: job.err): a line per epoch and its summary.
    const out = readFileSync(path.join(runDir, 'job.err'), 'utf8');
    assert.match(out, /^epoch 3\/3: loss /m);
    assert.match(out, /^completed in .* 3\/3 epochs/m);
    assert.equal((await readJob(runDir))?.state, 'COMPLETED');
  });

  it('(b) without --wait: the job id at once, the folder queued with job.json and no run.json yet', async () => {
    const result = await cli(workspace, ['train', 'iris.model.yaml', '--epochs', '2', '--on', 'slurm', '--json']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(result.lines.length, 1);
    assert.equal(result.result.status, 'submitted');
    const runDir = runDirOf(result);
    const job = await readJob(runDir);
    assert.equal(job?.jobId, result.result.jobId);
    assert.equal(job?.state, 'PENDING');
    assert.ok(existsSync(path.join(runDir, 'job.sh')));
    const ended = await settled(runDir);
    assert.equal(slurmStatusLabel(ended), 'completed');
    assert.equal(ended.run?.epochsDone, 2);
  });

  it('(c) a job asking for the whole node waits while the time-limited job runs; Stop of a queued job cancels it', async () => {
    const whole = irisWorkspace({ 'modelStudio.slurm.cpusPerTask': 2 });
    let jobId = '';
    try {
      const result = await cli(whole, ['train', 'iris.model.yaml', '--on', 'slurm', '--json']);
      jobId = String(result.result.jobId);
      const runDir = runDirOf(result);
      assert.match(readFileSync(path.join(runDir, 'job.sh'), 'utf8'), /^#SBATCH --cpus-per-task=2$/m);
      // Just submitted, squeue gives no reason (`queued`) until the scheduler's next pass.
      const queued = await waitFor('a reason to wait', async () => {
        const folder = await refreshed(runDir);
        return slurmStatusLabel(folder) === 'queued' ? undefined : folder;
      });
      // Resources on this cluster's one node; Priority where SLURM_CONF's cluster has other jobs ahead of it.
      assert.match(slurmStatusLabel(queued), /^queued \((Resources|Priority)\)$/);
      await stopJob(queued.job);
      const ended = await settled(runDir);
      assert.equal(ended.job.state, 'CANCELLED');
      assert.equal(ended.job.message, 'cancelled before it started');
      assert.equal(slurmStatusLabel(ended), 'cancelled');
    } finally {
      if (jobId) await slurmCommand('scancel', [jobId]);
      whole.remove();
    }
  });

  describe('held in the queue (sbatch --hold through modelStudio.slurm.extraArgs)', () => {
    let held: TempWorkspace;
    before(() => {
      held = irisWorkspace({ 'modelStudio.slurm.extraArgs': ['--hold'] });
    });
    after(() => held.remove());

    it('(c) a queued job says why it waits, then runs once released', async () => {
      const result = await cli(held, ['train', 'iris.model.yaml', '--epochs', '2', '--on', 'slurm', '--json']);
      const runDir = runDirOf(result);
      const queued = await refreshed(runDir);
      assert.equal(queued.job.state, 'PENDING');
      assert.equal(slurmStatusLabel(queued), 'queued (JobHeldUser)');
      assert.equal(queued.run, undefined);
      await scontrol('release', String(result.result.jobId));
      assert.equal(slurmStatusLabel(await settled(runDir)), 'completed');
    });

    it('(g) a model file the node cannot read: the message about the shared filesystem', async () => {
      // On a real cluster the workspace would sit on a disk the compute node lacks; here the file goes
      // away between submission and start, which the node's job.sh meets the same way.
      const result = await cli(held, ['train', 'iris.model.yaml', '--epochs', '2', '--on', 'slurm', '--json']);
      const runDir = runDirOf(result);
      renameSync(held.file('iris.model.yaml'), held.file('gone.model.yaml'));
      try {
        await scontrol('release', String(result.result.jobId));
        const ended = await settled(runDir);
        assert.equal(ended.run, undefined);
        assert.equal(ended.job.state, 'FAILED');
        assert.match(
          ended.job.message ?? '',
          /^the model file \S+iris\.model\.yaml cannot be read on \S+: the workspace must be on a filesystem the compute nodes share/,
        );
        assert.equal(slurmStatusLabel(ended), 'failed');
      } finally {
        renameSync(held.file('gone.model.yaml'), held.file('iris.model.yaml'));
      }
    });
  });

  it('(d) Stop: TERM reaches the trainer, which saves a checkpoint; resubmitted, the run completes', async () => {
    const result = await cli(workspace, ['train', 'slow.model.yaml', '--epochs', '12', '--on', 'slurm', '--json']);
    const runDir = runDirOf(result);
    await waitFor('a first epoch', () => (epochRecords(runDir) >= 1 ? true : undefined));
    const job = await readJob(runDir);
    assert.ok(job);
    // Another job of this user's, pending, which squeue lists before this running one: Stop must act on its own job's state.
    const other = (await slurmCommand('sbatch', ['--parsable', '--hold', '--output=/dev/null', '--wrap', 'true'])).stdout.trim();
    const stopAt = Date.now();
    try {
      await stopJob(job);
    } finally {
      await slurmCommand('scancel', [other]);
    }
    const stopSeconds = (Date.now() - stopAt) / 1000;
    const stopped = await settled(runDir);
    const seen = `stopJob took ${stopSeconds} s; job.json ${JSON.stringify(stopped.job)}; run.json ${JSON.stringify(stopped.run)}`;
    assert.equal(stopped.run?.status, 'stopped', seen);
    assert.equal(stopped.run?.error, undefined, seen);
    assert.equal(slurmStatusLabel(stopped), 'stopped', seen);
    const epochsDone = stopped.run?.epochsDone ?? 0;
    assert.ok(epochsDone >= 1 && epochsDone < 12, String(epochsDone));
    assert.equal(await checkpointEpochs(runDir), epochsDone);

    const resumed = await cli(workspace, ['train', '--resume', runDir, '--on', 'slurm', '--wait', '--json']);
    assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
    assert.equal(resumed.result.status, 'completed');
    assert.equal(resumed.result.runDir, runDir);
    const run = readRunJson(runDir);
    assert.equal(run.epochsDone, 12);
    assert.notEqual(run.executor?.jobId, job.jobId, 'the resumed run records its new job');
    assert.equal(epochRecords(runDir), 12, 'the resumed run appends to its metrics');
  });

  it('(f) a trainer killed outright (KILL): the run ends stopped at its checkpoint, with Slurm’s word for it', async () => {
    // One node cannot fail or run out of memory on purpose; a KILL to the batch step leaves the run
    // folder as a node failure or the OOM killer would: run.json still "running", no last words.
    const result = await cli(workspace, ['train', 'slow.model.yaml', '--epochs', '1000', '--on', 'slurm', '--json']);
    const runDir = runDirOf(result);
    // Its trainer saves the checkpoint in the background, after the epoch's record.
    await waitFor('a first checkpoint', async () => ((await checkpointEpochs(runDir)) ?? 0) >= 1 || undefined);
    await slurmCommand('scancel', ['--batch', '--signal=KILL', String(result.result.jobId)]);
    const ended = await settled(runDir);
    const seen = `job.json ${JSON.stringify(ended.job)}; run.json ${JSON.stringify(ended.run)}`;
    assert.equal(ended.job.state, 'FAILED', seen);
    assert.equal(ended.run?.status, 'stopped', seen);
    const epochsDone = ended.run?.epochsDone ?? 0;
    assert.ok(epochsDone >= 1, String(epochsDone));
    assert.match(
      ended.run?.error?.message ?? '',
      new RegExp(`^the Slurm job failed.*; resume continues from its last checkpoint \\(epoch ${epochsDone}\\)$`),
    );
    assert.equal(slurmStatusLabel(ended), 'failed');
    assert.equal(readRunJson(runDir).status, 'stopped', 'written down in run.json');
  });

  describe('(g) errors a user meets, in words that say what to do', () => {
    it('sbatch not on PATH: where Slurm’s commands must be, and no run folder', async () => {
      const before = runFolders(workspace);
      const result = await cli(workspace, ['train', 'iris.model.yaml', '--on', 'slurm', '--json'], {
        ...process.env,
        PATH: workspace.file('no-slurm-here'),
      });
      assert.equal(result.status, 1);
      assert.equal(result.result.status, 'error');
      assert.match(String(result.result.message), /^sbatch was not found: Slurm's commands must be on PATH where Model Studio runs/);
      assert.deepEqual(runFolders(workspace), before);
    });

    it('a partition the cluster does not have: Slurm refused the job, in its words, and no run folder', async () => {
      const before = runFolders(workspace);
      const result = await cli(workspace, ['train', 'iris.model.yaml', '--on', 'slurm', '--partition', 'nosuch', '--json']);
      assert.equal(result.status, 1);
      assert.match(String(result.result.message), /^Slurm refused the job: invalid partition specified: nosuch/);
      assert.deepEqual(runFolders(workspace), before);
    });

    it('modelStudio.slurm.node naming a missing binary: the run ends with job.sh’s message', async () => {
      const noNode = irisWorkspace({ 'modelStudio.slurm.node': '/opt/no-such-node/bin/node' });
      try {
        const result = await cli(noNode, ['train', 'iris.model.yaml', '--on', 'slurm', '--wait', '--json']);
        assert.equal(result.status, 1);
        assert.equal(result.result.status, 'error');
        assert.match(
          String(result.result.message),
          /^Node\.js \(\/opt\/no-such-node\/bin\/node\) was not found on \S+: set modelStudio\.slurm\.node, or load it in modelStudio\.slurm\.setup/,
        );
        const runDir = String(result.result.runDir);
        assert.equal(existsSync(path.join(runDir, 'run.json')), false);
        assert.equal(slurmStatusLabel(await refreshed(runDir)), 'failed');
      } finally {
        noNode.remove();
      }
    });
  });

  describe('the time limit (its job was submitted first: Slurm takes one to two minutes to strike)', () => {
    it('(e) the time limit: TERM, a checkpoint, the run stopped with why and resumable (here, locally)', async () => {
      const result = await timeLimited;
      assert.equal(result.result.status, 'stopped', result.stdout.slice(-2000) + result.stderr);
      assert.equal(result.status, 130);
      const runDir = runDirOf(result);
      const folder = await refreshed(runDir);
      assert.equal(folder.job.state, 'TIMEOUT');
      assert.equal(slurmStatusLabel(folder), 'timed out');
      assert.match(
        folder.run?.error?.message ?? '',
        /^the Slurm job reached its time limit \(TimeLimit\) \(raise modelStudio\.slurm\.time\); resume continues from its last checkpoint/,
      );
      const epochsDone = folder.run?.epochsDone ?? 0;
      assert.ok(epochsDone >= 1, String(epochsDone));

      // Resumed here (no --on slurm): it trains on from the checkpoint, until a SIGTERM (Ctrl+C's, Stop's) stops it again.
      let child: ChildProcess | undefined;
      const local = cli(workspace, ['train', '--resume', runDir, '--json'], process.env, (spawned) => (child = spawned));
      await waitFor('an epoch after the resume', () => (epochRecords(runDir) > epochsDone ? true : undefined), 60_000);
      child?.kill('SIGTERM');
      const again = await local;
      assert.equal(again.status, 130, again.stderr);
      assert.equal(again.result.status, 'stopped');
      const run = readRunJson(runDir);
      assert.ok((run.epochsDone ?? 0) > epochsDone, `${run.epochsDone} > ${epochsDone}`);
    });
  });
});
