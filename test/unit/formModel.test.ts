import { strict as assert } from 'node:assert';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { labelFor } from '../../src/modelFile/formControls';
import { applyTextEdits, editModelFile } from '../../src/modelFile/editModelFile';
import { buildForm, fieldEdit, parseInput, type FormField, type HyperparameterForm } from '../../src/modelFile/formModel';
import { parseModelFile } from '../../src/modelFile/parseModelFile';
import { textModel } from '../fixtures/textModel';
import { irisModel, withValue } from '../fixtures/modelFile';

const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function diagnostic(path: (string | number)[], message: string, severity: 'error' | 'warning' = 'error'): SpecDiagnostic {
  return { file: '/w/m.model.json', range: START, severity, message, path };
}

function fieldOf(form: HyperparameterForm, id: string): FormField {
  const found = [...form.groups.flatMap((g) => g.fields), ...form.layers.flatMap((l) => l.fields)].find((f) => f.id === id);
  assert.ok(found, `no field ${id}`);
  return found;
}

describe('buildForm', () => {
  it('generates training and data fields from the schema, with the right control per type', () => {
    const form = buildForm(irisModel(), []);
    assert.deepEqual(
      form.groups.map((g) => g.id),
      ['training', 'training.earlyStopping', 'training.learningRateSchedule', 'training.crossValidation', 'data', 'data.features'],
    );
    assert.deepEqual(fieldOf(form, 'training.learningRate').control, { kind: 'number', integer: false, min: 0, step: 0.001 });
    assert.deepEqual(fieldOf(form, 'training.epochs').control, { kind: 'number', integer: true, min: 1, step: 1 });
    assert.equal(fieldOf(form, 'training.optimizer').control.kind, 'select');
    assert.equal(fieldOf(form, 'training.metrics').control.kind, 'multiselect');
    assert.equal(fieldOf(form, 'training.earlyStopping.restoreBestWeights').control.kind, 'checkbox');
    assert.deepEqual(fieldOf(form, 'training.earlyStopping.monitor').control.kind, 'select');
    assert.equal((fieldOf(form, 'training.earlyStopping.monitor').control as { allowOther: boolean }).allowOther, true);
    assert.deepEqual(fieldOf(form, 'data.validationSplit').control, { kind: 'number', integer: false, min: 0, max: 1, step: 0.05 });
    assert.deepEqual(fieldOf(form, 'data.features.shape').control, { kind: 'numberList', integer: true, single: false });
    // Data sources are edited in the file.
    assert.ok(!form.groups.flatMap((g) => g.fields).some((f) => f.id.startsWith('data.train')));
  });

  it('shows Text instead of Features for text data: tokenizer select, vocabSize, maxLength, lowercase with their defaults', () => {
    const form = buildForm(textModel(), []);
    const ids = form.groups.map((g) => g.id);
    assert.ok(ids.includes('data.text') && !ids.includes('data.features'), ids.join(', '));
    assert.deepEqual((fieldOf(form, 'data.text.tokenizer').control as { options: readonly string[] }).options, ['word', 'char']);
    assert.deepEqual(fieldOf(form, 'data.text.vocabSize').control, { kind: 'number', integer: true, min: 3, step: 1 });
    assert.deepEqual(fieldOf(form, 'data.text.maxLength').control, { kind: 'number', integer: true, min: 1, step: 1 });
    assert.equal(fieldOf(form, 'data.text.lowercase').control.kind, 'checkbox');
    const bare = buildForm(withValue(textModel(), ['data', 'text'], {}), []);
    assert.deepEqual(
      ['tokenizer', 'vocabSize', 'maxLength', 'lowercase'].map((key) => fieldOf(bare, `data.text.${key}`).default),
      ['word', 10000, 200, true],
    );
  });

  it('shows Target only for regression or when the file has it', () => {
    assert.ok(!buildForm(irisModel(), []).groups.some((g) => g.id === 'data.target'));
    assert.ok(buildForm(withValue(irisModel(), ['task'], 'regression'), []).groups.some((g) => g.id === 'data.target'));
  });

  it('holds values, display text and defaults', () => {
    const model = withValue(withValue(irisModel(), ['data', 'features', 'shape'], [2, 2]), ['training', 'batchSize'], undefined);
    const form = buildForm(model, []);
    assert.equal(fieldOf(form, 'data.features.shape').text, '2, 2');
    assert.equal(fieldOf(form, 'training.epochs').value, 5);
    assert.equal(fieldOf(form, 'training.batchSize').value, undefined);
    assert.equal(fieldOf(form, 'training.batchSize').default, 32);
    assert.equal(fieldOf(form, 'training.learningRate').default, 0.001, "adam's own");
    assert.equal(fieldOf(form, 'model.layers.0.useBias').default, true);
    assert.equal(fieldOf(form, 'training.epochs').required, false, 'every training key has a default (modelDefaults.ts)');
  });

  it("shows each layer's type, the settings of that type, and any other key of the file", () => {
    const model = withValue(
      irisModel(),
      ['model', 'layers'],
      [
        { type: 'conv2d', filters: 8, kernelSize: [3, 3] },
        { type: 'dropout', rate: 0.2, seed: 7 },
        { type: 'lstm', units: 4 },
      ],
    );
    const form = buildForm(model, []);
    assert.deepEqual(
      form.layers[0].fields.map((f) => f.path[3]),
      ['type', 'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelRegularizer'],
    );
    assert.deepEqual(
      form.layers[1].fields.map((f) => f.path[3]),
      ['type', 'rate', 'seed'],
    );
    assert.ok(form.layers[2].fields.some((f) => f.id === 'model.layers.2.recurrentDropout'));
    assert.deepEqual(fieldOf(form, 'model.layers.0.kernelSize').control, { kind: 'numberList', integer: true, single: true });
    assert.equal(fieldOf(form, 'model.layers.0.kernelSize').text, '3, 3');
    assert.deepEqual(fieldOf(form, 'model.layers.1.seed').control, { kind: 'number', integer: true, step: 1 });
    assert.equal(fieldOf(form, 'model.layers.1.rate').control.kind, 'number');
    assert.equal(fieldOf(form, 'model.layers.0.type').control.kind, 'select');
    assert.ok(form.layerTypes.includes('dense') && !form.layerTypes.includes('add'));
  });

  describe('the learning-rate schedule shows the fields of its type', () => {
    const scheduleIds = (form: HyperparameterForm): string[] =>
      (form.groups.find((g) => g.id === 'training.learningRateSchedule')?.fields ?? []).map((f) => f.id.split('.').pop() as string);
    const withSchedule = (schedule: unknown): HyperparameterForm =>
      buildForm(withValue(irisModel(), ['training', 'learningRateSchedule'], schedule), []);

    it('without a schedule: only the type, a choice of the four', () => {
      const form = buildForm(irisModel(), []);
      assert.equal(form.groups.find((g) => g.id === 'training.learningRateSchedule')?.title, 'Learning-rate schedule');
      assert.deepEqual(scheduleIds(form), ['type']);
      const type = fieldOf(form, 'training.learningRateSchedule.type');
      assert.deepEqual(type.control.kind === 'select' && type.control.options, ['cosine', 'step', 'exponential', 'plateau']);
      // Optional: "(not set)" is no schedule.
      assert.equal(type.required, false);
      assert.equal(type.value, undefined);
    });

    it('per type: cosine, step, exponential, plateau, with their controls, required keys and defaults', () => {
      const cosine = withSchedule({ type: 'cosine', warmupEpochs: 2 });
      assert.deepEqual(scheduleIds(cosine), ['type', 'warmupEpochs', 'minLearningRate']);
      assert.equal(fieldOf(cosine, 'training.learningRateSchedule.type').value, 'cosine');
      assert.equal(fieldOf(cosine, 'training.learningRateSchedule.warmupEpochs').value, 2);
      assert.deepEqual(fieldOf(cosine, 'training.learningRateSchedule.warmupEpochs').control, {
        kind: 'number',
        integer: true,
        min: 0,
        step: 1,
      });
      assert.equal(fieldOf(cosine, 'training.learningRateSchedule.minLearningRate').default, 0);

      const step = withSchedule({ type: 'step', every: 10, factor: 0.5 });
      assert.deepEqual(scheduleIds(step), ['type', 'every', 'factor']);
      assert.equal(fieldOf(step, 'training.learningRateSchedule.every').required, true);
      assert.deepEqual(fieldOf(step, 'training.learningRateSchedule.factor').control, {
        kind: 'number',
        integer: false,
        min: 0,
        max: 1,
        step: 0.05,
      });
      assert.deepEqual(scheduleIds(withSchedule({ type: 'exponential', factor: 0.95 })), ['type', 'factor']);

      const plateau = withSchedule({ type: 'plateau' });
      assert.deepEqual(scheduleIds(plateau), ['type', 'monitor', 'factor', 'patience', 'minLearningRate']);
      assert.equal(fieldOf(plateau, 'training.learningRateSchedule.monitor').default, 'val_loss');
      assert.equal(fieldOf(plateau, 'training.learningRateSchedule.factor').default, 0.1);
      assert.equal(fieldOf(plateau, 'training.learningRateSchedule.patience').default, 10);
      assert.equal(fieldOf(plateau, 'training.learningRateSchedule.factor').required, false);
    });

    it('switching the type rewrites the schedule with only the keys the new type takes: one edit', () => {
      const schedule = ['training', 'learningRateSchedule'];
      const model = withValue(irisModel(), schedule, { type: 'plateau', factor: 0.5, patience: 3, minLearningRate: 1e-6 });
      assert.deepEqual(fieldEdit(model, [...schedule, 'type'], 'cosine'), {
        kind: 'set',
        path: schedule,
        value: { type: 'cosine', minLearningRate: 1e-6 },
      });
      assert.deepEqual(fieldEdit(model, [...schedule, 'type'], 'exponential'), {
        kind: 'set',
        path: schedule,
        value: { type: 'exponential', factor: 0.5 },
      });
      // Unsetting the type removes the schedule; unsetting another key removes that key.
      assert.deepEqual(fieldEdit(model, [...schedule, 'type'], undefined), { kind: 'remove', path: schedule });
      assert.deepEqual(fieldEdit(model, [...schedule, 'patience'], undefined), { kind: 'remove', path: [...schedule, 'patience'] });
      // Other fields, and a type chosen where there was no schedule, are plain sets.
      assert.deepEqual(fieldEdit(model, [...schedule, 'patience'], 4), { kind: 'set', path: [...schedule, 'patience'], value: 4 });
      assert.deepEqual(fieldEdit(irisModel(), [...schedule, 'type'], 'step'), { kind: 'set', path: [...schedule, 'type'], value: 'step' });
      assert.deepEqual(fieldEdit(model, ['training', 'optimizer'], 'sgd'), { kind: 'set', path: ['training', 'optimizer'], value: 'sgd' });

      const yaml = 'training:\n  optimizer: adam # fast\n  learningRateSchedule: {type: cosine, warmupEpochs: 2, minLearningRate: 0.001}\n';
      const root = parseModelFile('/w/m.model.yaml', yaml).value;
      const after = applyTextEdits(yaml, editModelFile(yaml, 'yaml', fieldEdit(root, [...schedule, 'type'], 'plateau')));
      assert.deepEqual((parseModelFile('/w/m.model.yaml', after).value as { training: unknown }).training, {
        optimizer: 'adam',
        learningRateSchedule: { type: 'plateau', minLearningRate: 0.001 },
      });
      assert.ok(after.includes('optimizer: adam # fast'));
    });

    it("keeps a key the new type does not take visible, with the validator's problem on it", () => {
      const model = withValue(irisModel(), ['training', 'learningRateSchedule'], { type: 'step', every: 5, factor: 0.5, warmupEpochs: 2 });
      const path = ['training', 'learningRateSchedule', 'warmupEpochs'];
      const form = buildForm(model, [
        diagnostic(path, 'unknown key "warmupEpochs" in "training.learningRateSchedule"; remove it (allowed keys: type, every, factor)'),
      ]);
      assert.deepEqual(scheduleIds(form), ['type', 'every', 'factor', 'warmupEpochs']);
      const stale = fieldOf(form, 'training.learningRateSchedule.warmupEpochs');
      assert.equal(stale.value, 2);
      assert.equal(stale.required, false);
      assert.deepEqual(
        stale.problems.map((p) => p.message),
        ['unknown key "warmupEpochs" in "training.learningRateSchedule"; remove it (allowed keys: type, every, factor)'],
      );
    });
  });

  it('shows a value of the wrong type as it is in the file', () => {
    const form = buildForm(withValue(irisModel(), ['training', 'epochs'], 'five'), []);
    assert.deepEqual(fieldOf(form, 'training.epochs').control, { kind: 'text' });
    assert.equal(fieldOf(form, 'training.epochs').text, 'five');
  });

  it('puts each diagnostic on its field, the closest field above, its layer, or the general list', () => {
    const form = buildForm(irisModel(), [
      diagnostic(['training', 'learningRate'], '"training.learningRate" must be a number > 0 (got -1)'),
      diagnostic(['data', 'features', 'shape', 1], 'bad axis'),
      diagnostic(['model', 'layers', 1, 'unit'], 'unknown key "unit"', 'warning'),
      diagnostic(['data', 'train', 'path'], 'data file "x.csv" not found'),
      diagnostic([], 'expected "," between entries'),
    ]);
    assert.deepEqual(fieldOf(form, 'training.learningRate').problems, [
      { severity: 'error', message: '"training.learningRate" must be a number > 0 (got -1)' },
    ]);
    assert.deepEqual(
      fieldOf(form, 'data.features.shape').problems.map((p) => p.message),
      ['bad axis'],
    );
    assert.deepEqual(form.layers[1].problems, [{ severity: 'warning', message: 'unknown key "unit"' }]);
    assert.deepEqual(
      form.problems.map((p) => p.message),
      ['data file "x.csv" not found', 'expected "," between entries'],
    );
    assert.equal(form.errorCount, 4);
  });
});

