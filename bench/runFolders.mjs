// Realistic run folders for the benches (bench/runs.mjs, bench/experiments.mjs): run.json, spec.json and
// metrics.jsonl with 20 epochs of 8 batches, seeded, so every run of a bench writes the same folders.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A seeded generator, so every run of the bench writes the same folders. */
export function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n) => String(n).padStart(2, '0');
const stamp = (d) =>
  `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;

/** One realistic run folder of `name` in `modelDir`, started `start`. */
export function writeRunFolder(modelDir, name, start, index, rand) {
  const id = `${stamp(start)}-${name}-${index}`;
  const runDir = path.join(modelDir, '.modelstudio', 'runs', id);
  mkdirSync(runDir, { recursive: true });
  const learningRate = Number((10 ** (-4 + 3 * rand())).toPrecision(3));
  const batchSize = [16, 32, 64, 128][Math.floor(rand() * 4)];
  const units = [16, 32, 64, 128][Math.floor(rand() * 4)];
  const spec = {
    name,
    task: 'classification',
    data: { train: { path: 'data/wine.csv', label: 'quality' }, validationSplit: 0.2, testSplit: 0.1, features: { normalize: 'standard' } },
    model: {
      inputShape: [11],
      layers: [
        { type: 'dense', units, activation: 'relu' },
        { type: 'dropout', rate: Number((rand() * 0.5).toFixed(2)) },
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dense', units: 6, activation: 'softmax' },
      ],
    },
    training: {
      optimizer: 'adam',
      learningRate,
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
      batchSize,
      epochs: 20,
      seed: index,
      earlyStopping: { monitor: 'val_loss', patience: 5 },
    },
  };
  const lines = [];
  let time = start.getTime();
  let loss = 1.8;
  for (let epoch = 1; epoch <= 20; epoch++) {
    for (let batch = 0; batch < 8; batch++) {
      time += 40;
      lines.push(JSON.stringify({ epoch, batch, loss: loss + rand() * 0.1, accuracy: 0.3 + rand() * 0.5, time }));
    }
    loss *= 0.9 + rand() * 0.08;
    const record = {
      epoch,
      batch: null,
      loss,
      accuracy: 1 - loss / 2,
      val_loss: loss * (1.05 + rand() * 0.1),
      val_accuracy: 0.95 - loss / 2.2,
      lr: learningRate,
      time,
    };
    lines.push(JSON.stringify(record));
  }
  const endedAt = new Date(time + 500);
  const run = {
    id,
    name,
    modelFile: path.join(modelDir, `${name}.model.json`),
    status: index % 50 === 7 ? 'failed' : index % 20 === 3 ? 'stopped' : 'completed',
    backend: 'wasm',
    backendSkipped: [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' }],
    startedAt: start.toISOString(),
    endedAt: endedAt.toISOString(),
    seed: index,
    epochs: 20,
    epochsDone: 20,
    trainSamples: 1119,
    batchesPerEpoch: 8,
    test: { loss: loss * 1.1, accuracy: 0.95 - loss / 2.1 },
    validation: { val_loss: loss * 1.05, val_accuracy: 0.95 - loss / 2.2 },
    ...(index % 10 === 0 ? { label: `baseline ${index}`, notes: 'kept for the report', tags: ['keep'] } : {}),
  };
  writeFileSync(path.join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(path.join(runDir, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
  writeFileSync(path.join(runDir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
}

/** `total` run folders under `root`: `viewRuns` of them for the model file a/a.model.json, the rest for b/b.model.json. */
export function generateRuns(root, total, viewRuns) {
  const rand = random(20);
  const now = Date.now();
  for (const [name, count] of [
    ['a', viewRuns],
    ['b', total - viewRuns],
  ]) {
    const modelDir = path.join(root, name);
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(path.join(modelDir, `${name}.model.json`), '{}\n');
    // Over the last 30 days, a tenth of them today.
    for (let i = 0; i < count; i++) {
      const daysAgo = i % 10 === 0 ? 0 : Math.floor(rand() * 30);
      writeRunFolder(modelDir, name, new Date(now - daysAgo * 86_400_000 - Math.floor(rand() * 80_000_000) - i * 1000), i, rand);
    }
  }
}
