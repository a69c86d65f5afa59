import * as assert from 'node:assert/strict';
import { paramOf, splitConstantParams } from '../../src/protocol/constantParams';
import type { ParamValue, RunRow } from '../../src/protocol/runRow';
import { columnsOf } from '../../webview/experiments/columns';

function row(id: string, hyperparameters: Record<string, ParamValue>): RunRow {
  return {
    id,
    runDir: `/w/.modelstudio/runs/${id}`,
    modelFile: '/w/iris.model.json',
    name: 'iris',
    status: 'completed',
    started: '2026-12-01T10:00:00.000Z',
    duration: 10,
    backend: 'wasm',
    epochs: 5,
    epochsDone: 5,
    executor: null,
    hyperparameters,
    final: { loss: 0.5 },
    best: {},
    test: {},
    notes: '',
    tags: [],
    parent: null,
  };
}

const ROWS = [
  row('a', { name: 'iris', 'training.learningRate': 0.01, 'training.batchSize': 32, 'data.path': 'iris.csv', 'model.layers[1].rate': 0.2 }),
  row('b', { name: 'iris', 'training.learningRate': 0.1, 'training.batchSize': 32, 'data.path': 'iris.csv', 'training.seed': null }),
  row('c', { name: 'iris', 'training.learningRate': 0.1, 'training.batchSize': 32, 'data.path': 'iris.csv', 'training.seed': 1 }),
];

describe('splitConstantParams', () => {
  it('takes out the hyperparameters every row has with one value, and keeps the others in their rows', () => {
    const split = splitConstantParams(ROWS);
    assert.deepEqual(split.constants, { name: 'iris', 'training.batchSize': 32, 'data.path': 'iris.csv' });
    assert.deepEqual(
      split.rows.map((r) => r.hyperparameters),
      [
        { 'training.learningRate': 0.01, 'model.layers[1].rate': 0.2 },
        { 'training.learningRate': 0.1, 'training.seed': null },
        { 'training.learningRate': 0.1, 'training.seed': 1 },
      ],
    );
    assert.deepEqual(
      split.rows.map(({ hyperparameters: _, ...rest }) => rest),
      ROWS.map(({ hyperparameters: _, ...rest }) => rest),
    );
  });

  it('is lossless: every key of every row reads back the same, and a key a row lacks stays absent', () => {
    const split = splitConstantParams(ROWS);
    const keys = new Set(ROWS.flatMap((r) => Object.keys(r.hyperparameters)));
    ROWS.forEach((original, i) => {
      for (const key of keys) {
        assert.equal(
          paramOf(split.rows[i], split.constants, key),
          Object.hasOwn(original.hyperparameters, key) ? original.hyperparameters[key] : undefined,
        );
      }
    });
  });

  it('takes nothing out of one row (nothing is known to be the same) and leaves rows that all differ as they are', () => {
    assert.deepEqual(splitConstantParams([ROWS[0]]), { constants: {}, rows: [ROWS[0]] });
    const differing = [row('a', { x: 1 }), row('b', { x: 2 })];
    assert.equal(splitConstantParams(differing).rows, differing);
  });

  it('gives the table the same columns, defaults and cells as the whole rows', () => {
    const split = splitConstantParams(ROWS);
    const whole = columnsOf(ROWS);
    const lean = columnsOf(split.rows, split.constants);
    assert.deepEqual(
      lean.map((c) => [c.id, c.group, c.title, c.byDefault]),
      whole.map((c) => [c.id, c.group, c.title, c.byDefault]),
    );
    whole.forEach((column, i) => {
      assert.deepEqual(
        split.rows.map((r) => lean[i].value(r)),
        ROWS.map((r) => column.value(r)),
        column.id,
      );
    });
  });

  it("gives a long list's first rows the whole list's default columns, though they agree among themselves", () => {
    // b and c have the same learning rate, which differs in the whole list (a has another).
    const split = splitConstantParams(ROWS);
    const first = split.rows.slice(1);
    const shown = (columns: ReturnType<typeof columnsOf>) => columns.filter((c) => c.byDefault).map((c) => c.id);
    // A key only later rows have (a's dropout rate) gets its column when the whole list arrives.
    const partial = columnsOf(first, split.constants, true);
    const ids = new Set(partial.map((c) => c.id));
    assert.deepEqual(
      shown(partial),
      shown(columnsOf(ROWS)).filter((id) => ids.has(id)),
    );
    assert.ok(shown(partial).includes('training.learningRate'));
    assert.ok(!shown(columnsOf(first, split.constants)).includes('training.learningRate'));
  });
});
