import { strict as assert } from 'node:assert';
import { DataError } from '../../src/data/dataError';
import { assignFolds, whyNoFolds } from '../../src/data/folds';
import { prepareData } from '../../src/data/prepareData';
import type { Split } from '../../src/data/preparedData';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { irisModel, withValue } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** 3 classes of 17, 11 and 7 examples, in an order that is not by class. */
const CLASSES = Array.from({ length: 35 }, (_, i) => (i < 17 ? 0 : i < 28 ? 1 : 2)).sort((a, b) => ((a * 7 + 3) % 5) - ((b * 7 + 3) % 5));

function members(fold: Uint8Array, k: number): number[][] {
  return Array.from({ length: k }, (_, f) => [...fold.keys()].filter((i) => fold[i] === f));
}

describe('assignFolds', () => {
  it('gives k disjoint folds covering every example, sizes within one', () => {
    for (const k of [2, 3, 5, 7]) {
      const fold = assignFolds({ count: 35, folds: k, seed: 1, classes: CLASSES });
      const groups = members(fold, k);
      assert.deepEqual(
        groups.flat().sort((a, b) => a - b),
        [...Array(35).keys()],
      );
      const sizes = groups.map((g) => g.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `k=${k}: sizes ${sizes.join(',')}`);
    }
  });

  it('stratifies by class: each fold holds each class within one of every other fold', () => {
    for (const k of [2, 3, 5, 7]) {
      const groups = members(assignFolds({ count: 35, folds: k, seed: 9, classes: CLASSES }), k);
      for (const c of [0, 1, 2]) {
        const perFold = groups.map((g) => g.filter((i) => CLASSES[i] === c).length);
        assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `k=${k} class ${c}: ${perFold.join(',')}`);
      }
    }
  });

  it('is fixed by the seed: the same seed gives the same folds, another seed others', () => {
    const a = assignFolds({ count: 35, folds: 5, seed: 3, classes: CLASSES });
    assert.deepEqual(assignFolds({ count: 35, folds: 5, seed: 3, classes: CLASSES }), a);
    assert.notDeepEqual(assignFolds({ count: 35, folds: 5, seed: 4, classes: CLASSES }), a);
    const r = assignFolds({ count: 40, folds: 4, seed: 3 });
    assert.deepEqual(assignFolds({ count: 40, folds: 4, seed: 3 }), r);
    assert.notDeepEqual(assignFolds({ count: 40, folds: 4, seed: 5 }), r);
  });

  it('deals regression examples at random, not in file order', () => {
    const fold = assignFolds({ count: 40, folds: 4, seed: 11 });
    const sizes = members(fold, 4).map((g) => g.length);
    assert.deepEqual(sizes, [10, 10, 10, 10]);
    assert.notDeepEqual(
      Array.from(fold),
      [...Array(40).keys()].map((i) => i % 4),
    );
  });

  it('says plainly when there are fewer examples, or examples of a class, than folds', () => {
    assert.equal(
      whyNoFolds({ count: 3, folds: 5, seed: 1 }),
      '5 folds need at least 5 examples, but 3 are left after the test split; lower the number of folds',
    );
    assert.equal(
      whyNoFolds({ count: 35, folds: 8, seed: 1, classes: CLASSES, classNames: ['cat', 'dog', 'owl'] }),
      'class "owl" has 7 examples after the test split, fewer than the 8 folds (stratified folds need one of each class in every fold); ' +
        'lower the number of folds or add examples of that class',
    );
    assert.throws(() => assignFolds({ count: 3, folds: 5, seed: 1 }), /5 folds need at least 5 examples/);
  });
});

/** 60 flowers, 20 of each class, each row told apart by its first feature. */
const FLOWERS_CSV = [
  'sepal_length,sepal_width,petal_length,petal_width,species',
  ...Array.from({ length: 60 }, (_, i) => `${i},${i % 7},${i % 3},1,${['setosa', 'versicolor', 'virginica'][i % 3]}`),
  '',
].join('\n');

describe('prepareData with a fold', () => {
  let workspace: TempWorkspace;
  let options: { modelFile: string; workspaceRoot: string };
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/iris.csv': FLOWERS_CSV });
    options = { modelFile: workspace.file('m.model.json'), workspaceRoot: workspace.root };
  });
  afterEach(() => workspace.remove());

  const irisSpec = (changes: [(string | number)[], unknown][] = []): ModelSpec => {
    let model = withValue(irisModel(), ['data', 'features'], undefined);
    for (const [path, value] of changes) model = withValue(model, path, value);
    return model as unknown as ModelSpec;
  };
  /** Each example's features joined: iris rows are told apart by them. */
  const keys = (split: Split | undefined): string[] => {
    if (!split) return [];
    const width = split.x.length / split.count;
    return Array.from({ length: split.count }, (_, i) => Array.from(split.x.subarray(i * width, (i + 1) * width)).join(','));
  };

  it('holds out the test split as without folds, and the folds of the rest validate in turn', async () => {
    const spec = irisSpec([[['data', 'features'], { normalize: 'none' }]]);
    const plain = await prepareData(spec, options);
    const folds = await Promise.all([1, 2, 3].map((index) => prepareData(spec, { ...options, fold: { index, folds: 3 } })));
    const rest = [...keys(plain.train), ...keys(plain.validation)].sort();
    for (const data of folds) {
      assert.deepEqual(keys(data.test), keys(plain.test));
      assert.deepEqual([...keys(data.train), ...keys(data.validation)].sort(), rest);
    }
    const validations = folds.flatMap((data) => keys(data.validation));
    assert.deepEqual([...validations].sort(), rest, 'each example validates in exactly one fold');
    // 60 rows, 12 test: 48 in 3 folds of 16; the class counts of a fold differ by at most one.
    assert.deepEqual(
      folds.map((data) => data.validation?.count),
      [16, 16, 16],
    );
    for (const c of [0, 1, 2]) {
      const perFold = folds.map((data) => (data.validation?.y ?? []).filter((y) => y === c).length);
      assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c}: ${perFold.join(',')}`);
    }
  });

  it('names training.crossValidation.folds when a class has fewer examples than folds', async () => {
    const spec = irisSpec([[['data', 'testSplit'], 0.5]]);
    await assert.rejects(
      prepareData(spec, { ...options, fold: { index: 1, folds: 12 } }),
      (error: unknown) =>
        error instanceof DataError && error.field === 'training.crossValidation.folds' && /fewer than the 12 folds/.test(error.message),
    );
  });
});
