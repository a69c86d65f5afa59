import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMetricRecord } from '../../src/protocol/guards';
import type { MetricRecord, RunInfo } from '../../src/protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../src/protocol/trainerMessages';
import { readRun } from '../../src/runFolder/readRunFolder';
import { markRunFailed } from '../../src/runFolder/deadRuns';
import { TrainerProcess } from '../../src/host/trainerProcess';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';
import { tempWorkspace } from '../fixtures/workspace';

/**
 * Faults a training run must survive, each against the bundled trainer in
 * a child process as the editor runs it: killed (SIGKILL), its host gone
 * (IPC disconnect: window reload, extension host restart), out of memory;
 * and a loss that becomes NaN, in process.
 */

interface Ended {
  readonly messages: TrainerToHost[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly trainer: TrainerProcess;
}

function requestFor(tiny: TinyModel, overrides: Partial<TrainRequest> = {}): TrainRequest {
  return { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides };
}

/** Runs the bundled trainer as the editor does, calling `act` on every message, until the process has ended. */
function runTrainer(
  request: TrainRequest,
  act: (message: TrainerToHost, trainer: TrainerProcess) => void = () => undefined,
  maxMemoryMB?: number,
): Promise<Ended> {
  const messages: TrainerToHost[] = [];
  return new Promise((resolve) => {
    const trainer: TrainerProcess = TrainerProcess.start(request, {
      trainerPath: testBundles().trainer,
      onMessage: (message) => {
        messages.push(message);
        act(message, trainer);
      },
      onExit: (code, signal) => resolve({ messages, code, signal, trainer }),
      // The V8 out-of-memory report is long and expected: keep it out of the test output.
      onStderr: () => undefined,
      ...(maxMemoryMB === undefined ? {} : { maxMemoryMB }),
    });
  });
}

function started(messages: readonly TrainerToHost[]): { runDir: string; run: RunInfo } {
  const message = messages.find((m) => m.type === 'runStarted');
  assert.ok(message?.type === 'runStarted', `no runStarted in ${messages.map((m) => m.type).join(', ')}`);
  return message;
}

/** Every line of metrics.jsonl, each parsed and checked (throws naming the line that does not parse). */
function metricLines(runDir: string): MetricRecord[] {
  const text = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'metrics.jsonl ends in the middle of a line');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line, i) => {
      const value: unknown = JSON.parse(line);
      assert.ok(isMetricRecord(value), `metrics.jsonl:${i + 1} is not a metric record: ${line}`);
      return value;
    });
}

/** `1/0`, `1/1`, …, `1/-` (epoch record), … for `epochs` whole epochs of `batches` batches. */
function wholeEpochs(epochs: number, batches: number): string[] {
  return Array.from({ length: epochs }, (_, e) => [...Array.from({ length: batches }, (_, b) => `${e + 1}/${b}`), `${e + 1}/-`]).flat();
}

function positions(records: readonly MetricRecord[]): string[] {
  return records.map((r) => `${r.epoch}/${r.batch ?? '-'}`);
}

