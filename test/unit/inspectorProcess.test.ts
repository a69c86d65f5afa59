import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { InspectionCancelled, InspectorProcess } from '../../src/host/inspectorProcess';

const repoRoot = path.resolve(__dirname, '../..');
const samples = path.join(repoRoot, 'samples');

/** dist/inspector.js as esbuild.mjs builds it, into out/test/ (beside test/fixtures/bundles.ts's). */
function inspectorBundle(): string {
  const outdir = path.join(repoRoot, 'out', 'test');
  buildSync({
    absWorkingDir: repoRoot,
    entryPoints: { inspector: 'src/trainer/inspector.ts' },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['@tensorflow/*'],
    logLevel: 'error',
  });
  return path.join(outdir, 'inspector.js');
}

describe('InspectorProcess', function () {
  this.timeout(60_000); // each new process loads TF.js
  let inspector: InspectorProcess;
  const log: string[] = [];
  const mnist = path.join(samples, 'mnist-mlp.model.json');
  const text = readFileSync(mnist, 'utf8');

  before(() => {
    inspector = new InspectorProcess({ inspectorPath: inspectorBundle(), onLog: (t) => log.push(t) });
  });

  after(() => inspector.dispose());

  it('answers with the layer table from a separate process', async () => {
    const { inspection, ms } = await inspector.inspect({ modelFile: mnist, text, workspaceRoot: samples });
    assert.equal(inspection.kind, 'ok');
    if (inspection.kind === 'ok') assert.equal(inspection.summary.totalParams, 407_050);
    assert.ok(ms >= 0);
    assert.notEqual(inspector.pid, process.pid);
  });

  it('answers the newest of a burst for one file and cancels the ones it overtook', async () => {
    // Sent to a new process, the whole burst is read at once after TF.js has
    // loaded (about half a second): the first starts building, the second
    // waits and is overtaken by the third. (Sent to a busy process, how many
    // are overtaken depends on when each arrives.)
    const fresh = new InspectorProcess({ inspectorPath: inspectorBundle(), onLog: (t) => log.push(t) });
    try {
      const results = await Promise.allSettled(
        [256, 128, 64].map((units) =>
          fresh.inspect({ modelFile: mnist, text: text.replace('"units": 512', `"units": ${units}`), workspaceRoot: samples }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      if (results[1].status === 'rejected') assert.ok(results[1].reason instanceof InspectionCancelled);
      const last = results[2];
      if (last.status === 'fulfilled' && last.value.inspection.kind === 'ok') {
        assert.equal(last.value.inspection.summary.layers[0].params, 784 * 64 + 64);
      } else assert.fail('the newest request was not built');
    } finally {
      fresh.dispose();
    }
  });

  it('starts a new process after the old one died', async () => {
    const old = inspector.pid;
    assert.ok(old);
    process.kill(old, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const { inspection } = await inspector.inspect({ modelFile: mnist, text, workspaceRoot: samples });
    assert.equal(inspection.kind, 'ok');
    assert.notEqual(inspector.pid, old);
  });
});
