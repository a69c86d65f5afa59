import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type { TrainerToHost } from '../../src/protocol/trainerMessages';
import { buildForm } from '../../src/modelFile/formModel';
import { modelFileCompletions } from '../../src/modelFile/modelFileCompletion';
import { formatDiagnostic, validateModelFile } from '../../src/modelFile/validateModelFile';
import { train } from '../../src/trainer/train';
import { imageModel, imageWorkspace } from '../fixtures/imageModel';
import { IRIS_CSV, irisModel, toJson, withValue } from '../fixtures/modelFile';
import type { TempWorkspace } from '../fixtures/workspace';

/** A run's records and final run.json test metrics. */
interface Trained {
  readonly records: MetricRecord[];
  readonly test: Record<string, number> | undefined;
}

describe('augmented training (data.augment)', function () {
  let workspace: TempWorkspace;
  before(() => (workspace = imageWorkspace()));
  after(() => workspace.remove());

  let runs = 0;
  async function trainWith(augment: Record<string, unknown> | undefined, training: Record<string, unknown> = {}): Promise<Trained> {
    const modelFile = workspace.write(`m${runs++}.model.json`, toJson(imageModel(augment, training)));
    const messages: TrainerToHost[] = [];
    const outcome = await train(
      { modelFile, workspaceRoot: workspace.root, runsDir: path.join(workspace.root, 'runs'), backend: 'cpu' },
      { onMessage: (message) => messages.push(message) },
    );
    assert.equal(outcome.type, 'done', JSON.stringify(outcome));
    assert.equal(outcome.type === 'done' && outcome.run.status, 'completed');
    return {
      records: messages.flatMap((m) => (m.type === 'metrics' ? [m.record] : [])),
      test: outcome.type === 'done' ? outcome.run.test : undefined,
    };
  }
  const losses = (trained: Trained): number[] => trained.records.map((r) => r.loss);
  const AUGMENT = { rotate: 15, shift: 0.1, zoom: 0.1, flipHorizontal: true, noise: 0.05 };

  it('the same seed gives identical batches: every batch loss equal; another seed, other losses', async () => {
    const first = await trainWith(AUGMENT);
    const again = await trainWith(AUGMENT);
    assert.deepEqual(losses(again), losses(first));
    const plain = await trainWith(undefined);
    assert.notDeepEqual(losses(plain), losses(first), 'augmentation changes what the model trains on');
    const otherSeed = await trainWith(AUGMENT, { seed: 8 });
    assert.notDeepEqual(losses(otherSeed), losses(first));
  });

  it('validation and test images are never augmented: with weights that do not move, val_ and test metrics equal the plain run', async () => {
    // A learning rate too small to change any float32 weight: only the inputs differ between the runs.
    const still = { optimizer: 'sgd', learningRate: 1e-30 };
    const plain = await trainWith(undefined, still);
    const augmented = await trainWith({ ...AUGMENT, brightness: 0.5, contrast: 0.5 }, still);
    const epochs = (trained: Trained): MetricRecord[] => trained.records.filter((r) => r.batch === null);
    assert.deepEqual(
      epochs(augmented).map((r) => [r.val_loss, r.val_accuracy]),
      epochs(plain).map((r) => [r.val_loss, r.val_accuracy]),
    );
    assert.deepEqual(augmented.test, plain.test);
    assert.notDeepEqual(losses(augmented), losses(plain), 'the training batches were augmented');
  });

  it('a run stopped inside an augmented epoch resumes on the same images: every batch loss as the uninterrupted run', async () => {
    const modelFile = workspace.write('resumed.model.json', toJson(imageModel(AUGMENT, { epochs: 3 })));
    const runsDir = path.join(workspace.root, 'runs-resume');
    const request = { modelFile, workspaceRoot: workspace.root, runsDir, backend: 'cpu' as const };
    const uninterrupted: MetricRecord[] = [];
    await train(request, { onMessage: (m) => m.type === 'metrics' && uninterrupted.push(m.record) });
    const stop = new AbortController();
    const before: MetricRecord[] = [];
    const stopped = await train(
      request,
      {
        onMessage: (m) => {
          if (m.type !== 'metrics') return;
          before.push(m.record);
          if (m.record.epoch === 2 && m.record.batch === 1) stop.abort();
        },
      },
      stop.signal,
    );
    assert.ok(stopped.type === 'done' && stopped.run.status === 'stopped');
    const after: MetricRecord[] = [];
    const resumed = await train(
      { ...request, resumeRunDir: stopped.runDir },
      { onMessage: (m) => m.type === 'metrics' && after.push(m.record) },
    );
    assert.ok(resumed.type === 'done' && resumed.run.status === 'completed');
    const batchLosses = (records: MetricRecord[]) => records.filter((r) => r.batch !== null).map((r) => [r.epoch, r.batch, r.loss]);
    assert.deepEqual(batchLosses([...before, ...after]), batchLosses(uninterrupted));
  });
});