describe('parseInput', () => {
  const number = { kind: 'number', integer: false, step: 0.1 } as const;
  const list = { kind: 'numberList', integer: true, single: false } as const;
  const oneOrList = { kind: 'numberList', integer: true, single: true } as const;

  it('turns text into the value the file gets; empty removes the key', () => {
    assert.deepEqual(parseInput(number, '0.005'), { value: 0.005 });
    assert.deepEqual(parseInput(number, '1e-3'), { value: 0.001 });
    assert.deepEqual(parseInput(number, ''), { value: undefined });
    assert.deepEqual(parseInput(number, 'abc'), { value: 'abc' }, 'kept as typed; validation says what is wrong');
    assert.deepEqual(parseInput(list, '28, 28, 1'), { value: [28, 28, 1] });
    assert.deepEqual(parseInput(list, '[784]'), { value: [784] });
    assert.deepEqual(parseInput(oneOrList, '3'), { value: 3 });
    assert.deepEqual(parseInput(oneOrList, '3 3'), { value: [3, 3] });
    assert.ok('error' in parseInput(list, '28, x'));
    assert.deepEqual(parseInput({ kind: 'json' }, '{"className": "L1L2"}'), { value: { className: 'L1L2' } });
    assert.deepEqual(parseInput({ kind: 'json' }, 'l1l2'), { value: 'l1l2' });
    assert.ok('error' in parseInput({ kind: 'json' }, '{oops'));
    assert.deepEqual(parseInput({ kind: 'checkbox' }, false), { value: false });
    assert.deepEqual(parseInput({ kind: 'multiselect', options: ['a', 'b'] }, ['a', 'b']), { value: ['a', 'b'] });
  });

  it('labels keys as words', () => {
    assert.equal(labelFor('learningRate'), 'Learning rate');
    assert.equal(labelFor('restoreBestWeights'), 'Restore best weights');
  });
});
