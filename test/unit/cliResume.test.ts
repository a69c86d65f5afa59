import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** `model-studio train --resume <run-dir>`: Ctrl+C stops a run (exit 130), --resume finishes it. */
describe('CLI train --resume', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    testBundles();
    // 600 rows: 45 batches an epoch, slow enough to be stopped in epoch 2.
    tiny = writeTinyModel({ rows: 600, training: { epochs: 3 } });
  });
  after(() => tiny.workspace.remove());

  it('continues a run stopped with Ctrl+C to its planned epochs, in the same folder', async () => {
    const first = spawn(process.execPath, [testBundles().cli, 'train', tiny.modelFile, '--backend', 'cpu', '--json'], {
      cwd: tiny.workspace.root,
    });
    let out = '';
    first.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/"epoch":2,"batch":5,/.test(out) && !first.killed) first.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => first.on('exit', resolve));
    assert.equal(code, 130);
    const result = JSON.parse(out.trim().split('\n').at(-1) as string) as { status: string; runDir: string };
    assert.equal(result.status, 'stopped');

    const second = spawnSync(process.execPath, [testBundles().cli, 'train', '--resume', result.runDir, '--backend', 'cpu'], {
      cwd: tiny.workspace.root,
      encoding: 'utf8',
    });
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /resuming run \S+ at epoch 2, batch \d+ of 3 epochs/);
    assert.match(second.stderr, /completed in .* · 3\/3 epochs/);
    const run = await readRun(result.runDir);
    assert.equal(run.status, 'completed');
    assert.deepEqual(
      (await readMetrics(result.runDir)).filter((r) => r.batch === null).map((r) => r.epoch),
      [1, 2, 3],
    );
  });

  it('refuses --resume with a model file, --epochs or --out (exit 2), and a run that cannot be resumed (exit 1)', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: tiny.workspace.root, encoding: 'utf8' });
    const runDir = `${tiny.runsDir}/none`;
    assert.equal(cli('train', tiny.modelFile, '--resume', runDir).status, 2);
    assert.match(cli('train', '--resume', runDir).stderr, /no run folder \(with a run\.json\)/);
    assert.match(cli('evaluate', tiny.modelFile, '--resume', runDir).stderr, /--resume is an option of train and sweep only/);
    const done = cli('train', tiny.modelFile, '--backend', 'cpu', '--epochs', '1', '--json');
    const { runDir: completed } = JSON.parse(done.stdout.trim().split('\n').at(-1) as string) as { runDir: string };
    assert.match(cli('train', '--resume', completed, '--epochs', '4').stderr, /--epochs cannot be combined with --resume/);
    assert.match(cli('train', '--resume', completed, '--out', 'elsewhere').stderr, /--out cannot be combined with --resume/);
    const refused = cli('train', '--resume', completed);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /cannot resume run \S+: it completed; only a stopped run can be resumed/);
  });
});
