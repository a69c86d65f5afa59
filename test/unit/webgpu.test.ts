import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/protocol/runTypes';
import { testBundles } from '../fixtures/bundles';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/**
 * Training on webgpu (Dawn) gives the cpu backend's losses: every epoch's
 * loss within 1e-3 relative on a fixed seed, for an MLP and a CNN. It runs
 * on whatever adapter Dawn finds: a real GPU, or Mesa's lavapipe installed
 * by `bash scripts/installLavapipe.sh` (Debian bookworm's own Mesa 22.3 is
 * rejected by Dawn). Without an adapter it skips, printing why.
 */

const LAVAPIPE = process.env.MODEL_STUDIO_LAVAPIPE ?? path.join(homedir(), '.cache', 'model-studio', 'lavapipe');

/** The environment that points the Vulkan loader at the private lavapipe, when it is there. */
function vulkanEnv(): NodeJS.ProcessEnv {
  const icd = path.join(LAVAPIPE, 'lvp_icd.json');
  if (!existsSync(icd)) return process.env;
  const lib = path.join(LAVAPIPE, 'root', 'usr', 'lib', 'x86_64-linux-gnu');
  return {
    ...process.env,
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
}

interface Trained {
  readonly backend?: string;
  /** Epoch losses. */
  readonly losses: number[];
  /** Every batch record, `epoch:batch` → loss, in the order they came (webgpu reads them a few batches behind training). */
  readonly batches: [string, number][];
  readonly error?: string;
}

function train(modelFile: string, cwd: string, backend: 'cpu' | 'webgpu'): Trained {
  const result = spawnSync(process.execPath, [testBundles().cli, 'train', modelFile, '--backend', backend, '--json'], {
    cwd,
    env: vulkanEnv(),
    encoding: 'utf8',
    timeout: 170_000,
  });
  const lines = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const final = lines.at(-1) as
    { type?: string; status?: string; run?: { backend?: string; error?: { message: string } }; message?: string } | undefined;
  if (final?.type !== 'result' || final.status !== 'completed') {
    return {
      losses: [],
      batches: [],
      error: final?.message ?? final?.run?.error?.message ?? (result.stderr.trim().split('\n').at(-1) || `exit ${result.status}`),
    };
  }
  const epochs = lines.filter((line) => typeof line.epoch === 'number' && line.batch === null) as unknown as MetricRecord[];
  const batches = lines.filter((line) => typeof line.epoch === 'number' && typeof line.batch === 'number') as unknown as MetricRecord[];
  return {
    backend: final.run?.backend,
    losses: epochs.map((record) => record.loss),
    batches: batches.map((record) => [`${record.epoch}:${record.batch}`, record.loss]),
  };
}

function assertSameLosses(webgpu: Trained, cpu: Trained): void {
  assert.equal(cpu.error, undefined);
  assert.equal(webgpu.backend, 'webgpu');
  assert.equal(webgpu.losses.length, cpu.losses.length);
  webgpu.losses.forEach((loss, i) => {
    const relative = Math.abs(loss - cpu.losses[i]) / Math.abs(cpu.losses[i]);
    assert.ok(relative < 1e-3, `epoch ${i + 1}: webgpu ${loss} vs cpu ${cpu.losses[i]} (relative ${relative.toExponential(2)})`);
  });
  // Every batch, once, in order, with the loss of that batch.
  assert.deepEqual(
    webgpu.batches.map(([key]) => key),
    cpu.batches.map(([key]) => key),
  );
  webgpu.batches.forEach(([key, loss], i) => {
    const relative = Math.abs(loss - cpu.batches[i][1]) / Math.abs(cpu.batches[i][1]);
    assert.ok(relative < 1e-3, `batch ${key}: webgpu ${loss} vs cpu ${cpu.batches[i][1]} (relative ${relative.toExponential(2)})`);
  });
}

describe('webgpu backend (Dawn) trains like cpu', function () {
  // Shader compilation on lavapipe takes 6–15 s per model.
  this.timeout(360_000);
  let mlp: TinyModel;
  let images: TempWorkspace;
  let cnnFile: string;
  let mlpOnWebGpu: Trained;

  before(function () {
    testBundles();
    mlp = writeTinyModel({ rows: 150, training: { epochs: 3, seed: 11 } });
    // Skip the whole suite, saying why, when Dawn finds no adapter; any other failure is a failure.
    mlpOnWebGpu = train(mlp.modelFile, mlp.workspace.root, 'webgpu');
    if (mlpOnWebGpu.error?.includes('backend webgpu is not available') === true) {
      console.log(
        `      skipped: ${mlpOnWebGpu.error}` +
          (/Vulkan|adapter/.test(mlpOnWebGpu.error) ? ' (for a software adapter: bash scripts/installLavapipe.sh)' : ''),
      );
      this.skip();
    }
    const pixels = (image: number, index: number): number => ((image * 31 + index * 7) % 97) * 2;
    images = tempWorkspace({
      'train-images.idx': buildIdxImages(96, 12, 12, { pixel: pixels }),
      'train-labels.idx': buildIdxLabels(Array.from({ length: 96 }, (_, i) => (i * 7) % 4)),
    });
    cnnFile = images.write(
      'cnn.model.json',
      JSON.stringify({
        name: 'cnn',
        task: 'classification',
        data: {
          train: { images: 'train-images.idx', labels: 'train-labels.idx' },
          features: { normalize: 'scale', scale: 255, shape: [12, 12, 1] },
        },
        model: {
          layers: [
            { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
            { type: 'maxPooling2d', poolSize: 2 },
            { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' },
            { type: 'flatten' },
            { type: 'dense', units: 4, activation: 'softmax' },
          ],
        },
        training: { optimizer: 'adam', learningRate: 0.01, loss: 'sparseCategoricalCrossentropy', batchSize: 16, epochs: 3, seed: 5 },
      }),
    );
  });
  after(() => {
    mlp?.workspace.remove();
    images?.remove();
  });

  it('MLP: loss per epoch within 1e-3 relative of cpu', () => {
    assertSameLosses(mlpOnWebGpu, train(mlp.modelFile, mlp.workspace.root, 'cpu'));
  });

  it('CNN: loss per epoch within 1e-3 relative of cpu', () => {
    assertSameLosses(train(cnnFile, images.root, 'webgpu'), train(cnnFile, images.root, 'cpu'));
  });
});
