import * as assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EvaluatorError, startExplain } from '../../src/host/evaluatorProcess';
import type { ExplainRequest, FeatureImportance, ImageExplanation } from '../../src/protocol/explainTypes';
import { evaluateRun } from '../../src/trainer/evaluate';
import { ExplainError, explainRun } from '../../src/trainer/explain/explainRun';
import { train } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { QUADRANT_SIZE, writeColumnModel, writeQuadrantModel, type ExplainFixture } from '../fixtures/explainModels';

async function trained(fixture: ExplainFixture): Promise<string> {
  const outcome = await train(
    { modelFile: fixture.modelFile, workspaceRoot: fixture.workspace.root, runsDir: fixture.runsDir, backend: 'cpu' },
    { onMessage: () => undefined },
  );
  if (outcome.type !== 'done') throw new Error(outcome.type === 'error' ? outcome.message : 'training did not finish');
  return outcome.runDir;
}

/** Share of a heatmap's mass in the top-left quadrant (a quarter of the image). */
function topLeftShare(heatmap: readonly (readonly number[])[]): number {
  const half = QUADRANT_SIZE / 2;
  let inside = 0;
  let total = 0;
  heatmap.forEach((row, r) =>
    row.forEach((v, c) => {
      total += v;
      if (r < half && c < half) inside += v;
    }),
  );
  return total === 0 ? 0 : inside / total;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const FIRST_40 = Array.from({ length: 40 }, (_, i) => i);

/** Mean share of the mass in the top-left quadrant over the first 40 test images. */
async function quadrantShare(fixture: ExplainFixture, runDir: string, method: 'saliency' | 'gradcam'): Promise<number> {
  const result = await explainRun({ runDir, workspaceRoot: fixture.workspace.root, method, rows: FIRST_40, backend: 'cpu' });
  const explanations = result.explanations as ImageExplanation[];
  assert.deepEqual(
    explanations.map((e) => e.row),
    FIRST_40,
  );
  for (const e of explanations) {
    assert.equal(e.heatmap.length, QUADRANT_SIZE);
    assert.ok(e.heatmap.every((row) => row.length === QUADRANT_SIZE && row.every((v) => v >= 0 && v <= 1)));
    assert.equal(Math.max(...e.heatmap.flat()), 1);
  }
  return mean(explanations.map((e) => topLeftShare(e.heatmap)));
}

describe('explanations', function () {
  this.timeout(120_000);

  describe('a CNN that must learn where to look: the top-left quadrant decides, squares elsewhere distract', () => {
    let fixture: ExplainFixture;
    let runDir: string;
    before(async () => {
      fixture = writeQuadrantModel('where');
      runDir = await trained(fixture);
    });
    after(() => fixture.workspace.remove());

    it("saliency: the heatmaps' mass lies in that quadrant, well above its 25 % share, though most bright squares lie elsewhere", async () => {
      const share = await quadrantShare(fixture, runDir, 'saliency');
      assert.ok(share > 0.45, `${(share * 100).toFixed(1)} %`);
    });
  });

  describe('a CNN whose label is the shape of a bar in the top-left quadrant (noise elsewhere)', () => {
    let fixture: ExplainFixture;
    let runDir: string;
    before(async () => {
      fixture = writeQuadrantModel('what');
      runDir = await trained(fixture);
    });
    after(() => fixture.workspace.remove());

    for (const method of ['saliency', 'gradcam'] as const) {
      it(`${method}: the heatmaps' mass lies in that quadrant, well above its 25 % share`, async () => {
        const share = await quadrantShare(fixture, runDir, method);
        assert.ok(share > 0.45, `${(share * 100).toFixed(1)} %`);
      });
    }

    it('gradcam names the layer it weighed; feature maps: each of its 8 channels as a 12×12 map scaled to 0–255', async () => {
      const result = await explainRun({
        runDir,
        workspaceRoot: fixture.workspace.root,
        method: 'gradcam',
        rows: [3, 1],
        featureMaps: true,
        backend: 'cpu',
      });
      assert.match(result.layer ?? '', /conv2d/i);
      assert.equal(result.featureMaps?.row, 3);
      const layers = result.featureMaps?.layers ?? [];
      assert.deepEqual(
        layers.map((l) => [l.name, l.width, l.height, l.channels, l.maps.length]),
        [[result.layer, 12, 12, 8, 8]],
      );
      for (const map of layers[0].maps) {
        const bytes = Buffer.from(map, 'base64');
        assert.equal(bytes.length, 144);
        // Scaled to its own min–max: a map that is not constant spans 0 to 255.
        if (new Set(bytes).size > 1) assert.deepEqual([Math.min(...bytes), Math.max(...bytes)], [0, 255]);
      }
      const [first] = result.explanations as ImageExplanation[];
      assert.equal(first.actual, '1');
      assert.deepEqual([first.image.width, first.image.height, first.image.channels], [12, 12, 1]);
      assert.equal(first.source.index, 3);
    });

    it('a heatmap does not depend on the other rows asked for (they go in batches of 32)', async () => {
      const request: ExplainRequest = { runDir, workspaceRoot: fixture.workspace.root, method: 'gradcam', backend: 'cpu' };
      const [many, one] = await Promise.all([explainRun({ ...request, rows: FIRST_40 }), explainRun({ ...request, rows: [35] })]);
      const fromMany = (many.explanations[35] as ImageExplanation).heatmap.flat();
      const alone = (one.explanations[0] as ImageExplanation).heatmap.flat();
      assert.ok(
        fromMany.every((v, i) => Math.abs(v - alone[i]) < 1e-3),
        'the same map',
      );
    });

    it("without rows: the evaluation's worst predictions, in its order", async () => {
      const [result, evaluation] = await Promise.all([
        explainRun({ runDir, workspaceRoot: fixture.workspace.root, backend: 'cpu' }),
        evaluateRun({ runDir, workspaceRoot: fixture.workspace.root, backend: 'cpu' }),
      ]);
      assert.equal(result.method, 'saliency');
      assert.deepEqual(
        (result.explanations as ImageExplanation[]).map((e) => [e.row, e.predicted, e.actual]),
        evaluation.worst.map((w) => [w.example, w.predicted, w.actual]),
      );
    });

    it('says which rows exist, and that importance is for tables', async () => {
      const request: ExplainRequest = { runDir, workspaceRoot: fixture.workspace.root, backend: 'cpu' };
      await assert.rejects(
        explainRun({ ...request, rows: [2, 100] }),
        (e: unknown) => e instanceof ExplainError && /rows: 100 .*test-images-idx3-ubyte.*0 to 99/.test(e.message),
      );
      await assert.rejects(
        explainRun({ ...request, method: 'importance' }),
        (e: unknown) => e instanceof ExplainError && /trained on images.*saliency or gradcam/.test(e.message),
      );
    });
  });

  it('gradcam on an image model without a convolution layer says so and points to saliency', async () => {
    const fixture = writeQuadrantModel('what', [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }]);
    try {
      const runDir = await trained(fixture);
      await assert.rejects(
        explainRun({ runDir, workspaceRoot: fixture.workspace.root, method: 'gradcam', backend: 'cpu' }),
        (e: unknown) => e instanceof ExplainError && /spec\.json.*no convolution layer.*use saliency/.test(e.message),
      );
      const saliency = await explainRun({ runDir, workspaceRoot: fixture.workspace.root, rows: [0], backend: 'cpu' });
      assert.equal((saliency.explanations[0] as ImageExplanation).heatmap.length, QUADRANT_SIZE);
    } finally {
      fixture.workspace.remove();
    }
  });

  describe('a table model whose label is set by one column only', () => {
    let fixture: ExplainFixture;
    let runDir: string;
    before(async () => {
      testBundles();
      fixture = writeColumnModel();
      runDir = await trained(fixture);
    });
    after(() => fixture.workspace.remove());

    it("importance: that column's accuracy drop dominates; the noise columns' are near zero", async () => {
      const result = await explainRun({ runDir, workspaceRoot: fixture.workspace.root, backend: 'cpu' });
      assert.equal(result.method, 'importance');
      const [first, ...rest] = result.explanations as FeatureImportance[];
      assert.equal(first.feature, 'signal');
      assert.ok(first.importance > 0.3 && first.std < first.importance / 3, `${first.importance} ± ${first.std}`);
      assert.deepEqual(rest.map((f) => f.feature).sort(), ['noise1', 'noise2']);
      for (const other of rest) assert.ok(Math.abs(other.importance) < 0.05, `${other.feature} ${other.importance}`);
      assert.equal(result.importance?.metric, 'accuracy');
      assert.equal(result.importance?.repeats, 5);
      assert.ok((result.importance?.baseline ?? 0) > 0.9);
      assert.match(result.dataset, /columns\.csv \(testSplit 0\.3: 90 of 300 rows\)/);
    });

    it('the trainer process gives the same importance; heatmaps of a table are refused in one line', async () => {
      const options = { trainerPath: testBundles().trainer };
      const request: ExplainRequest = { runDir, workspaceRoot: fixture.workspace.root, backend: 'cpu' };
      assert.deepEqual(await startExplain(request, options).result, await explainRun(request));
      await assert.rejects(
        startExplain({ ...request, method: 'gradcam' }, options).result,
        (e: unknown) =>
          e instanceof EvaluatorError && /trained on a table \(columns\.csv.*explain a table model with importance/.test(e.message),
      );
    });

    it("a text model is sent to its evaluation's attention view", async () => {
      const textRun = path.join(fixture.workspace.root, 'text-run');
      cpSync(runDir, textRun, { recursive: true });
      const specFile = path.join(textRun, 'spec.json');
      const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { data: { train: Record<string, unknown> } };
      spec.data.train.text = 'noise1';
      writeFileSync(specFile, JSON.stringify(spec));
      writeFileSync(
        path.join(textRun, 'vocabulary.json'),
        JSON.stringify({ tokenizer: 'word', lowercase: true, maxLength: 4, tokens: ['<pad>', '<unk>'] }),
      );
      await assert.rejects(
        explainRun({ runDir: textRun, workspaceRoot: fixture.workspace.root, backend: 'cpu' }),
        (e: unknown) => e instanceof ExplainError && /is a text model.*attention view/.test(e.message),
      );
    });
  });
});
