import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inferData } from '../../src/data/dataInference';
import { DataError } from '../../src/data/dataError';
import { readDataSample, SAMPLE_ROWS } from '../../src/data/dataSample';
import { baselineHyperparameters } from '../../src/modelFile/baselineModel';
import { freeModelFile, modelNameFor, NewModelError, writeNewModelFile } from '../../src/modelFile/newModelFile';
import { parseModelFile } from '../../src/modelFile/parseModelFile';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

const SAMPLES = path.resolve(__dirname, '../../samples/data');

/** Writes the baseline for `data` next to it and returns its spec, after checking the validator passes it. */
async function baseline(
  workspace: TempWorkspace,
  data: string,
  choices = {},
  labels?: string,
): Promise<{ file: string; spec: ModelSpec; text: string }> {
  const sample = await readDataSample(data, labels);
  const inference = inferData(sample, choices);
  const folder = sample.kind === 'images' ? path.dirname(sample.folder) : path.dirname(data);
  const modelFile = await freeModelFile(folder, modelNameFor(sample));
  const { text } = await writeNewModelFile({ sample, inference, modelFile, workspaceRoot: workspace.root });
  const validation = await validateModelFile(modelFile, readFileSync(modelFile, 'utf8'), { workspaceRoot: workspace.root });
  assert.deepEqual(validation.diagnostics, [], text);
  return { file: modelFile, spec: parseModelFile(modelFile, text).value as ModelSpec, text };
}

const lastLayer = (spec: ModelSpec): Record<string, unknown> => spec.model.layers[spec.model.layers.length - 1];

