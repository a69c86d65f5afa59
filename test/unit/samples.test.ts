import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { prepareData } from '../../src/data/prepareData';
import { formatDiagnostic, validateModelFile } from '../../src/modelFile/validateModelFile';
import { loadBackend } from '../../src/trainer/backend';
import { inspectModelFile } from '../../src/trainer/inspect';

const root = path.resolve(__dirname, '../..');
const samples = path.join(root, 'samples');
const files = readdirSync(samples).filter((name) => /\.model\.(json|ya?ml)$/.test(name));

describe('samples', () => {
  it('exist', () => {
    assert.ok(files.length >= 2, `found ${files.join(', ')}`);
  });

  for (const name of files) {
    it(`${name} validates with no diagnostics and its data loads`, async () => {
      const file = path.join(samples, name);
      const result = await validateModelFile(file, readFileSync(file, 'utf8'), { workspaceRoot: root });
      assert.deepEqual(result.diagnostics.map(formatDiagnostic), []);
      assert.ok(result.spec !== undefined);
      const data = await prepareData(result.spec, { modelFile: file, workspaceRoot: root });
      assert.ok(data.train.count > 0);
      assert.equal(data.train.x.length, data.train.count * data.featureShape.reduce((a, b) => a * b, 1));
    });

    it(`${name}: its model builds, as validate builds it`, async () => {
      await loadBackend('cpu');
      const file = path.join(samples, name);
      const inspection = await inspectModelFile(file, readFileSync(file, 'utf8'), root);
      assert.equal(inspection.kind, 'ok', JSON.stringify(inspection));
    });
  }
});
