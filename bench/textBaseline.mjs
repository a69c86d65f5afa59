// The bag-of-words baseline the text samples must beat: multinomial naive
// Bayes and logistic regression on samples/data/spam.csv, trained and tested
// on the very rows the trainer uses for a sample model file (its
// data.testSplit / data.validationSplit and training.seed, through the
// trainer's own heldOutRows). Then, as a separate step, the samples
// themselves are trained with the CLI on each backend, for their test
// accuracy and samples/s beside the baseline's. Not a test: it prints figures.
//
//   npm run bench:text [-- --model samples/spam-transformer.model.json]
//     [--backends tensorflow,wasm] [--epochs N] [--no-train]
//
// cpu is not among the default backends: it trains (the trainer replaces
// TF.js's cpu UnsortedSegmentSum, 18 s a batch at 10,000 ids, with a
// single pass), but its plain-JS matrix products make a Transformer epoch
// take minutes; add it with --backends cpu,wasm.
//
// Baseline: words as the trainer's word tokenizer makes them (lowercase runs
// of letters, marks and digits; punctuation dropped); the vocabulary is
// the `data.text.vocabSize − 2` most frequent words of the training rows
// (ties: first seen), as the trainer's vocabulary is, counted from the
// training rows only. Naive Bayes: word counts, Laplace smoothing (α = 1).
// Logistic regression: binary word presence, plain SGD over the training rows
// in an order drawn from training.seed, L2 on the weights an example touches.
// The validation rows are not used for fitting, as the samples train
// without them too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readCsvSample } from '../src/data/csv.ts';
import { heldOutRows } from '../src/data/prepareData.ts';
import { mulberry32, seededPermutation } from '../src/data/random.ts';
import { parseModelFile } from '../src/modelFile/parseModelFile.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = ['samples/spam-transformer.model.json', 'samples/spam-lstm.model.json'];
/** The trainer's default (data.text.vocabSize). */
const DEFAULT_VOCAB_SIZE = 10000;

// ---------------------------------------------------------------- the data and its split

/** A sample model file's raw keys (the split reads only data.* and training.seed, which the samples set). */
export function readSpec(modelFile) {
  const parsed = parseModelFile(modelFile, readFileSync(modelFile, 'utf8'));
  if (parsed.value === undefined) throw new Error(`${modelFile}: not a model file`);
  return parsed.value;
}

/** The texts and labels of the model file's data.train, read with the trainer's CSV reader. */
export async function readTextTable(modelFile, spec) {
  const { path: file, text, label } = spec.data.train;
  const { columns, rows } = await readCsvSample(path.resolve(path.dirname(modelFile), file), Number.POSITIVE_INFINITY);
  const textAt = columns.indexOf(text);
  const labelAt = columns.indexOf(label);
  if (textAt < 0 || labelAt < 0) throw new Error(`${file}: needs the columns "${text}" and "${label}", has ${columns.join(', ')}`);
  return { texts: rows.map((row) => row.fields[textAt]), labels: rows.map((row) => row.fields[labelAt]) };
}

/** Row indices (ascending) of each split, exactly as the trainer draws them for this model file. */
export function trainerSplit(count, spec, modelFile) {
  return heldOutRows(count, spec, modelFile);
}

// ---------------------------------------------------------------- bag of words

