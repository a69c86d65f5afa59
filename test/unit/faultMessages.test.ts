import * as assert from 'node:assert/strict';
import { unexpectedExitMessage } from '../../src/host/trainerProcess';
import { canonicalJson, sameSpec } from '../../src/modelFile/sameSpec';
import { isOutOfMemoryError, outOfMemoryMessage, saysOutOfMemory } from '../../src/protocol/outOfMemory';
import { trainingStateOf } from '../../src/trainer/trainingState';

describe('how a trainer’s end is told', () => {
  it('a trainer that ended without finishing its run: by signal or exit code', () => {
    assert.equal(unexpectedExitMessage(null, 'SIGKILL', false), 'trainer process ended unexpectedly (signal SIGKILL)');
    assert.equal(unexpectedExitMessage(3, null, false, 512), 'trainer process ended unexpectedly (exit code 3)');
  });

  it('out of memory when its stderr said so, with the limit and what to do', () => {
    assert.equal(
      unexpectedExitMessage(null, 'SIGABRT', true, 512),
      'trainer process ran out of memory (limit 512 MB): try a smaller training.batchSize or raise modelStudio.trainer.maxMemoryMB (now 512)',
    );
    assert.equal(
      unexpectedExitMessage(134, null, true),
      'trainer process ran out of memory: try a smaller training.batchSize or raise modelStudio.trainer.maxMemoryMB',
    );
  });

  it('recognises V8’s fatal heap error, failed ArrayBuffer and wasm memory growth, and nothing else', () => {
    for (const text of [
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      'FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory',
      'RangeError: Array buffer allocation failed',
      'RangeError: WebAssembly.Memory(): could not allocate memory',
      'Aborted(OOM)',
      'Cannot enlarge memory arrays to size 2147549184 bytes',
    ])
      assert.ok(saysOutOfMemory(text), text);
    for (const text of ['Error: Cannot find module', 'TypeError: x is not a function', 'memory usage: 12 MB'])
      assert.ok(!saysOutOfMemory(text), text);
    assert.ok(isOutOfMemoryError(new RangeError('Array buffer allocation failed')));
    assert.ok(!isOutOfMemoryError(new Error('bad cell on line 3')));
  });

  it('an out-of-memory message names where, how much and the two things to try', () => {
    assert.equal(
      outOfMemoryMessage({ epoch: 2, batch: 17, batchSize: 256, maxMemoryMB: 1024, usedMB: 1100.4 }),
      'out of memory at epoch 2, batch 17 (used 1100 MB of 1024 MB): try a smaller training.batchSize (now 256) or raise modelStudio.trainer.maxMemoryMB (now 1024)',
    );
    assert.equal(
      outOfMemoryMessage({ batchSize: 1, maxMemoryMB: 64 }),
      'out of memory (limit 64 MB): try a smaller model or raise modelStudio.trainer.maxMemoryMB (now 64)',
    );
  });
});

describe('sameSpec (the model file against a run’s spec.json)', () => {
  it('ignores key order, not values or layer order; a file that does not parse differs', () => {
    const spec = {
      name: 'm',
      training: { epochs: 3, optimizer: 'adam' },
      model: {
        layers: [
          { type: 'dense', units: 2 },
          { type: 'dropout', rate: 0.1 },
        ],
      },
    };
    const reordered = {
      model: {
        layers: [
          { units: 2, type: 'dense' },
          { rate: 0.1, type: 'dropout' },
        ],
      },
      training: { optimizer: 'adam', epochs: 3 },
      name: 'm',
    };
    assert.ok(sameSpec(spec, reordered));
    assert.equal(canonicalJson(spec), canonicalJson(reordered));
    assert.ok(!sameSpec(spec, { ...spec, training: { epochs: 4, optimizer: 'adam' } }));
    assert.ok(!sameSpec(spec, { ...spec, model: { layers: [...spec.model.layers].reverse() } }));
    assert.ok(!sameSpec(undefined, spec));
  });
});

describe('trainingStateOf (a checkpoint’s resume state)', () => {
  const state = {
    version: 2,
    epoch: 2,
    batchesDone: 3,
    partial: { examples: 24, sums: { loss: 12.5 } },
    random: 123,
    epochRandom: 99,
    monitor: { best: 0.4, epochsWithoutImprovement: 1 },
    earlyStopping: true,
    bestEpoch: 1,
  };

  it('reads the state a trainer wrote', () => {
    assert.deepEqual(trainingStateOf({ modelStudio: state }), state);
  });

  it('refuses metadata without one, from another version, or damaged', () => {
    assert.equal(trainingStateOf(undefined), undefined);
    assert.equal(trainingStateOf({ other: 1 }), undefined);
    // Version 1 drew each epoch's order differently: its mid-epoch state cannot be replayed.
    assert.equal(trainingStateOf({ modelStudio: { ...state, version: 1 } }), undefined);
    assert.equal(trainingStateOf({ modelStudio: { ...state, version: 3 } }), undefined);
    assert.equal(trainingStateOf({ modelStudio: { ...state, epochRandom: undefined } }), undefined);
    assert.equal(trainingStateOf({ modelStudio: { ...state, epoch: 0 } }), undefined);
    assert.equal(trainingStateOf({ modelStudio: { ...state, partial: { examples: 1, sums: { loss: 'x' } } } }), undefined);
    assert.equal(trainingStateOf({ modelStudio: { ...state, monitor: {} } }), undefined);
  });
});