describe('validating data.augment', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = imageWorkspace()));
  afterEach(() => workspace.remove());

  async function messagesOf(model: unknown): Promise<string[]> {
    const result = await validateModelFile(workspace.file('m.model.json'), toJson(model), { workspaceRoot: workspace.root });
    return result.diagnostics.map(formatDiagnostic);
  }

  it('images shaped [height, width, channels] with augmentation: no problems', async () => {
    assert.deepEqual(await messagesOf(imageModel({ rotate: 10, shift: 0.1, zoom: 0.1, brightness: 0.2, noise: 0.05 })), []);
  });

  it('a table model with augmentation: an error on data.augment that says images only', async () => {
    workspace.write('data/iris.csv', IRIS_CSV);
    const messages = await messagesOf(withValue(irisModel(), ['data', 'augment'], { rotate: 10 }));
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(
      messages[0],
      /m\.model\.json:\d+:\d+: error: "data\.augment" flips, rotates and shifts images, but data\.train is a table: augmentation needs image data \(IDX files or an image folder\); remove "data\.augment"/,
    );
  });

  it('flat images: an error that asks for data.features.shape', async () => {
    const flat = withValue(imageModel({ zoom: 0.1 }), ['data', 'features', 'shape'], [64]);
    const model = withValue(flat, ['model', 'layers'], [{ type: 'dense', units: 2, activation: 'softmax' }]);
    const messages = await messagesOf(model);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /error: "data\.augment" needs each image as \[height, width, channels\], but the examples are \[64\]/);
  });

  it('the schema bounds each entry and knows no other keys', async () => {
    const messages = await messagesOf(imageModel({ rotate: 200, zoom: 1, noise: -0.1, flipHorizontal: 'yes', mixup: 0.2 }));
    const text = messages.join('\n');
    for (const key of ['rotate', 'zoom', 'noise', 'flipHorizontal', 'mixup'])
      assert.match(text, new RegExp(`augment.*${key}|${key}.*augment`), text);
    assert.ok(messages.every((m) => / error: /.test(m)));
  });
});

describe('the form’s Augmentation group', () => {
  const group = (model: Record<string, unknown>) => buildForm(model, []).groups.find((g) => g.id === 'data.augment');

  it('image data: the eight keys, with the file’s values, checkboxes for flips and bounded numbers', () => {
    const found = group(imageModel({ rotate: 10, flipHorizontal: true }));
    assert.equal(found?.title, 'Augmentation');
    assert.deepEqual(
      found?.fields.map((f) => [f.id, f.control.kind, f.value]),
      [
        ['data.augment.flipHorizontal', 'checkbox', true],
        ['data.augment.flipVertical', 'checkbox', undefined],
        ['data.augment.rotate', 'number', 10],
        ['data.augment.shift', 'number', undefined],
        ['data.augment.zoom', 'number', undefined],
        ['data.augment.brightness', 'number', undefined],
        ['data.augment.contrast', 'number', undefined],
        ['data.augment.noise', 'number', undefined],
      ],
    );
    assert.deepEqual(found?.fields[2].control, { kind: 'number', integer: false, min: 0, max: 180, step: 1 });
    assert.ok(group(imageModel(undefined)), 'shown for images before the file has data.augment');
  });

  it('a table: no group, unless the file has data.augment (so its error can be seen and cleared)', () => {
    assert.equal(group(irisModel()), undefined);
    assert.ok(group(withValue(irisModel(), ['data', 'augment'], { rotate: 10 })));
  });
});

describe('completing data.augment (YAML; JSON gets the same from the editor schema)', () => {
  it('offers the eight keys with the schema’s docs', async () => {
    const text = 'data:\n  augment:\n    \n';
    const entries = await modelFileCompletions({ file: '/w/m.model.yaml', text, offset: text.length - 1, workspaceRoot: '/w' });
    assert.deepEqual(
      entries.map((e) => e.label),
      ['flipHorizontal', 'flipVertical', 'rotate', 'shift', 'zoom', 'brightness', 'contrast', 'noise'],
    );
    assert.match(entries.find((e) => e.label === 'rotate')?.documentation ?? '', /Degrees: each image is rotated about its centre/);
  });
});
