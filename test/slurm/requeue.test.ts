import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { followJobs } from '../../src/slurm/followJobs';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

// Preemption with --requeue, against the real scheduler: `scontrol requeue` ends the job as preemption does
// (TERM, then the job goes back to the queue) and the requeued job continues its run from the checkpoint.

const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a run requeued by Slurm (--requeue)', function () {
  this.timeout(180_000);
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({
      'data/iris.csv': readFileSync(path.join(repo, 'samples', 'data', 'iris.csv')),
      '.vscode/settings.json': JSON.stringify({ 'modelStudio.slurm.extraArgs': ['--requeue'] }),
      'iris.model.yaml': `name: iris
task: classification
data:
  train: { path: data/iris.csv, label: species }
  validationSplit: 0.2
model:
  layers:
    - { type: dense, units: 8, activation: relu }
    - { type: dense, units: 3, activation: softmax }
training: { optimizer: adam, loss: sparseCategoricalCrossentropy, metrics: [accuracy], batchSize: 16, epochs: 200, seed: 3 }
`,
    });
  });
  afterEach(() => workspace.remove());

  it('continues from its last checkpoint in the same folder and trains every epoch once', async () => {
    const submitted = spawnSync(process.execPath, [cli, 'train', workspace.file('iris.model.yaml'), '--on', 'slurm', '--json'], {
      cwd: workspace.root,
      encoding: 'utf8',
    });
    assert.equal(submitted.status, 0, submitted.stderr);
    const { jobId, runDir } = JSON.parse(submitted.stdout.trim().split('\n').at(-1) ?? '{}') as { jobId: string; runDir: string };
    for (let i = 0; i < 400 && !(await readMetrics(runDir).catch(() => [])).some((r) => r.batch === null); i++) await sleep(250);

    execFileSync('scontrol', ['requeue', jobId]);
    // The trainer answers the requeue's TERM by saving and stopping; Slurm holds a requeued job back a while: start it now.
    for (let i = 0; i < 100 && (await readRun(runDir)).status !== 'stopped'; i++) await sleep(200);
    assert.equal((await readRun(runDir)).status, 'stopped');
    for (let i = 0; i < 20; i++) {
      if (spawnSync('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']).status === 0) break;
      await sleep(500);
    }

    const [ended] = await followJobs([runDir], {}, undefined, 500);
    const run = ended?.run;
    assert.equal(run?.status, 'completed');
    assert.ok(run?.resumedAt, 'the requeued job resumed the stopped run');
    assert.equal(run?.executor?.jobId, jobId);
    const epochs = (await readMetrics(runDir)).filter((r) => r.batch === null).map((r) => r.epoch);
    assert.deepEqual(
      epochs,
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });
});