export function words(text) {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** Word → feature index for the `size` most frequent words of `documents` (ties: first seen). */
export function vocabulary(documents, size) {
  const counts = new Map();
  for (const document of documents) for (const word of document) counts.set(word, (counts.get(word) ?? 0) + 1);
  // Map keeps first-seen order and sort is stable, so ties stay in that order.
  const ranked = [...counts].sort((a, b) => b[1] - a[1]).slice(0, size);
  return new Map(ranked.map(([word], index) => [word, index]));
}

function featureIds(document, vocab) {
  const ids = [];
  for (const word of document) {
    const id = vocab.get(word);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** Multinomial naive Bayes with Laplace smoothing; returns a predictor of the class index. */
export function naiveBayes(documents, y, vocab, classCount, alpha = 1) {
  const counts = Array.from({ length: classCount }, () => new Float64Array(vocab.size));
  const totals = new Float64Array(classCount);
  const docs = new Float64Array(classCount);
  documents.forEach((document, i) => {
    docs[y[i]]++;
    for (const id of featureIds(document, vocab)) {
      counts[y[i]][id]++;
      totals[y[i]]++;
    }
  });
  const logPrior = Array.from(docs, (n) => Math.log(n / documents.length));
  const logLikelihood = counts.map((row, c) => row.map((n) => Math.log((n + alpha) / (totals[c] + alpha * vocab.size))));
  return (document) => {
    const ids = featureIds(document, vocab);
    const scores = logPrior.map((prior, c) => ids.reduce((sum, id) => sum + logLikelihood[c][id], prior));
    return scores.indexOf(Math.max(...scores));
  };
}

/** Two-class logistic regression on word presence by SGD; returns a predictor of the class index (0 or 1). */
export function logisticRegression(documents, y, vocab, { seed, epochs = 10, learningRate = 0.05, l2 = 1e-4 }) {
  const weights = new Float64Array(vocab.size);
  let bias = 0;
  const present = documents.map((document) => [...new Set(featureIds(document, vocab))]);
  const score = (ids) => ids.reduce((sum, id) => sum + weights[id], bias);
  const random = mulberry32(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = seededPermutation(documents.length, Math.floor(random() * 2 ** 32));
    for (const i of order) {
      const gradient = 1 / (1 + Math.exp(-score(present[i]))) - y[i];
      bias -= learningRate * gradient;
      for (const id of present[i]) weights[id] -= learningRate * (gradient + l2 * weights[id]);
    }
  }
  return (document) => (score([...new Set(featureIds(document, vocab))]) > 0 ? 1 : 0);
}

/** Both baselines on the model file's split: their test (and validation) accuracy. */
export async function baseline(modelFile) {
  const spec = readSpec(modelFile);
  const { texts, labels } = await readTextTable(modelFile, spec);
  const split = trainerSplit(texts.length, spec, modelFile);
  const classes = [...new Set(labels)].sort();
  const y = labels.map((label) => classes.indexOf(label));
  const documents = texts.map(words);
  const pick = (rows) => ({ documents: Array.from(rows, (row) => documents[row]), y: Array.from(rows, (row) => y[row]) });
  const train = pick(split.train);
  const vocab = vocabulary(train.documents, (spec.data.text?.vocabSize ?? DEFAULT_VOCAB_SIZE) - 2);
  const seed = spec.training?.seed ?? 42;
  const models = {
    'naive Bayes': naiveBayes(train.documents, train.y, vocab, classes.length),
    'logistic regression': logisticRegression(train.documents, train.y, vocab, { seed }),
  };
  const accuracy = (predict, rows) => {
    const { documents: docs, y: truth } = pick(rows);
    return docs.filter((document, i) => predict(document) === truth[i]).length / docs.length;
  };
  const results = Object.entries(models).map(([name, predict]) => ({
    name,
    test: accuracy(predict, split.test),
    validation: split.validation.length > 0 ? accuracy(predict, split.validation) : undefined,
  }));
  const majority = Math.max(...classes.map((_, c) => Array.from(split.test).filter((row) => y[row] === c).length)) / split.test.length;
  return { split, classes, vocabularySize: vocab.size, majority, results };
}

// ---------------------------------------------------------------- the samples, trained

/** The JSON lines the built CLI (dist/cli.js) prints for `args`. */
function cli(args) {
  const child = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const lines = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return { lines, result: lines.find((line) => line.type === 'result'), stderr: child.stderr.trim() };
}

/** Why the trainer would refuse `modelFile` (its first error, as `validate` says it), or undefined when it would train it. */
export function whyRefused(modelFile) {
  const { lines, result, stderr } = cli(['validate', modelFile]);
  if (result === undefined) return stderr.split('\n').pop() || 'validate printed no result';
  if (result.valid) return undefined;
  const error = lines.find((line) => line.type === 'diagnostic' && line.severity === 'error');
  return error === undefined ? result.message : `line ${error.line}: ${error.message}`;
}

/**
 * Trains `modelFile` on `backend` into a temporary folder: its test
 * accuracy and samples/s (epochs × training examples / time to the last
 * epoch, as the CLI's summary counts them), or the trainer's error.
 */
export function trainSample(modelFile, backend, epochs) {
  const out = mkdtempSync(path.join(tmpdir(), 'model-studio-text-bench-'));
  try {
    // One thread: the Transformer on more trains as replicas, whose results would depend on the machine's cores.
    const args = [
      'train',
      modelFile,
      '--backend',
      backend,
      '--threads',
      '1',
      '--out',
      out,
      ...(epochs === undefined ? [] : ['--epochs', String(epochs)]),
    ];
    const { lines, result, stderr } = cli(args);
    if (result?.run === undefined) return { error: result?.message ?? (stderr.split('\n').pop() || 'train printed no result') };
    const { run } = result;
    const ends = lines.filter((line) => line.type === undefined && line.batch === null);
    const seconds = ends.length > 0 ? (ends[ends.length - 1].time - Date.parse(run.startedAt)) / 1000 : NaN;
    return {
      backend: run.backend,
      status: run.status,
      epochs: ends.length,
      test: run.test?.accuracy ?? run.test?.acc,
      samplesPerSecond: (ends.length * run.trainSamples) / seconds,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- command line

const percent = (value) => (value === undefined ? '—' : `${(value * 100).toFixed(2)} %`);

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', multiple: true },
      backends: { type: 'string', default: 'tensorflow,wasm' },
      epochs: { type: 'string' },
      'no-train': { type: 'boolean', default: false },
    },
  });
  const modelFiles = (values.model ?? SAMPLES).map((file) => path.resolve(repoRoot, file));
  console.log(`text baseline · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${new Date().toISOString()}`);

  // Step 1: the baseline, on the first model file's data and split (the two samples share them).
  const first = modelFiles[0];
  const started = performance.now();
  const { split, classes, vocabularySize, majority, results } = await baseline(first);
  const textCount = split.train.length + split.validation.length + split.test.length;
  console.log(
    `\n${path.relative(repoRoot, first)}: ${split.train.length} train · ${split.validation.length} validation · ` +
      `${split.test.length} test rows; classes ${classes.join(' / ')}; vocabulary ${vocabularySize} words of the training rows`,
  );
  console.log(`  majority class       test ${percent(majority)}`);
  for (const { name, test, validation } of results) {
    console.log(`  ${name.padEnd(20)} test ${percent(test)} · validation ${percent(validation)}`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  // Step 2: the samples themselves, per backend; each skipped, with the trainer's reason, while it refuses the file.
  if (values['no-train']) return;
  const backends = values.backends.split(',').filter((name) => name !== '');
  for (const modelFile of modelFiles) {
    const name = path.relative(repoRoot, modelFile);
    const refused = whyRefused(modelFile);
    if (refused !== undefined) {
      console.log(`\n${name}: skipped, the trainer refuses it (${refused})`);
      continue;
    }
    const other = modelFile !== first && JSON.stringify(trainerSplit(textCount, readSpec(modelFile), modelFile)) !== JSON.stringify(split);
    console.log(`\n${name}${other ? ' (not the split of the baseline above)' : ''}`);
    for (const backend of backends) {
      const outcome = trainSample(modelFile, backend, values.epochs === undefined ? undefined : Number(values.epochs));
      if (outcome.error !== undefined) console.log(`  ${backend.padEnd(10)} failed: ${outcome.error}`);
      else {
        console.log(
          `  ${outcome.backend.padEnd(10)} test ${percent(outcome.test)} · ${Math.round(outcome.samplesPerSecond)} samples/s · ` +
            `${outcome.epochs} epochs (${outcome.status})`,
        );
      }
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
