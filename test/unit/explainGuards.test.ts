import * as assert from 'node:assert/strict';
import { isEvaluatorToHost, isHostToTrainer } from '../../src/protocol/guards';

describe('explain messages (guards)', () => {
  const image = { width: 2, height: 1, channels: 1, pixels: 'AAA=' };
  const saliency = {
    runId: 'r',
    method: 'saliency',
    dataset: 'd',
    explanations: [{ row: 3, source: { file: '/d', index: 3 }, predicted: '7', actual: 1.5, heatmap: [[0, 1]], image }],
    featureMaps: { row: 3, layers: [{ name: 'conv2d_1', width: 2, height: 1, channels: 80, maps: ['AAA='] }] },
  };
  const importance = {
    runId: 'r',
    method: 'importance',
    dataset: 'd',
    explanations: [{ feature: 'a', importance: 0.2, std: 0.01 }],
    importance: { metric: 'accuracy', baseline: 0.9, repeats: 5 },
  };

  it('accepts an explain request and the results the trainer sends', () => {
    assert.ok(isHostToTrainer({ type: 'explain', request: { runDir: '/r', workspaceRoot: '/w' } }));
    assert.ok(
      isHostToTrainer({
        type: 'explain',
        request: { runDir: '/r', workspaceRoot: '/w', method: 'gradcam', rows: [0, 7], data: '/d', featureMaps: true, backend: 'cpu' },
      }),
    );
    assert.ok(isEvaluatorToHost({ type: 'explainDone', result: saliency }));
    assert.ok(isEvaluatorToHost({ type: 'explainDone', result: { ...saliency, method: 'gradcam', layer: 'conv2d_1' } }));
    assert.ok(isEvaluatorToHost({ type: 'explainDone', result: importance }));
  });

  it('drops what does not fit', () => {
    const request = { runDir: '/r', workspaceRoot: '/w' };
    for (const bad of [
      { method: 'lime' },
      { rows: [-1] },
      { rows: [1.5] },
      { rows: '1,2' },
      { featureMaps: 'yes' },
      { workspaceRoot: 3 },
    ]) {
      assert.equal(isHostToTrainer({ type: 'explain', request: { ...request, ...bad } }), false, JSON.stringify(bad));
    }
    for (const bad of [
      { ...saliency, explanations: [{ ...saliency.explanations[0], heatmap: [[0, null]] }] },
      { ...saliency, explanations: [{ ...saliency.explanations[0], image: { ...image, channels: 2 } }] },
      { ...saliency, explanations: importance.explanations },
      { ...importance, explanations: [{ feature: 'a', importance: 0.2 }] },
      { ...importance, importance: { metric: 'accuracy', baseline: '0.9', repeats: 5 } },
      { ...saliency, featureMaps: { row: 3, layers: [{ name: 'c', width: 2, height: 1, channels: 8, maps: [3] }] } },
    ]) {
      assert.equal(isEvaluatorToHost({ type: 'explainDone', result: bad }), false, JSON.stringify(bad).slice(0, 120));
    }
  });
});
