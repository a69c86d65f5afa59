import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainRequest } from '../../src/protocol/trainerMessages';
import { train } from '../../src/trainer/train';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

/** A sweep trial's values (TrainRequest.overrides) set in the model file's text before it is validated. */
describe('train() with a sweep trial’s overrides', function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  before(() => {
    tiny = writeTinyModel({ training: { epochs: 1 } });
  });
  after(() => tiny.workspace.remove());

  const request = (overrides: TrainRequest['overrides']): TrainRequest => ({
    modelFile: tiny.modelFile,
    workspaceRoot: tiny.workspace.root,
    runsDir: tiny.runsDir,
    backend: 'cpu',
    crossValidation: false,
    overrides,
  });

  it('trains the trial’s model: spec.json holds the values, the model file is unchanged', async () => {
    const before = readFileSync(tiny.modelFile, 'utf8');
    const outcome = await train(request({ 'training.learningRate': 0.003, 'model.layers[0].units': 5, 'training.batchSize': 4 }), {
      onMessage: () => undefined,
    });
    assert.equal(outcome.type, 'done');
    assert.equal(outcome.type === 'done' && outcome.run.status, 'completed');
    const runDir = outcome.type === 'done' ? outcome.runDir : '';
    const spec = JSON.parse(readFileSync(path.join(runDir, 'spec.json'), 'utf8')) as {
      training: { learningRate: number; batchSize: number };
      model: { layers: { units?: number }[] };
    };
    assert.equal(spec.training.learningRate, 0.003);
    assert.equal(spec.training.batchSize, 4);
    assert.equal(spec.model.layers[0].units, 5);
    assert.equal(outcome.type === 'done' && outcome.run.batchesPerEpoch, Math.ceil(30 / 4));
    assert.equal(readFileSync(tiny.modelFile, 'utf8'), before);
  });

  it('a value the model rejects is an error naming the parameter, nothing started', async () => {
    const outcome = await train(request({ 'model.layers[0].units': -3 }), { onMessage: () => undefined });
    assert.equal(outcome.type, 'error');
    assert.match(
      outcome.type === 'error' ? outcome.message : '',
      /tiny\.model\.json: search\.parameters "model\.layers\[0\]\.units" = -3: .*integer ≥ 1 \(got -3\)/,
    );
  });

  it('a path through a value is an error naming the parameter', async () => {
    const outcome = await train(request({ 'model.layers[0].units.deep': 3 }), { onMessage: () => undefined });
    assert.equal(outcome.type, 'error');
    assert.match(
      outcome.type === 'error' ? outcome.message : '',
      /search\.parameters "model\.layers\[0\]\.units\.deep" = 3: "model\.layers\[0\]\.units" must be an integer/,
    );
  });
});
