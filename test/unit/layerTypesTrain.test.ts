import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import schema from '../../src/modelFile/model-file.schema.json';
import type { LayerSpec } from '../../src/modelFile/modelSpec';
import { NOT_IN_A_LAYER_LIST } from '../../src/modelFile/layerTypes';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';
import { trainStoppedThenResumed } from '../fixtures/stopAndResume';

/**
 * A file that validates must train, for layer types too: each type the
 * schema suggests (read from the schema, so a type added later needs a
 * case here) trains in a tiny model, stopped after epoch 1 and resumed to
 * the end; the factories that cannot (NOT_IN_A_LAYER_LIST) are left out of
 * the schema and refused by the validator with their reason.
 */

const TYPES = (schema.definitions.layer.properties.type.anyOf[0] as { enum: string[] }).enum;

/** Shapes of one example of the 24 features: flat, a sequence, an image, a volume (or a sequence of images). */
const SHAPES = { flat: [24], sequence: [6, 4], image: [4, 6, 1], volume: [2, 3, 4, 1] } as const;
type Shape = keyof typeof SHAPES;

/** Each type with an input it takes and its usual settings; the test adds a softmax output, after flatten where the output is not flat yet. */
const CASES: Readonly<Record<string, { readonly shape: Shape; readonly layer: Omit<LayerSpec, 'type'>; readonly flat?: boolean }>> = {
  activation: { shape: 'flat', layer: { activation: 'tanh' } },
  alphaDropout: { shape: 'flat', layer: { rate: 0.1 } },
  averagePooling1d: { shape: 'sequence', layer: { poolSize: 2 } },
  averagePooling2d: { shape: 'image', layer: { poolSize: 2 } },
  averagePooling3d: { shape: 'volume', layer: { poolSize: 2 } },
  avgPool1d: { shape: 'sequence', layer: { poolSize: 2 } },
  avgPool2d: { shape: 'image', layer: { poolSize: 2 } },
  avgPool3d: { shape: 'volume', layer: { poolSize: 2 } },
  avgPooling1d: { shape: 'sequence', layer: { poolSize: 2 } },
  avgPooling2d: { shape: 'image', layer: { poolSize: 2 } },
  avgPooling3d: { shape: 'volume', layer: { poolSize: 2 } },
  batchNormalization: { shape: 'flat', layer: {} },
  conv1d: { shape: 'sequence', layer: { filters: 4, kernelSize: 2, activation: 'relu' } },
  conv2d: { shape: 'image', layer: { filters: 4, kernelSize: 2, activation: 'relu' } },
  conv2dTranspose: { shape: 'image', layer: { filters: 2, kernelSize: 2 } },
  conv3d: { shape: 'volume', layer: { filters: 2, kernelSize: 2 } },
  convLstm2d: { shape: 'volume', layer: { filters: 2, kernelSize: 2 } },
  cropping2D: { shape: 'image', layer: { cropping: 1 } },
  dense: { shape: 'flat', layer: { units: 8, activation: 'relu' } },
  depthwiseConv2d: { shape: 'image', layer: { kernelSize: 2 } },
  dropout: { shape: 'flat', layer: { rate: 0.2 } },
  elu: { shape: 'flat', layer: {} },
  embedding: { shape: 'flat', layer: { inputDim: 8, outputDim: 2, inputLength: 24 }, flat: false },
  flatten: { shape: 'image', layer: {}, flat: true },
  gaussianDropout: { shape: 'flat', layer: { rate: 0.1 } },
  gaussianNoise: { shape: 'flat', layer: { stddev: 0.1 } },
  globalAveragePooling1d: { flat: true, shape: 'sequence', layer: {} },
  globalAveragePooling2d: { flat: true, shape: 'image', layer: {} },
  globalMaxPool1d: { flat: true, shape: 'sequence', layer: {} },
  globalMaxPool2d: { flat: true, shape: 'image', layer: {} },
  globalMaxPooling1d: { flat: true, shape: 'sequence', layer: {} },
  globalMaxPooling2d: { flat: true, shape: 'image', layer: {} },
  gru: { shape: 'sequence', layer: { units: 4 }, flat: true },
  layerNormalization: { shape: 'flat', layer: {} },
  leakyReLU: { shape: 'flat', layer: {} },
  lstm: { shape: 'sequence', layer: { units: 4 }, flat: true },
  masking: { shape: 'sequence', layer: { maskValue: -1 } },
  maxPool1d: { shape: 'sequence', layer: { poolSize: 2 } },
  maxPool2d: { shape: 'image', layer: { poolSize: 2 } },
  maxPooling1d: { shape: 'sequence', layer: { poolSize: 2 } },
  maxPooling2d: { shape: 'image', layer: { poolSize: 2 } },
  maxPooling3d: { shape: 'volume', layer: { poolSize: 2 } },
  permute: { shape: 'sequence', layer: { dims: [2, 1] } },
  prelu: { shape: 'flat', layer: {} },
  reLU: { shape: 'flat', layer: {} },
  repeatVector: { shape: 'flat', layer: { n: 2 }, flat: false },
  rescaling: { shape: 'flat', layer: { scale: 0.5 } },
  reshape: { shape: 'flat', layer: { targetShape: [6, 4] }, flat: false },
  separableConv2d: { shape: 'image', layer: { filters: 2, kernelSize: 2 } },
  simpleRNN: { shape: 'sequence', layer: { units: 4 }, flat: true },
  softmax: { shape: 'flat', layer: {} },
  spatialDropout1d: { shape: 'sequence', layer: { rate: 0.1 } },
  thresholdedReLU: { shape: 'flat', layer: {} },
  upSampling2d: { shape: 'image', layer: { size: [2, 2] } },
  zeroPadding2d: { shape: 'image', layer: {} },
  positionEmbedding: { shape: 'sequence', layer: { sequenceLength: 6 } },
  transformerEncoder: { shape: 'sequence', layer: { numHeads: 2, ffDim: 8, dropout: 0.1 } },
};