describe('New Model from Data (init): inference and the baseline model file', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({
      'iris.csv': readFileSync(path.join(SAMPLES, 'iris.csv'), 'utf8'),
      'binary.csv': readFileSync(path.join(SAMPLES, 'iris-versicolor-virginica.csv'), 'utf8'),
      'linear.csv': readFileSync(path.join(SAMPLES, 'linear.csv'), 'utf8'),
    });
  });
  afterEach(() => workspace.remove());

  it('iris: the species column, 3 classes, softmax and sparse categorical cross-entropy, splits and early stopping', async () => {
    const { spec, text, file } = await baseline(workspace, workspace.file('iris.csv'));
    assert.equal(path.basename(file), 'iris.model.yaml');
    assert.equal(spec.task, 'classification');
    assert.deepEqual(spec.data.train, { path: 'iris.csv', label: 'species' });
    assert.equal(spec.data.features?.normalize, 'standard');
    assert.ok(spec.data.testSplit !== undefined && spec.data.validationSplit !== undefined);
    assert.deepEqual(lastLayer(spec), { type: 'dense', units: 3, activation: 'softmax' });
    assert.equal(spec.training.loss, 'sparseCategoricalCrossentropy');
    assert.deepEqual(spec.training.metrics, ['accuracy']);
    assert.equal(spec.training.earlyStopping?.restoreBestWeights, true);
    assert.match(text, /^# A baseline model for iris\.csv/);
  });

  it('two classes: one sigmoid unit and binary cross-entropy', async () => {
    const { spec } = await baseline(workspace, workspace.file('binary.csv'));
    assert.deepEqual(lastLayer(spec), { type: 'dense', units: 1, activation: 'sigmoid' });
    assert.equal(spec.training.loss, 'binaryCrossentropy');
  });

  it('many whole-number targets (y = 2x): regression with one linear unit, MSE and a standardised target', async () => {
    const { spec } = await baseline(workspace, workspace.file('linear.csv'));
    assert.equal(spec.task, 'regression');
    assert.deepEqual(lastLayer(spec), { type: 'dense', units: 1 });
    assert.equal(spec.training.loss, 'meanSquaredError');
    assert.deepEqual(spec.data.target, { normalize: 'standard' });
  });

  it('never overwrites: a second baseline of the same data is <name>-2.model.yaml, and an existing file is refused', async () => {
    const first = await baseline(workspace, workspace.file('iris.csv'));
    const second = await baseline(workspace, workspace.file('iris.csv'));
    assert.equal(path.basename(second.file), 'iris-2.model.yaml');
    const sample = await readDataSample(workspace.file('iris.csv'));
    await assert.rejects(
      writeNewModelFile({ sample, inference: inferData(sample), modelFile: first.file, workspaceRoot: workspace.root }),
      (error: Error) => error instanceof NewModelError && /iris\.model\.yaml exists already: not overwritten/.test(error.message),
    );
  });

  it('data paths are relative to the model file', async () => {
    workspace.write('data/t.csv', 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
    const sample = await readDataSample(workspace.file('data/t.csv'));
    const modelFile = workspace.file('models/t.model.yaml');
    const { text } = await writeNewModelFile({ sample, inference: inferData(sample), modelFile, workspaceRoot: workspace.root });
    assert.match(text, /path: \.\.\/data\/t\.csv\n/);
  });

  it('no column named like a label: the last column, reported as not obvious; --label picks another', async () => {
    workspace.write('plain.csv', 'a,b,c\n1,2,0.5\n3,4,1.5\n5,6,2.5\n7,8,3.5\n');
    const sample = await readDataSample(workspace.file('plain.csv'));
    const guessed = inferData(sample);
    assert.equal(guessed.label, 'c');
    assert.equal(guessed.labelObvious, false);
    const chosen = inferData(sample, { label: 'a' });
    assert.equal(chosen.label, 'a');
    assert.equal(chosen.labelObvious, true);
    assert.equal(chosen.features, 2);
  });

  it('the one text column is the label, wherever it is', async () => {
    workspace.write('first.csv', 'kind,x,y\na,1,2\nb,3,4\na,5,6\nb,7,8\n');
    const inference = inferData(await readDataSample(workspace.file('first.csv')));
    assert.deepEqual([inference.label, inference.labelObvious, inference.task], ['kind', true, 'classification']);
  });

  it('a few whole numbers that are not 0…k-1 (wine quality 3…8): classification, asked about; --task regression overrides', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${(i * 7) % 13},${3 + (i % 6)}`);
    workspace.write('wine.csv', `alcohol,acidity,quality\n${rows.join('\n')}\n`);
    const sample = await readDataSample(workspace.file('wine.csv'));
    const inference = inferData(sample);
    assert.deepEqual([inference.label, inference.task, inference.taskObvious], ['quality', 'classification', false]);
    assert.deepEqual(inference.classes, ['3', '4', '5', '6', '7', '8']);
    assert.equal(inferData(sample, { task: 'regression' }).task, 'regression');
    const { spec } = await baseline(workspace, workspace.file('wine.csv'));
    assert.deepEqual(lastLayer(spec), { type: 'dense', units: 6, activation: 'softmax' });
  });

  it('a text column besides the label is an error naming the file, the line and the column', async () => {
    workspace.write('text.csv', 'name,size,label\n1,2,a\nfoo,3,b\n');
    const sample = await readDataSample(workspace.file('text.csv'));
    assert.throws(
      () => inferData(sample),
      (error: Error) => error instanceof DataError && /text\.csv:3: column "name" is "foo", not a number/.test(error.message),
    );
  });

  it('regression on text labels, or a label that does not exist, is refused with the file named', async () => {
    const sample = await readDataSample(workspace.file('iris.csv'));
    assert.throws(() => inferData(sample, { task: 'regression' }), /iris\.csv:2: label column "species" is "setosa", not a number/);
    assert.throws(() => inferData(sample, { label: 'colour' }), /iris\.csv:1: no column "colour"/);
  });

  it('a big table is sampled: the first SAMPLE_ROWS rows, and the baseline says so', async () => {
    const rows = Array.from({ length: SAMPLE_ROWS + 5 }, (_, i) => `${i},${i % 2 === 0 ? 'even' : 'odd'}`);
    workspace.write('big.csv', `n,parity\n${rows.join('\n')}\n`);
    const sample = await readDataSample(workspace.file('big.csv'));
    assert.ok(sample.kind === 'table' && sample.rows === SAMPLE_ROWS && !sample.complete);
    const { text } = await baseline(workspace, workspace.file('big.csv'));
    assert.match(text, /inferred from the first 10000 rows/);
  });

  it('JSON Lines tables are read as CSV ones are', async () => {
    workspace.write('t.jsonl', '{"x": 1, "z": 2, "target": "a"}\n{"x": 3, "z": 4, "target": "b"}\n{"x": 5, "z": 6, "target": "a"}\n');
    const { spec } = await baseline(workspace, workspace.file('t.jsonl'));
    assert.deepEqual(spec.data.train, { path: 't.jsonl', label: 'target' });
    assert.equal(spec.training.loss, 'binaryCrossentropy');
  });

  it('an image folder: a small CNN on 8-bit pixels scaled by 1/255, one output per class folder', async () => {
    for (const [label, shade] of [
      ['cat', 20],
      ['dog', 200],
      ['fox', 120],
    ] as const) {
      for (let i = 0; i < 4; i++)
        workspace.write(`pets/${label}/${i}.png`, buildPng(8, 8, { gray: true, value: (x) => (shade + x * i) % 256 }));
    }
    const { spec, file } = await baseline(workspace, workspace.file('pets'));
    assert.equal(path.dirname(file), workspace.root);
    assert.deepEqual(spec.data.train, { path: 'pets', format: 'images' });
    assert.deepEqual(spec.data.features, { normalize: 'scale', scale: 255, shape: [8, 8, 1] });
    assert.deepEqual(
      spec.model.layers.map((l) => l.type),
      ['conv2d', 'maxPooling2d', 'conv2d', 'maxPooling2d', 'flatten', 'dense', 'dropout', 'dense'],
    );
    assert.deepEqual(lastLayer(spec), { type: 'dense', units: 3, activation: 'softmax' });
  });

  it('IDX images: with --labels, or the labels file found by the MNIST naming; shaped [rows, cols, 1] for the CNN', async () => {
    workspace.write('d-images-idx3-ubyte.gz', buildIdxImages(20, 6, 6, { gzip: true }));
    workspace.write(
      'd-labels-idx1-ubyte.gz',
      buildIdxLabels(
        Array.from({ length: 20 }, (_, i) => i % 4),
        { gzip: true },
      ),
    );
    const found = await baseline(workspace, workspace.file('d-images-idx3-ubyte.gz'));
    assert.equal(path.basename(found.file), 'd.model.yaml');
    assert.deepEqual(found.spec.data.train, { images: 'd-images-idx3-ubyte.gz', labels: 'd-labels-idx1-ubyte.gz' });
    assert.deepEqual(found.spec.data.features?.shape, [6, 6, 1]);
    assert.deepEqual(lastLayer(found.spec), { type: 'dense', units: 4, activation: 'softmax' });
    // From the labels file, the images file is found the same way.
    const fromLabels = await baseline(workspace, workspace.file('d-labels-idx1-ubyte.gz'));
    assert.deepEqual(fromLabels.spec.data.train, found.spec.data.train);
    const given = await readDataSample(workspace.file('d-images-idx3-ubyte.gz'), workspace.file('d-labels-idx1-ubyte.gz'));
    assert.equal(given.kind, 'idx');
  });

  it('IDX images without a labels file to pair them with: an error saying to give one', async () => {
    workspace.write('lonely-idx3-ubyte', buildIdxImages(2, 2, 2));
    await assert.rejects(readDataSample(workspace.file('lonely-idx3-ubyte')), /lonely-idx3-ubyte: found no labels file to pair with/);
  });

  it('sizes: small tables train a small MLP in small batches; epochs bound about 5000 batches', () => {
    const small = baselineHyperparameters(inferDataOf(150, 4));
    const big = baselineHyperparameters(inferDataOf(100_000, 100));
    assert.deepEqual([small.hidden, small.batchSize], [[32], 16]);
    assert.deepEqual([big.hidden, big.batchSize], [[128, 64], 32]);
    assert.ok(big.epochs >= 10 && big.epochs < small.epochs);
  });
});

function inferDataOf(rows: number, features: number): Parameters<typeof baselineHyperparameters>[0] {
  return {
    task: 'classification',
    taskObvious: true,
    labelObvious: true,
    label: 'y',
    classes: ['a', 'b', 'c'],
    features,
    inputShape: [features],
    normalize: 'standard',
    rows,
    complete: true,
  };
}
