// The training panel's pure code (webview/training): series merging,
// smoothing, decimation and the header's figures. Plain TS, no DOM.
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import type { MetricRecord } from '../../src/protocol/runTypes';
import { decimate, Decimator } from '../../webview/training/decimate';
import { learningRateLast, RunSeries, type Point } from '../../webview/training/series';
import { smooth, Smoother } from '../../webview/training/smoothing';
import { clock, eta, exact, logTick, rate, samplesDone, samplesPerSecond } from '../../webview/training/stats';

function batch(epoch: number, b: number, loss: number, time = 0, more: Record<string, number> = {}): MetricRecord {
  return { epoch, batch: b, loss, time, ...more } as MetricRecord;
}
function epochEnd(epoch: number, metrics: Record<string, number | null>, time = 0): MetricRecord {
  return { epoch, batch: null, time, loss: 1, ...metrics } as MetricRecord;
}
function points(ys: readonly number[]): Point[] {
  return ys.map((y, i) => ({ x: i, y, epoch: 1, batch: i }));
}

describe('training panel: RunSeries', () => {
  it('puts batches at fractional epochs and epoch records at whole ones, per metric', () => {
    const s = new RunSeries(4);
    s.add([
      batch(1, 0, 2, 0, { accuracy: 0.1 }),
      batch(1, 3, 1.5),
      epochEnd(1, { loss: 1.4, accuracy: 0.5, val_loss: 1.6, val_accuracy: 0.4 }),
    ]);
    assert.deepEqual(
      s.train('loss', 'batch').map((p) => [p.x, p.y, p.batch]),
      [
        [0.25, 2, 0],
        [1, 1.5, 3],
      ],
    );
    assert.deepEqual(
      s.train('loss', 'epoch').map((p) => [p.x, p.y]),
      [[1, 1.4]],
    );
    assert.deepEqual(
      s.validation('accuracy').map((p) => [p.x, p.y]),
      [[1, 0.4]],
    );
    assert.deepEqual(s.metricNames(), ['loss', 'accuracy']);
    assert.equal(s.lossPointCount, 4);
  });

  it('gives the learning rate (lr, in epoch records) a chart of its own, after the metrics, per epoch in both views', () => {
    const s = new RunSeries(2);
    s.add([batch(1, 0, 2), batch(1, 1, 1.5), epochEnd(1, { lr: 0.01, val_loss: 1.6 }), epochEnd(2, { lr: 0.005, accuracy: 0.5 })]);
    assert.deepEqual(s.metricNames(), ['loss', 'accuracy', 'lr']);
    assert.deepEqual(
      s.train('lr', 'batch').map((p) => [p.x, p.y]),
      [
        [1, 0.01],
        [2, 0.005],
      ],
    );
    assert.deepEqual(s.validation('lr'), []);
    // Across compared runs too: a run's metrics after another run's lr still come before it.
    assert.deepEqual(learningRateLast(new Set(['loss', 'lr', 'accuracy'])), ['loss', 'accuracy', 'lr']);
    assert.deepEqual(learningRateLast(['loss']), ['loss']);
  });

  it('keeps each (epoch, batch) once when the run folder and live messages overlap', () => {
    const s = new RunSeries(2);
    const first = [batch(1, 0, 1), batch(1, 1, 0.9), epochEnd(1, { loss: 0.95 })];
    assert.equal(s.add(first), 3);
    assert.equal(s.add([...first.slice(1), batch(2, 0, 0.8)]), 1);
    assert.equal(s.records.length, 4);
    assert.equal(s.train('loss', 'batch').length, 3);
  });

  it('puts a late record in its place on the curve', () => {
    const s = new RunSeries(4);
    s.add([batch(1, 0, 1), batch(1, 2, 3), batch(1, 1, 2)]);
    assert.deepEqual(
      s.train('loss', 'batch').map((p) => p.y),
      [1, 2, 3],
    );
    assert.equal(s.last?.batch, 1, 'the record list stays in arrival order');
  });

  it('leaves out diverged values and falls back to epochs for metrics without batch values', () => {
    const s = new RunSeries(2);
    s.add([batch(1, 0, NaN), epochEnd(1, { loss: 1, val_loss: null, mae: 3 })]);
    assert.equal(s.batchMetrics.get('loss'), undefined);
    assert.deepEqual(
      s.train('loss', 'batch').map((p) => [p.x, p.y]),
      [[1, 1]],
    );
    assert.deepEqual(
      s.train('mae', 'batch').map((p) => p.y),
      [3],
    );
    assert.deepEqual(s.validation('loss'), []);
  });

  it('reports progress from the latest record', () => {
    const s = new RunSeries(4);
    assert.equal(s.progress(2), undefined);
    s.add([batch(1, 1, 1)]);
    assert.equal(s.progress(2), 2 / 8);
    s.add([epochEnd(1, { loss: 1 })]);
    assert.equal(s.progress(2), 0.5);
  });
});

