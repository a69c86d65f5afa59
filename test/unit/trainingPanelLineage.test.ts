import * as assert from 'node:assert/strict';
import type { TrainRequest } from '../../src/protocol/trainerMessages';
import { readMetrics, readRun } from '../../src/runFolder/readRunFolder';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { fromRunInfo, withLineage } from '../../src/workbench/panels/trainingPanelRuns';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** The training panel's view of a chain of continued runs: each ancestor drawn after the epochs before it. */
describe('training panel: a continued run with its parents', function () {
  let tiny: TinyModel;
  before(() => {
    tiny = writeTinyModel({ rows: 60, training: { epochs: 2 } });
  });
  after(() => tiny.workspace.remove());

  async function trainOnce(overrides: Partial<TrainRequest> = {}): Promise<string> {
    const outcome: TrainOutcome = await train(
      { modelFile: tiny.modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu', ...overrides },
      { onMessage: () => undefined },
    );
    assert.ok(outcome.type === 'done', JSON.stringify(outcome));
    return outcome.runDir;
  }

  it('draws the grandparent from epoch 0, the parent after its 2 epochs, and the run after 4', async () => {
    const grandparent = await trainOnce();
    const parent = await trainOnce({ continueRunDir: grandparent });
    const child = await trainOnce({ continueRunDir: parent, epochs: 3 });
    const info = await readRun(child);
    const shown = await withLineage({ run: fromRunInfo(info), runDir: child, records: await readMetrics(child) }, info);
    assert.deepEqual(
      shown.lineage?.map((run) => [run.runDir, run.epochOffset]),
      [
        [grandparent, 0],
        [parent, 2],
      ],
    );
    assert.equal(shown.run.parent?.id, (await readRun(parent)).id);
    assert.equal(shown.run.parent?.epochsBefore, 4);
  });

  it('shows a run without a parent as it is', async () => {
    const runDir = await trainOnce();
    const info = await readRun(runDir);
    const shown = { run: fromRunInfo(info), runDir, records: [] };
    assert.equal(await withLineage(shown, info), shown);
  });
});
