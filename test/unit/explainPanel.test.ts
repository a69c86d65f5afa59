import * as assert from 'node:assert/strict';
import { explainSteps } from '../../src/host/explainSteps';
import { isEvaluationToHost } from '../../src/protocol/evaluationMessages';
import type { Evaluation } from '../../src/protocol/evaluationTypes';
import type { ExplainResult } from '../../src/protocol/explainTypes';
import { isExplainResult, isFeatureMapLayer } from '../../src/protocol/explainGuards';
import { isHostMessage } from '../../webview/evaluation/guards';
import { colormap, colormapGradient, grayRgba, imageRgba, overlayRgba, topShare } from '../../webview/evaluation/heatmap';
import { importanceAxisTitle, importanceBars } from '../../webview/evaluation/importanceBars';

const ref = { runDir: '/w/.modelstudio/runs/r1', evaluationId: 'e1' };

function base64(bytes: number[]): string {
  return Buffer.from(bytes).toString('base64');
}

/** A 2 × 2 grey image, its saliency and Grad-CAM results with one layer of feature maps, as the trainer sends them. */
const image = { width: 2, height: 2, channels: 1 as const, pixels: base64([0, 100, 200, 255]) };
const saliency: ExplainResult = {
  runId: 'r1',
  method: 'saliency',
  dataset: 'data/test (4 images)',
  explanations: [
    {
      row: 3,
      source: { file: '/w/data/t.idx', index: 3 },
      predicted: '7',
      actual: '1',
      heatmap: [
        [0, 0.5],
        [1, 0],
      ],
      image,
    },
  ],
  featureMaps: { row: 3, layers: [{ name: 'conv2d_1', width: 2, height: 1, channels: 8, maps: [base64([0, 255]), base64([9, 9])] }] },
};

describe('explain panel: heatmap pixel math', () => {
  it('maps 0 to the dark blue end and 1 to the red end, clamping and treating NaN as 0', () => {
    assert.deepEqual(colormap(0), [48, 18, 59]);
    assert.deepEqual(colormap(1), [200, 20, 10]);
    assert.deepEqual(colormap(-3), colormap(0));
    assert.deepEqual(colormap(7), colormap(1));
    assert.deepEqual(colormap(Number.NaN), colormap(0));
    // Halfway between the third and fourth of six stops.
    assert.deepEqual(colormap(0.5), [95, 230, 125]);
    assert.match(colormapGradient(2), /^linear-gradient\(to right, rgb\(48, 18, 59\) 0%, .* rgb\(200, 20, 10\) 100%\)$/);
  });

  it('decodes grey and RGB images and feature maps to opaque RGBA', () => {
    assert.deepEqual([...imageRgba(image)], [0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255]);
    const rgb = { width: 1, height: 1, channels: 3 as const, pixels: base64([10, 20, 30]) };
    assert.deepEqual([...imageRgba(rgb)], [10, 20, 30, 255]);
    assert.deepEqual([...grayRgba(base64([7, 250]), 2, 1)], [7, 7, 7, 255, 250, 250, 250, 255]);
  });

  it('mixes the colormap in by opacity × heat, leaving cold pixels as the image', () => {
    const rgba = imageRgba(image);
    const heat = [
      [0, 0.5],
      [1, 0],
    ];
    const out = overlayRgba(rgba, 2, 2, heat, 1);
    assert.deepEqual([...out.slice(0, 4)], [0, 0, 0, 255], 'heat 0: the image');
    assert.deepEqual([...out.slice(8, 12)], [200, 20, 10, 255], 'heat 1 at full opacity: the colormap');
    const [r, g, b] = colormap(0.5);
    assert.deepEqual([...out.slice(4, 8)], [Math.round(50 + r / 2), Math.round(50 + g / 2), Math.round(50 + b / 2), 255]);
    assert.deepEqual([...overlayRgba(rgba, 2, 2, heat, 0)], [...rgba], 'opacity 0: the image');
    assert.deepEqual([...rgba.slice(8, 12)], [200, 200, 200, 255], 'the base is not changed');
  });

  it('samples a heatmap of another size at the nearest position', () => {
    const black = new Uint8ClampedArray(4 * 4 * 4).fill(0);
    // A 2 × 2 heatmap hot in its top-left quarter, over a 4 × 4 image: the top-left 2 × 2 pixels turn red.
    const out = overlayRgba(
      black,
      4,
      4,
      [
        [1, 0],
        [0, 0],
      ],
      1,
    );
    const red = (x: number, y: number): number => out[4 * (4 * y + x)];
    assert.deepEqual([red(0, 0), red(1, 1), red(2, 0), red(0, 2), red(3, 3)], [200, 200, 0, 0, 0]);
  });

  it('says how concentrated a heatmap is', () => {
    const spot = Array.from({ length: 10 }, (_, y) => Array.from({ length: 10 }, (_, x) => (x === 0 && y < 10 ? 1 : 0)));
    assert.equal(topShare(spot), 1, 'all heat in 10 of 100 pixels');
    const flat = Array.from({ length: 10 }, () => new Array<number>(10).fill(0.3));
    assert.ok(Math.abs(topShare(flat) - 0.1) < 1e-12);
    assert.equal(topShare([[0, 0]]), 0);
  });
});