describe('training panel: smoothing', () => {
  it('is TensorBoard’s debiased exponential moving average', () => {
    const out = smooth(points([1, 2, 3]), 0.5);
    // n=1: 0.5/(1-0.5) = 1; n=2: (0.25+1)/(1-0.25) = 5/3; n=3: (0.625+1.5)/(0.875) = 17/7.
    assert.deepEqual(
      out.map((p) => Number(p.y.toFixed(10))),
      [1, Number((5 / 3).toFixed(10)), Number((17 / 7).toFixed(10))],
    );
    assert.deepEqual(
      out.map((p) => p.raw),
      [1, 2, 3],
    );
  });

  it('does nothing at weight 0, keeps a constant curve constant at any weight', () => {
    assert.deepEqual(
      smooth(points([3, 1, 2]), 0).map((p) => p.y),
      [3, 1, 2],
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (w, c) => {
        return smooth(points([c, c, c, c]), w).every((p) => Math.abs(p.y - c) <= 1e-9 * Math.max(1, Math.abs(c)));
      }),
    );
  });

  it('stays between the lowest and highest value seen so far', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (ys, w) => {
          const out = smooth(points(ys), w);
          return out.every((p, i) => p.y >= Math.min(...ys.slice(0, i + 1)) - 1e-9 && p.y <= Math.max(...ys.slice(0, i + 1)) + 1e-9);
        },
      ),
    );
  });

  it('passes non-finite values through without disturbing the average', () => {
    const out = smooth(points([1, NaN, 1]), 0.9);
    assert.ok(Number.isNaN(out[1].y));
    assert.ok(Math.abs(out[2].y - 1) < 1e-12);
  });

  it('Smoother extends as points are appended and starts over when the weight changes or a point is inserted', () => {
    const source = points([1, 2]);
    const smoother = new Smoother();
    assert.deepEqual(smoother.of(source, 0.6), smooth(source, 0.6));
    source.push({ x: 2, y: 5, epoch: 1, batch: 2 });
    assert.deepEqual(smoother.of(source, 0.6), smooth(source, 0.6));
    assert.deepEqual(smoother.of(source, 0.3), smooth(source, 0.3));
    source.splice(1, 0, { x: 0.5, y: 9, epoch: 1, batch: 9 });
    assert.deepEqual(smoother.of(source, 0.3), smooth(source, 0.3));
  });
});