function trainCsv(): string {
  const header = [...Array.from({ length: 24 }, (_, i) => `f${i}`), 'y'].join(',');
  const lines = [header];
  for (let r = 0; r < 30; r++) {
    // Small whole numbers, so that embedding and categoryEncoding read them as tokens too.
    const features = Array.from({ length: 24 }, (_, i) => (r * 7 + i * 3) % 8);
    lines.push([...features, `c${r % 3}`].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('every layer type the schema suggests trains with resume; the others are refused up front', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  before(() => {
    workspace = tempWorkspace({ 'train.csv': trainCsv() });
  });
  after(() => workspace.remove());

  function writeCase(type: string, shape: Shape, layers: readonly Record<string, unknown>[]): string {
    const spec = {
      name: type,
      data: { train: { path: 'train.csv', label: 'y' }, features: { shape: SHAPES[shape] } },
      model: { layers },
      training: { epochs: 2, batchSize: 10, seed: 1 },
    };
    return workspace.write(`${type}.model.json`, JSON.stringify(spec, null, 2));
  }

  it('the factories left out of the schema are refused by the validator, with their reason', async () => {
    for (const [type, reason] of Object.entries(NOT_IN_A_LAYER_LIST)) {
      const file = writeCase(type, 'flat', [{ type }, { type: 'dense', units: 3, activation: 'softmax' }]);
      const { diagnostics } = await validateModelFile(file, readFileSync(file, 'utf8'), { workspaceRoot: workspace.root });
      const error = diagnostics.find((d) => d.severity === 'error' && d.path.join('.') === 'model.layers.0.type');
      assert.equal(error?.message, `layer type "${type}" ${reason}, so it cannot be used in "model.layers"`);
    }
  });

  for (const type of TYPES) {
    it(type, async () => {
      const c = CASES[type];
      assert.ok(c, `no case for the layer type "${type}": add one to CASES`);
      const file = writeCase(type, c.shape, [
        { type, ...c.layer },
        ...((c.flat ?? c.shape === 'flat') ? [] : [{ type: 'flatten' }]),
        { type: 'dense', units: 3, activation: 'softmax' },
      ]);
      const epochs = (await trainStoppedThenResumed(workspace, file)).map((r) => r.epoch);
      assert.deepEqual(epochs, [1, 2]);
    });
  }
});
