import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { paramEdits } from '../../src/modelFile/applyParams';
import { applyTextEdits, editModelFile } from '../../src/modelFile/editModelFile';
import { buildForm, type FormField, type HyperparameterForm } from '../../src/modelFile/formModel';
import { initialEntry, isSearchParameter, searchControlFor, searchEdit } from '../../src/modelFile/formSearch';
import { parseModelFile } from '../../src/modelFile/parseModelFile';
import { irisModel, withValue } from '../fixtures/modelFile';

function fieldOf(form: HyperparameterForm, id: string): FormField {
  const found = [...form.groups.flatMap((g) => g.fields), ...form.layers.flatMap((l) => l.fields)].find((f) => f.id === id);
  assert.ok(found, `no field ${id}`);
  return found;
}

const IRIS_YAML = readFileSync(path.resolve(__dirname, '../../samples/iris.model.yaml'), 'utf8');

/** Applies one search toggle to a YAML text, as the form's panel does. */
function toggle(text: string, key: string, entry: Parameters<typeof searchEdit>[2]): string {
  const edit = searchEdit(parseModelFile('/w/iris.model.yaml', text).value, key, entry);
  return edit === undefined ? text : applyTextEdits(text, editModelFile(text, 'yaml', edit));
}

describe('the form’s search toggles', () => {
  it('offers a toggle on numbers and choices of training and of layers, not on data, seed or a layer’s type', () => {
    const form = buildForm(irisModel(), []);
    assert.deepEqual(fieldOf(form, 'training.learningRate').search, {
      key: 'training.learningRate',
      control: { kind: 'number', integer: false, min: 0 },
      // Around adam's default 0.001, the value the field shows.
      initial: { min: 0.0001, max: 0.01, scale: 'log' },
    });
    assert.equal(fieldOf(form, 'model.layers.0.units').search?.key, 'model.layers[0].units');
    assert.equal(fieldOf(form, 'model.layers.0.units').search?.control.kind, 'number');
    assert.equal(fieldOf(form, 'training.optimizer').search?.control.kind, 'choice');
    for (const id of ['data.validationSplit', 'training.seed', 'model.layers.0.type', 'training.metrics']) {
      assert.equal(fieldOf(form, id).search, undefined, id);
    }
  });

  it('shows the fields the file searches as toggled on, and the Search group', () => {
    const model = withValue(irisModel(), ['search'], {
      trials: 12,
      parameters: { 'training.learningRate': { min: 0.001, max: 0.1, scale: 'log' }, 'model.layers[0].units': { values: [8, 16] } },
    });
    const form = buildForm(model, []);
    assert.deepEqual(fieldOf(form, 'training.learningRate').search?.entry, { min: 0.001, max: 0.1, scale: 'log' });
    assert.deepEqual(fieldOf(form, 'model.layers.0.units').search?.entry, { values: [8, 16] });
    assert.equal(fieldOf(form, 'model.layers.1.units').search?.entry, undefined);
    assert.equal(fieldOf(form, 'search.trials').value, 12);
    assert.ok(form.groups.some((g) => g.id === 'search.prune'));
    assert.ok(!form.groups.flatMap((g) => g.fields).some((f) => f.id.startsWith('search.parameters')));
    assert.equal(fieldOf(form, 'search.trials').search, undefined, 'the search settings are not searched');
    assert.ok(!buildForm(irisModel(), []).groups.some((g) => g.id === 'search'), 'no Search group without the block');
  });

  it('starts a range around the value: log decades for rates, ×¼…×4 for counts, 0…0.5 for fractions, the next option for choices', () => {
    assert.deepEqual(initialEntry({ kind: 'number', integer: false, min: 0 }, 0.01), { min: 0.001, max: 0.1, scale: 'log' });
    assert.deepEqual(initialEntry({ kind: 'number', integer: true, min: 1 }, 16), { min: 4, max: 64, scale: 'log', type: 'int' });
    assert.deepEqual(initialEntry({ kind: 'number', integer: true, min: 1 }, 2), { min: 1, max: 8, scale: 'log', type: 'int' });
    assert.deepEqual(initialEntry({ kind: 'number', integer: false, min: 0, max: 1 }, 0.2), { min: 0, max: 0.5 });
    assert.deepEqual(initialEntry({ kind: 'choice', options: ['sgd', 'adam', 'rmsprop'] }, 'adam'), { values: ['adam', 'rmsprop'] });
    assert.deepEqual(initialEntry({ kind: 'choice', options: ['true', 'false'] }, true), { values: [true, false] });
    for (const entry of [
      initialEntry({ kind: 'number', integer: false }, undefined),
      initialEntry({ kind: 'number', integer: true }, undefined),
    ]) {
      assert.ok(isSearchParameter(entry) && 'min' in entry && entry.max > entry.min, JSON.stringify(entry));
    }
  });

  it('creates the search block with defaults, adds and removes entries, and removes the block with the last one', () => {
    const lr = { min: 0.0001, max: 0.1, scale: 'log' as const };
    const one = toggle(IRIS_YAML, 'training.learningRate', lr);
    const parsed = parseModelFile('/w/iris.model.yaml', one).value as { search: unknown };
    assert.deepEqual(parsed.search, { method: 'random', metric: 'val_accuracy', trials: 12, parameters: { 'training.learningRate': lr } });
    assert.ok(one.startsWith(IRIS_YAML.trimEnd()), 'the rest of the file, comments included, is untouched');

    const two = toggle(one, 'model.layers[0].units', { min: 4, max: 64, scale: 'log', type: 'int' });
    assert.match(two, /"model\.layers\[0\]\.units":/);
    const changed = toggle(two, 'model.layers[0].units', { values: [8, 16, 32] });
    assert.deepEqual((parseModelFile('/w/iris.model.yaml', changed).value as { search: { parameters: object } }).search.parameters, {
      'training.learningRate': lr,
      'model.layers[0].units': { values: [8, 16, 32] },
    });

    const back = toggle(toggle(changed, 'model.layers[0].units', undefined), 'training.learningRate', undefined);
    assert.equal(back, IRIS_YAML, 'off again: the file as it was');
    assert.equal(searchEdit(parseModelFile('/w/iris.model.yaml', IRIS_YAML).value, 'training.epochs', undefined), undefined);
  });

  it('writes a new search block in a JSON file in the file’s spacing, a comma in a comment notwithstanding', () => {
    const json = '{\n  // 8,000 examples\n  "task": "classification",\n  "training": { "metrics": ["accuracy"] }\n}\n';
    const edit = searchEdit(JSON.parse(json.replace(/\/\/.*\n/, '')), 'training.learningRate', { min: 0.001, max: 0.1, scale: 'log' });
    assert.ok(edit);
    const after = applyTextEdits(json, editModelFile(json, 'json', edit));
    assert.match(
      after,
      /"search": \{ "method": "random", "metric": "val_accuracy", "trials": 12, "parameters": \{ "training\.learningRate": \{ "min": 0\.001, "max": 0\.1, "scale": "log" \} \} \}/,
    );
  });

  it('uses val_loss where the file does not measure accuracy', () => {
    const edit = searchEdit(withValue(irisModel(), ['task'], 'regression'), 'training.learningRate', { min: 0.001, max: 0.1 });
    assert.equal(edit?.kind === 'set' && (edit.value as { metric: string }).metric, 'val_loss');
  });

  it('accepts only what the schema allows as an entry', () => {
    assert.ok(isSearchParameter({ values: [1, 'a', true] }));
    assert.ok(isSearchParameter({ min: 1, max: 2, scale: 'log', type: 'int' }));
    for (const bad of [
      { values: [] },
      { values: [{}] },
      { min: 1 },
      { min: 1, max: 2, scale: 'ln' },
      { min: 1, max: 2, x: 1 },
      { min: NaN, max: 1 },
      null,
    ]) {
      assert.ok(!isSearchParameter(bad), JSON.stringify(bad));
    }
    assert.equal(searchControlFor(['training', 'metrics'], { kind: 'multiselect', options: ['accuracy'] }), undefined);
  });
});

