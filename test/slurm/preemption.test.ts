import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../../src/protocol/runTypes';
import { whyNotResumable } from '../../src/runFolder/resume';
import { checkpointEpochs, slurmStatusLabel } from '../../src/slurm/jobStatus';
import { slurmCommand } from '../../src/slurm/slurmCommands';
import type { TempWorkspace } from '../fixtures/workspace';
import { cancelSubmitted, cli, irisWorkspace, settled, waitFor } from './helpers';

// Preemption, for real: scripts/slurmCluster.sh's `urgent` partition outranks `debug` on the same
// node (PreemptType=preempt/partition_prio, PreemptMode=CANCEL, GraceTime=10 on debug), so a job
// there that needs the whole node preempts the run: TERM first, then Slurm calls the job PREEMPTED.

describe('a run preempted by a job of higher priority', function () {
  this.timeout(180_000);
  let workspace: TempWorkspace;
  before(() => {
    workspace = irisWorkspace();
  });
  after(async () => {
    await cancelSubmitted();
    workspace.remove();
  });

  it("saves on the grace period's TERM, ends stopped, says preempted, and can be resumed", async () => {
    const submitted = await cli(workspace, ['train', 'slow.model.yaml', '--epochs', '1000', '--on', 'slurm', '--json']);
    const runDir = submitted.result.runDir as string;
    await waitFor('a first checkpoint', async () => ((await checkpointEpochs(runDir)) ?? 0) >= 1 || undefined);
    // Both CPUs, in the partition that outranks the run's.
    const urgent = (
      await slurmCommand('sbatch', ['--parsable', '--partition=urgent', '--cpus-per-task=2', '--output=/dev/null', '--wrap', 'sleep 2'])
    ).stdout.trim();
    try {
      const ended = await settled(runDir);
      const seen = `job.json ${JSON.stringify(ended.job)}; run.json ${JSON.stringify(ended.run)}`;
      assert.equal(ended.job.state, 'PREEMPTED', seen);
      assert.equal(ended.run?.status, 'stopped', seen);
      assert.match(ended.run?.error?.message ?? '', /preempted by a job of higher priority.*resume continues/);
      assert.equal(slurmStatusLabel(ended), 'preempted');
      const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
      assert.ok((run.epochsDone ?? 0) >= 1 && (run.epochsDone ?? 0) < 1000, `epochs done: ${run.epochsDone}`);
      // Resuming it (here or resubmitted) is what (d) and (e) of cluster.test.ts do; that it may be is run.json's say.
      assert.equal(whyNotResumable(run), undefined);
    } finally {
      await slurmCommand('scancel', [urgent]).catch(() => undefined);
    }
  });
});
