import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { testBundles } from '../fixtures/bundles';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const IRIS = readFileSync(path.resolve(__dirname, '../../samples/data/iris.csv'), 'utf8');

describe('CLI init (dist/cli.js)', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: workspace.root, encoding: 'utf8', timeout: 100_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  beforeEach(() => {
    testBundles();
    workspace = tempWorkspace({ 'data/iris.csv': IRIS, 'plain.csv': 'a,b,c\n1,2,0.5\n3,4,1.5\n5,6,2.5\n7,8,3.5\n9,1,4.5\n' });
  });
  afterEach(() => workspace.remove());

  it('writes <name>.model.yaml next to the data and prints its path; --json ends with the result line', () => {
    const plain = cli('init', 'data/iris.csv');
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, 'data/iris.model.yaml\n');
    assert.match(readFileSync(workspace.file('data/iris.model.yaml'), 'utf8'), /label: species/);
    const json = cli('init', 'data/iris.csv', '--json');
    assert.equal(json.status, 0, json.stderr);
    const lines = json.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines[lines.length - 1]), {
      type: 'result',
      modelFile: workspace.file('data/iris-2.model.yaml'),
      task: 'classification',
      label: 'species',
      classes: 3,
      features: 4,
    });
  });

  it('the file it writes validates and trains', () => {
    assert.equal(cli('init', 'data/iris.csv', '--out', 'iris.model.yaml').status, 0);
    const validate = cli('validate', 'iris.model.yaml');
    assert.equal(validate.status, 0, validate.stdout + validate.stderr);
    const train = cli('train', 'iris.model.yaml', '--epochs', '2', '--backend', 'cpu', '--json');
    assert.equal(train.status, 0, train.stderr);
    const result = JSON.parse(train.stdout.trim().split('\n').pop() ?? '{}') as { status: string; run: { test?: { accuracy?: number } } };
    assert.equal(result.status, 'completed');
    assert.equal(typeof result.run.test?.accuracy, 'number');
  });

  it('--label and --task choose; a label that is not obvious is reported and the last column taken', () => {
    const guessed = cli('init', 'plain.csv');
    assert.equal(guessed.status, 0, guessed.stderr);
    assert.match(guessed.stderr, /note: the label column is not obvious: took the last column "c" \(name another with --label COLUMN\)/);
    const chosen = cli('init', 'plain.csv', '--label', 'a', '--task', 'regression', '--json');
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.deepEqual(JSON.parse(chosen.stdout.trim().split('\n').pop() ?? ''), {
      type: 'result',
      modelFile: workspace.file('plain-2.model.yaml'),
      task: 'regression',
      label: 'a',
      classes: null,
      features: 2,
    });
  });

  describe('bad usage exits 2 with a message and the usage text, writing nothing', () => {
    for (const [args, message] of [
      [['init'], /init needs a data file/],
      [['init', 'missing.csv'], /no such data file or folder: missing\.csv/],
      [['init', 'plain.csv', '--task', 'ranking'], /--task must be classification or regression, got "ranking"/],
      [['init', 'plain.csv', '--out', 'plain.csv'], /--out must name a \*\.model\.yaml file/],
      [['init', 'plain.csv', '--epochs', '3'], /Unknown option '--epochs'/],
    ] as const) {
      it(args.join(' '), () => {
        const result = cli(...args);
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, message);
        assert.match(result.stderr, /model-studio init {5}<data>/);
        assert.equal(existsSync(workspace.file('plain.model.yaml')), false);
      });
    }
  });

  it('--out names an existing file: refused (exit 2), the file untouched', () => {
    workspace.write('mine.model.yaml', '# mine\n');
    const result = cli('init', 'plain.csv', '--out', 'mine.model.yaml');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /mine\.model\.yaml exists already: init does not overwrite/);
    assert.equal(readFileSync(workspace.file('mine.model.yaml'), 'utf8'), '# mine\n');
  });

  it('data no model can take: exit 1, one line naming the file and line; --json says it as the result', () => {
    workspace.write('text.csv', 'name,size,label\n1,2,a\nfoo,3,b\n');
    const plain = cli('init', 'text.csv');
    assert.equal(plain.status, 1);
    assert.equal(
      plain.stderr,
      'error: text.csv:3: column "name" is "foo", not a number: every column but the label is a numeric feature; convert it to numbers or drop it, or make it the label\n',
    );
    const json = cli('init', 'text.csv', '--json');
    assert.equal(json.status, 1);
    assert.deepEqual(JSON.parse(json.stdout.trim()), {
      type: 'result',
      status: 'error',
      message: plain.stderr.slice('error: '.length, -1),
    });
  });

  it('--help lists init', () => {
    const result = cli('--help');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /model-studio init {5}<data> \[--label COLUMN\] \[--task classification\|regression\]/);
  });
});
