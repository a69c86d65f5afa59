import { strict as assert } from 'node:assert';
import { applyNormalization, computeNormalization, invertNormalization } from '../../src/data/normalize';

// Two features, three rows: feature 0 = 1, 2, 3; feature 1 = 10, 10, 10 (constant).
const x = () => Float32Array.from([1, 10, 2, 10, 3, 10]);

describe('normalisation', () => {
  it('none and scale share one value across features', () => {
    assert.deepEqual(computeNormalization(x(), 2, undefined), { method: 'none', offset: [0], divisor: [1] });
    assert.deepEqual(computeNormalization(x(), 2, { normalize: 'scale', scale: 255 }), { method: 'scale', offset: [0], divisor: [255] });
    assert.deepEqual(computeNormalization(x(), 2, { normalize: 'scale' }).divisor, [1]);
  });

  it('minmax maps each feature to [0, 1]; a constant feature keeps divisor 1', () => {
    const stats = computeNormalization(x(), 2, { normalize: 'minmax' });
    assert.deepEqual(stats, { method: 'minmax', offset: [1, 10], divisor: [2, 1] });
    assert.deepEqual(Array.from(applyNormalization(x(), stats)), [0, 0, 0.5, 0, 1, 0]);
  });

  it('standard gives mean 0 and (population) deviation 1', () => {
    const stats = computeNormalization(x(), 2, { normalize: 'standard' });
    assert.deepEqual(stats.offset, [2, 10]);
    assert.ok(Math.abs(stats.divisor[0] - Math.sqrt(2 / 3)) < 1e-12);
    assert.equal(stats.divisor[1], 1);
    const z = applyNormalization(x(), stats);
    assert.ok(Math.abs(z[0] + z[2] + z[4]) < 1e-6);
    assert.ok(Math.abs((z[0] ** 2 + z[2] ** 2 + z[4] ** 2) / 3 - 1) < 1e-6);
  });

  it('applies in place by default, or into a given array', () => {
    const input = x();
    const stats = { method: 'scale' as const, offset: [0], divisor: [2] };
    const out = new Float32Array(6);
    assert.equal(applyNormalization(input, stats, out), out);
    assert.deepEqual(Array.from(input), [1, 10, 2, 10, 3, 10]);
    assert.equal(applyNormalization(input, stats), input);
    assert.deepEqual(Array.from(input), [0.5, 5, 1, 5, 1.5, 5]);
  });

  it('invertNormalization undoes applyNormalization', () => {
    for (const normalize of ['scale', 'minmax', 'standard'] as const) {
      const stats = computeNormalization(x(), 2, { normalize, scale: 4 });
      const back = invertNormalization(applyNormalization(x(), stats), stats);
      Array.from(back).forEach((v, i) => assert.ok(Math.abs(v - x()[i]) < 1e-5, `${normalize}: ${v} vs ${x()[i]}`));
    }
  });

  it('rejects data that does not split into rows of the stats width', () => {
    assert.throws(
      () => applyNormalization(Float32Array.from([1, 2, 3]), { method: 'minmax', offset: [0, 0], divisor: [1, 1] }),
      RangeError,
    );
  });
});
