import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SearchSpec } from '../../src/modelFile/modelSpec';
import type { SweepInfo } from '../../src/protocol/sweepTypes';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { readSweep, sweepsDirFor } from '../../src/sweep/sweepFolder';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel, type TinyModelOptions } from '../fixtures/tinyModel';

interface SweepResult {
  readonly type: 'result';
  readonly sweep: {
    dir: string;
    trials: { params: Record<string, number>; status: string; metrics: Record<string, number>; runDir: string | null }[];
  };
  readonly best: { params: Record<string, number>; metrics: Record<string, number>; runDir: string } | null;
}

/** The tiny model with a search block. */
function sweepModel(search: SearchSpec, options: TinyModelOptions = {}): TinyModel {
  const tiny = writeTinyModel(options);
  const spec = JSON.parse(readFileSync(tiny.modelFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(tiny.modelFile, `${JSON.stringify({ ...spec, search }, null, 2)}\n`);
  return tiny;
}

function cli(tiny: TinyModel, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [testBundles().cli, ...args], {
    cwd: tiny.workspace.root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
}

describe('CLI sweep (dist/cli.js, trials in dist/trainer.js processes)', function () {
  this.timeout(120_000);
  const models: TinyModel[] = [];
  before(() => testBundles());
  after(() => models.forEach((m) => m.workspace.remove()));

  it('4 trials, 2 at a time: a hopeless learning rate is pruned by the median rule; sweep.json, run folders and the result line agree', () => {
    // Grid order is fixed: trial 4 (lr 1e-7) starts only when two trials have finished all 6 epochs,
    // so at its epoch 2 the median rule has two others to compare with, and its loss has barely moved.
    const tiny = sweepModel(
      {
        method: 'grid',
        metric: 'loss',
        parallel: 2,
        parameters: { 'training.learningRate': { values: [0.02, 0.03, 0.05, 1e-7] } },
        prune: { type: 'median', afterEpochs: 2 },
      },
      { training: { epochs: 6 } },
    );
    models.push(tiny);
    const result = cli(tiny, 'sweep', 'tiny.model.json', '--backend', 'cpu', '--json');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; index?: number });
    assert.equal(lines[0].type, 'sweep');
    assert.ok(lines.some((l) => l.type === 'trial' && l.index === 3 && l.status === 'pruned'));

    const last = lastJson<SweepResult>(result.stdout);
    assert.equal(last.type, 'result');
    assert.deepEqual(Object.keys(last), ['type', 'sweep', 'best']);
    assert.deepEqual(Object.keys(last.sweep), ['dir', 'trials']);
    assert.equal(path.dirname(last.sweep.dir), sweepsDirFor(tiny.modelFile));
    const { trials } = last.sweep;
    assert.deepEqual(
      trials.map((t) => t.params['training.learningRate']),
      [0.02, 0.03, 0.05, 1e-7],
    );
    assert.equal(trials[3].status, 'pruned');
    assert.ok(trials.filter((t) => t.status === 'completed').length >= 2, JSON.stringify(trials.map((t) => t.status)));
    assert.ok(trials.every((t) => t.status === 'completed' || t.status === 'pruned'));
    for (const trial of trials) {
      assert.ok(trial.runDir && path.isAbsolute(trial.runDir) && path.dirname(trial.runDir) === last.sweep.dir);
      assert.ok(existsSync(path.join(trial.runDir, 'run.json')));
      assert.equal(typeof trial.metrics.loss, 'number');
    }
    const best = trials.filter((t) => t.status === 'completed').sort((a, b) => a.metrics.loss - b.metrics.loss)[0];
    assert.deepEqual(last.best, { params: best.params, metrics: best.metrics, runDir: best.runDir });
    const spec = JSON.parse(readFileSync(path.join(trials[3].runDir ?? '', 'spec.json'), 'utf8')) as { training: { learningRate: number } };
    assert.equal(spec.training.learningRate, 1e-7);
  });

  it('sweep.json: states, reasons, epochs; the pruned trial stopped early', async () => {
    const tiny = models[0];
    const dir = lastSweepDir(tiny);
    const sweep: SweepInfo = await readSweep(dir);
    assert.equal(sweep.status, 'completed');
    assert.equal(sweep.metric, 'loss');
    assert.equal(sweep.goal, 'minimize');
    assert.equal(sweep.pid, undefined);
    const pruned = sweep.trials[3];
    assert.equal(pruned.status, 'pruned');
    assert.match(pruned.reason ?? '', /worse than the median .* of [23] other trials/);
    assert.ok((pruned.epochsDone ?? 6) < 6, `pruned after ${pruned.epochsDone} epochs`);
    const run = await readRun(path.join(dir, pruned.runDir ?? ''));
    assert.equal(run.status, 'stopped');
    for (const trial of sweep.trials.filter((t) => t.status === 'completed')) assert.equal(trial.epochsDone, 6);
  });

  it('human output: a line per trial state change and a table, best first', () => {
    const tiny = sweepModel(
      { metric: 'val_loss', trials: 2, parameters: { 'model.layers[0].units': { min: 2, max: 6, type: 'int' } } },
      { training: { epochs: 1 } },
    );
    models.push(tiny);
    const result = cli(tiny, 'sweep', 'tiny.model.json', '--backend', 'cpu', '--parallel', '1');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^trial 1 running: layers\[0\]\.units=\d$/m);
    assert.match(result.stderr, /^trial 2 completed: layers\[0\]\.units=\d · val_loss [\d.]+ \(epoch 1\)$/m);
    assert.match(result.stderr, /#\s+status\s+val_loss\s+epochs\s+parameters\n\s+\d\s+completed/);
    assert.match(result.stderr, /sweep completed \(minimize val_loss\)/);
  });

  it('--trials overrides the search block; bad usage and a model without a search block are refused', () => {
    const tiny = models[1];
    const result = cli(tiny, 'sweep', 'tiny.model.json', '--backend', 'cpu', '--trials', '1', '--json');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(lastJson<SweepResult>(result.stdout).sweep.trials.length, 1);
    assert.equal(cli(tiny, 'sweep', 'tiny.model.json', '--parallel', '0').status, 2);
    assert.match(cli(tiny, 'sweep', 'tiny.model.json', '--epochs', '3').stderr, /--epochs is an option of train only/);
    const plain = writeTinyModel();
    models.push(plain);
    const refused = cli(plain, 'sweep', 'tiny.model.json', '--json');
    assert.equal(refused.status, 1);
    assert.match(lastJson<{ message: string }>(refused.stdout).message, /no "search" block/);
  });

  it('Ctrl+C stops every trial: the sweep ends stopped (exit 130), trials queued with their runs; --resume finishes them', async () => {
    const tiny = sweepModel(
      { method: 'grid', metric: 'val_loss', parallel: 2, parameters: { 'training.learningRate': { values: [0.01, 0.02] } } },
      { rows: 600, training: { epochs: 8 } },
    );
    models.push(tiny);
    const first = spawn(process.execPath, [testBundles().cli, 'sweep', tiny.modelFile, '--backend', 'cpu', '--json'], {
      cwd: tiny.workspace.root,
    });
    const exited = new Promise((resolve) => first.on('exit', resolve));
    const dir = await whenTraining(first, (sweep) => sweep.trials.length === 2 && sweep.trials.every((t) => (t.epochsDone ?? 0) >= 1));
    first.kill('SIGINT');
    assert.equal(await exited, 130);
    const stopped = await readSweep(dir);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.pid, undefined);
    for (const trial of stopped.trials) {
      assert.equal(trial.status, 'queued');
      assert.match(trial.reason ?? '', /stopped after epoch \d: resuming the sweep continues it/);
      assert.equal((await readRun(path.join(dir, trial.runDir ?? ''))).status, 'stopped');
    }
    const resumed = cli(tiny, 'sweep', '--resume', dir, '--backend', 'cpu', '--json');
    assert.equal(resumed.status, 0, resumed.stderr);
    const trials = lastJson<SweepResult>(resumed.stdout).sweep.trials;
    for (const [i, trial] of trials.entries()) {
      assert.equal(trial.status, 'completed');
      assert.equal(trial.runDir, path.join(dir, stopped.trials[i].runDir ?? ''), 'resumed in its own run folder');
      assert.ok((await readRun(trial.runDir ?? '')).resumedAt);
    }
  });

  it('--resume continues a sweep whose runner was killed: finished trials kept, the interrupted one resumed from its checkpoint', async () => {
    // 600 rows: 45 batches an epoch, so a trial is still training when the runner is killed.
    const tiny = sweepModel(
      { method: 'grid', metric: 'val_loss', parallel: 2, parameters: { 'training.learningRate': { values: [0.01, 0.02] } } },
      { rows: 600, training: { epochs: 3 } },
    );
    models.push(tiny);
    const first = spawn(process.execPath, [testBundles().cli, 'sweep', tiny.modelFile, '--backend', 'cpu', '--json'], {
      cwd: tiny.workspace.root,
    });
    const exited = new Promise((resolve) => first.on('exit', resolve));
    const dir = await whenTraining(first, (sweep) => sweep.trials.some((t) => (t.epochsDone ?? 0) >= 1));
    first.kill('SIGKILL');
    await exited;
    const killed = await readSweep(dir);
    assert.equal(killed.status, 'running', 'the killed runner could not say otherwise');
    const interrupted = killed.trials.filter((t) => t.status === 'running' && t.runDir !== undefined);
    assert.ok(interrupted.length > 0);

    const resumed = cli(tiny, 'sweep', '--resume', dir, '--backend', 'cpu', '--json');
    assert.equal(resumed.status, 0, resumed.stderr);
    const last = lastJson<SweepResult>(resumed.stdout);
    assert.equal(last.sweep.dir, dir);
    assert.deepEqual(
      last.sweep.trials.map((t) => t.status),
      ['completed', 'completed'],
    );
    for (const trial of interrupted) {
      const runDir = path.join(dir, trial.runDir ?? '');
      assert.equal(last.sweep.trials[trial.index].runDir, runDir, 'resumed in its own run folder');
      const run = await readRun(runDir);
      assert.equal(run.status, 'completed');
      assert.ok(run.resumedAt, 'resumed from its checkpoint, not rerun');
      assert.deepEqual(
        (await readMetrics(runDir)).filter((r) => r.batch === null).map((r) => r.epoch),
        [1, 2, 3],
      );
    }
    assert.equal((await readSweep(dir)).status, 'completed');
    assert.match(cli(tiny, 'sweep', '--resume', path.join(dir, 'nope')).stderr, /no sweep folder \(with a sweep\.json\)/);
  });
});

/** The newest sweep folder of the tiny model. */
function lastSweepDir(tiny: TinyModel): string {
  const sweepsDir = sweepsDirFor(tiny.modelFile);
  return path.join(sweepsDir, readdirSync(sweepsDir).sort().at(-1) as string);
}

/** The sweep folder of a running `sweep --json`, once its sweep.json satisfies `ready`. */
function whenTraining(child: ChildProcessWithoutNullStreams, ready: (sweep: SweepInfo) => boolean): Promise<string> {
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  return new Promise<string>((resolve) => {
    const poll = setInterval(() => {
      const line = out.split('\n')[0];
      if (!line.includes('"dir"')) return;
      const dir = (JSON.parse(line) as { dir: string }).dir;
      readSweep(dir)
        .then((sweep) => {
          if (ready(sweep)) {
            clearInterval(poll);
            resolve(dir);
          }
        })
        .catch(() => undefined);
    }, 50);
  });
}
