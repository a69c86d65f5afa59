import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunRow } from '../../src/protocol/runRow';
import { RUN_INDEX_FILE } from '../../src/runFolder/runIndex';
import { testBundles } from '../fixtures/bundles';
import { jsonLines } from '../fixtures/jsonLines';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [testBundles().cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI runs (dist/cli.js)', function () {
  this.timeout(120_000);
  let tiny: TinyModel;
  let runDirs: string[];
  before(() => {
    testBundles();
    tiny = writeTinyModel();
    // Two real runs that differ in the learning rate.
    runDirs = [0.01, 0.05].map((learningRate) => {
      const spec = { ...tiny.spec, training: { ...tiny.spec.training, learningRate } };
      writeFileSync(tiny.modelFile, `${JSON.stringify(spec, null, 2)}\n`);
      const trained = cli(tiny.workspace.root, 'train', 'tiny.model.json', '--json');
      assert.equal(trained.status, 0, trained.stderr);
      return (jsonLines(trained.stdout).at(-1) as { runDir: string }).runDir;
    });
  });
  after(() => tiny.workspace.remove());

  it('--json: one object per run, newest first, with the RunRow fields, then the count', () => {
    const result = cli(tiny.workspace.root, 'runs', '--json');
    assert.equal(result.status, 0, result.stderr);
    const lines = jsonLines(result.stdout);
    assert.deepEqual(lines.at(-1), { type: 'result', count: 2 });
    const rows = lines.slice(0, -1) as unknown as (RunRow & { type: string })[];
    assert.deepEqual(
      rows.map((row) => [row.type, row.runDir]),
      [
        ['run', runDirs[1]],
        ['run', runDirs[0]],
      ],
    );
    const [row] = rows;
    assert.equal(row.modelFile, tiny.modelFile);
    assert.equal(row.status, 'completed');
    assert.equal(row.name, 'tiny');
    assert.equal(row.epochs, 2);
    assert.equal(row.epochsDone, 2);
    assert.ok(typeof row.duration === 'number' && row.duration >= 0);
    assert.equal(row.hyperparameters['training.learningRate'], 0.05);
    assert.equal(row.hyperparameters['model.layers[0].units'], 8);
    for (const metric of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      assert.equal(typeof row.final[metric], 'number', metric);
      assert.equal(typeof row.best[metric], 'number', metric);
    }
    assert.ok(row.best.val_loss <= row.final.val_loss);
    assert.equal(typeof row.test.accuracy, 'number');
    assert.deepEqual([row.notes, row.tags, row.parent, row.executor], ['', [], null, null]);
  });

  it('lists the same from the index and without it (a run made by an older version)', () => {
    const runsDir = path.dirname(runDirs[0]);
    const withIndex = cli(tiny.workspace.root, 'runs', '--json').stdout;
    assert.match(readFileSync(path.join(runsDir, RUN_INDEX_FILE), 'utf8'), /"status":"completed"/);
    rmSync(path.join(runsDir, RUN_INDEX_FILE));
    assert.equal(cli(tiny.workspace.root, 'runs', '--json').stdout, withIndex);
    // …and from another folder, naming this one.
    assert.equal(cli(path.dirname(tiny.workspace.root), 'runs', tiny.workspace.root, '--json').stdout, withIndex);
  });

  it('prints an aligned table: name, status, started, duration, backend, the differing hyperparameters, headline metrics', () => {
    const result = cli(tiny.workspace.root, 'runs');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0],
      /^name +status +started +duration +backend +learningRate +val_accuracy +best val_accuracy +val_loss +best val_loss$/,
    );
    assert.match(lines[1], /^tiny +completed +\d{4}-\d\d-\d\d \d\d:\d\d +\d+:\d\d +\w+ +0\.05 +\d+\.\d% +\d+\.\d% +\d/);
    // Columns line up: each heading starts where its values do.
    const at = lines[0].indexOf('backend');
    assert.ok(lines.slice(1).every((line) => /\s\S/.test(line.slice(at - 1, at + 1))));
    assert.match(result.stderr, /^2 runs$/m);
  });

  it('says so when there are no runs, and refuses a folder that is not there or other options', () => {
    const empty = cli(path.join(tiny.workspace.root, '.modelstudio', 'runs', path.basename(runDirs[0])), 'runs');
    assert.equal(empty.status, 0);
    assert.match(empty.stderr, /no runs under/);
    const missing = cli(tiny.workspace.root, 'runs', 'nowhere');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such folder: nowhere/);
    assert.equal(cli(tiny.workspace.root, 'runs', '--epochs', '3').status, 2);
  });

  it('is in --help', () => {
    assert.match(cli(tiny.workspace.root, '--help').stdout, /model-studio runs +\[<folder>\] \[--json\]/);
  });
});