describe('trainer faults', function () {
  // Each child loads TF.js: a second or two on a busy machine.
  this.timeout(60_000);
  const cleanup: { remove(): void }[] = [];
  after(() => cleanup.forEach((w) => w.remove()));
  const tiny = (options: Parameters<typeof writeTinyModel>[0]): TinyModel => {
    const model = writeTinyModel(options);
    cleanup.push(model.workspace);
    return model;
  };
  before(() => testBundles());

  it('SIGKILL mid-epoch: failed "(signal SIGKILL)", every line of metrics.jsonl parses, every finished epoch is there; a new run starts at once', async () => {
    // 600 rows: 360 train, 45 batches of 8 an epoch.
    const model = tiny({ rows: 600, training: { epochs: 500 } });
    let killedAt = 0;
    const ended = await runTrainer(requestFor(model), (message, trainer) => {
      if (message.type === 'metrics' && message.record.epoch === 3 && message.record.batch === 5 && killedAt === 0) {
        killedAt = Date.now();
        process.kill(trainer.pid as number, 'SIGKILL');
      }
    });
    assert.equal(ended.signal, 'SIGKILL');
    const message = ended.trainer.exitMessage(ended.code, ended.signal);
    assert.equal(message, 'trainer process ended unexpectedly (signal SIGKILL)');
    const { runDir } = started(ended.messages);
    const failed = await markRunFailed(runDir, message);
    const failedMs = Date.now() - killedAt;

    assert.equal(failed.status, 'failed');
    assert.deepEqual(await readRun(runDir), failed);
    assert.equal(failed.error?.message, 'trainer process ended unexpectedly (signal SIGKILL)');
    assert.equal(failed.pid, undefined);
    assert.equal(failed.heartbeatAt, undefined);
    const lines = metricLines(runDir);
    // Epochs 1 and 2 whole, then whatever of epoch 3 was flushed (at most the batches the host had seen).
    assert.deepEqual(positions(lines).slice(0, 92), wholeEpochs(2, 45));
    assert.ok(
      lines.slice(92).every((r) => r.epoch === 3 && r.batch !== null && r.batch <= 5),
      positions(lines.slice(92)).join(' '),
    );
    assert.equal(failed.error?.epoch, lines.at(-1)?.epoch);

    // Nothing is left behind that would keep a new run of the same file from starting.
    const restartAt = Date.now();
    const next = await runTrainer(requestFor(model), (m, trainer) => {
      if (m.type === 'runStarted') trainer.stop();
    });
    const restartMs = Date.now() - restartAt;
    assert.equal(next.code, 0);
    assert.notEqual(started(next.messages).runDir, runDir);
    console.log(`      run.json failed ${failedMs} ms after SIGKILL; a new trainer reached runStarted and stopped in ${restartMs} ms`);
  });

  it('the host goes away (IPC channel closed) mid-epoch: the run ends stopped with a resumable checkpoint, and Resume finishes it', async () => {
    const model = tiny({ rows: 600, training: { epochs: 3 } });
    const request = requestFor(model);
    const child = fork(testBundles().trainer, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    let runDir = '';
    let disconnectedAt = 0;
    const code = await new Promise<number | null>((resolve) => {
      child.on('message', (message: TrainerToHost) => {
        if (message.type === 'runStarted') runDir = message.runDir;
        if (message.type === 'metrics' && message.record.epoch === 2 && message.record.batch === 10 && child.connected) {
          disconnectedAt = Date.now();
          child.disconnect();
        }
      });
      child.on('exit', resolve);
      child.send({ type: 'train', request });
    });
    const exitMs = Date.now() - disconnectedAt;
    assert.equal(code, 0);
    const stopped = await readRun(runDir);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.epochsDone, 1);
    assert.equal(stopped.pid, undefined);

    // The checkpoint holds the optimizer's state and where training stood.
    const checkpoint = JSON.parse(readFileSync(path.join(runDir, 'checkpoints', 'last', 'model.json'), 'utf8')) as {
      weightsManifest: { weights: { name: string; group?: string }[] }[];
      userDefinedMetadata: { modelStudio: { epoch: number; batchesDone: number } };
    };
    const optimizerWeights = checkpoint.weightsManifest.flatMap((g) => g.weights).filter((w) => w.group === 'optimizer');
    assert.ok(
      optimizerWeights.some((w) => w.name === 'iter'),
      JSON.stringify(optimizerWeights),
    );
    assert.equal(optimizerWeights.length, 1 + 2 * 4, "the step count and Adam's two moments of 4 weights");
    const state = checkpoint.userDefinedMetadata.modelStudio;
    assert.equal(state.epoch, 2);
    assert.ok(state.batchesDone >= 11 && state.batchesDone < 45, `stopped after batch ${state.batchesDone}`);

    const resumed = await runTrainer(requestFor(model, { resumeRunDir: runDir }));
    const done = resumed.messages.at(-1);
    assert.ok(done?.type === 'done', JSON.stringify(done));
    assert.equal(done.run.status, 'completed');
    assert.equal(done.run.epochsDone, 3);
    assert.deepEqual(positions(metricLines(runDir)), wholeEpochs(3, 45));
    console.log(
      `      trainer exited ${exitMs} ms after the disconnect, run stopped at epoch 2 batch ${state.batchesDone}; resumed to completed`,
    );
  });

  it('out of memory in the JavaScript heap (V8 aborts the process): said so, with what to do', async () => {
    const model = tiny({});
    // 16 MB is less than TF.js itself needs to load: V8 gives up with "JavaScript heap out of memory".
    const ended = await runTrainer(requestFor(model), undefined, 16);
    assert.equal(ended.signal, 'SIGABRT');
    assert.equal(
      ended.trainer.exitMessage(ended.code, ended.signal),
      'trainer process ran out of memory (limit 16 MB): try a smaller training.batchSize or raise modelStudio.trainer.maxMemoryMB (now 16)',
    );
  });

  it('tensors beyond modelStudio.trainer.maxMemoryMB: the run fails as out of memory at its batch; another run goes on unaffected', async () => {
    // 4 → 400,000 → 3 units: 3.2 M weights (12.8 MB), 38 MB once Adam has its two moments: over a 32 MB limit.
    // (Zero initialisers and batches of 2 keep the cpu backend's one step short.)
    const layers = [
      { type: 'dense', units: 400_000, activation: 'relu', kernelInitializer: 'zeros' },
      { type: 'dense', units: 3, activation: 'softmax', kernelInitializer: 'zeros' },
    ];
    const big = tiny({ layers, training: { epochs: 1, batchSize: 2 } });
    const small = tiny({ training: { epochs: 3 } });
    const [oom, other] = await Promise.all([runTrainer(requestFor(big), undefined, 32), runTrainer(requestFor(small), undefined, 32)]);
    assert.equal(oom.code, 0, 'the trainer itself ended cleanly');
    const done = oom.messages.at(-1);
    assert.ok(done?.type === 'done', JSON.stringify(done));
    assert.equal(done.run.status, 'failed');
    assert.match(
      done.run.error?.message ?? '',
      /^out of memory at epoch 1, batch 0 \(used \d+ MB of 32 MB\): try a smaller training\.batchSize \(now 2\) or raise modelStudio\.trainer\.maxMemoryMB \(now 32\)$/,
    );
    assert.deepEqual([done.run.error?.epoch, done.run.error?.batch], [1, 0]);
    assert.deepEqual(await readRun(done.runDir), done.run);
    const otherDone = other.messages.at(-1);
    assert.ok(otherDone?.type === 'done' && otherDone.run.status === 'completed', JSON.stringify(otherDone));
  });

  it('a loss that becomes NaN or infinite stops training at that batch: failed with the epoch, the batch and a lower learning rate to try', async () => {
    // y = 2x for x = 1..100, not normalised, plain SGD with learning rate 1000: the weights explode within a few batches.
    const rows = ['x,y', ...Array.from({ length: 100 }, (_, i) => `${i + 1},${2 * (i + 1)}`)].join('\n');
    const workspace = tempWorkspace({ 'linear.csv': `${rows}\n` });
    cleanup.push(workspace);
    const modelFile = workspace.write(
      'diverge.model.json',
      JSON.stringify({
        name: 'diverge',
        task: 'regression',
        data: { train: { path: 'linear.csv', label: 'y' } },
        model: { layers: [{ type: 'dense', units: 1 }] },
        training: { optimizer: 'sgd', learningRate: 1000, loss: 'meanSquaredError', batchSize: 10, epochs: 5, seed: 1 },
      }),
    );
    const outcome = await train(
      { modelFile, workspaceRoot: workspace.root, runsDir: path.join(workspace.root, '.modelstudio', 'runs'), backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.ok(outcome.type === 'done', JSON.stringify(outcome));
    const { run } = outcome;
    assert.equal(run.status, 'failed');
    const match =
      /training\.learningRate: the loss became (NaN|Infinity) at epoch 1, batch (\d+) \(training diverged\): try a lower training\.learningRate \(now 1000\) or normalise the features$/.exec(
        run.error?.message ?? '',
      );
    assert.ok(match, run.error?.message);
    const batch = Number(match[2]);
    assert.deepEqual([run.error?.epoch, run.error?.batch], [1, batch]);
    // Every batch before it is recorded, nothing after it: training stopped there.
    assert.deepEqual(
      positions(metricLines(outcome.runDir)),
      Array.from({ length: batch }, (_, b) => `1/${b}`),
    );
    assert.equal((await readRun(outcome.runDir)).status, 'failed');
  });
});
