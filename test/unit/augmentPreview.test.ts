import * as assert from 'node:assert/strict';
import { EvaluatorError, startAugmentPreview } from '../../src/host/evaluatorProcess';
import { isAugmentPreview } from '../../src/protocol/augmentTypes';
import { isEvaluatorToHost, isHostToTrainer } from '../../src/protocol/guards';
import { augmentPreview } from '../../src/trainer/augmentPreview';
import { testBundles } from '../fixtures/bundles';
import { imageModel, imageWorkspace } from '../fixtures/imageModel';
import { toJson } from '../fixtures/modelFile';
import type { TempWorkspace } from '../fixtures/workspace';

describe('the augmentation preview (the form’s grid)', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  before(() => (workspace = imageWorkspace()));
  after(() => workspace.remove());

  const request = (augment: Record<string, unknown> | undefined) => ({
    modelFile: workspace.file('m.model.json'),
    workspaceRoot: workspace.root,
    text: toJson(imageModel(augment)),
  });

  it('one training image and eight variants of it, as 0–255 values; the same request gives the same variants', async () => {
    const preview = await augmentPreview(request({ rotate: 20, shift: 0.2 }));
    assert.deepEqual([preview.width, preview.height, preview.channels, preview.variants.length], [8, 8, 1, 8]);
    for (const pixels of [preview.original, ...preview.variants]) {
      assert.equal(pixels.length, 64);
      assert.ok(pixels.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
    }
    assert.equal(new Set(preview.variants.map((v) => v.join())).size, 8, 'each variant has its own draws');
    assert.ok(preview.variants.every((v) => v.join() !== preview.original.join()));
    assert.deepEqual((await augmentPreview(request({ rotate: 20, shift: 0.2 }))).variants, preview.variants);
    assert.deepEqual(preview.augment, { rotate: 20, shift: 0.2 });
  });

  it('without augmentation the variants are the image itself', async () => {
    const preview = await augmentPreview(request(undefined));
    assert.ok(preview.variants.every((v) => v.join() === preview.original.join()));
  });

  it('in a trainer process: the same preview; a model file with problems is refused with its message', async () => {
    const options = { trainerPath: testBundles().trainer };
    const remote = await startAugmentPreview(request({ zoom: 0.2, noise: 0.1 }), options).result;
    assert.deepEqual(remote, await augmentPreview(request({ zoom: 0.2, noise: 0.1 })));
    await assert.rejects(
      startAugmentPreview(request({ rotate: 500 }), options).result,
      (error: unknown) => error instanceof EvaluatorError && /m\.model\.json:\d+:\d+: error: .*rotate/.test(error.message),
    );
  });

  it('the messages pass the protocol guards; a preview with the wrong size or values does not', async () => {
    const preview = await augmentPreview(request({ rotate: 5 }));
    assert.ok(isEvaluatorToHost({ type: 'augmentPreviewDone', preview }));
    assert.ok(isHostToTrainer({ type: 'augmentPreview', request: request({ rotate: 5 }) }));
    assert.ok(!isHostToTrainer({ type: 'augmentPreview', request: { modelFile: 3 } }));
    assert.ok(!isAugmentPreview({ ...preview, variants: [preview.original.slice(1)] }));
    assert.ok(!isAugmentPreview({ ...preview, original: preview.original.map(() => 256) }));
    assert.ok(!isAugmentPreview({ ...preview, channels: 2 }));
  });
});
