import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { LearningRateSchedule } from '../../src/modelFile/modelSpec';
import { baseLearningRate, compileModel, disposeModel, setLearningRate } from '../../src/trainer/buildModel';
import { EpochLearningRates, learningRateAt, plateauAfterEpoch, type PlateauState } from '../../src/trainer/learningRateSchedule';

type Plateau = Extract<LearningRateSchedule, { type: 'plateau' }>;

/** The rates of epochs 1..epochs. */
function rates(schedule: LearningRateSchedule | undefined, base: number, epochs: number): number[] {
  return Array.from({ length: epochs }, (_, i) => learningRateAt(schedule, base, i + 1, epochs));
}

function assertClose(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= 1e-12 * Math.max(1, Math.abs(expected[i])), `epoch ${i + 1}: ${a} vs ${expected[i]}`),
  );
}

/** A plateau run: the rate each epoch trains with, given each epoch's metric. */
function plateauRates(schedule: Plateau, base: number, metric: string, values: readonly number[]): number[] {
  let state: PlateauState = { rate: base, wait: 0 };
  return values.map((value) => {
    const rate = state.rate;
    state = plateauAfterEpoch(schedule, state, metric, value);
    return rate;
  });
}

describe('learning-rate schedules', () => {
  it('without a schedule every epoch runs at the base rate', () => {
    assert.deepEqual(rates(undefined, 0.01, 3), [0.01, 0.01, 0.01]);
  });

  it('cosine without warm-up: base at epoch 1, half a cosine, minLearningRate at the last epoch', () => {
    const base = 0.1;
    const min = 0.001;
    const epochs = 5;
    const expected = [0, 1, 2, 3, 4].map((i) => min + ((base - min) * (1 + Math.cos((Math.PI * i) / 4))) / 2);
    assertClose(rates({ type: 'cosine', minLearningRate: min }, base, epochs), expected);
    assert.equal(rates({ type: 'cosine', minLearningRate: min }, base, epochs)[4], min);
    // minLearningRate defaults to 0.
    assert.ok(Math.abs(rates({ type: 'cosine' }, base, epochs)[4]) < 1e-15);
  });

  it('cosine with warm-up: rises linearly to base over warmupEpochs, then anneals to minLearningRate at the last epoch', () => {
    const base = 0.02;
    const min = 1e-5;
    const schedule: LearningRateSchedule = { type: 'cosine', warmupEpochs: 2, minLearningRate: min };
    const cosine = (t: number): number => min + ((base - min) * (1 + Math.cos(Math.PI * t))) / 2;
    // Epochs 1, 2 warm up (base/2, base); 3..6 anneal with t = (e - 2) / 4.
    assertClose(rates(schedule, base, 6), [base / 2, base, cosine(1 / 4), cosine(2 / 4), cosine(3 / 4), min]);
  });

  it('cosine: a one-epoch run without warm-up runs at base; warm-up longer than the run only rises', () => {
    assert.deepEqual(rates({ type: 'cosine', minLearningRate: 0.001 }, 0.1, 1), [0.1]);
    assertClose(rates({ type: 'cosine', warmupEpochs: 4 }, 0.1, 3), [0.025, 0.05, 0.075]);
  });

  it('step: multiplied by factor every `every` epochs', () => {
    assertClose(rates({ type: 'step', every: 2, factor: 0.5 }, 0.1, 7), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
  });

  it('exponential: multiplied by factor every epoch', () => {
    assertClose(
      rates({ type: 'exponential', factor: 0.9 }, 0.01, 5),
      [0, 1, 2, 3, 4].map((i) => 0.01 * 0.9 ** i),
    );
  });

  it('plateau: reduces by factor after `patience` epochs without improvement, then waits again', () => {
    const schedule: Plateau = { type: 'plateau', factor: 0.5, patience: 2 };
    // Improves at epochs 1-3, flat at 4-5 (reduce after 5), improves at 6, flat at 7-8 (reduce after 8).
    const losses = [1, 0.9, 0.8, 0.85, 0.8, 0.7, 0.75, 0.72, 0.71];
    assertClose(plateauRates(schedule, 0.1, 'loss', losses), [0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
  });

  it('plateau: accuracy-like metrics improve by growing; never below minLearningRate; defaults factor 0.1, patience 10', () => {
    const schedule: Plateau = { type: 'plateau', monitor: 'val_accuracy', factor: 0.1, patience: 1, minLearningRate: 0.002 };
    assertClose(
      plateauRates(schedule, 0.1, 'val_accuracy', [0.5, 0.6, 0.6, 0.7, 0.6, 0.5, 0.4]),
      [0.1, 0.1, 0.1, 0.01, 0.01, 0.002, 0.002],
    );
    const defaults = plateauRates(
      { type: 'plateau' },
      1,
      'loss',
      Array.from({ length: 13 }, () => 1),
    );
    // Epoch 1 sets the best; epochs 2..11 are 10 without improvement: epoch 12 runs at 0.1.
    assertClose(defaults, [...Array.from({ length: 11 }, () => 1), 0.1, 0.1]);
  });

  it('plateau monitors val_loss, or loss without validation; a missing metric is reported once and holds the rate', () => {
    const withValidation = new EpochLearningRates({ type: 'plateau', patience: 0, factor: 0.5 }, 0.1, 5, true);
    withValidation.observe({ epoch: 1, batch: null, loss: 1, val_loss: 2 });
    withValidation.observe({ epoch: 2, batch: null, loss: 0.1, val_loss: 3 });
    assert.equal(withValidation.rateOf(3), 0.05);
    const withoutValidation = new EpochLearningRates({ type: 'plateau', patience: 0, factor: 0.5 }, 0.1, 5, false);
    withoutValidation.observe({ epoch: 1, batch: null, loss: 1 });
    withoutValidation.observe({ epoch: 2, batch: null, loss: 0.5 });
    assert.equal(withoutValidation.rateOf(3), 0.1);
    assert.deepEqual(withoutValidation.state, { rate: 0.1, best: 0.5, wait: 0 });

    // accuracy and acc are one metric, whichever the model file wrote.
    const spelled = new EpochLearningRates({ type: 'plateau', monitor: 'val_accuracy', patience: 0, factor: 0.5 }, 0.1, 5, true);
    spelled.observe({ epoch: 1, batch: null, loss: 1, val_acc: 0.5 });
    assert.equal(spelled.observe({ epoch: 2, batch: null, loss: 1, val_acc: 0.4 }), undefined);
    assert.equal(spelled.rateOf(3), 0.05);

    const missing = new EpochLearningRates({ type: 'plateau', monitor: 'val_auc', patience: 0 }, 0.1, 5, true);
    const warning = missing.observe({ epoch: 1, batch: null, loss: 1, val_loss: 1, lr: 0.1 });
    assert.match(warning ?? '', /^training\.learningRateSchedule\.monitor: there is no metric "val_auc" \(have loss, val_loss\)/);
    assert.equal(missing.observe({ epoch: 2, batch: null, loss: 1, val_loss: 1 }), undefined);
    assert.equal(missing.rateOf(3), 0.1);
  });

  it('a restored plateau state carries on from its rate, best and wait', () => {
    const rates = new EpochLearningRates({ type: 'plateau', patience: 2, factor: 0.5 }, 0.1, 9, false, { rate: 0.05, best: 0.3, wait: 1 });
    assert.equal(rates.rateOf(5), 0.05);
    rates.observe({ epoch: 5, batch: null, loss: 0.4 });
    assert.deepEqual(rates.state, { rate: 0.025, best: 0.3, wait: 0 });
  });

  it('the base rate is training.learningRate, else the optimizer default compile uses', () => {
    const training = { optimizer: 'adadelta', loss: 'meanSquaredError', epochs: 1 };
    assert.equal(baseLearningRate({ ...training, learningRate: 0.3 }), 0.3);
    assert.equal(baseLearningRate(training), 1);
    assert.equal(baseLearningRate({ ...training, optimizer: 'adam' }), 0.001);
  });
});

describe('setLearningRate changes what every optimizer does', () => {
  /** The weight change of one training step from fixed weights, with the rate set after compile. */
  async function stepDelta(optimizer: string, rate: number | undefined): Promise<number[]> {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones', biasInitializer: 'zeros' })],
    });
    compileModel(model, { optimizer, learningRate: 0.01, loss: 'meanSquaredError', epochs: 1 });
    if (rate !== undefined) setLearningRate(model, rate);
    const before = Array.from(await model.getWeights()[0].data());
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    const y = tf.tensor2d([
      [0, 1],
      [1, 0],
    ]);
    await model.trainOnBatch(x, y);
    const after = Array.from(await model.getWeights()[0].data());
    tf.dispose([x, y]);
    disposeModel(model);
    return after.map((a, i) => a - before[i]);
  }

  for (const optimizer of ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop']) {
    it(`${optimizer}: a step at 3× the rate moves the weights 3× as far; at rate 0 not at all`, async () => {
      const compiled = await stepDelta(optimizer, undefined);
      const tripled = await stepDelta(optimizer, 0.03);
      assert.ok(
        compiled.some((d) => Math.abs(d) > 1e-7),
        `${optimizer} did not move: ${compiled.join(', ')}`,
      );
      tripled.forEach((d, i) =>
        assert.ok(Math.abs(d - 3 * compiled[i]) <= 1e-4 * Math.abs(compiled[i]) + 1e-9, `${optimizer}: ${d} vs 3 × ${compiled[i]}`),
      );
      const frozen = await stepDelta(optimizer, 0);
      assert.ok(
        frozen.every((d) => d === 0),
        `${optimizer} moved at rate 0: ${frozen.join(', ')}`,
      );
    });
  }
});
