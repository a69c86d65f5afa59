import { strict as assert } from 'node:assert';
import { DataError } from '../../src/data/dataError';
import { invertNormalization } from '../../src/data/normalize';
import { prepareData } from '../../src/data/prepareData';
import type { Split } from '../../src/data/preparedData';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { buildPng } from '../fixtures/png';
import { IRIS_CSV, irisModel, withValue } from '../fixtures/modelFile';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** 100 rows: id = 0…99, value = id², label "even"/"odd". */
const ROWS_CSV = ['id,value,label', ...Array.from({ length: 100 }, (_, i) => `${i},${i * i},${i % 2 === 0 ? 'even' : 'odd'}`)].join('\n');

function spec(changes: [path: (string | number)[], value: unknown][]): ModelSpec {
  let model = withValue(irisModel(), ['data', 'train'], { path: 'data/rows.csv', label: 'label' });
  model = withValue(model, ['data', 'features'], undefined);
  for (const [path, value] of changes) model = withValue(model, path, value);
  return model as unknown as ModelSpec;
}

/** The `id` feature of each row of a split whose features were not normalised. */
const ids = (split: Split | undefined): number[] =>
  split === undefined ? [] : Array.from({ length: split.count }, (_, i) => split.x[i * 2]);

describe('prepareData', () => {
  let workspace: TempWorkspace;
  let options: { modelFile: string; workspaceRoot: string };
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/rows.csv': ROWS_CSV, 'data/iris.csv': IRIS_CSV });
    options = { modelFile: workspace.file('m.model.json'), workspaceRoot: workspace.root };
  });
  afterEach(() => workspace.remove());

  it('holds out test and validation rows by fraction, without overlap', async () => {
    const data = await prepareData(spec([]), options);
    const [train, validation, test] = [ids(data.train), ids(data.validation), ids(data.test)];
    assert.deepEqual([train.length, validation.length, test.length], [70, 10, 20]);
    assert.deepEqual(
      [...train, ...validation, ...test].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    // Each split keeps file order.
    assert.deepEqual(
      train,
      [...train].sort((a, b) => a - b),
    );
  });

  it('splits the same way for the same seed and differently for another', async () => {
    const a = await prepareData(spec([[['training', 'seed'], 7]]), options);
    const b = await prepareData(spec([[['training', 'seed'], 7]]), options);
    const c = await prepareData(spec([[['training', 'seed'], 8]]), options);
    assert.deepEqual(ids(a.test), ids(b.test));
    assert.deepEqual(ids(a.validation), ids(b.validation));
    assert.notDeepEqual(ids(a.test), ids(c.test));
    // No seed means seed 42.
    const unset = await prepareData(spec([]), options);
    const fortyTwo = await prepareData(spec([[['training', 'seed'], 42]]), options);
    assert.deepEqual(ids(unset.test), ids(fortyTwo.test));
  });

  it('labels follow their rows through the split', async () => {
    const data = await prepareData(spec([]), options);
    assert.deepEqual(data.classes, ['even', 'odd']);
    for (const split of [data.train, data.validation, data.test]) {
      ids(split).forEach((id, i) => assert.equal(split?.y[i], id % 2));
    }
  });

  it('takes normalisation statistics from the training split only', async () => {
    const data = await prepareData(spec([[['data', 'features'], { normalize: 'standard' }]]), options);
    // Ids are integers: rounding undoes the float32 error of the round trip.
    const trainIds = Array.from(invertNormalization(Float32Array.from(data.train.x), data.features))
      .filter((_, i) => i % 2 === 0)
      .map(Math.round);
    assert.equal(trainIds.length, 70);
    const mean = trainIds.reduce((s, v) => s + v, 0) / trainIds.length;
    assert.ok(Math.abs(data.features.offset[0] - mean) < 1e-9, `offset ${data.features.offset[0]} vs train mean ${mean}`);
    // The mean over all 100 rows (49.5) would differ: the held-out rows did not leak in.
    assert.notEqual(Math.round(data.features.offset[0] * 1000), 49500);
    // Train features are centred; the held-out ones are transformed with the same stats.
    const trainZ = Array.from(data.train.x).filter((_, i) => i % 2 === 0);
    assert.ok(Math.abs(trainZ.reduce((s, v) => s + v, 0)) < 1e-3);
    const testIds = Array.from(invertNormalization(Float32Array.from(data.test?.x ?? []), data.features)).filter((_, i) => i % 2 === 0);
    testIds.forEach((id) => assert.ok(Math.abs(id - Math.round(id)) < 1e-3));
  });

  it('ignores a separate test file when computing statistics', async () => {
    workspace.write('data/test.csv', 'id,value,label\n1000,5,odd\n-1000,5,even\n');
    const data = await prepareData(
      spec([
        [['data', 'test'], { path: 'data/test.csv', label: 'label' }],
        [['data', 'features'], { normalize: 'minmax' }],
      ]),
      options,
    );
    assert.equal(data.test?.count, 2);
    // The test split held out nothing from train: 90 train rows, 10 validation.
    assert.equal(data.train.count + (data.validation?.count ?? 0), 100);
    assert.ok(data.features.offset[0] >= 0 && data.features.offset[0] + data.features.divisor[0] <= 99);
    assert.ok(data.test !== undefined && data.test.x[0] > 10);
  });

  it('normalises regression targets with data.target', async () => {
    workspace.write('data/line.csv', `x,y\n${Array.from({ length: 10 }, (_, i) => `${i},${2 * i + 1}`).join('\n')}\n`);
    const model = spec([
      [['task'], 'regression'],
      [['data', 'train'], { path: 'data/line.csv', label: 'y' }],
      [['data', 'testSplit'], undefined],
      [['data', 'validationSplit'], undefined],
      [['data', 'target'], { normalize: 'scale', scale: 10 }],
    ]);
    const data = await prepareData(model, options);
    assert.equal(data.classes, undefined);
    assert.deepEqual(data.target, { method: 'scale', offset: [0], divisor: [10] });
    assert.deepEqual(Array.from(data.train.y), [0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.9].map(Math.fround));
    assert.deepEqual(Array.from(data.train.x), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reshapes IDX images per data.features.shape and scales them', async () => {
    workspace.write('data/i.gz', buildIdxImages(4, 2, 2, { gzip: true }));
    workspace.write('data/l.gz', buildIdxLabels([0, 1, 2, 1], { gzip: true }));
    const data = await prepareData(
      spec([
        [['data', 'train'], { images: 'data/i.gz', labels: 'data/l.gz' }],
        [['data', 'testSplit'], undefined],
        [['data', 'validationSplit'], undefined],
        [['data', 'features'], { normalize: 'scale', scale: 255, shape: [2, 2, 1] }],
      ]),
      options,
    );
    assert.deepEqual(data.featureShape, [2, 2, 1]);
    assert.deepEqual(data.classes, ['0', '1', '2']);
    assert.deepEqual(Array.from(data.train.y), [0, 1, 2, 1]);
    assert.equal(data.train.x[5], Math.fround(11 / 255));
  });

  it('loads an image folder with class names from its sub-folders', async () => {
    workspace.write('img/cat/1.png', buildPng(2, 2, { gray: true, value: () => 10 }));
    workspace.write('img/dog/1.png', buildPng(2, 2, { gray: true, value: () => 20 }));
    workspace.write('img/dog/2.png', buildPng(2, 2, { gray: true, value: () => 30 }));
    const model = spec([
      [['data', 'train'], { path: 'img', format: 'images' }],
      [['data', 'testSplit'], undefined],
      [['data', 'validationSplit'], undefined],
    ]);
    const data = await prepareData(model, options);
    assert.deepEqual(data.classes, ['cat', 'dog']);
    assert.deepEqual(data.featureShape, [4]);
    assert.deepEqual(Array.from(data.train.y), [0, 1, 1]);
    assert.deepEqual(Array.from(data.train.x.subarray(8)), [30, 30, 30, 30]);
    await assert.rejects(
      prepareData({ ...model, task: 'regression' }, options),
      /image folders hold classes; use "task": "classification"/,
    );
  });

  it('names data.features.shape when its size does not fit the examples', async () => {
    await assert.rejects(
      prepareData(spec([[['data', 'features'], { shape: [3] }]]), options),
      (error: DataError) =>
        error.field === 'data.features.shape' &&
        /data\.features\.shape \[3\] holds 3 values, but each example has 2 features/.test(error.message),
    );
  });

  it('refuses data paths outside the workspace', async () => {
    await assert.rejects(
      prepareData(spec([[['data', 'train'], { path: '../outside.csv', label: 'label' }]]), options),
      (error: DataError) => error.field === 'data.train.path' && /"\.\.\/outside\.csv" is outside the workspace folder/.test(error.message),
    );
  });

  it('reads the iris sample layout end to end', async () => {
    const data = await prepareData(irisModel() as unknown as ModelSpec, options);
    assert.deepEqual(data.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.deepEqual(data.classes, ['setosa', 'versicolor', 'virginica']);
    assert.equal(data.train.count + (data.validation?.count ?? 0) + (data.test?.count ?? 0), 6);
  });
});
