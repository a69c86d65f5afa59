import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SearchSpec } from '../../src/modelFile/modelSpec';
import type { SweepInfo } from '../../src/protocol/sweepTypes';
import { readRun } from '../../src/runFolder/readRunFolder';
import { readSweep } from '../../src/sweep/sweepFolder';
import { defaultParallel, runSweep } from '../../src/sweep/sweepRunner';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** runSweep in this process, its trials in dist/trainer.js processes. */
describe('runSweep', function () {
  this.timeout(120_000);
  let tiny: TinyModel;
  before(() => testBundles());
  afterEach(() => tiny.workspace.remove());

  function writeSearch(search: SearchSpec, change: (spec: Record<string, unknown>) => void = () => undefined): void {
    const spec = JSON.parse(readFileSync(tiny.modelFile, 'utf8')) as Record<string, unknown>;
    change(spec);
    writeFileSync(tiny.modelFile, `${JSON.stringify({ ...spec, search }, null, 2)}\n`);
  }

  const options = () => ({
    modelFile: tiny.modelFile,
    workspaceRoot: tiny.workspace.root,
    trainerPath: testBundles().trainer,
    backend: 'cpu' as const,
  });

  it('re-reads the search block before each new trial: raised trials and a changed range apply to new trials only', async () => {
    tiny = writeTinyModel({ training: { epochs: 1 } });
    const first: SearchSpec = { trials: 1, parallel: 1, parameters: { 'model.layers[0].units': { values: [3] } } };
    writeSearch(first);
    let edited = false;
    const { dir, sweep } = await runSweep(
      options(),
      {
        // Once trial 1's trainer has read the model file (its run folder exists).
        onSweep: (_dir, info) => {
          if (!edited && info.trials[0]?.runDir !== undefined) {
            edited = true;
            writeSearch({ ...first, trials: 3, parameters: { 'model.layers[0].units': { values: [5, 6] } } });
          }
        },
      },
      new AbortController().signal,
    );
    assert.deepEqual(
      sweep.trials.map((t) => [t.status, t.params['model.layers[0].units']]),
      [
        ['completed', 3],
        ['completed', sweep.trials[1].params['model.layers[0].units']],
        ['completed', sweep.trials[2].params['model.layers[0].units']],
      ],
    );
    assert.ok(sweep.trials.slice(1).every((t) => [5, 6].includes(t.params['model.layers[0].units'] as number)));
    assert.equal(sweep.search.trials, 3, 'sweep.json keeps the search block as last read');
    assert.deepEqual(await readSweep(dir), sweep);
  });

  it('a trial that fails does not stop the sweep; a search block that stops validating is logged and the last good one kept', async () => {
    tiny = writeTinyModel({ training: { epochs: 1 } });
    const search: SearchSpec = { trials: 3, parallel: 1, parameters: { 'training.learningRate': { values: [0.01, 0.02, 0.03] } } };
    writeSearch(search);
    const logs: string[] = [];
    let broken = false;
    const { sweep } = await runSweep(
      options(),
      {
        onSweep: (_dir, info: SweepInfo) => {
          if (!broken && info.trials[0]?.runDir !== undefined) {
            broken = true;
            // The data file goes missing: the next trials fail when their trainer loads it.
            writeSearch(search, (spec) => ((spec.data as { train: { path: string } }).train.path = 'missing.csv'));
          }
        },
        onLog: (text) => logs.push(text),
      },
      new AbortController().signal,
    );
    assert.equal(sweep.status, 'completed');
    assert.equal(sweep.trials.length, 3);
    assert.equal(sweep.trials[0].status, 'completed');
    for (const trial of sweep.trials.slice(1)) {
      assert.equal(trial.status, 'failed');
      assert.match(trial.reason ?? '', /missing\.csv/);
    }
    assert.ok(
      logs.some((line) => /keeping the search block as it was: .*missing\.csv/.test(line)),
      logs.join(''),
    );
  });

  it('Stop then kill: the trainers are killed, the sweep ends stopped, the trial queued to be rerun', async () => {
    tiny = writeTinyModel({ rows: 600, training: { epochs: 50 } });
    writeSearch({ trials: 1, parameters: { 'training.learningRate': { values: [0.01] } } });
    const stop = new AbortController();
    const kill = new AbortController();
    const { dir, sweep } = await runSweep(
      { ...options(), killSignal: kill.signal },
      {
        onSweep: () => undefined,
        onTrialMessage: (_index, message) => {
          if (message.type === 'metrics' && message.record.batch === 3 && !stop.signal.aborted) {
            stop.abort();
            kill.abort();
          }
        },
      },
      stop.signal,
    );
    assert.equal(sweep.status, 'stopped');
    assert.equal(sweep.trials[0].status, 'queued');
    assert.match(sweep.trials[0].reason ?? '', /killed with the sweep: resuming the sweep reruns it/);
    const run = await readRun(path.join(dir, sweep.trials[0].runDir ?? ''));
    assert.equal(run.status, 'failed');
  });

  it('default parallelism: the cores, fewer when their trials would not fit in free memory, at least one', () => {
    assert.equal(defaultParallel(undefined, 8, 64_000), 8);
    assert.equal(defaultParallel(2048, 8, 5000), 2);
    assert.equal(defaultParallel(undefined, 8, 1100), 2);
    assert.equal(defaultParallel(4096, 8, 1000), 1);
  });
});
