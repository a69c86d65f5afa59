import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { testBundles } from '../fixtures/bundles';
import { jsonLines } from '../fixtures/jsonLines';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(tiny: TinyModel, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: tiny.workspace.root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI (dist/cli.js)', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    testBundles();
    tiny = writeTinyModel();
  });
  after(() => tiny.workspace.remove());

  describe('bad usage exits 2 with the usage text', () => {
    for (const args of [
      [],
      ['frobnicate', 'tiny.model.json'],
      ['train'],
      ['train', 'missing.model.json'],
      ['train', 'tiny.model.json', '--epochs', '0'],
      ['train', 'tiny.model.json', '--backend', 'gpu'],
      ['validate', 'tiny.model.json', '--epochs', '3'],
      ['info', 'tiny.model.json', '--verbose'],
    ]) {
      it(args.join(' ') || '(no arguments)', () => {
        const result = cli(tiny, ...args);
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, /Usage:\n {2}model-studio train/);
        assert.equal(result.stdout, '');
      });
    }
  });

  it('validate: a good file exits 0', () => {
    const result = cli(tiny, 'validate', 'tiny.model.json');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, 'tiny.model.json: no problems found\n');
  });

  it('validate builds the model: a layer TF.js refuses is an error on its line, not "no problems found"', () => {
    const spec = JSON.parse(readFileSync(tiny.modelFile, 'utf8')) as { model: { layers: unknown[] } };
    spec.model.layers = [{ type: 'reshape', targetShape: [3, 3] }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }];
    const text = JSON.stringify(spec, null, 2);
    tiny.workspace.write('reshape.model.json', text);
    const result = cli(tiny, 'validate', 'reshape.model.json');
    assert.equal(result.status, 1, result.stdout + result.stderr);
    const line = text.split('\n').findIndex((l) => l.includes('"reshape"'));
    assert.equal(
      result.stdout,
      `reshape.model.json:${line}:7: error: model.layers[0]: reshape: targetShape [3, 3] holds 9 values but its input [4] holds 4: the product of targetShape must equal the input's\n`,
    );
  });

  it('validate: a bad file exits 1 with file:line:column diagnostics, also as JSON', () => {
    const broken = tiny.workspace.write(
      'broken.model.json',
      readFileSync(tiny.modelFile, 'utf8').replace('"units": 3', '"units": "three"'),
    );
    const result = cli(tiny, 'validate', 'broken.model.json');
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^broken\.model\.json:\d+:\d+: error: .+$/m);
    const json = jsonLines(cli(tiny, 'validate', broken, '--json').stdout);
    const last = json[json.length - 1];
    assert.equal(last.type, 'result');
    assert.equal(last.valid, false);
    assert.ok(
      json.some((d) => d.type === 'diagnostic' && d.severity === 'error' && typeof d.line === 'number' && typeof d.column === 'number'),
    );
  });

  it('train --json: metric records as in metrics.jsonl, then the result; exit 0', () => {
    const result = cli(tiny, 'train', 'tiny.model.json', '--json', '--backend', 'cpu', '--epochs', '1');
    assert.equal(result.status, 0, result.stderr);
    const lines = jsonLines(result.stdout);
    const last = lines.pop() as { type: string; status: string; runDir: string; run: { test?: object } };
    assert.equal(last.type, 'result');
    assert.equal(last.status, 'completed');
    assert.ok(last.run.test);
    assert.deepEqual(
      lines.map((r) => `${r.epoch}/${r.batch}`),
      ['1/0', '1/1', '1/2', '1/3', '1/null'],
    );
    assert.deepEqual(
      readFileSync(`${last.runDir}/metrics.jsonl`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      lines,
    );
  });

  describe('train with training.crossValidation', () => {
    let cv: TinyModel;
    before(() => {
      cv = writeTinyModel({ training: { crossValidation: { folds: 3 }, epochs: 1 } });
      const { validationSplit: _replacedByFolds, ...data } = cv.spec.data;
      writeFileSync(cv.modelFile, JSON.stringify({ ...cv.spec, data }));
    });
    after(() => cv.workspace.remove());
    const cliCv = (...args: string[]): CliResult => cli(cv, 'train', 'tiny.model.json', '--backend', 'cpu', ...args);

    it('--json: each record says its fold; the result line adds crossValidation: folds, mean, std', () => {
      const result = cliCv('--json');
      assert.equal(result.status, 0, result.stderr);
      const lines = jsonLines(result.stdout);
      const last = lines.pop() as {
        type: string;
        status: string;
        runDir: string;
        run: { crossValidation?: object };
        crossValidation: { folds: Record<string, number>[]; mean: Record<string, number>; std: Record<string, number> };
      };
      assert.deepEqual(Object.keys(last), ['type', 'status', 'runDir', 'run', 'crossValidation']);
      assert.equal(last.status, 'completed');
      const { folds, mean, std } = last.crossValidation;
      assert.equal(folds.length, 3);
      assert.deepEqual(Object.keys(mean).sort(), ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss']);
      assert.deepEqual(Object.keys(std).sort(), Object.keys(mean).sort());
      const accuracies = folds.map((fold) => fold.val_accuracy);
      assert.ok(Math.abs(mean.val_accuracy - accuracies.reduce((a, b) => a + b, 0) / 3) < 1e-9);
      assert.deepEqual([...new Set(lines.map((r) => r.fold))], [1, 2, 3]);
    });

    it('prints progress per fold and mean ± std per metric', () => {
      const result = cliCv();
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /^cross-validating tiny: 3 folds, one after another$/m);
      for (const fold of [1, 2, 3]) assert.match(result.stderr, new RegExp(`^fold ${fold}/3 completed: val_loss \\S+ · val_accuracy`, 'm'));
      assert.match(result.stderr, /^completed in .* · 3\/3 folds completed$/m);
      assert.match(result.stderr, /^val_accuracy [\d.]+ ± [\d.]+$/m);
    });
  });

  it('train: a bad cell in the data exits 1 with one line naming the file and line, no stack', () => {
    const csv = readFileSync(tiny.workspace.file('train.csv'), 'utf8').split('\n');
    csv[7] = csv[7].replace(/^[^,]+/, 'oops');
    writeFileSync(tiny.workspace.file('train.csv'), csv.join('\n'));
    try {
      const result = cli(tiny, 'train', 'tiny.model.json', '--backend', 'cpu');
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^error: train\.csv:8\b.*oops.*\n$/);
    } finally {
      csv[7] = csv[7].replace(/^oops/, '0.1');
      writeFileSync(tiny.workspace.file('train.csv'), csv.join('\n'));
    }
  });

  it('info: the layer table with output shapes and parameter counts', () => {
    const result = cli(tiny, 'info', 'tiny.model.json');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^dense_1 +dense +\(batch, 8\) +40$/m);
    assert.match(result.stdout, /^dense_3 +dense +\(batch, 3\) +27$/m);
    assert.match(result.stdout, /^total params: 67 \(trainable 67, non-trainable 0\)$/m);
  });
});
