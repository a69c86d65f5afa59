import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '../../src/cli/commandLine';
import { isTrainRequest } from '../../src/protocol/guards';
import { isHostToProbe } from '../../src/protocol/probeGuards';
import { trainerThreads } from '../../src/protocol/threads';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { threadsForModel } from '../../src/trainer/recurrentThreads';
import { usableCores } from '../../src/host/cores';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

describe('threads per trainer (#18)', () => {
  describe('trainerThreads: automatic unless asked for', () => {
    const auto = (cores: number, editor: boolean, trainers = 1): number => trainerThreads(0, { cores, editor, trainers });

    it('the CLI takes every core; the editor keeps one for itself', () => {
      assert.equal(auto(2, false), 2);
      assert.equal(auto(2, true), 1);
      assert.equal(auto(6, true), 5);
      assert.equal(auto(1, true), 1);
    });

    it('a sweep shares the cores between its parallel trials, never below one each', () => {
      assert.equal(auto(8, false, 2), 4);
      assert.equal(auto(8, true, 3), 2);
      assert.equal(auto(8, false, 8), 1);
      assert.equal(auto(4, false, 16), 1);
    });

    it('at most 8 (the threaded build has 8 workers); an explicit count is kept, clamped alike', () => {
      assert.equal(auto(64, true), 8);
      assert.equal(trainerThreads(3, { cores: 2, editor: true, trainers: 4 }), 3);
      assert.equal(trainerThreads(20, { cores: 2, editor: false, trainers: 1 }), 8);
      assert.equal(trainerThreads(undefined, { cores: 4, editor: false, trainers: 1 }), 4);
    });
  });

  describe('usableCores: within a Slurm allocation', () => {
    it("a job's CPUs cap the cores; outside a job, the machine's", () => {
      const cores = availableParallelism();
      assert.equal(usableCores({}), cores);
      assert.equal(usableCores({ SLURM_CPUS_ON_NODE: '1' }), 1);
      assert.equal(usableCores({ SLURM_CPUS_PER_TASK: '1', SLURM_CPUS_ON_NODE: '64' }), 1);
      assert.equal(usableCores({ SLURM_CPUS_ON_NODE: '4096' }), cores);
      assert.equal(usableCores({ SLURM_CPUS_ON_NODE: 'x' }), cores);
    });
  });

  describe('threadsForModel: a recurrent model loads one thread', () => {
    const spec = (...types: string[]): ModelSpec => ({
      name: 'm',
      task: 'classification',
      data: { train: { path: 'train.csv', label: 'label' } },
      model: { layers: types.map((type) => ({ type })) },
      training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 1 },
    });

    it('an LSTM, GRU or bidirectional layer: one thread, and why', () => {
      for (const type of ['lstm', 'gru', 'bidirectional', 'simpleRNN']) {
        const { threads, why } = threadsForModel(spec('embedding', type, 'dense'), 4);
        assert.equal(threads, 1, type);
        assert.match(why ?? '', new RegExp(`^wasm: 1 thread of the 4 asked for: the ${type} layer's time steps`));
      }
    });

    it('other models keep the count asked for, and one thread stays one', () => {
      assert.deepEqual(threadsForModel(spec('conv2d', 'flatten', 'dense'), 2), { threads: 2 });
      assert.deepEqual(threadsForModel(spec('dense'), 8), { threads: 8 });
      assert.deepEqual(threadsForModel(spec('lstm'), 1), { threads: 1 });
    });
  });

  describe('the protocol', () => {
    const request = { modelFile: '/w/m.model.json', workspaceRoot: '/w', runsDir: '/w/runs' };
    it('a train request or probe carries 1…8 threads, nothing else', () => {
      assert.ok(isTrainRequest({ ...request, threads: 2 }));
      assert.ok(isTrainRequest(request));
      for (const threads of [0, 9, 1.5, '2']) assert.equal(isTrainRequest({ ...request, threads }), false, String(threads));
      const probe = { type: 'probe', request: { backend: 'wasm', modelFile: '/w/m.model.json', workspaceRoot: '/w', seconds: 1 } };
      assert.ok(isHostToProbe({ ...probe, request: { ...probe.request, threads: 8 } }));
      assert.equal(isHostToProbe({ ...probe, request: { ...probe.request, threads: 9 } }), false);
    });
  });

  describe('--threads', () => {
    let tiny: TinyModel;
    let cwd: string;
    before(() => {
      tiny = writeTinyModel({ rows: 60, training: { epochs: 1 } });
      cwd = process.cwd();
      process.chdir(tiny.workspace.root);
    });
    after(() => {
      process.chdir(cwd);
      tiny.workspace.remove();
    });

    it('train and sweep take 1…8; other commands and --on slurm refuse it', () => {
      assert.equal(parseCommandLine(['train', tiny.modelFile, '--threads', '3']).options.threads, 3);
      assert.equal(parseCommandLine(['sweep', tiny.modelFile, '--threads', '1']).options.threads, 1);
      assert.equal(parseCommandLine(['train', tiny.modelFile]).options.threads, undefined);
      for (const value of ['0', '9', '1.5', 'all'])
        assert.throws(
          () => parseCommandLine(['train', tiny.modelFile, '--threads', value]),
          (error: Error) => error instanceof UsageError && error.message === `--threads must be a whole number from 1 to 8, got "${value}"`,
        );
      assert.throws(
        () => parseCommandLine(['evaluate', tiny.modelFile, '--threads', '2']),
        /--threads is an option of train and sweep only/,
      );
      assert.throws(
        () => parseCommandLine(['train', tiny.modelFile, '--on', 'slurm', '--threads', '2']),
        /--threads cannot be combined with --on slurm/,
      );
    });

    it('a run trains on wasm with the threads asked for, or the cores by default, and run.json records them', function () {
      this.timeout(120_000);
      const train = (...extra: string[]) => {
        const result = spawnSync(process.execPath, [testBundles().cli, 'train', tiny.modelFile, '--backend', 'wasm', '--json', ...extra], {
          cwd: tiny.workspace.root,
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, result.stderr);
        const { runDir } = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { runDir: string };
        return { run: JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { threads?: number } };
      };
      const two = train('--threads', '2');
      assert.equal(two.run.threads, 2);
      const said = spawnSync(process.execPath, [testBundles().cli, 'train', tiny.modelFile, '--backend', 'wasm', '--threads', '2'], {
        cwd: tiny.workspace.root,
        encoding: 'utf8',
      });
      assert.match(said.stderr, /^training \S+ on wasm \(2 threads\)$/m);
      assert.match(said.stderr, /^completed in .* on wasm \(2 threads\) · 1\/1 epochs/m);
      const one = train('--threads', '1');
      assert.equal(one.run.threads, 1);
      const automatic = train();
      assert.equal(automatic.run.threads, Math.min(8, availableParallelism()));
    });

    it('a recurrent model trains on one thread when asked for two, and says why', function () {
      this.timeout(120_000);
      const recurrent = writeTinyModel({
        layers: [
          { type: 'reshape', targetShape: [4, 1] },
          { type: 'simpleRNN', units: 4 },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      });
      try {
        const args = [testBundles().cli, 'train', recurrent.modelFile, '--backend', 'wasm', '--threads', '2'];
        const result = spawnSync(process.execPath, args, { cwd: recurrent.workspace.root, encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stderr, /^wasm: 1 thread of the 2 asked for: the simpleRNN layer's time steps are too small to split/m);
        assert.match(result.stderr, /^training \S+ on wasm \(1 thread\)$/m);
        const runDir = path.resolve(recurrent.workspace.root, /^run folder: (.+)$/m.exec(result.stderr)?.[1] ?? assert.fail(result.stderr));
        assert.equal((JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { threads?: number }).threads, 1);
      } finally {
        recurrent.workspace.remove();
      }
    });

    it('trains to the same metrics, batch by batch, with 1 and 2 threads (same seed)', function () {
      this.timeout(120_000);
      // Wide enough that XNNPACK splits the products between the threads; dropout draws from the seed.
      const wide = writeTinyModel({
        rows: 600,
        training: { epochs: 3, batchSize: 32 },
        layers: [
          { type: 'dense', units: 512, activation: 'relu' },
          { type: 'dropout', rate: 0.2 },
          { type: 'dense', units: 256, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      });
      try {
        const losses = (threads: string): unknown[] => {
          const args = [testBundles().cli, 'train', wide.modelFile, '--backend', 'wasm', '--threads', threads, '--json'];
          const result = spawnSync(process.execPath, args, { cwd: wide.workspace.root, encoding: 'utf8' });
          assert.equal(result.status, 0, result.stderr);
          const { runDir } = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { runDir: string };
          const records = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
          // Every value a record holds but its wall-clock time.
          return records.map((line) => ({ ...(JSON.parse(line) as Record<string, unknown>), time: undefined }));
        };
        const one = losses('1');
        assert.ok(one.length > 20, `${one.length} records`);
        assert.deepEqual(losses('2'), one);
      } finally {
        wide.workspace.remove();
      }
    });

    it("a sweep's parallel trials share the cores, unless --threads says how many each", function () {
      this.timeout(120_000);
      const spec = JSON.parse(readFileSync(tiny.modelFile, 'utf8')) as Record<string, unknown>;
      const search = { method: 'grid', metric: 'loss', parameters: { 'training.learningRate': { values: [0.01, 0.02] } } };
      writeFileSync(tiny.modelFile, `${JSON.stringify({ ...spec, search }, null, 2)}\n`);
      const sweep = (...extra: string[]): number[] => {
        const args = [testBundles().cli, 'sweep', tiny.modelFile, '--backend', 'wasm', '--parallel', '2', '--json', ...extra];
        const result = spawnSync(process.execPath, args, { cwd: tiny.workspace.root, encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        const { dir } = (JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { sweep: { dir: string } }).sweep;
        const runs = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
        assert.equal(runs.length, 2);
        return runs.map((run) => (JSON.parse(readFileSync(path.join(dir, run.name, 'run.json'), 'utf8')) as { threads: number }).threads);
      };
      const shared = Math.min(8, Math.max(1, Math.floor(availableParallelism() / 2)));
      assert.deepEqual(sweep(), [shared, shared]);
      assert.deepEqual(sweep('--threads', '2'), [2, 2]);
    });
  });
});
