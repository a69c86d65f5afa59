import { strict as assert } from 'node:assert';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { IRIS_CSV, irisModel, rangeOfText, toJson, withValue } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** validate's checks of training.learningRateSchedule beyond the schema: a schedule that would silently do nothing. */
describe('learning-rate schedule checks', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
  });
  afterEach(() => workspace.remove());

  async function problems(schedule: unknown, model = irisModel()): Promise<{ severity: string; message: string; line: number }[]> {
    const text = toJson(withValue(model, ['training', 'learningRateSchedule'], schedule));
    const { diagnostics } = await validateModelFile(workspace.file('m.model.json'), text, { workspaceRoot: workspace.root });
    return diagnostics.map((d) => ({ severity: d.severity, message: d.message, line: d.range.start.line }));
  }

  it('accepts each type with sensible settings', async () => {
    for (const schedule of [
      { type: 'cosine', warmupEpochs: 2, minLearningRate: 1e-5 },
      { type: 'step', every: 10, factor: 0.5 },
      { type: 'exponential', factor: 0.95 },
      { type: 'plateau', monitor: 'val_accuracy', factor: 0.5, patience: 3, minLearningRate: 1e-6 },
      { type: 'plateau' },
    ]) {
      assert.deepEqual(await problems(schedule), [], JSON.stringify(schedule));
    }
  });

  it('plateau watching a value training does not report is an error on the monitor', async () => {
    const schedule = { type: 'plateau', monitor: 'val_acuracy' };
    const text = toJson(withValue(irisModel(), ['training', 'learningRateSchedule'], schedule));
    assert.deepEqual(await problems(schedule), [
      {
        severity: 'error',
        message: 'training does not report "val_acuracy", so the learning rate would never be reduced — did you mean "val_accuracy"?',
        line: rangeOfText(text, '"val_acuracy"').start.line,
      },
    ]);
  });

  it('plateau on a val_ metric without a validation split is a warning', async () => {
    const model = withValue(irisModel(), ['data', 'validationSplit'], undefined);
    const [found] = await problems({ type: 'plateau', monitor: 'val_loss' }, model);
    assert.equal(found.severity, 'warning');
    assert.equal(
      found.message,
      '"val_loss" is only reported with a validation split: set "data.validationSplit" (e.g. 0.1) or monitor "loss"',
    );
  });

  it('a cosine warm-up as long as the run is a warning', async () => {
    const model = withValue(irisModel(), ['training', 'epochs'], 3);
    const found = await problems({ type: 'cosine', warmupEpochs: 3 }, model);
    assert.deepEqual(
      found.map((f) => [f.severity, f.message]),
      [['warning', 'the warm-up lasts all 3 epochs, so the rate never anneals: use fewer warmupEpochs than epochs']],
    );
  });
});
