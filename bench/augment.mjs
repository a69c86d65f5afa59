// What image augmentation (data.augment) costs and what it buys, on the
// MNIST CNN sample (samples/mnist-cnn.model.json). Not a test: it prints
// two tables.
//
//   npm run bench:augment [-- --backend wasm] [--rounds 6] [--count 2048]
//                            [--accuracy-epochs 20] [--seeds 1,2,3] [--subset 1000] [--skip-accuracy]
//
// * Throughput: the sample's CNN trained on the first `count` training
//   digits in this process, epochs taking turns: plain, with the geometric
//   augmentation of the effect table (rotate 10, shift 0.1, zoom 0.1), and
//   with all eight entries on, each augmented epoch made by the trainer's
//   own augmentEpoch (src/trainer/augment.ts) and timed with its fit; one
//   warm-up round, then `rounds`. Neighbouring epochs see the same load on
//   a shared machine, so the ratio to the plain epoch of the same round is
//   the steady figure. Beside them, augmentEpoch alone over 1,024 images
//   (median of 5), per 1,000 images and as a share of a plain epoch.
// * Effect: the CNN trained on the first `subset` training digits (10 %
//   of them held out for validation, as the sample does), plain and
//   augmented, the same seed and epochs for both, each seed of `seeds`;
//   test accuracy on the sample's 2,000 held-out test digits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'jsonc-parser';
import { augmentEpoch } from '../src/trainer/augment.ts';
import { loadBackend } from '../src/trainer/backend.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE = path.join(repoRoot, 'samples/mnist-cnn.model.json');
const DATA = path.join(repoRoot, 'samples/data');

const GEOMETRIC = { rotate: 10, shift: 0.1, zoom: 0.1 };
const ALL = { flipHorizontal: true, flipVertical: true, ...GEOMETRIC, brightness: 0.2, contrast: 0.2, noise: 0.05 };

const { values: options } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    rounds: { type: 'string', default: '6' },
    count: { type: 'string', default: '2048' },
    'accuracy-epochs': { type: 'string', default: '20' },
    seeds: { type: 'string', default: '1,2,3' },
    subset: { type: 'string', default: '1000' },
    'skip-accuracy': { type: 'boolean', default: false },
  },
});

/** The first `count` examples of a gzipped IDX file, as an uncompressed IDX file. */
function idxHead(file, count) {
  const bytes = gunzipSync(readFileSync(file));
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  if (count > dims[0]) throw new Error(`${file} has ${dims[0]} examples, not ${count}`);
  const header = Buffer.from(bytes.subarray(0, 4 + 4 * rank));
  header.writeUInt32BE(count, 4);
  const perExample = dims.slice(1).reduce((a, b) => a * b, 1);
  return Buffer.concat([header, bytes.subarray(4 + 4 * rank, 4 + 4 * rank + count * perExample)]);
}

