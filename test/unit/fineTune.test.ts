import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadBackend } from '../../src/trainer/backend';
import { loadBaseModel } from '../../src/trainer/baseModel';
import { buildModel, ModelBuildError } from '../../src/trainer/buildModel';
import { exportRun } from '../../src/trainer/exportModel';
import { loadModel } from '../../src/trainer/modelIO';
import { summarizeModel } from '../../src/trainer/modelSummary';
import { train } from '../../src/trainer/train';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** Every weight of each layer, as plain numbers, by layer name. */
async function weightsByLayer(dir: string): Promise<Map<string, number[][]>> {
  const model = await loadModel(dir);
  const out = new Map(model.layers.map((layer) => [layer.name, layer.getWeights().map((w) => Array.from(w.dataSync()))]));
  model.dispose();
  return out;
}

describe('fine-tuning from an exported model (model.from)', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let baseWeights: Map<string, number[][]>;
  const head = [{ type: 'dense', units: 3, activation: 'softmax' }];

  /** A model file next to tiny.model.json that starts from the export. */
  const fineTune = (name: string, model: Partial<ModelSpec['model']>): string => {
    const spec = { ...tiny.spec, name, model: { from: 'base/model.json', layers: head, ...model } };
    return tiny.workspace.write(`${name}.model.json`, JSON.stringify(spec, null, 2));
  };
  const trainFile = async (modelFile: string): Promise<string> => {
    const outcome = await train(
      { modelFile, workspaceRoot: tiny.workspace.root, runsDir: tiny.runsDir, backend: 'cpu' },
      { onMessage: () => undefined },
    );
    assert.equal(outcome.type, 'done', outcome.type === 'error' ? outcome.message : '');
    assert.equal(outcome.run.status, 'completed', outcome.run.error?.message);
    return outcome.runDir;
  };

  before(async () => {
    tiny = writeTinyModel();
    const runDir = await trainFile(tiny.modelFile);
    await exportRun({ runDir, outDir: tiny.workspace.file('base'), workspaceRoot: tiny.workspace.root, backend: 'cpu' });
    baseWeights = await weightsByLayer(tiny.workspace.file('base'));
    assert.deepEqual([...baseWeights.keys()], ['dense_1', 'dropout_2', 'dense_3']);
  });
  after(() => tiny.workspace.remove());

  it('validates: the path must exist in the workspace, trainable names must be layers of it', async () => {
    const ok = fineTune('ft-valid', { trainable: false });
    const diagnostics = async (file: string) =>
      (await validateModelFile(file, readFileSync(file, 'utf8'), { workspaceRoot: tiny.workspace.root })).diagnostics;
    assert.deepEqual(
      (await diagnostics(ok)).filter((d) => d.severity === 'error'),
      [],
    );
    const missing = await diagnostics(fineTune('ft-missing', { from: 'nowhere/model.json' }));
    assert.ok(
      missing.some(
        (d) => d.severity === 'error' && d.path.join('.') === 'model.from' && /model "nowhere\/model\.json" not found/.test(d.message),
      ),
      JSON.stringify(missing),
    );
    const outside = await diagnostics(fineTune('ft-outside', { from: '../../etc/model.json' }));
    assert.ok(outside.some((d) => d.severity === 'error' && d.path.join('.') === 'model.from' && /outside the workspace/.test(d.message)));
    const typo = await diagnostics(fineTune('ft-typo', { trainable: ['dense_3', 'dens_1'] }));
    assert.ok(
      typo.some((d) => d.severity === 'error' && d.path.join('.') === 'model.trainable.1' && /has no layer "dens_1"/.test(d.message)),
      JSON.stringify(typo),
    );
    const notModel = tiny.workspace.write('base/not-a-model.json', '{"hello": 1}');
    const bad = await diagnostics(fineTune('ft-bad', { from: path.relative(tiny.workspace.root, notModel) }));
    assert.ok(bad.some((d) => d.severity === 'error' && /not a TF.js layers model/.test(d.message)));
  });

  it('trainable: false keeps every base weight unchanged and trains the appended head', async () => {
    const modelFile = fineTune('ft-frozen', { trainable: false });
    await loadBackend('cpu');
    const spec = JSON.parse(readFileSync(modelFile, 'utf8')) as ModelSpec;
    const base = await loadBaseModel(spec, modelFile, tiny.workspace.root);
    const initial = buildModel(spec, [4], spec.training.seed ?? 42, base);
    const initialHead = initial.layers[3].getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(
      initial.layers.map((l) => [l.name, l.trainable]),
      [
        ['dense_1', false],
        ['dropout_2', false],
        ['dense_3', false],
        ['dense_4', true],
      ],
    );
    initial.dispose();
    base?.dispose();

    const after = await weightsByLayer(path.join(await trainFile(modelFile), 'model'));
    for (const name of ['dense_1', 'dense_3']) assert.deepEqual(after.get(name), baseWeights.get(name), `${name} changed`);
    assert.notDeepEqual(after.get('dense_4'), initialHead, 'the head did not train');
  });

  it('trainable: [names] trains those base layers only', async () => {
    const after = await weightsByLayer(path.join(await trainFile(fineTune('ft-partial', { trainable: ['dense_3'] })), 'model'));
    assert.deepEqual(after.get('dense_1'), baseWeights.get('dense_1'));
    assert.notDeepEqual(after.get('dense_3'), baseWeights.get('dense_3'));
  });

  it('the layer table lists the base layers first, frozen ones without trainable parameters', async () => {
    await loadBackend('cpu');
    const modelFile = fineTune('ft-summary', { trainable: false });
    const spec = JSON.parse(readFileSync(modelFile, 'utf8')) as ModelSpec;
    const base = await loadBaseModel(spec, modelFile, tiny.workspace.root);
    const summary = summarizeModel(spec, [4], base);
    base?.dispose();
    assert.deepEqual(
      summary.layers.map((l) => [l.name, l.type, l.index, l.fromBase ?? false]),
      [
        ['dense_1', 'dense', 1, true],
        ['dropout_2', 'dropout', 2, true],
        ['dense_3', 'dense', 3, true],
        ['dense_4', 'dense', 0, false],
      ],
    );
    assert.equal(summary.trainableParams, summary.layers[3].params);
    assert.equal(
      summary.nonTrainableParams,
      summary.layers.slice(0, 3).reduce((n, l) => n + l.params, 0),
    );
  });

  it('a base model whose input does not fit the data is an error on model.from', async () => {
    await loadBackend('cpu');
    const modelFile = fineTune('ft-shape', {});
    const spec = JSON.parse(readFileSync(modelFile, 'utf8')) as ModelSpec;
    const base = await loadBaseModel(spec, modelFile, tiny.workspace.root);
    assert.throws(
      () => buildModel(spec, [5], 1, base),
      (e: unknown) => e instanceof ModelBuildError && e.field === 'model.from' && /shape \[4\] but the data's are \[5\]/.test(e.message),
    );
    base?.dispose();
  });
});
