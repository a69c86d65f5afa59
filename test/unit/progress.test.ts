import * as assert from 'node:assert/strict';
import { formatDuration, TrainingProgress } from '../../src/runFolder/progress';

describe('TrainingProgress', () => {
  it('turns batch records into fraction, samples/s and ETA', () => {
    const progress = new TrainingProgress({ epochs: 2, trainSamples: 100, batchesPerEpoch: 4 });
    assert.equal(progress.update({ epoch: 1, batch: 0, loss: 1, time: 10_000 }).samplesPerSecond, undefined);
    const snapshot = progress.update({ epoch: 1, batch: 1, loss: 1, time: 10_500 });
    // One batch (25 examples) in 0.5 s; 6 of 8 batches left at 2 batches/s.
    assert.equal(snapshot.samplesPerSecond, 50);
    assert.equal(snapshot.etaSeconds, 3);
    assert.equal(snapshot.fraction, 2 / 8);
    assert.equal(snapshot.batchesDone, 2);
    const epochEnd = progress.update({ epoch: 1, batch: null, loss: 1, time: 11_000 });
    assert.equal(epochEnd.fraction, 0.5);
    assert.equal(epochEnd.batchesDone, 4);
  });

  it('formats durations', () => {
    assert.equal(formatDuration(9), '0:09');
    assert.equal(formatDuration(247), '4:07');
    assert.equal(formatDuration(3909), '1:05:09');
  });
});
