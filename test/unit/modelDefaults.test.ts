import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildForm } from '../../src/modelFile/formModel';
import { withDefaults } from '../../src/modelFile/modelDefaults';
import { parseModelFile } from '../../src/modelFile/parseModelFile';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** A model file with nothing but data and layers: name, task and every training setting come from modelDefaults.ts. */
const MINIMAL_YAML = `# data and layers, nothing else
data:
  train: { path: train.csv, label: label }
  validationSplit: 0.2
model:
  layers:
    - { type: dense, units: 8, activation: relu }
    - { type: dense, units: 3, activation: softmax }
`;

const MINIMAL_JSON = JSON.stringify({
  data: { train: { path: 'train.csv', label: 'label' } },
  model: { layers: [{ type: 'dense', units: 3, activation: 'softmax' }] },
});

const layers = (activation: string, units: number): unknown => ({ model: { layers: [{ type: 'dense', units, activation }] } });

describe('model file defaults (training optional)', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    tiny = writeTinyModel();
  });
  after(() => tiny.workspace.remove());

  for (const [name, text] of [
    ['minimal.model.yaml', MINIMAL_YAML],
    ['minimal.model.json', MINIMAL_JSON],
  ]) {
    it(`${name} (data + layers only) validates with no problems, with Keras-like defaults`, async () => {
      const file = tiny.workspace.write(name, text);
      const { spec, diagnostics, defaults } = await validateModelFile(file, text, { workspaceRoot: tiny.workspace.root });
      assert.deepEqual(diagnostics, []);
      assert.ok(spec);
      assert.equal(spec.name, 'minimal');
      assert.equal(spec.task, 'classification');
      assert.deepEqual(spec.training, { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 10, metrics: ['accuracy'] });
      assert.deepEqual(
        defaults.map((d) => d.key),
        ['name', 'task', 'training.optimizer', 'training.loss', 'training.epochs', 'training.metrics'],
      );
    });
  }

  it('picks the loss from the output layer and the task', () => {
    const loss = (value: unknown): string => withDefaults(value, 'x.model.json').spec.training.loss;
    assert.equal(loss(layers('sigmoid', 1)), 'binaryCrossentropy');
    assert.equal(loss(layers('softmax', 4)), 'sparseCategoricalCrossentropy');
    assert.equal(loss(layers('linear', 1)), 'meanSquaredError');
    assert.equal(loss({ task: 'classification', ...(layers('linear', 3) as object) }), 'sparseCategoricalCrossentropy');
    // An activation layer after the last dense decides, as the output check reads it.
    const split = {
      model: {
        layers: [
          { type: 'dense', units: 1 },
          { type: 'activation', activation: 'sigmoid' },
        ],
      },
    };
    assert.equal(loss(split), 'binaryCrossentropy');
  });

  it('infers the task from a given loss, else from the output; regression gets no default metrics', () => {
    const regression = withDefaults(layers('linear', 1), 'house.model.json').spec;
    assert.equal(regression.task, 'regression');
    assert.equal(regression.training.metrics, undefined);
    assert.equal(
      withDefaults({ ...(layers('relu', 1) as object), training: { loss: 'meanAbsoluteError' } }, 'a.json').spec.task,
      'regression',
    );
    assert.equal(withDefaults({ ...(layers('linear', 2) as object), training: { loss: 'hinge' } }, 'a.json').spec.task, 'classification');
  });

  it('keeps every key the file gives, and only adds what is missing', () => {
    const given = {
      name: 'n',
      task: 'classification',
      ...(layers('softmax', 3) as object),
      training: { optimizer: 'sgd', loss: 'categoricalCrossentropy', epochs: 2, metrics: [] },
    };
    const { spec, applied } = withDefaults(given, 'x.model.json');
    assert.deepEqual(spec, given);
    assert.deepEqual(applied, []);
  });

  it('the form shows the defaults as placeholders of the training fields', () => {
    const value = parseModelFile('m.model.yaml', MINIMAL_YAML).value;
    const fields = buildForm(value, []).groups.flatMap((g) => g.fields);
    const byId = new Map(fields.map((f) => [f.id, f]));
    assert.equal(byId.get('training.optimizer')?.default, 'adam');
    assert.equal(byId.get('training.loss')?.default, 'sparseCategoricalCrossentropy');
    assert.equal(byId.get('training.epochs')?.default, 10);
    assert.equal(byId.get('training.learningRate')?.default, 0.001);
    assert.deepEqual(byId.get('training.metrics')?.default, ['accuracy']);
    assert.equal(byId.get('training.optimizer')?.required, false);
  });

  it('a minimal file trains with the CLI; the run records the defaults it trained with', () => {
    const file = tiny.workspace.write('cli.model.yaml', MINIMAL_YAML);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [testBundles().cli, 'train', path.basename(file), ...args], {
        cwd: tiny.workspace.root,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const json = run('--json', '--epochs', '2');
    assert.equal(json.status, 0, json.stderr);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = lines[lines.length - 1] as { status: string; runDir: string };
    assert.equal(result.status, 'completed');
    const last = lines[lines.length - 2];
    assert.equal(last.epoch, 2);
    assert.equal(typeof last.accuracy, 'number');
    const spec = JSON.parse(readFileSync(path.join(result.runDir, 'spec.json'), 'utf8')) as { training: unknown };
    assert.deepEqual(spec.training, { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', epochs: 10, metrics: ['accuracy'] });
    const human = run('--epochs', '1');
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      human.stderr,
      /defaults: task "classification" .*training\.loss "sparseCategoricalCrossentropy" \(classification with the softmax output of 3 units\)/,
    );
  });
});