describe('training panel: decimation', () => {
  const sorted = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 3000 }).map((ys) => points(ys));

  it('returns small curves whole', () => {
    const p = points([1, 2, 3]);
    assert.deepEqual(decimate(p, 0, 2, 100), p);
  });

  it('cuts 100k points to about 4 per pixel bucket, keeping the extremes of each bucket and the ends', () => {
    const ys = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 500) + (i === 43_210 ? 50 : 0));
    const p = points(ys);
    const out = decimate(p, 0, 99_999, 500);
    assert.ok(out.length <= 4 * 500, `${out.length} points`);
    assert.ok(
      out.some((q) => q.y === 50 + Math.sin(43_210 / 500)),
      'the spike survived',
    );
    assert.equal(out[0], p[0]);
    assert.equal(out[out.length - 1], p[p.length - 1]);
  });

  it('only ever returns original points, in x order, with the global min and max of the range', () => {
    fc.assert(
      fc.property(sorted, fc.integer({ min: 1, max: 60 }), (p, buckets) => {
        const out = decimate(p, 0, Math.max(p.length - 1, 1), buckets);
        const set = new Set(p);
        if (!out.every((q) => set.has(q))) return false;
        if (!out.every((q, i) => i === 0 || out[i - 1].x <= q.x)) return false;
        if (p.length === 0) return out.length === 0;
        const ys = out.map((q) => q.y);
        return Math.min(...ys) === Math.min(...p.map((q) => q.y)) && Math.max(...ys) === Math.max(...p.map((q) => q.y));
      }),
    );
  });

  it('Decimator gives what decimate gives while points are appended, inserted, or the range changes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        (chunks, buckets) => {
          const source: Point[] = [];
          const decimator = new Decimator<Point>();
          for (const ys of chunks) {
            for (const y of ys) source.push({ x: source.length / 10, y, epoch: 1 });
            const xMax = 200;
            if (JSON.stringify(decimator.of(source, 0, xMax, buckets)) !== JSON.stringify(decimate(source, 0, xMax, buckets))) return false;
          }
          source.splice(source.length >> 1, 0, { x: source[source.length >> 1].x, y: 99, epoch: 1 });
          if (JSON.stringify(decimator.of(source, 0, 200, buckets)) !== JSON.stringify(decimate(source, 0, 200, buckets))) return false;
          return JSON.stringify(decimator.of(source, 1, 50, buckets)) === JSON.stringify(decimate(source, 1, 50, buckets));
        },
      ),
    );
  });

  it('decimates only the zoomed range, plus one neighbour on each side', () => {
    const p = points(Array.from({ length: 10_000 }, (_, i) => i % 7));
    const out = decimate(p, 2000, 3000, 50);
    assert.equal(out[0].x, 1999);
    assert.equal(out[out.length - 1].x, 3001);
    assert.ok(out.length <= 4 * 50 + 2);
    assert.deepEqual(
      decimate(p, 5000, 5010, 50).map((q) => q.x),
      Array.from({ length: 13 }, (_, i) => 4999 + i),
    );
  });
});

describe('training panel: header figures', () => {
  const size = { trainSamples: 100, batchesPerEpoch: 4 };

  it('counts samples done, the last batch of an epoch being smaller', () => {
    assert.equal(samplesDone(batch(1, 0, 1), size), 25);
    assert.equal(samplesDone(batch(2, 3, 1), size), 200);
    assert.equal(samplesDone(epochEnd(2, {}), size), 200);
    assert.equal(samplesDone(batch(1, 3, 1), { trainSamples: 90, batchesPerEpoch: 4 }), 90);
  });

  it('measures samples/s over the last 10 s of records', () => {
    assert.equal(samplesPerSecond([batch(1, 0, 1, 1000)], size), undefined);
    assert.equal(samplesPerSecond([batch(1, 0, 1, 1000), batch(1, 1, 1, 1500)], size), 50);
    // An early slow stretch outside the window does not count.
    const records = [batch(1, 0, 1, 0), batch(1, 1, 1, 60_000), batch(1, 2, 1, 61_000), batch(1, 3, 1, 62_000)];
    assert.equal(samplesPerSecond(records, size), 25);
    assert.equal(samplesPerSecond(records, {}), undefined);
  });

  it('estimates the time left from the time spent and the fraction done', () => {
    assert.equal(eta(10_000, 0.25), 30_000);
    assert.equal(eta(10_000, 0), undefined);
    assert.equal(eta(10_000, 1), undefined);
    assert.equal(eta(10_000, undefined), undefined);
  });

  it('formats clocks, rates and exact values', () => {
    assert.equal(clock(7_000), '0:07');
    assert.equal(clock(3_723_000), '1:02:03');
    assert.equal(rate(812.4), '812');
    assert.equal(rate(12_345), '12.3k');
    assert.equal(rate(3.14159), '3.14');
    assert.equal(exact(0.23451234567), '0.2345123');
    assert.equal(exact(2), '2');
  });

  it('labels a log axis at 1, 2 and 5 of each decade only', () => {
    assert.deepEqual(
      [0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.2, 0.3, 0.5, 1, 2, 7, 10].map((v) => logTick(v)),
      ['0.01', '0.02', '', '0.05', '', '0.1', '0.2', '', '0.5', '1', '2', '', '10'],
    );
    assert.equal(logTick(0), '');
    // A narrow range (accuracy 0.78…1): round values only, not 0.78, 0.79 crowding each other.
    const narrow = [0.78, 0.79, 0.8, 0.85, 0.9, 0.95, 1];
    assert.deepEqual(
      narrow.map((v) => logTick(v, narrow)),
      ['', '', '0.8', '0.85', '0.9', '0.95', '1'],
    );
  });
});
