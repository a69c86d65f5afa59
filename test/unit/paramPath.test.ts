import * as assert from 'node:assert/strict';
import { formatParamPath, parseParamPath, withParams } from '../../src/modelFile/paramPath';

describe('sweep parameter paths', () => {
  it('parses keys and list indices, and formats them back', () => {
    for (const [key, path] of [
      ['training.learningRate', ['training', 'learningRate']],
      ['model.layers[0].units', ['model', 'layers', 0, 'units']],
      ['model.layers[12].kernelRegularizer.l2', ['model', 'layers', 12, 'kernelRegularizer', 'l2']],
    ] as const) {
      assert.deepEqual(parseParamPath(key), path);
      assert.equal(formatParamPath(path), key);
    }
  });

  it('rejects what is not a path', () => {
    for (const key of ['', '.training', 'training..x', 'training learningRate', 'model.layers[x]', 'model.layers[0]units', '[0]x']) {
      assert.equal(parseParamPath(key), undefined, key);
    }
  });

  it('sets values in YAML and JSON, keeping comments', () => {
    const yaml = '# iris\ntraining:\n  learningRate: 0.01 # start\nmodel:\n  layers:\n    - {type: dense, units: 16}\n';
    assert.equal(
      withParams('m.model.yaml', yaml, { 'training.learningRate': 0.003, 'model.layers[0].units': 32, 'training.batchSize': 8 }),
      '# iris\ntraining:\n  learningRate: 0.003 # start\n  batchSize: 8\nmodel:\n  layers:\n    - {type: dense, units: 32}\n',
    );
    const json = '{\n  // lr\n  "training": { "learningRate": 0.01 }\n}\n';
    assert.equal(
      withParams('m.model.json', json, { 'training.learningRate': 0.1 }),
      '{\n  // lr\n  "training": { "learningRate": 0.1 }\n}\n',
    );
  });

  it('names a key that is not a path', () => {
    assert.throws(
      () => withParams('m.model.yaml', 'training: {}\n', { 'training lr': 1 }),
      /search\.parameters: "training lr" is not a path/,
    );
  });
});