describe('explain panel: importance bars', () => {
  it('sorts the columns, most important first, with whiskers at mean ± std', () => {
    const bars = importanceBars([
      { feature: 'sepal_width', importance: 0.01, std: 0.02 },
      { feature: 'petal_length', importance: 0.4, std: 0.05 },
      { feature: 'petal_width', importance: 0.2, std: -0.1 },
    ]);
    assert.deepEqual(bars.labels, ['petal_length', 'petal_width', 'sepal_width']);
    assert.deepEqual(bars.means, [0.4, 0.2, 0.01]);
    assert.deepEqual(
      bars.lows.map((v) => Number(v.toFixed(6))),
      [0.35, 0.1, -0.01],
    );
    assert.deepEqual(
      bars.highs.map((v) => Number(v.toFixed(6))),
      [0.45, 0.3, 0.03],
    );
  });

  it('names the metric and whether a bar is its drop or its rise', () => {
    assert.equal(importanceAxisTitle('accuracy', 5), 'drop in accuracy when the column is shuffled (mean ± std over 5 repeats)');
    assert.equal(importanceAxisTitle('mse', 1), 'rise in mse when the column is shuffled (mean ± std over 1 repeat)');
  });
});

describe('explain panel: messages', () => {
  it('lets the webview ask to explain an example or compute importance, and cancel', () => {
    assert.ok(isEvaluationToHost({ type: 'explain', ref, target: { kind: 'example', example: 12 } }));
    assert.ok(isEvaluationToHost({ type: 'explain', ref, target: { kind: 'importance' } }));
    assert.ok(isEvaluationToHost({ type: 'cancelExplain' }));
    for (const target of [
      { kind: 'example', example: -1 },
      { kind: 'example', example: 1.5 },
      { kind: 'example' },
      { kind: 'all' },
      null,
    ]) {
      assert.equal(isEvaluationToHost({ type: 'explain', ref, target }), false, JSON.stringify(target));
    }
    assert.equal(isEvaluationToHost({ type: 'explain', ref: { runDir: 1 }, target: { kind: 'importance' } }), false);
  });

  it('accepts the trainer results the panel draws, and refuses ones that would draw garbage', () => {
    const target = { kind: 'example', example: 3 };
    assert.ok(
      isHostMessage({ type: 'explained', ref, target, results: [saliency, { ...saliency, method: 'gradcam', layer: 'conv2d_2' }] }),
    );
    assert.ok(isHostMessage({ type: 'explained', ref, target, results: [saliency], notes: ['Grad-CAM: no convolution layer'] }));
    assert.equal(isHostMessage({ type: 'explained', ref, target, results: [saliency], notes: [3] }), false);
    assert.ok(isHostMessage({ type: 'explainProgress', ref, target, message: 'Grad-CAM (2 of 2)…' }));
    assert.ok(isHostMessage({ type: 'explainFailed', ref, target, message: 'cancelled', cancelled: true }));
    const explanation = saliency.explanations[0];
    const ragged = { ...explanation, heatmap: [[0, 1], [1]] };
    assert.equal(isExplainResult({ ...saliency, explanations: [ragged] }), false, 'rows of different widths');
    assert.equal(isExplainResult({ ...saliency, method: 'lime' }), false);
    assert.equal(isExplainResult({ ...saliency, explanations: [{ ...explanation, image: { ...image, channels: 4 } }] }), false);
    const layer = saliency.featureMaps?.layers[0];
    assert.ok(isFeatureMapLayer(layer));
    assert.equal(isFeatureMapLayer({ ...layer, maps: [base64([1, 2, 3])] }), false, 'three bytes for a 2 × 1 map');
    const importance: ExplainResult = {
      runId: 'r1',
      method: 'importance',
      dataset: 'data/iris.csv (testSplit 0.2: 30 rows)',
      explanations: [{ feature: 'petal_length', importance: 0.4, std: 0.05 }],
      importance: { metric: 'accuracy', baseline: 0.97, repeats: 5 },
    };
    assert.ok(isHostMessage({ type: 'explained', ref, target: { kind: 'importance' }, results: [importance] }));
    assert.equal(isExplainResult({ ...importance, explanations: [{ feature: 'x', importance: Number.NaN, std: 0 }] }), false);
  });
});

describe('explain panel: trainer tasks', () => {
  const evaluation = {
    runDir: ref.runDir,
    dataset: { kind: 'testSource', files: ['/w/data/t-images.idx', '/w/data/t-labels.idx'] },
  } as unknown as Evaluation;

  it('explains an image example with saliency (and its feature maps), then Grad-CAM, which a model without convolutions goes without', () => {
    const steps = explainSteps(evaluation, '/w', { kind: 'example', example: 42 });
    assert.deepEqual(
      steps.map((s) => s.optional === true),
      [false, true],
    );
    assert.deepEqual(
      steps.map((s) => s.request),
      [
        { runDir: ref.runDir, workspaceRoot: '/w', method: 'saliency', rows: [42], featureMaps: true },
        { runDir: ref.runDir, workspaceRoot: '/w', method: 'gradcam', rows: [42] },
      ],
    );
  });

  it('computes importance on the data the evaluation read: another file when it read one', () => {
    const other = { ...evaluation, dataset: { kind: 'file', files: ['/w/data/more.csv'] } } as unknown as Evaluation;
    assert.deepEqual(
      explainSteps(other, '/w', { kind: 'importance' }).map((s) => s.request),
      [{ runDir: ref.runDir, workspaceRoot: '/w', data: '/w/data/more.csv', method: 'importance' }],
    );
  });
});
