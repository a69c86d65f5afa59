import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { TokenEncoder, isVocabularyFile } from '../../src/data/vocabulary';
import { attentionReceived } from '../../src/trainer/attention';
import { loadModel } from '../../src/trainer/modelIO';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { MESSAGES_CSV, textModel } from '../fixtures/textModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const LENGTH = 8;

/** Token ids as 8 numeric columns (padded with 0 at the end), labelled by whether token 5 appears. */
function idsCsv(rows: number): string {
  const lines = [[...Array.from({ length: LENGTH }, (_, i) => `t${i}`), 'label'].join(',')];
  for (let r = 0; r < rows; r++) {
    const length = 2 + (r % (LENGTH - 1));
    const ids = Array.from({ length: LENGTH }, (_, t) => (t < length ? 2 + ((r * 7 + t * 3) % 17) : 0));
    lines.push([...ids, ids.includes(5) ? 'yes' : 'no'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The text classifier without a text column: the ids are the features (the text pipeline is another part of #15). */
const SPEC: ModelSpec = {
  name: 'ids',
  task: 'classification',
  data: { train: { path: 'ids.csv', label: 'label' }, testSplit: 0.25, features: { normalize: 'none' } },
  model: {
    layers: [
      { type: 'embedding', inputDim: 20, outputDim: 8, maskZero: true },
      { type: 'positionEmbedding', sequenceLength: LENGTH },
      { type: 'transformerEncoder', numHeads: 2, ffDim: 16, dropout: 0.1 },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ],
  },
  training: { optimizer: 'adam', learningRate: 0.01, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 3, seed: 3 },
};

/** A script for a fresh Node process: only @tensorflow/tfjs and (unless told not to) the export's layers script. */
const LOAD_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const tf = require('@tensorflow/tfjs');
const [dir, withLayers, ids] = [process.argv[1], process.argv[2] === "yes", JSON.parse(process.argv[3])]; // node -e: no script path in argv
if (withLayers) require(path.join(dir, 'model-studio-layers.js'));
(async () => {
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const buffers = json.weightsManifest[0].paths.map((p) => fs.readFileSync(path.join(dir, p)));
  const data = Buffer.concat(buffers);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  }));
  process.stdout.write(JSON.stringify(Array.from(model.predict(tf.tensor2d(ids)).dataSync())));
})().catch((error) => { process.stderr.write(String(error.message)); process.exit(1); });
`;

describe("export and model.from of a model with Model Studio's layers", function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  let runDir: string;
  const exported = () => workspace.file('export');
  const trainFile = async (file: string): Promise<string> => {
    const outcome = await train(
      { modelFile: file, workspaceRoot: workspace.root, runsDir: workspace.file('runs'), backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.equal(outcome.type, 'done', outcome.type === 'error' ? outcome.message : '');
    assert.equal(outcome.run.status, 'completed', outcome.run.error?.message);
    return outcome.runDir;
  };

  before(async () => {
    workspace = tempWorkspace({ 'ids.csv': idsCsv(80), 'ids.model.json': JSON.stringify(SPEC, null, 2) });
    runDir = await trainFile(workspace.file('ids.model.json'));
  });
  after(() => workspace.remove());

  it('exports (CLI) with model-studio-layers.js and a README saying to import it before tf.loadLayersModel; parity on the test split', () => {
    const result = spawnSync(process.execPath, [testBundles().cli, 'export', runDir, '--out', 'export', '--json', '--backend', 'cpu'], {
      cwd: workspace.root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
      files: string[];
      parity?: { examples: number; maxAbsDifference: number };
      loadNote?: string;
    };
    assert.deepEqual(
      last.files.map((f) => path.basename(f)),
      ['model.json', 'group1-shard1of1.bin', 'keras-topology.json', 'model-studio-layers.js', 'README.md'],
    );
    assert.equal(last.parity?.examples, 20);
    assert.ok(last.parity.maxAbsDifference <= 1e-6);
    assert.match(
      last.loadNote ?? '',
      /PositionEmbedding, TransformerEncoder, MaskedGlobalAveragePooling1D: import model-studio-layers\.js/,
    );
    assert.match(readFileSync(path.join(exported(), 'README.md'), 'utf8'), /import `model-studio-layers\.js` before `tf\.loadLayersModel`/);
  });

  it('loads in a fresh process with only @tensorflow/tfjs and model-studio-layers.js: identical predictions', async () => {
    const ids = [
      [3, 5, 9, 0, 0, 0, 0, 0],
      [4, 6, 8, 10, 12, 14, 16, 18],
      [7, 0, 0, 0, 0, 0, 0, 0],
    ];
    const run = (withLayers: boolean) =>
      spawnSync(process.execPath, ['-e', LOAD_SCRIPT, exported(), withLayers ? 'yes' : 'no', JSON.stringify(ids)], {
        encoding: 'utf8',
        // Nothing of Model Studio: the repository's node_modules only provides @tensorflow/tfjs.
        env: { ...process.env, NODE_PATH: path.resolve(__dirname, '../../node_modules') },
      });
    const without = run(false);
    assert.notEqual(without.status, 0);
    assert.match(without.stderr, /Unknown layer: PositionEmbedding/);

    const fresh = run(true);
    assert.equal(fresh.status, 0, fresh.stderr);
    await tf.setBackend('cpu');
    const model = await loadModel(path.join(runDir, 'model'));
    const expected = Array.from((model.predict(tf.tensor2d(ids)) as tf.Tensor).dataSync());
    model.dispose();
    assert.deepEqual(JSON.parse(fresh.stdout), expected);
  });

  it('model.from fine-tunes the export: its layers copied with their weights (frozen), a new head trained', async () => {
    assert.ok(existsSync(path.join(exported(), 'model.json')));
    const spec = {
      ...SPEC,
      name: 'ft',
      model: { from: 'export/model.json', trainable: false, layers: [{ type: 'dense', units: 2, activation: 'softmax' }] },
    };
    const fineTuned = await trainFile(workspace.write('ft.model.json', JSON.stringify(spec, null, 2)));
    const [base, tuned] = await Promise.all([loadModel(exported()), loadModel(path.join(fineTuned, 'model'))]);
    assert.deepEqual(
      tuned.layers.map((l) => l.getClassName()),
      ['Embedding', 'PositionEmbedding', 'TransformerEncoder', 'MaskedGlobalAveragePooling1D', 'Dense', 'Dense'],
    );
    const values = (layer: tf.layers.Layer) => layer.getWeights().map((w) => Array.from(w.dataSync()));
    for (let i = 0; i < base.layers.length; i++) assert.deepEqual(values(tuned.layers[i]), values(base.layers[i]), base.layers[i].name);
    base.dispose();
    tuned.dispose();
  });
});

describe('a Transformer on raw text (data.text), through the trainer', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  after(() => workspace.remove());

  it('trains with the text defaults (inputDim, maskZero, sequenceLength) and gives attention over the real tokens of a text', async () => {
    const spec = textModel();
    const layers = [
      { type: 'embedding', outputDim: 8 },
      { type: 'positionEmbedding' },
      { type: 'transformerEncoder', numHeads: 2, ffDim: 16, dropout: 0.1 },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ];
    workspace = tempWorkspace({
      'data/messages.csv': MESSAGES_CSV,
      't.model.json': JSON.stringify({ ...spec, model: { layers } }, null, 2),
    });
    const outcome = await train(
      { modelFile: workspace.file('t.model.json'), workspaceRoot: workspace.root, runsDir: workspace.file('runs'), backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.equal(outcome.type, 'done', outcome.type === 'error' ? outcome.message : '');
    assert.equal(outcome.run.status, 'completed', outcome.run.error?.message);
    const model = await loadModel(path.join(outcome.runDir, 'model'));
    assert.deepEqual(model.layers[0].getConfig().inputDim, 30);
    assert.equal(model.layers[0].getConfig().maskZero, true);
    assert.equal(model.layers[1].getConfig().sequenceLength, 8);
    assert.equal(model.layers[3].getClassName(), 'MaskedGlobalAveragePooling1D');

    const vocabulary: unknown = JSON.parse(readFileSync(path.join(outcome.runDir, 'vocabulary.json'), 'utf8'));
    assert.ok(isVocabularyFile(vocabulary));
    const ids = Array.from(new TokenEncoder(vocabulary).encode('win a free prize now'));
    const [layer] = attentionReceived(model, ids);
    assert.equal(layer.heads.length, 2);
    for (const head of layer.heads) assert.equal(head.length, ids.filter((id) => id !== 0).length);
    model.dispose();
  });
});
