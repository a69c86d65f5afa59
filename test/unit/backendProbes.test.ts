import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { BackendReport } from '../../src/protocol/probeMessages';
import { fastestBackend, formatReport, probeBackends } from '../../src/host/backendProbes';
import { testBundles } from '../fixtures/bundles';
import { writeTinyModel, type TinyModel } from '../fixtures/tinyModel';

describe('backend probes (dist/probe.js, one process per backend)', function () {
  this.timeout(120_000);
  let tiny: TinyModel;
  let reports: BackendReport[];
  const started: string[] = [];

  before(async () => {
    tiny = writeTinyModel({ rows: 120 });
    reports = await probeBackends({
      probePath: testBundles().probe,
      modelFile: tiny.modelFile,
      workspaceRoot: tiny.workspace.root,
      seconds: 0.3,
      backends: ['tensorflow', 'wasm', 'cpu'],
      onStart: (backend, index, total) => started.push(`${index + 1}/${total} ${backend}`),
    });
  });
  after(() => tiny.workspace.remove());

  it('probes each backend in order', () => {
    assert.deepEqual(started, ['1/3 tensorflow', '2/3 wasm', '3/3 cpu']);
    assert.deepEqual(
      reports.map((r) => r.backend),
      ['tensorflow', 'wasm', 'cpu'],
    );
  });

  it('a backend that is not installed says so and why', () => {
    const [tensorflow] = reports;
    assert.equal(tensorflow.status, 'not installed');
    assert.match(tensorflow.reason ?? '', /@tensorflow\/tfjs-node is not installed/);
    assert.equal(tensorflow.samplesPerSecond, undefined);
  });

  it('loaded backends report versions and a speed on the model', () => {
    for (const report of reports.slice(1)) {
      assert.equal(report.status, 'loaded', formatReport(report));
      assert.ok((report.samplesPerSecond ?? 0) > 0);
      assert.equal(report.batchSize, 8);
      assert.ok((report.batches ?? 0) >= 2);
      assert.ok(report.versions.includes('@tensorflow/tfjs-core 4.22.0'));
    }
    assert.ok(reports[1].versions.includes('@tensorflow/tfjs-backend-wasm 4.22.0'));
    assert.match(formatReport(reports[1]), /^wasm +loaded +\d+ samples\/s \(batch 8\)/);
  });

  it('auto picks the fastest loaded backend, never a software GPU', () => {
    const fastest = fastestBackend(reports);
    assert.ok(fastest && ['wasm', 'cpu'].includes(fastest.backend));
    const withSoftwareGpu: BackendReport[] = [
      ...reports,
      { backend: 'webgpu', status: 'loaded', software: true, samplesPerSecond: 1e9, versions: [] },
    ];
    assert.equal(fastestBackend(withSoftwareGpu)?.backend, fastest.backend);
  });

  it("a model file with an error fails the probe with the model file's message", async () => {
    const broken = tiny.workspace.write('broken.model.json', '{ "name": "x" }');
    const [report] = await probeBackends({
      probePath: testBundles().probe,
      modelFile: broken,
      workspaceRoot: tiny.workspace.root,
      seconds: 0.2,
      backends: ['cpu'],
    });
    assert.equal(report.status, 'failed');
    assert.match(report.reason ?? '', /broken\.model\.json/);
  });

  it('webgpu on a software adapter is measured and flagged software (skipped without a Vulkan driver)', async function () {
    const lavapipe = process.env.MODEL_STUDIO_LAVAPIPE ?? path.join(homedir(), '.cache', 'model-studio', 'lavapipe');
    if (!existsSync(path.join(lavapipe, 'lvp_icd.json'))) {
      console.log('      skipped: no lavapipe (bash scripts/installLavapipe.sh)');
      this.skip();
    }
    const [report] = await probeBackends({
      probePath: testBundles().probe,
      modelFile: tiny.modelFile,
      workspaceRoot: tiny.workspace.root,
      seconds: 0.3,
      backends: ['webgpu'],
      env: {
        ...process.env,
        VK_ICD_FILENAMES: path.join(lavapipe, 'lvp_icd.json'),
        LD_LIBRARY_PATH: path.join(lavapipe, 'root', 'usr', 'lib', 'x86_64-linux-gnu'),
      },
    });
    assert.equal(report.status, 'loaded', formatReport(report));
    assert.equal(report.software, true);
    assert.match(report.detail ?? '', /llvmpipe/);
    assert.ok(report.versions.includes('@tensorflow/tfjs-backend-webgpu 4.22.0'));
    assert.equal(fastestBackend([report]), undefined);
  });
});
