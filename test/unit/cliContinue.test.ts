import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, RunInfo } from '../../src/protocol/runTypes';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** `model-studio train FILE --continue RUN`: a new run from RUN's last checkpoint with the file's current settings. */
describe('CLI train --continue', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    testBundles();
    tiny = writeTinyModel({ rows: 90, training: { epochs: 2 } });
  });
  after(() => tiny.workspace.remove());
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: tiny.workspace.root, encoding: 'utf8' });
  const lines = (stdout: string): Record<string, unknown>[] =>
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('--json prints the epochs and a result whose run has the parent and the new learning rate', () => {
    const first = cli('train', tiny.modelFile, '--backend', 'cpu', '--json');
    assert.equal(first.status, 0, first.stderr);
    const parent = lines(first.stdout).at(-1) as { runDir: string; run: RunInfo };
    writeFileSync(tiny.modelFile, JSON.stringify({ ...tiny.spec, training: { ...tiny.spec.training, learningRate: 0.001 } }));

    const second = cli('train', tiny.modelFile, '--continue', parent.runDir, '--epochs', '3', '--backend', 'cpu', '--json');
    assert.equal(second.status, 0, second.stderr);
    const out = lines(second.stdout);
    const result = out.at(-1) as { type: string; status: string; runDir: string; run: RunInfo };
    assert.equal(result.type, 'result');
    assert.equal(result.status, 'completed');
    assert.equal(path.dirname(result.runDir), path.dirname(parent.runDir));
    assert.deepEqual(result.run.parent, { id: parent.run.id, epochs: 2 });
    const epochs = (out.slice(0, -1) as unknown as MetricRecord[]).filter((r) => r.batch === null);
    assert.deepEqual(
      epochs.map((r) => [r.epoch, r.lr]),
      [
        [1, 0.001],
        [2, 0.001],
        [3, 0.001],
      ],
    );
  });

  it('refuses --continue with --resume or --out, on another command, or without a run folder (exit 2)', () => {
    const runDir = path.join(tiny.runsDir, 'none');
    assert.match(cli('train', tiny.modelFile, '--continue', runDir).stderr, /no run folder \(with a run\.json\) at/);
    assert.match(cli('train', tiny.modelFile, '--continue', runDir, '--out', 'x').stderr, /--continue cannot be combined with/);
    assert.match(cli('evaluate', tiny.modelFile, '--continue', runDir).stderr, /--continue is an option of train only/);
    assert.equal(cli('train', tiny.modelFile, '--continue', runDir).status, 2);
  });
});