/** A workspace with the first `count` training digits and the sample's test digits; returns a function writing model files into it. */
function workspace(count) {
  const root = mkdtempSync(path.join(tmpdir(), 'augment-bench-'));
  writeFileSync(path.join(root, 'train-images.idx'), idxHead(path.join(DATA, 'mnist-train-images-idx3-ubyte.gz'), count));
  writeFileSync(path.join(root, 'train-labels.idx'), idxHead(path.join(DATA, 'mnist-train-labels-idx1-ubyte.gz'), count));
  writeFileSync(path.join(root, 'test-images.idx'), gunzipSync(readFileSync(path.join(DATA, 'mnist-test-images-idx3-ubyte.gz'))));
  writeFileSync(path.join(root, 'test-labels.idx'), gunzipSync(readFileSync(path.join(DATA, 'mnist-test-labels-idx1-ubyte.gz'))));
  const sample = parse(readFileSync(SAMPLE, 'utf8'));
  let files = 0;
  return {
    root,
    modelFile(augment, training) {
      const model = {
        ...sample,
        data: {
          ...sample.data,
          train: { images: 'train-images.idx', labels: 'train-labels.idx' },
          test: { images: 'test-images.idx', labels: 'test-labels.idx' },
          ...(augment ? { augment } : {}),
        },
        training: { ...sample.training, ...training },
      };
      const file = path.join(root, `m${files++}.model.json`);
      writeFileSync(file, JSON.stringify(model, null, 2));
      return file;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Trains `file` with the CLI; its epoch records and run.json. */
function train(file) {
  // One thread: a convolutional model on more trains as replicas, whose results would depend on the machine's cores.
  const args = [path.join(repoRoot, 'dist/cli.js'), 'train', file, '--json', '--backend', options.backend, '--threads', '1'];
  const cli = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const lines = cli.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  const result = lines.at(-1);
  if (cli.status !== 0 || result?.type !== 'result' || result.status !== 'completed') {
    throw new Error(`training ${file} failed: ${cli.stderr.slice(-2000)}${cli.stdout.slice(-2000)}`);
  }
  return { epochs: lines.filter((line) => line.epoch !== undefined && line.batch === null), run: result.run };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The first `count` digits of the sample's training file: pixels / 255 and labels. */
function digits(count) {
  const images = gunzipSync(readFileSync(path.join(DATA, 'mnist-train-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(path.join(DATA, 'mnist-train-labels-idx1-ubyte.gz')));
  return {
    values: Float32Array.from(images.subarray(16, 16 + count * 784), (v) => v / 255),
    labels: Float32Array.from(labels.subarray(8, 8 + count)),
  };
}

/** The sample's CNN, compiled as the trainer compiles it (Adam at the sample's rate, sparse categorical cross-entropy). */
function sampleCnn() {
  const sample = parse(readFileSync(SAMPLE, 'utf8'));
  const model = tf.sequential();
  sample.model.layers.forEach(({ type, ...config }, i) =>
    model.add(tf.layers[type](i === 0 ? { ...config, inputShape: [28, 28, 1] } : config)),
  );
  model.compile({ optimizer: tf.train.adam(sample.training.learningRate), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function throughput() {
  await loadBackend(options.backend);
  const count = Number(options.count);
  const { values, labels } = digits(count);
  const plainX = tf.tensor4d(values, [count, 28, 28, 1]);
  const y = tf.tensor1d(labels);
  const model = sampleCnn();
  const configs = [
    ['plain', undefined],
    ['rotate 10, shift 0.1, zoom 0.1', GEOMETRIC],
    ['all eight (flips, rotate, shift, zoom, brightness, contrast, noise)', ALL],
  ];
  const rates = configs.map(() => []);
  const ratios = configs.map(() => []);
  // Round 0 warms the kernels up and is not counted.
  for (let round = 0; round <= Number(options.rounds); round++) {
    for (const [i, [, augment]] of configs.entries()) {
      const started = performance.now();
      const x = augment ? augmentEpoch(values, [28, 28, 1], augment, { min: 0, max: 1 }, 42, round, 64) : plainX;
      await model.fit(x, y, { batchSize: 64, epochs: 1, shuffle: true, verbose: 0, yieldEvery: 'never' });
      if (x !== plainX) x.dispose();
      if (round === 0) continue;
      rates[i].push(count / ((performance.now() - started) / 1000));
      ratios[i].push(rates[i].at(-1) / rates[0].at(-1));
    }
  }
  tf.dispose([plainX, y]);
  model.dispose();
  const plain = median(rates[0]);
  const alone = augmentationAlone(configs.map(([, augment]) => augment));
  console.log(
    `\nThroughput: MNIST CNN (batch 64), ${options.backend}, ${count} digits per epoch, ${options.rounds} rounds of one epoch each, ` +
      "taking turns in one process (median samples/s; vs plain: median of the rounds' ratios)\n",
  );
  console.log('| augmentation | samples/s | vs plain | augmentation alone, ms per 1,000 images | share of a plain epoch |');
  console.log('|---|---|---|---|---|');
  configs.forEach(([name], i) => {
    const share = (alone[i] / (1e6 / plain)) * 100;
    console.log(
      `| ${name} | ${median(rates[i]).toFixed(0)} | ${median(ratios[i]).toFixed(2)} | ${alone[i].toFixed(0)} | ${share.toFixed(1)} % |`,
    );
  });
}

/** Milliseconds per 1,000 images that augmentEpoch takes with each of `specs` (0 for none), on the bench's backend. */
function augmentationAlone(specs) {
  const images = Float32Array.from({ length: 1024 * 28 * 28 }, () => Math.random());
  return specs.map((spec) => {
    if (spec === undefined) return 0;
    const times = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      const started = performance.now();
      const out = augmentEpoch(images, [28, 28, 1], spec, { min: 0, max: 1 }, 42, epoch, 64);
      out.dataSync();
      out.dispose();
      // The first pays for kernel set-up.
      if (epoch > 0) times.push(((performance.now() - started) * 1000) / 1024);
    }
    return median(times);
  });
}

function effect() {
  const subset = Number(options.subset);
  const seeds = options.seeds.split(',').map(Number);
  const space = workspace(subset);
  const accuracy = { plain: [], augmented: [] };
  try {
    for (const seed of seeds) {
      const training = { epochs: Number(options['accuracy-epochs']), seed };
      accuracy.plain.push(train(space.modelFile(undefined, training)).run.test.accuracy);
      accuracy.augmented.push(train(space.modelFile(GEOMETRIC, training)).run.test.accuracy);
    }
  } finally {
    space.remove();
  }
  const percent = (values) => values.map((v) => (100 * v).toFixed(2)).join(', ');
  const mean = (values) => (100 * values.reduce((a, b) => a + b, 0)) / values.length;
  console.log(
    `\nEffect: MNIST CNN on the first ${subset} training digits (10 % of them validate), ${options['accuracy-epochs']} epochs, ` +
      `${options.backend}; test accuracy on 2,000 held-out digits, seeds ${seeds.join(', ')}\n`,
  );
  console.log('| training data | test accuracy % per seed | mean |');
  console.log('|---|---|---|');
  console.log(`| plain | ${percent(accuracy.plain)} | ${mean(accuracy.plain).toFixed(2)} |`);
  console.log(`| augmented: rotate 10, shift 0.1, zoom 0.1 | ${percent(accuracy.augmented)} | ${mean(accuracy.augmented).toFixed(2)} |`);
}

await throughput();
if (!options['skip-accuracy']) effect();
