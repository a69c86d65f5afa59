import * as assert from 'node:assert/strict';
import { exportSummary, formatBytes } from '../../src/protocol/exportSummary';

describe('exportSummary', () => {
  it('uint8 classification: size against float32, accuracy in points (a minus sign), the largest output difference', () => {
    const line = exportSummary({
      quantize: 'uint8',
      bytes: 104_448,
      bytesFloat32: 415_744,
      comparison: { examples: 10_000, metric: 'accuracy', float32: 0.9785, exported: 0.9781, maxAbsDifference: 0.0031 },
    });
    assert.equal(
      line,
      'weights 102 KB uint8 (25.1 % of float32 406 KB); test accuracy 97.81 % vs 97.85 % float32 (\u22120.04 pt); max prediction difference 3.1e-3 on 10000 test examples',
    );
  });

  it('regression: MSE in the target units with the relative change; float32 exports say so; no test data: why', () => {
    assert.equal(
      exportSummary({
        quantize: 'float16',
        bytes: 2048,
        bytesFloat32: 4096,
        comparison: { examples: 20, metric: 'mse', float32: 0.25, exported: 0.2505, maxAbsDifference: 0.0004 },
      }),
      'weights 2 KB float16 (50.0 % of float32 4 KB); test MSE 0.2505 vs 0.25 float32 (+0.20 %); max prediction difference 4.0e-4 on 20 test examples',
    );
    assert.equal(
      exportSummary({ bytes: 4096, bytesFloat32: 4096, parityNote: 'the spec names no test data' }),
      'weights 4 KB float32; not compared on test data: the spec names no test data',
    );
  });

  it('formatBytes: B, KB, MB (1024)', () => {
    assert.deepEqual([formatBytes(900), formatBytes(407_050), formatBytes(1_628_200)], ['900 B', '398 KB', '1.6 MB']);
  });
});
