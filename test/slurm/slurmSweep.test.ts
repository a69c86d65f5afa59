import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isRunInfo } from '../../src/protocol/guards';
import type { RunInfo } from '../../src/protocol/runTypes';
import type { SweepInfo } from '../../src/protocol/sweepTypes';
import { readMetrics } from '../../src/runFolder/readRunFolder';
import { readJob } from '../../src/slurm/jobFolder';
import { jobKeyText, schedulerReports } from '../../src/slurm/schedulerState';
import { refreshSlurmSweep, stopSlurmSweep } from '../../src/slurm/slurmSweep';
import { readSweep } from '../../src/sweep/sweepFolder';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

// Sweeps as Slurm job arrays, against the real scheduler (test/slurm/run.mjs starts it): submitted with the CLI,
// followed and pruned with the same code the editor and `--wait` use.

const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');

/** Iris with a grid over the learning rate: `rates` in order, one trial each. */
function irisSweep(rates: readonly number[], epochs: number, extra = ''): string {
  return `name: iris
task: classification
data:
  train: { path: data/iris.csv, label: species }
  validationSplit: 0.2
  features: { normalize: standard }
model:
  layers:
    - { type: dense, units: 8, activation: relu }
    - { type: dense, units: 3, activation: softmax }
training:
  optimizer: adam
  learningRate: 0.01
  loss: sparseCategoricalCrossentropy
  metrics: [accuracy]
  batchSize: 16
  epochs: ${epochs}
  seed: 7
search:
  method: grid
  parallel: 1
  parameters:
    training.learningRate: { values: [${rates.join(', ')}] }
${extra}`;
}

function submit(workspace: TempWorkspace, modelFile: string): { jobId: string; dir: string; runDirs: string[] } {
  const result = spawnSync(process.execPath, [cli, 'sweep', modelFile, '--on', 'slurm', '--json'], {
    cwd: workspace.root,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr + result.stdout);
  const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
    type: string;
    jobId: string;
    dir: string;
    runDirs: string[];
  };
  assert.equal(last.type, 'result');
  return last;
}

function runOf(runDir: string): RunInfo | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    return isRunInfo(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('sweeps on Slurm (a real job array)', function () {
  this.timeout(180_000);
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/iris.csv': readFileSync(path.join(repo, 'samples', 'data', 'iris.csv')) });
  });
  afterEach(() => workspace.remove());

  it('runs the trials as one array, at most `parallel` at once, and prunes a trial that falls behind with TERM to its task', async () => {
    // Two good rates, then one so small the trial cannot keep up: by its third epoch it is behind the median of the two.
    const modelFile = workspace.write(
      'iris.model.yaml',
      irisSweep([0.05, 0.03, 0.000001], 400, '  prune: { type: median, afterEpochs: 3 }\n'),
    );
    const { jobId, dir, runDirs } = submit(workspace, modelFile);
    assert.equal(runDirs.length, 3);
    const submitted = await readSweep(dir);
    assert.deepEqual(submitted.executor, { type: 'slurm', jobId });
    for (const [index, runDir] of runDirs.entries()) assert.equal((await readJob(runDir))?.arrayTaskId, index);

    let sweep: SweepInfo = submitted;
    const decided = new Set<string>();
    let mostRunning = 0;
    const reasons = new Set<string>();
    while (sweep.status === 'running') {
      const keys = runDirs.map((_, arrayTaskId) => ({ jobId, arrayTaskId }));
      const reports = await schedulerReports(keys);
      // Only this array's tasks: other jobs may share the cluster.
      const own = keys.map((key) => reports.get(jobKeyText(key)));
      mostRunning = Math.max(mostRunning, own.filter((r) => r?.state === 'RUNNING').length);
      for (const report of own) if (report?.reason) reasons.add(report.reason);
      sweep = await refreshSlurmSweep(dir, sweep, decided);
      await sleep(300);
    }
    assert.equal(mostRunning, 1, "search.parallel 1 is the array's %1");
    assert.ok(reasons.has('JobArrayTaskLimit'), `the waiting tasks say why: ${[...reasons].join(', ')}`);
    assert.equal(sweep.status, 'completed');
    assert.deepEqual(
      sweep.trials.map((t) => t.status),
      ['completed', 'completed', 'pruned'],
    );
    assert.match(sweep.trials[2]?.reason ?? '', /median/);
    const pruned = runOf(runDirs[2] as string);
    assert.equal(pruned?.status, 'stopped', 'the pruned trainer got TERM, saved and stopped');
    assert.ok((pruned?.epochsDone ?? 0) < 400);
    assert.deepEqual(pruned?.executor && { ...pruned.executor, node: undefined }, {
      type: 'slurm',
      jobId,
      arrayTaskId: 2,
      node: undefined,
    });
    assert.deepEqual(await readSweep(dir), sweep, 'sweep.json says what the follower saw');
  });

  it('Stop cancels the tasks not started and stops the running one at a checkpoint; --resume --on slurm finishes them as a new array', async () => {
    const modelFile = workspace.write('iris.model.yaml', irisSweep([0.05, 0.03, 0.02], 300));
    const { jobId, dir, runDirs } = submit(workspace, modelFile);
    const first = runDirs[0] as string;
    // Stop once the first trial has saved an epoch.
    for (let i = 0; i < 400 && !(await readMetrics(first).catch(() => [])).some((r) => r.batch === null); i++) await sleep(250);
    const stopped = await stopSlurmSweep(dir, await readSweep(dir), 20_000);
    assert.equal(stopped.status, 'stopped');
    // Until this array's tasks have all ended (other jobs may share the cluster).
    const keys = runDirs.map((_, arrayTaskId) => ({ jobId, arrayTaskId }));
    const ended = async (): Promise<boolean> => {
      const reports = await schedulerReports(keys);
      return keys.every((key) => !['RUNNING', 'PENDING', 'COMPLETING'].includes(reports.get(jobKeyText(key))?.state ?? ''));
    };
    for (let i = 0; i < 120 && !(await ended()); i++) await sleep(500);
    const sweep = await refreshSlurmSweep(dir, await readSweep(dir));
    assert.equal(sweep.status, 'stopped');
    const run = runOf(first);
    assert.equal(run?.status, 'stopped');
    assert.ok((run?.epochsDone ?? 0) >= 1, 'it stopped after a saved epoch');
    // As in a local sweep, a stopped sweep's unfinished trials are queued again, for Resume.
    assert.deepEqual(
      sweep.trials.map((t) => t.status),
      ['queued', 'queued', 'queued'],
    );
    assert.deepEqual(
      sweep.trials.slice(1).map((t) => t.reason),
      ['cancelled before it started', 'cancelled before it started'],
    );

    const resumed = spawnSync(process.execPath, [cli, 'sweep', '--resume', dir, '--on', 'slurm', '--wait', '--json'], {
      cwd: workspace.root,
      encoding: 'utf8',
    });
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
    const result = JSON.parse(resumed.stdout.trim().split('\n').at(-1) ?? '{}') as { sweep: { trials: { status: string }[] } };
    assert.deepEqual(
      result.sweep.trials.map((t) => t.status),
      ['completed', 'completed', 'completed'],
    );
    const continued = runOf(first);
    assert.equal(continued?.status, 'completed');
    assert.ok(continued?.resumedAt, 'the stopped trial continued from its checkpoint, in its own folder');
    assert.notEqual(continued?.executor?.jobId, jobId, 'by the new array');
  });
});