describe('applying a trial’s values to the model file', () => {
  const YAML = [
    '# iris',
    'model:',
    '  layers:',
    '    - type: dense',
    '    # the hidden layer',
    '    - {type: dense, units: 16} # wide',
    'training:',
    '  learningRate: 0.01 # start',
    '  epochs: 5',
    '',
  ].join('\n');

  it('changes only the values’ bytes, comments kept', () => {
    const edits = paramEdits('/w/m.model.yaml', YAML, { 'training.learningRate': 0.0031, 'model.layers[1].units': 37 });
    assert.equal(edits.length, 2);
    for (const e of edits) assert.ok(e.length <= 4 && !e.newText.includes('\n'), JSON.stringify(e));
    assert.equal(applyTextEdits(YAML, edits), YAML.replace('0.01 #', '0.0031 #').replace('units: 16', 'units: 37'));
  });

  it('adds absent keys, with one edit where two additions meet', () => {
    const edits = paramEdits('/w/m.model.yaml', YAML, { 'model.layers[0].units': 8, 'training.batchSize': 16, 'training.seed': 3 });
    const after = applyTextEdits(YAML, edits);
    assert.deepEqual(parseModelFile('/w/m.model.yaml', after).value, {
      model: {
        layers: [
          { type: 'dense', units: 8 },
          { type: 'dense', units: 16 },
        ],
      },
      training: { learningRate: 0.01, epochs: 5, batchSize: 16, seed: 3 },
    });
    assert.ok(after.includes('# the hidden layer') && after.includes('# wide') && after.includes('# start'));
  });

  it('is empty when the file holds the values already, and works on JSON with comments', () => {
    assert.deepEqual(paramEdits('/w/m.model.yaml', YAML, { 'training.epochs': 5 }), []);
    const json = '{\n  // rate\n  "training": { "learningRate": 0.01 }\n}\n';
    assert.equal(applyTextEdits(json, paramEdits('/w/m.model.json', json, { 'training.learningRate': 0.5 })), json.replace('0.01', '0.5'));
  });
});
