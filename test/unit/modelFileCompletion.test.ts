import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { layerTypeHover, modelFileCompletions, type CompletionEntry } from '../../src/modelFile/modelFileCompletion';
import { IRIS_CSV } from '../fixtures/modelFile';

let root: string;

/** Completions at `|` in `text`, for a model file in the workspace's `models/` folder. */
async function complete(name: string, text: string): Promise<CompletionEntry[]> {
  const offset = text.indexOf('|');
  return modelFileCompletions({ file: path.join(root, 'models', name), text: text.replace('|', ''), offset, workspaceRoot: root });
}

const labels = (entries: readonly CompletionEntry[]): string[] => entries.map((e) => e.label);

describe('model-file completion', () => {
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'completion-'));
    mkdirSync(path.join(root, 'models', 'data', 'images'), { recursive: true });
    writeFileSync(path.join(root, 'models', 'data', 'iris.csv'), IRIS_CSV);
    writeFileSync(path.join(root, 'models', 'data', 'records.jsonl'), '{"x": 1, "y": 2, "kind": "a"}\n');
    writeFileSync(path.join(root, 'models', 'data', 'notes.txt'), 'not data');
    writeFileSync(path.join(root, 'models', 'data', 'train-images-idx3-ubyte.gz'), '');
    mkdirSync(path.join(root, 'models', '.modelstudio'));
    writeFileSync(path.join(root, 'secret.csv'), 'a,b\n');
  });

  it('offers data files relative to the model file, folders first, by the key’s extensions', async () => {
    const top = await complete('a.model.yaml', 'data:\n  train:\n    path: |\n');
    assert.deepEqual(labels(top), ['data/']);
    assert.equal(top[0]?.retrigger, true);
    const inData = await complete('a.model.yaml', 'data:\n  train:\n    path: data/ir|\n    label: species\n');
    assert.deepEqual(labels(inData), ['images/', 'iris.csv', 'records.jsonl']);
    assert.equal(inData[1]?.insertText, 'data/iris.csv');
    const images = await complete('a.model.json', '{ "data": { "train": { "images": "data/|" } } }');
    assert.deepEqual(labels(images), ['images/', 'train-images-idx3-ubyte.gz']);
    assert.equal(images[1]?.insertText, 'data/train-images-idx3-ubyte.gz', 'inside quotes: no quotes added');
  });

  it('offers nothing outside the workspace', async () => {
    assert.deepEqual(await complete('a.model.yaml', 'data:\n  train:\n    path: ../../|\n'), []);
  });

  it('offers the CSV’s (or JSON records’) column names for label and text', async () => {
    const csv = await complete('a.model.json', '{ "data": { "train": { "path": "data/iris.csv", "label": | } } }');
    assert.deepEqual(labels(csv), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    assert.equal(csv[4]?.insertText, '"species"', 'outside quotes: quoted');
    const jsonl = await complete('a.model.yaml', 'data:\n  test:\n    path: data/records.jsonl\n    label: k|\n');
    assert.deepEqual(labels(jsonl), ['x', 'y', 'kind']);
    assert.deepEqual(await complete('a.model.yaml', 'data:\n  train:\n    path: data/missing.csv\n    label: |\n'), []);
    const text = await complete('a.model.json', '{ "data": { "train": { "path": "data/iris.csv", "label": "species", "text": | } } }');
    assert.deepEqual(labels(text), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  });

  it('YAML: offers on a layer only the keys its type takes, and one name per layer type with its docs', async () => {
    const dense = labels(await complete('a.model.yaml', 'model:\n  layers:\n    - type: dense\n      |\n'));
    assert.ok(dense.includes('units') && dense.includes('activation'));
    assert.ok(!dense.includes('kernelSize') && !dense.includes('type'));
    assert.deepEqual(dense.slice(0, 2), ['units', 'activation'], "the layer's own keys first");
    const conv = labels(await complete('a.model.yaml', 'model:\n  layers:\n    - type: conv2d\n      |\n'));
    assert.ok(conv.includes('kernelSize') && conv.includes('filters'));
    const types = await complete('a.model.yaml', 'model:\n  layers:\n    - type: dense\n    - type: |\n');
    assert.ok(labels(types).includes('averagePooling2d') && !labels(types).includes('avgPool2d'));
    assert.match(types.find((e) => e.label === 'dense')?.documentation ?? '', /Fully connected[\s\S]*keras\.layers\.Dense/);
  });

  it('YAML: object and list keys insert a block with the cursor inside; values come from the schema', async () => {
    const top = await complete('a.model.yaml', 'name: x\n|\n');
    assert.equal(top.find((e) => e.label === 'data')?.insertText, 'data:\n  $0');
    assert.equal(top.find((e) => e.label === 'task')?.insertText, 'task: $0');
    assert.ok(!labels(top).includes('name'));
    const training = await complete('a.model.yaml', 'training:\n  |\n');
    assert.equal(training.find((e) => e.label === 'metrics')?.insertText, 'metrics:\n  - $0');
    assert.equal(training.find((e) => e.label === 'earlyStopping')?.insertText, 'earlyStopping:\n  $0');
    const optimizers = await complete('a.model.yaml', 'training:\n  optimizer: |\n');
    assert.ok(labels(optimizers).includes('adam'));
    const restore = await complete('a.model.yaml', 'training:\n  earlyStopping:\n    restoreBestWeights: |\n');
    assert.deepEqual(labels(restore), ['true', 'false']);
  });

  it('offers snippets where they fit: layer blocks in the layer list, blocks for missing top-level keys, a whole file when empty', async () => {
    const json = await complete('a.model.json', '{ "model": { "layers": [ { "type": "dense" }, | ] } }');
    assert.deepEqual(labels(json), ['dense block', 'conv block']);
    const yaml = await complete('a.model.yaml', 'model:\n  layers:\n    - type: dense\n    - |\n');
    const conv = yaml.find((e) => e.label === 'conv block');
    assert.equal(conv?.start, 'model:\n  layers:\n    - type: dense\n    '.length, 'replaces the dash typed');
    const top = labels(await complete('a.model.json', '{ "name": "x", "training": {}, | }'));
    assert.ok(top.includes('search block') && !top.includes('training block with early stopping'));
    assert.deepEqual(
      labels(await complete('a.model.yaml', '|')).filter((l) => l.endsWith('file')),
      ['minimal model file'],
    );
  });
});

describe('layer type hover', () => {
  const hover = (name: string, text: string) => layerTypeHover(name, text.replace('|', ''), text.indexOf('|'))?.markdown;

  it('YAML: any layer type; JSON: an alias only (the JSON service shows the others from the schema)', () => {
    assert.match(hover('a.model.yaml', 'model:\n  layers:\n    - type: den|se\n') ?? '', /^\*\*dense\*\*/);
    assert.match(
      hover('a.model.json', '{ "model": { "layers": [ { "type": "avgPo|ol2d" } ] } }') ?? '',
      /another name for `averagePooling2d`/,
    );
    assert.equal(hover('a.model.json', '{ "model": { "layers": [ { "type": "den|se" } ] } }'), undefined);
    assert.equal(hover('a.model.yaml', 'training:\n  optimizer: ad|am\n'), undefined);
  });
});
