import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec } from '../../src/modelFile/modelSpec';
import { fieldPath, inspectModelFile } from '../../src/trainer/inspect';
import { summarizeModel } from '../../src/trainer/modelSummary';
import { IRIS_CSV, irisModel, toJson, withValue } from '../fixtures/modelFile';
import { tempWorkspace } from '../fixtures/workspace';

const samples = path.join(__dirname, '..', '..', 'samples');

function specWith(layers: readonly LayerSpec[], training: Partial<ModelSpec['training']> = {}): ModelSpec {
  return {
    name: 'm',
    task: 'classification',
    data: { train: { path: 'x.csv', label: 'y' } },
    model: { layers },
    training: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 1, ...training },
  };
}

/** The same layers built straight with tf.layers: the reference for shapes and counts. */
function reference(layers: readonly tf.layers.Layer[]): { outputShape: unknown; params: number }[] {
  const model = tf.sequential({ layers: [...layers] });
  try {
    return model.layers.map((l) => ({ outputShape: l.outputShape, params: l.countParams() }));
  } finally {
    model.dispose();
  }
}

describe('summarizeModel', function () {
  this.timeout(60_000); // TF.js loads on first use

  before(async () => {
    await tf.setBackend('cpu');
  });

  it('counts dense, dropout, conv2d, flatten and lstm parameters as TF.js countParams() does', () => {
    const cases: { spec: LayerSpec[]; input: number[]; tfLayers: () => tf.layers.Layer[] }[] = [
      {
        spec: [
          { type: 'dense', units: 512, activation: 'relu' },
          { type: 'dropout', rate: 0.2 },
          { type: 'dense', units: 10 },
        ],
        input: [784],
        tfLayers: () => [
          tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: 10 }),
        ],
      },
      {
        spec: [
          { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'conv2d', filters: 64, kernelSize: [3, 3], strides: 2, padding: 'same', useBias: false },
          { type: 'flatten' },
          { type: 'dense', units: 10 },
        ],
        input: [28, 28, 1],
        tfLayers: () => [
          tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 64, kernelSize: [3, 3], strides: 2, padding: 'same', useBias: false }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10 }),
        ],
      },
      {
        spec: [
          { type: 'lstm', units: 16, returnSequences: true },
          { type: 'lstm', units: 8 },
          { type: 'dense', units: 1 },
        ],
        input: [20, 3],
        tfLayers: () => [
          tf.layers.lstm({ units: 16, returnSequences: true, inputShape: [20, 3] }),
          tf.layers.lstm({ units: 8 }),
          tf.layers.dense({ units: 1 }),
        ],
      },
    ];
    for (const { spec, input, tfLayers } of cases) {
      const summary = summarizeModel(specWith(spec), input);
      const expected = reference(tfLayers());
      assert.deepEqual(
        summary.layers.map((l) => ({ outputShape: l.outputShape, params: l.params })),
        expected,
        spec.map((l) => l.type).join(' → '),
      );
      assert.equal(
        summary.totalParams,
        expected.reduce((n, l) => n + l.params, 0),
      );
      assert.deepEqual(summary.inputShape, [null, ...input]);
    }
  });

  it('gives hand-checked counts: dense (in+1)·units, conv2d (k·k·c+1)·filters, lstm 4·(in+units+1)·units', () => {
    const summary = summarizeModel(
      specWith([
        { type: 'conv2d', filters: 8, kernelSize: 3 },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.5 },
        { type: 'dense', units: 4 },
      ]),
      [6, 6, 2],
    );
    assert.deepEqual(
      summary.layers.map((l) => l.params),
      [(3 * 3 * 2 + 1) * 8, 0, 0, (4 * 4 * 8 + 1) * 4],
    );
    assert.deepEqual(
      summary.layers.map((l) => l.outputShape),
      [
        [null, 4, 4, 8],
        [null, 128],
        [null, 128],
        [null, 4],
      ],
    );
    const lstm = summarizeModel(specWith([{ type: 'lstm', units: 5 }]), [7, 3]);
    assert.equal(lstm.layers[0].params, 4 * (3 + 5 + 1) * 5);
  });

  it('separates trainable from non-trainable weights (batchNormalization, trainable: false)', () => {
    const summary = summarizeModel(
      specWith([{ type: 'dense', units: 8 }, { type: 'batchNormalization' }, { type: 'dense', units: 2, trainable: false }]),
      [4],
    );
    assert.deepEqual(
      summary.layers.map((l) => [l.params, l.trainableParams]),
      [
        [40, 40],
        [32, 16],
        [18, 0],
      ],
    );
    assert.equal(summary.totalParams, 90);
    assert.equal(summary.trainableParams, 56);
    assert.equal(summary.nonTrainableParams, 34);
  });

  it('estimates memory from weights, optimizer slots, gradients and one batch of activations', () => {
    const summary = summarizeModel(specWith([{ type: 'dense', units: 10 }], { optimizer: 'adam', batchSize: 2 }), [5]);
    const { memory } = summary;
    assert.equal(memory.weightsBytes, 60 * 4);
    assert.equal(memory.optimizerSlots, 2);
    assert.equal(memory.optimizerBytes, 60 * 2 * 4);
    assert.equal(memory.gradientsBytes, 60 * 4);
    assert.equal(memory.activationsBytes, (5 + 10) * 2 * 4);
    assert.equal(memory.totalBytes, memory.weightsBytes + memory.optimizerBytes + memory.gradientsBytes + memory.activationsBytes);
    assert.equal(summarizeModel(specWith([{ type: 'dense', units: 10 }], { optimizer: 'sgd' }), [5]).memory.optimizerBytes, 0);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      summarizeModel(
        specWith([
          { type: 'dense', units: 16 },
          { type: 'dense', units: 2 },
        ]),
        [4],
      );
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('inspectModelFile', function () {
  this.timeout(60_000);

  before(async () => {
    await tf.setBackend('cpu');
  });

  it('mnist-mlp has 407,050 parameters (784·512+512 and 512·10+10)', async () => {
    const file = path.join(samples, 'mnist-mlp.model.json');
    const inspection = await inspectModelFile(file, readFileSync(file, 'utf8'), samples);
    assert.equal(inspection.kind, 'ok');
    if (inspection.kind !== 'ok') return;
    assert.equal(inspection.summary.totalParams, 407_050);
    assert.deepEqual(
      inspection.summary.layers.map((l) => [l.name, l.outputShape, l.params]),
      [
        ['dense_1', [null, 512], 401_920],
        ['dense_2', [null, 10], 5_130],
      ],
    );
  });

  it('takes the example shape from the data when data.features.shape is absent (iris: 4 columns)', async () => {
    const file = path.join(samples, 'iris.model.yaml');
    const inspection = await inspectModelFile(file, readFileSync(file, 'utf8'), samples);
    assert.equal(inspection.kind, 'ok');
    if (inspection.kind !== 'ok') return;
    assert.deepEqual(inspection.summary.inputShape, [null, 4]);
    assert.equal(inspection.summary.totalParams, (4 + 1) * 16 + (16 + 1) * 3);
  });

  it("gives the editor's diagnostics for an invalid file, not a table", async () => {
    const workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
    try {
      const file = workspace.file('m.model.json');
      const text = toJson(withValue(irisModel(), ['model', 'layers', 0, 'units'], 0));
      const inspection = await inspectModelFile(file, text, workspace.root);
      assert.equal(inspection.kind, 'invalid');
      if (inspection.kind !== 'invalid') return;
      assert.deepEqual(
        inspection.diagnostics.map((d) => [d.path, d.message]),
        [[['model', 'layers', 0, 'units'], '"model.layers[0].units" must be an integer ≥ 1 (got 0)']],
      );
    } finally {
      workspace.remove();
    }
  });

  it('puts a model TF.js cannot build on the layer at fault', async () => {
    const workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
    try {
      const file = workspace.file('m.model.json');
      const model = withValue(
        irisModel(),
        ['model', 'layers'],
        [
          { type: 'dense', units: 8 },
          { type: 'conv2d', filters: 2, kernelSize: 3 },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      );
      const text = toJson(model);
      const inspection = await inspectModelFile(file, text, workspace.root);
      assert.equal(inspection.kind, 'invalid');
      if (inspection.kind !== 'invalid') return;
      assert.equal(inspection.diagnostics.length, 1);
      assert.deepEqual(inspection.diagnostics[0].path, ['model', 'layers', 1]);
      assert.match(inspection.diagnostics[0].message, /^model\.layers\[1\]: conv2d: .*expected ndim=4/);
      assert.equal(inspection.diagnostics[0].range.start.line, text.split('\n').findIndex((l) => l.includes('"conv2d"')) - 1);
    } finally {
      workspace.remove();
    }
  });

  describe("layer configs the schema accepts and TF.js refuses: an error on the layer, in the file's terms", () => {
    /** The inspection of iris with `layers`, and the line of the layer at `index` in the text. */
    async function inspectLayers(layers: readonly Record<string, unknown>[], training: Record<string, unknown> = {}) {
      const workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
      try {
        const base = irisModel();
        const model = withValue(withValue(base, ['model', 'layers'], layers), ['training'], { ...(base.training as object), ...training });
        const text = toJson(model);
        return { inspection: await inspectModelFile(workspace.file('m.model.json'), text, workspace.root), text };
      } finally {
        workspace.remove();
      }
    }

    const cases: { name: string; layers: Record<string, unknown>[]; index: number; message: RegExp }[] = [
      {
        name: 'a conv2d kernel larger than its input',
        layers: [
          { type: 'reshape', targetShape: [2, 2, 1] },
          { type: 'conv2d', filters: 2, kernelSize: 5 },
          { type: 'flatten' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        index: 1,
        message: /^model\.layers\[1\]: conv2d: its input \[2, 2, 1\] is smaller than the kernel \(kernelSize 5\): use a smaller kernelSize/,
      },
      {
        name: 'a reshape to another number of values (builds, then fails at the first batch)',
        layers: [{ type: 'reshape', targetShape: [3, 3] }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }],
        index: 0,
        message: /^model\.layers\[0\]: reshape: targetShape \[3, 3\] holds 9 values but its input \[4\] holds 4/,
      },
      {
        name: 'an activityRegularizer (TF.js refuses to run a layer with one)',
        layers: [
          { type: 'dense', units: 8, activityRegularizer: { l2: 0.01 } },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        index: 0,
        message: /^model\.layers\[0\]: dense: TF\.js cannot train a layer with an activityRegularizer yet: remove it/,
      },
      {
        name: 'an unknown initializer',
        layers: [
          { type: 'dense', units: 8, kernelInitializer: 'glorotUniformX' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        index: 0,
        message: /^model\.layers\[0\]: dense: unknown initializer "glorotUniformX" — did you mean "glorotUniform"\?$/,
      },
    ];
    for (const { name, layers, index, message } of cases) {
      it(name, async () => {
        const { inspection, text } = await inspectLayers(layers);
        assert.equal(inspection.kind, 'invalid');
        if (inspection.kind !== 'invalid') return;
        assert.equal(inspection.diagnostics.length, 1);
        assert.deepEqual(inspection.diagnostics[0].path, ['model', 'layers', index]);
        assert.match(inspection.diagnostics[0].message, message);
        assert.doesNotMatch(inspection.diagnostics[0].message, /Negative dimension|Total size of new array|registerClass|\n/);
        const typeLine = text
          .split('\n')
          .findIndex(
            (l, i, all) =>
              l.includes(`"type": "${String(layers[index].type)}"`) && all.slice(0, i).filter((x) => x.includes('"type"')).length === index,
          );
        assert.equal(inspection.diagnostics[0].range.start.line, typeLine - 1);
      });
    }

    it('regularizers (l1, l2) and a learning-rate schedule build', async () => {
      const { inspection } = await inspectLayers(
        [
          {
            type: 'dense',
            units: 8,
            activation: 'relu',
            kernelRegularizer: { l2: 0.01 },
            biasRegularizer: { l1: 0.001 },
          },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        { optimizer: 'momentum', learningRateSchedule: { type: 'plateau', monitor: 'val_loss', factor: 0.5, patience: 2 } },
      );
      assert.equal(inspection.kind, 'ok', JSON.stringify(inspection));
    });
  });

  it('reads a field of a build error as a path', () => {
    assert.deepEqual(fieldPath('model.layers[2].type'), ['model', 'layers', 2, 'type']);
    assert.deepEqual(fieldPath('training'), ['training']);
  });
});
