import { strict as assert } from 'node:assert';
import { symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { Range, SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { formatDiagnostic, validateModelFile } from '../../src/modelFile/validateModelFile';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { IRIS_CSV, irisModel, rangeOfText, toJson, withValue } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** The range of `needle` where it first follows `prefix` (e.g. the 0 of `"epochs": 0`). */
function rangeAfter(text: string, prefix: string, needle: string): Range {
  const at = text.indexOf(prefix);
  assert.ok(at >= 0, `${prefix} not in text`);
  const offset = text.indexOf(needle, at + prefix.length);
  return rangeOfText(text.slice(0, offset + needle.length), needle, countBefore(text, needle, offset));
}

/** The range of the (flat) JSON array that follows `prefix`. */
function rangeOfArrayAfter(text: string, prefix: string): Range {
  const start = text.indexOf(prefix) + prefix.length;
  const end = text.indexOf(']', start) + 1;
  return rangeAfter(text, prefix, text.slice(start, end));
}

function countBefore(text: string, needle: string, offset: number): number {
  let count = 0;
  for (let i = text.indexOf(needle); i !== -1 && i < offset; i = text.indexOf(needle, i + 1)) count++;
  return count;
}

describe('validateModelFile', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
  });
  afterEach(() => workspace.remove());

  async function validate(model: unknown, name = 'm.model.json'): Promise<{ text: string; diagnostics: SpecDiagnostic[]; ok: boolean }> {
    const text = typeof model === 'string' ? model : toJson(model);
    const result = await validateModelFile(workspace.file(name), text, { workspaceRoot: workspace.root });
    return { text, diagnostics: result.diagnostics, ok: result.spec !== undefined };
  }

  /** Iris's numeric columns only (validation reads small files in full: a "species" feature would be an error), as a path for data.train. */
  function writePetals(): string {
    workspace.write(
      'data/petals.csv',
      IRIS_CSV.split('\n')
        .map((line) => line.replace(/,[^,]*$/, ''))
        .join('\n'),
    );
    return 'data/petals.csv';
  }

  /** Asserts exactly one diagnostic, with this severity, message and range. */
  async function expectOne(model: unknown, severity: 'error' | 'warning', message: string, range: (text: string) => Range): Promise<void> {
    const { text, diagnostics, ok } = await validate(model);
    assert.deepEqual(
      diagnostics.map((d) => ({ severity: d.severity, message: d.message, range: d.range })),
      [{ severity, message, range: range(text) }],
    );
    assert.equal(ok, severity === 'warning', 'spec is defined iff there is no error');
  }

  it('accepts the base model with no diagnostics', async () => {
    const { diagnostics, ok } = await validate(irisModel());
    assert.deepEqual(diagnostics, []);
    assert.ok(ok);
  });

  it('reports syntax errors alone: the schema waits until the file parses', async () => {
    // The tab moves "epochs" to the top level; the schema would call it unknown there and missing in "training".
    const yaml = 'name: iris\ntraining:\n  optimizer: adam\n\tepochs: 5\n';
    const result = await validateModelFile(workspace.file('m.model.yaml'), yaml, { workspaceRoot: workspace.root });
    assert.deepEqual(
      result.diagnostics.map((d) => [d.range.start.line, d.message]),
      [[3, 'tabs are not allowed for indentation in YAML; indent with spaces']],
    );
    const { diagnostics } = await validate(toJson(irisModel()).replace('"epochs": 5', '"epochs": NaN'));
    assert.deepEqual(
      diagnostics.map((d) => d.message),
      ['NaN is not a number JSON can hold: write a finite number such as 0.5'],
    );
  });

  describe('schema', () => {
    it('says what an out-of-range number must be', async () => {
      await expectOne(withValue(irisModel(), ['training', 'epochs'], 0), 'error', '"training.epochs" must be an integer ≥ 1 (got 0)', (t) =>
        rangeAfter(t, '"epochs": ', '0'),
      );
    });

    it('suggests the right spelling of an unknown key, on the key', async () => {
      await expectOne(
        withValue(irisModel(), ['training', 'learningrate'], 0.01),
        'error',
        'unknown key "learningrate" in "training" — did you mean "learningRate"?',
        (t) => rangeOfText(t, '"learningrate"'),
      );
    });

    it('puts a missing required key on its parent key', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers'], undefined),
        'error',
        '"model" is missing the required key "layers" — the layers, input first',
        (t) => rangeOfText(t, '"model"'),
      );
    });

    it('takes { l1, l2 } regularizers and says what is wrong inside one, once', async () => {
      const regularized = (value: unknown): unknown => withValue(irisModel(), ['model', 'layers', 0, 'kernelRegularizer'], value);
      const messages = async (value: unknown): Promise<string[]> => (await validate(regularized(value))).diagnostics.map((d) => d.message);
      assert.deepEqual(await messages({ l1: 0, l2: 0.01 }), []);
      assert.deepEqual(await messages('l1l2'), []);
      assert.deepEqual(await messages({ l3: 1 }), ['unknown key "l3" in "model.layers[0].kernelRegularizer" — did you mean "l1"?']);
      assert.deepEqual(await messages({ l2: -1 }), ['"model.layers[0].kernelRegularizer.l2" must be a number ≥ 0 (got -1)']);
      assert.deepEqual(await messages('l9'), ['"model.layers[0].kernelRegularizer" must be an object or "l1l2" (got "l9")']);
    });

    it('suggests the closest allowed value of an enum', async () => {
      await expectOne(
        withValue(irisModel(), ['task'], 'clasification'),
        'error',
        '"task" must be "classification" or "regression" (got "clasification") — did you mean "classification"?',
        (t) => rangeOfText(t, '"clasification"'),
      );
    });

    it('maps Keras loss names to the TF.js ones', async () => {
      const { diagnostics } = await validate(withValue(irisModel(), ['training', 'loss'], 'mse'));
      assert.match(diagnostics[0].message, /^"training\.loss" must be one of .* \(got "mse"\) — did you mean "meanSquaredError"\?$/);
    });

    it('checks data sources by their kind', async () => {
      await expectOne(
        withValue(irisModel(), ['data', 'train'], { images: 'a.gz' }),
        'error',
        '"data.train" is missing the required key "labels" — the labels file (idx1, uint8), e.g. "data/train-labels-idx1-ubyte.gz"',
        (t) => rangeOfText(t, '"train"'),
      );
    });

    it('places YAML schema errors on the YAML value', async () => {
      const yaml =
        'name: y\ntask: classification\ndata:\n  train: { path: data/iris.csv, label: species }\nmodel:\n  layers:\n    - type: dense\n      units: 3\n      activation: softmax\ntraining:\n  optimizer: adam\n  loss: sparseCategoricalCrossentropy\n  epochs: -1\n';
      const result = await validateModelFile(workspace.file('y.model.yaml'), yaml, { workspaceRoot: workspace.root });
      assert.deepEqual(
        result.diagnostics.map((d) => [d.message, d.range]),
        [['"training.epochs" must be an integer ≥ 1 (got -1)', rangeOfText(yaml, '-1')]],
      );
    });

    it('skips semantic checks while the schema fails', async () => {
      let model = withValue(irisModel(), ['training', 'epochs'], 0);
      model = withValue(model, ['data', 'train', 'path'], 'data/none.csv');
      const { diagnostics } = await validate(model);
      assert.equal(diagnostics.length, 1);
    });
  });

  describe('data files', () => {
    it('data file exists', async () => {
      const model = withValue(irisModel(), ['data', 'train', 'path'], 'data/none.csv');
      await expectOne(
        model,
        'error',
        `data file "data/none.csv" not found (looked for ${workspace.file('data/none.csv')}); check the path, which is relative to the model file's folder`,
        (t) => rangeOfText(t, '"data/none.csv"'),
      );
    });

    it('data path stays inside the workspace', async () => {
      const model = withValue(irisModel(), ['data', 'train', 'path'], '../iris.csv');
      await expectOne(model, 'error', '"../iris.csv" is outside the workspace folder; data files must be inside it', (t) =>
        rangeOfText(t, '"../iris.csv"'),
      );
    });

    it('a symbolic link may not point outside the workspace', async () => {
      const outside = tempWorkspace({ 'secret.csv': IRIS_CSV });
      try {
        symlinkSync(outside.file('secret.csv'), workspace.file('data/link.csv'));
        const model = withValue(irisModel(), ['data', 'train', 'path'], 'data/link.csv');
        await expectOne(
          model,
          'error',
          `"data/link.csv" is a symbolic link to ${outside.file('secret.csv')}, outside the workspace folder; copy the data into the workspace`,
          (t) => rangeOfText(t, '"data/link.csv"'),
        );
      } finally {
        outside.remove();
      }
    });

    it('a symbolic link inside the workspace is fine', async () => {
      symlinkSync(workspace.file('data/iris.csv'), workspace.file('data/alias.csv'));
      const { diagnostics } = await validate(withValue(irisModel(), ['data', 'train', 'path'], 'data/alias.csv'));
      assert.deepEqual(diagnostics, []);
    });

    it('label column exists in the CSV header', async () => {
      await expectOne(
        withValue(irisModel(), ['data', 'train', 'label'], 'specie'),
        'error',
        'no column "specie" in "data/iris.csv" — did you mean "species"? (columns: sepal_length, sepal_width, petal_length, petal_width, species)',
        (t) => rangeOfText(t, '"specie"'),
      );
    });

    it('label key exists in the first JSON record', async () => {
      workspace.write('data/rows.jsonl', '{"a": 1, "kind": "x"}\n{"a": 2, "kind": "y"}\n{"a": 3, "kind": "z"}\n');
      await expectOne(
        withValue(irisModel(), ['data', 'train'], { path: 'data/rows.jsonl', label: 'class' }),
        'error',
        'no column "class" in "data/rows.jsonl" (columns: a, kind)',
        (t) => rangeOfText(t, '"class"'),
      );
    });

    it('an unreadable header is reported on the path, with the data file and line', async () => {
      workspace.write('data/dup.csv', 'a,a,species\n1,2,x\n');
      const file = path.relative(process.cwd(), workspace.file('data/dup.csv'));
      const shown = file.startsWith('..') ? workspace.file('data/dup.csv') : file;
      await expectOne(
        withValue(irisModel(), ['data', 'train', 'path'], 'data/dup.csv'),
        'error',
        `${shown}:1: column "a" appears twice in the header`,
        (t) => rangeOfText(t, '"data/dup.csv"'),
      );
    });

    it('IDX images and labels hold the same number of examples', async () => {
      workspace.write('data/i.gz', buildIdxImages(3, 2, 2, { gzip: true }));
      workspace.write('data/l.gz', buildIdxLabels([0, 1], { gzip: true }));
      let model = withValue(irisModel(), ['data', 'train'], { images: 'data/i.gz', labels: 'data/l.gz' });
      model = withValue(model, ['model', 'layers', 1, 'units'], 2);
      const shown = path.relative(process.cwd(), workspace.file('data/l.gz'));
      const file = shown.startsWith('..') ? workspace.file('data/l.gz') : shown;
      await expectOne(model, 'error', `${file}: holds 2 labels but the images file holds 3 images`, (t) => rangeOfText(t, '"data/l.gz"'));
    });
  });

  describe('model against data', () => {
    it('output units match the number of classes', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 1, 'units'], 4),
        'error',
        'the output layer has 4 units, but the data has 3 classes (setosa, versicolor, virginica); set "units": 3',
        (t) => rangeAfter(t, '"units": 8', '4'),
      );
    });

    it('output units for integer labels count 0 … k-1', async () => {
      workspace.write('data/i.gz', buildIdxImages(4, 2, 2, { gzip: true }));
      workspace.write('data/l.gz', buildIdxLabels([0, 1, 2, 3], { gzip: true }));
      const model = withValue(irisModel(), ['data', 'train'], { images: 'data/i.gz', labels: 'data/l.gz' });
      await expectOne(model, 'error', 'the output layer has 3 units, but the data has 4 classes (0, 1, 2, 3); set "units": 4', (t) =>
        rangeAfter(t, '"units": 8', '3'),
      );
    });

    it('regression predicts one number', async () => {
      let model = withValue(irisModel(), ['task'], 'regression');
      model = withValue(model, ['data', 'train'], { path: writePetals(), label: 'petal_width' });
      model = withValue(model, ['model', 'layers', 1], { type: 'dense', units: 2 });
      model = withValue(model, ['training', 'loss'], 'meanSquaredError');
      model = withValue(model, ['training', 'metrics'], ['mae']);
      await expectOne(model, 'error', 'a regression model predicts one number: the output layer needs "units": 1 (it has 2)', (t) =>
        rangeAfter(t, '"units": 8', '2'),
      );
    });

    it('binaryCrossentropy needs two classes', async () => {
      let model = withValue(irisModel(), ['training', 'loss'], 'binaryCrossentropy');
      model = withValue(model, ['model', 'layers', 1], { type: 'dense', units: 1, activation: 'sigmoid' });
      await expectOne(
        model,
        'error',
        '"binaryCrossentropy" handles 2 classes, but the data has 3 (setosa, versicolor, virginica); use "sparseCategoricalCrossentropy" with "units": 3',
        (t) => rangeOfText(t, '"binaryCrossentropy"'),
      );
    });

    it('crossentropy wants softmax on the output', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 1, 'activation'], 'relu'),
        'warning',
        'the output activation is "relu", but "sparseCategoricalCrossentropy" expects class probabilities: use "activation": "softmax"',
        (t) => rangeOfText(t, '"relu"', 1),
      );
    });

    it('a trailing softmax layer counts as the output activation', async () => {
      let model = withValue(irisModel(), ['model', 'layers', 1, 'activation'], undefined);
      model = withValue(model, ['model', 'layers', 2], { type: 'softmax' });
      const { diagnostics } = await validate(model);
      assert.deepEqual(diagnostics, []);
    });

    it('first-layer inputShape matches the number of feature columns', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 0, 'inputShape'], [5]),
        'error',
        '"inputShape" [5] does not match the examples, which have shape [4] (from the data); remove "inputShape" — the input shape is taken from the data',
        (t) => rangeOfArrayAfter(t, '"inputShape": '),
      );
    });

    it('an image layer first needs image-shaped examples', async () => {
      workspace.write('data/i.gz', buildIdxImages(4, 2, 2, { gzip: true }));
      workspace.write('data/l.gz', buildIdxLabels([0, 1, 2, 2], { gzip: true }));
      let model = withValue(irisModel(), ['data', 'train'], { images: 'data/i.gz', labels: 'data/l.gz' });
      model = withValue(
        model,
        ['model', 'layers'],
        [{ type: 'conv2d', filters: 2, kernelSize: 1 }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }],
      );
      await expectOne(
        model,
        'error',
        '"conv2d" as the first layer needs each example shaped [height, width, channels], but examples have shape [4]; set "data.features.shape", e.g. [2, 2, 1]',
        (t) => rangeOfText(t, '"conv2d"'),
      );
    });

    it('data.features.shape holds as many values as an example', async () => {
      await expectOne(
        withValue(irisModel(), ['data', 'features', 'shape'], [2, 3]),
        'error',
        'shape [2, 3] holds 6 values, but each example of data.train has 4',
        (t) => rangeOfArrayAfter(t, '"shape": '),
      );
    });
  });

  describe('model file alone', () => {
    it('unknown layer type, with a suggestion', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 0, 'type'], 'dence'),
        'error',
        'unknown layer type "dence" — did you mean "dense"?',
        (t) => rangeOfText(t, '"dence"'),
      );
    });

    it('a layer that cannot stand in a list', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 0, 'type'], 'add'),
        'error',
        'layer type "add" merges several inputs, so it cannot be used in "model.layers"',
        (t) => rangeOfText(t, '"add"'),
      );
    });

    it('a misspelt layer option is flagged, on the key', async () => {
      await expectOne(
        withValue(irisModel(), ['model', 'layers', 0, 'activaton'], 'relu'),
        'warning',
        '"activaton" is not a layer option TF.js knows, so it would be ignored — did you mean "activation"?',
        (t) => rangeOfText(t, '"activaton"'),
      );
    });

    it('a regression loss on classification is a warning', async () => {
      await expectOne(
        withValue(irisModel(), ['training', 'loss'], 'meanSquaredError'),
        'warning',
        '"meanSquaredError" is a regression loss and treats class indices as numbers; for classification use "sparseCategoricalCrossentropy" (or set "task": "regression")',
        (t) => rangeOfText(t, '"meanSquaredError"'),
      );
    });

    it('a crossentropy loss on regression is an error', async () => {
      let model = withValue(irisModel(), ['task'], 'regression');
      model = withValue(model, ['data', 'train'], { path: writePetals(), label: 'petal_width' });
      model = withValue(model, ['model', 'layers', 1], { type: 'dense', units: 1 });
      await expectOne(
        model,
        'error',
        '"sparseCategoricalCrossentropy" is a classification loss; for "task": "regression" use "meanSquaredError" or "meanAbsoluteError"',
        (t) => rangeOfText(t, '"sparseCategoricalCrossentropy"'),
      );
    });

    it('testSplit + validationSplit leave rows to train on', async () => {
      await expectOne(
        withValue(irisModel(), ['data', 'validationSplit'], 0.8),
        'error',
        '"data.testSplit" (0.2) + "data.validationSplit" (0.8) = 1 leaves nothing to train on; their sum must be < 1',
        (t) => rangeOfText(t, '0.8'),
      );
    });

    it('testSplit is pointless beside data.test', async () => {
      workspace.write('data/test.csv', IRIS_CSV);
      await expectOne(
        withValue(irisModel(), ['data', 'test'], { path: 'data/test.csv', label: 'species' }),
        'warning',
        '"testSplit" is ignored because "data.test" is given; remove one of them',
        (t) => rangeOfText(t, '"testSplit"'),
      );
    });

    it('validationSplit is pointless with crossValidation, said on its key', async () => {
      await expectOne(
        withValue(irisModel(), ['training', 'crossValidation'], { folds: 2 }),
        'warning',
        '"validationSplit" is ignored with "training.crossValidation": each fold validates in turn; remove one of them',
        (t) => rangeOfText(t, '"validationSplit"'),
      );
    });

    it('earlyStopping.monitor names a reported metric', async () => {
      await expectOne(
        withValue(irisModel(), ['training', 'earlyStopping'], { monitor: 'val_acuracy' }),
        'error',
        'training does not report "val_acuracy", so early stopping would never trigger — did you mean "val_accuracy"?',
        (t) => rangeOfText(t, '"val_acuracy"'),
      );
    });

    it('a val_ metric needs a validation split', async () => {
      let model = withValue(irisModel(), ['data', 'validationSplit'], undefined);
      model = withValue(model, ['training', 'earlyStopping'], { patience: 2 });
      await expectOne(
        model,
        'warning',
        '"val_loss" is only reported with a validation split: set "data.validationSplit" (e.g. 0.1) or monitor "loss"',
        (t) => rangeOfText(t, '"earlyStopping"'),
      );
    });

    it('scale without normalize "scale" does nothing', async () => {
      await expectOne(
        withValue(irisModel(), ['data', 'features', 'scale'], 255),
        'warning',
        '"scale" is only used with "normalize": "scale"',
        (t) => rangeOfText(t, '"scale"'),
      );
    });
  });

  describe('formatDiagnostic', () => {
    it('prints file:line:column: severity: message, 1-based, relative to the working directory', () => {
      const d: SpecDiagnostic = {
        file: path.join(process.cwd(), 'samples', 'x.model.json'),
        range: { start: { line: 11, character: 4 }, end: { line: 11, character: 9 } },
        severity: 'error',
        message: 'boom',
        path: [],
      };
      assert.equal(formatDiagnostic(d), 'samples/x.model.json:12:5: error: boom');
      assert.equal(
        formatDiagnostic({ ...d, file: '/elsewhere/y.model.yaml', severity: 'warning' }),
        '/elsewhere/y.model.yaml:12:5: warning: boom',
      );
    });
  });
});
