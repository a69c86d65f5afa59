import { strict as assert } from 'node:assert';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { IRIS_CSV, irisModel, toJson } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** validate's checks of the `search` block beyond the schema, each on the parameter's own line. */
describe('search block checks', () => {
  let workspace: TempWorkspace;
  before(() => {
    workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
  });
  after(() => workspace.remove());

  async function validate(search: unknown, name = 'm.model.json'): Promise<{ text: string; diagnostics: SpecDiagnostic[] }> {
    const text = toJson({ ...irisModel(), search });
    const { diagnostics } = await validateModelFile(workspace.file(name), text, { workspaceRoot: workspace.root });
    return { text, diagnostics };
  }

  /** The 0-based line of the first line holding `needle`. */
  function lineOf(text: string, needle: string): number {
    const line = text.split('\n').findIndex((l) => l.includes(needle));
    assert.ok(line >= 0, needle);
    return line;
  }

  it('a good search block: no problems', async () => {
    const { diagnostics } = await validate({
      metric: 'val_accuracy',
      parameters: {
        'training.learningRate': { min: 1e-4, max: 0.1, scale: 'log' },
        'model.layers[0].units': { min: 4, max: 64, type: 'int', scale: 'log' },
        'training.batchSize': { values: [8, 16] },
        'training.optimizer': { values: ['adam', 'sgd'] },
      },
      prune: { type: 'median', afterEpochs: 2 },
    });
    assert.deepEqual(diagnostics, []);
  });

  it('a layer index past the end names the number of layers, on the key line', async () => {
    const { text, diagnostics } = await validate({ parameters: { 'model.layers[5].units': { values: [8] } } });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, 'error');
    assert.match(diagnostics[0].message, /"model\.layers" has 2 layers \(indices 0–1\), so there is no \[5\]/);
    assert.equal(diagnostics[0].range.start.line, lineOf(text, '"model.layers[5].units"'));
  });

  it('a value the model file would reject is named with its parameter', async () => {
    const { text, diagnostics } = await validate({
      parameters: { 'model.layers[0].units': { values: [8, 0] }, 'training.optimizr': { values: ['adam'] } },
    });
    const messages = diagnostics.map((d) => d.message);
    assert.ok(
      messages.some((m) => /"model\.layers\[0\]\.units" = 0 would not be a valid model file: .*integer ≥ 1/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /"training\.optimizr" = "adam" would not be a valid model file: unknown key "optimizr"/.test(m)),
      messages.join('\n'),
    );
    assert.equal(diagnostics.find((d) => d.message.includes('optimizr'))?.range.start.line, lineOf(text, '"training.optimizr"'));
  });

  it('ranges: min < max, log needs min > 0, an int range holds a whole number', async () => {
    const { diagnostics } = await validate({
      parameters: {
        'training.learningRate': { min: 0.1, max: 0.01 },
        'model.layers[0].units': { min: 0, max: 64, scale: 'log', type: 'int' },
        'training.batchSize': { min: 8.2, max: 8.9, type: 'int' },
      },
    });
    const messages = diagnostics.map((d) => d.message);
    assert.deepEqual(messages, [
      '"training.learningRate": max (0.01) must be greater than min (0.1)',
      '"model.layers[0].units": a log scale needs min > 0 (got 0); use scale "linear" or a positive min',
      '"training.batchSize": no whole number lies between min 8.2 and max 8.9',
    ]);
  });

  it('a path that is no path, or into the search block itself', async () => {
    const { diagnostics } = await validate({ parameters: { 'training..x': { values: [1] }, 'search.trials': { values: [1] } } });
    assert.match(diagnostics[0].message, /"training\.\.x" is not a path in the model file/);
    assert.match(diagnostics[1].message, /cannot search its own search block/);
  });

  it('warns about a metric the epochs do not report, and a pruner that never acts', async () => {
    const { diagnostics } = await validate({
      metric: 'val_precision',
      parameters: { 'training.learningRate': { values: [0.01] } },
      prune: { type: 'median', afterEpochs: 5 },
    });
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.message]),
      [
        [
          'warning',
          'the epochs do not report "val_precision", so no trial could be compared; the epochs report: loss, accuracy, val_loss, val_accuracy',
        ],
        ['warning', 'trials train 5 epochs, so pruning from epoch 5 (afterEpochs) never stops one'],
      ],
    );
  });

  it('YAML: the message sits on the parameter line', async () => {
    const yaml = [
      'name: iris',
      'task: classification',
      'data: {train: {path: data/iris.csv, label: species}, validationSplit: 0.1}',
      'model:',
      '  layers:',
      '    - {type: dense, units: 3, activation: softmax}',
      'training: {optimizer: adam, loss: sparseCategoricalCrossentropy, epochs: 5}',
      'search:',
      '  parameters:',
      '    model.layers[1].units: {values: [4, 8]}',
      '',
    ].join('\n');
    const { diagnostics } = await validateModelFile(workspace.file('y.model.yaml'), yaml, { workspaceRoot: workspace.root });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].range.start.line, 9);
    assert.match(diagnostics[0].message, /"model\.layers" has 1 layer \(index 0\), so there is no \[1\]/);
  });
});
