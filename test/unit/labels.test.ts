import { strict as assert } from 'node:assert';
import { buildClassMap, toClassIndices } from '../../src/data/labels';

describe('class labels', () => {
  it('integer labels 0…k-1 keep their value', () => {
    const map = buildClassMap(Uint8Array.from([3, 0, 1, 2, 1]));
    assert.deepEqual(map.classes, ['0', '1', '2', '3']);
    assert.deepEqual(Array.from(toClassIndices(Uint8Array.from([3, 0, 2]), map)), [3, 0, 2]);
    assert.deepEqual(Array.from(toClassIndices(['3', '0'], map)), [3, 0]);
  });

  it('names are mapped in sorted order, independent of first appearance', () => {
    const map = buildClassMap(['virginica', 'setosa', 'versicolor', 'setosa']);
    assert.deepEqual(map.classes, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(Array.from(toClassIndices(['virginica', 'setosa'], map)), [2, 0]);
  });

  it('integers with gaps are sorted by value, not as text', () => {
    const map = buildClassMap(['10', '2', '1']);
    assert.deepEqual(map.classes, ['1', '2', '10']);
    assert.equal(map.indexOf('10'), 2);
  });

  it('train and test labels share one mapping', () => {
    const map = buildClassMap(['b', 'c'], ['a']);
    assert.deepEqual(map.classes, ['a', 'b', 'c']);
  });

  it('unknown labels are -1 and rejected when mapping', () => {
    const map = buildClassMap(['a']);
    assert.equal(map.indexOf('z'), -1);
    assert.throws(() => toClassIndices(['z'], map), /label "z" is not among the classes/);
  });
});
