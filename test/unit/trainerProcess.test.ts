import * as assert from 'node:assert/strict';
import type { TrainerToHost } from '../../src/protocol/trainerMessages';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { markRunFailed } from '../../src/runFolder/deadRuns';
import { TrainerProcess } from '../../src/host/trainerProcess';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

interface Ended {
  readonly messages: TrainerToHost[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs the bundled trainer as the editor does, calling `act` on every
 * message, until the process exits.
 */
function runTrainer(tiny: TinyModel, act: (message: TrainerToHost, trainer: TrainerProcess) => void): Promise<Ended> {
  const messages: TrainerToHost[] = [];
  return new Promise((resolve) => {
    const trainer = TrainerProcess.start(
      { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
      {
        trainerPath: testBundles().trainer,
        onMessage: (message) => {
          messages.push(message);
          act(message, trainer);
        },
        onExit: (code, signal) => resolve({ messages, code, signal }),
        onStderr: (text) => process.stderr.write(`[trainer] ${text}`),
      },
    );
    assert.ok(trainer.pid);
  });
}

function runDirOf(messages: readonly TrainerToHost[]): string {
  const started = messages.find((m) => m.type === 'runStarted');
  assert.ok(started?.type === 'runStarted', 'no runStarted');
  return started.runDir;
}

describe('TrainerProcess (dist/trainer.js in a child process)', function () {
  // Each child loads TF.js: a second or two on a busy machine.
  this.timeout(30_000);
  let tiny: TinyModel;
  before(() => {
    testBundles();
    tiny = writeTinyModel({ rows: 120, training: { epochs: 500 } });
  });
  after(() => tiny.workspace.remove());

  it('streams ready, runStarted and metrics; stop() ends the run stopped, with done, and the process exits 0', async () => {
    let stopped = false;
    const { messages, code, signal } = await runTrainer(tiny, (message, trainer) => {
      if (message.type === 'metrics' && message.record.epoch === 2 && !stopped) {
        stopped = true;
        trainer.stop();
      }
    });
    assert.equal(code, 0);
    assert.equal(signal, null);
    assert.deepEqual(
      messages.slice(0, 2).map((m) => m.type),
      ['ready', 'runStarted'],
    );
    const done = messages[messages.length - 1];
    assert.ok(done.type === 'done', JSON.stringify(done));
    assert.equal(done.run.status, 'stopped');
    const run = await readRun(runDirOf(messages));
    assert.equal(run.status, 'stopped');
    assert.ok((await readMetrics(runDirOf(messages))).length >= 11);
  });

  it("a cross-validated run's fold messages pass the host's guard; stop() in fold 2 ends fold and parent stopped", async () => {
    const cv = writeTinyModel({ rows: 60, training: { epochs: 20, crossValidation: { folds: 3 } } });
    try {
      let stopped = false;
      const { messages, code } = await runTrainer(cv, (message, trainer) => {
        if (message.type === 'metrics' && message.fold === 2 && !stopped) {
          stopped = true;
          trainer.stop();
        }
      });
      assert.equal(code, 0);
      const ends = messages.flatMap((m) => (m.type === 'runStarted' || m.type === 'done' ? [`${m.type} ${m.fold ?? '-'}`] : []));
      assert.deepEqual(ends, ['runStarted -', 'runStarted 1', 'done 1', 'runStarted 2', 'done 2', 'done -']);
      const done = messages[messages.length - 1];
      assert.ok(done.type === 'done' && done.fold === undefined && done.run.status === 'stopped', JSON.stringify(done));
      assert.equal((await readRun(runDirOf(messages))).status, 'stopped');
    } finally {
      cv.workspace.remove();
    }
  });

  it('a second stop() kills it; markRunFailed then records the failure and keeps the metrics', async () => {
    let batches = 0;
    const { messages, code, signal } = await runTrainer(tiny, (message, trainer) => {
      if (message.type === 'metrics' && ++batches === 20) {
        trainer.stop();
        trainer.stop();
      }
    });
    assert.equal(code, null);
    assert.equal(signal, 'SIGKILL');
    assert.ok(!messages.some((m) => m.type === 'done'));
    const runDir = runDirOf(messages);
    assert.equal((await readRun(runDir)).status, 'running');

    await markRunFailed(runDir, `trainer process ended unexpectedly (signal ${signal})`);
    const run = await readRun(runDir);
    assert.equal(run.status, 'failed');
    assert.equal(run.error?.message, 'trainer process ended unexpectedly (signal SIGKILL)');
    assert.equal(typeof run.error?.epoch, 'number');
    assert.equal(run.pid, undefined);
    assert.ok((await readMetrics(runDir)).length > 0);
  });

  it('reports a bad model file as an error message and exits 0', async () => {
    const broken = writeTinyModel({
      layers: [
        { type: 'dense', units: 2, activation: 'relu' },
        { type: 'dens', units: 3, activation: 'softmax' },
      ],
    });
    try {
      const { messages, code } = await runTrainer(broken, () => undefined);
      assert.equal(code, 0);
      assert.deepEqual(
        messages.map((m) => m.type),
        ['ready', 'error'],
      );
      const error = messages[1];
      assert.ok(error.type === 'error');
      assert.match(error.message, /tiny\.model\.json:\d+:\d+: error: .*dens/);
    } finally {
      broken.workspace.remove();
    }
  });
});
