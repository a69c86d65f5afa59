import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainRequest } from '../../src/protocol/trainerMessages';
import { foldDir } from '../../src/runFolder/crossValidation';
import { RUN_FILES } from '../../src/runFolder/runFiles';
import { evaluateRun } from '../../src/trainer/evaluate';
import { exportRun } from '../../src/trainer/exportModel';
import { inspectModelFile } from '../../src/trainer/inspect';
import { predictRun } from '../../src/trainer/predict';
import { train, type TrainOutcome } from '../../src/trainer/train';
import { testBundles } from '../fixtures/bundles';
import { jsonLines } from '../fixtures/jsonLines';
import { MESSAGES_CSV, textModel } from '../fixtures/textModel';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/** The run folder of a finished training, or a failure with its message. */
function finished(outcome: TrainOutcome): string {
  assert.equal(outcome.type, 'done', outcome.type === 'error' ? outcome.message : undefined);
  if (outcome.type !== 'done') throw new Error('unreachable');
  assert.equal(outcome.run.status, 'completed', outcome.run.error?.message);
  return outcome.runDir;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** The body column of the fixture, by line (the CSV has no quoted newlines). */
const bodies = new Map(
  MESSAGES_CSV.trim()
    .split('\n')
    .slice(1)
    .map((row, i) => [i + 2, /^\d+,("(?:[^"]|"")*"|[^,]*),/.exec(row)?.[1].replace(/^"|"$/g, '').replace(/""/g, '"')]),
);

describe('a text model end to end: train, evaluate and predict on raw text', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  let request: TrainRequest;
  let runDir: string;
  before(async () => {
    workspace = tempWorkspace({ 'data/messages.csv': MESSAGES_CSV, 'messages.model.json': JSON.stringify(textModel(), null, 2) });
    request = {
      modelFile: workspace.file('messages.model.json'),
      workspaceRoot: workspace.root,
      runsDir: path.join(workspace.root, '.modelstudio', 'runs'),
      backend: 'cpu',
    };
    runDir = finished(await train(request, { onMessage: () => undefined }));
  });
  after(() => workspace.remove());

  it('saves vocabulary.json with the run: tokenizer settings and tokens by id, padding and unknown first', () => {
    const vocabulary = readJson(path.join(runDir, RUN_FILES.vocabulary)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(vocabulary).sort(), ['lowercase', 'maxLength', 'tokenizer', 'tokens']);
    assert.equal(vocabulary.tokenizer, 'word');
    assert.equal(vocabulary.lowercase, true);
    assert.equal(vocabulary.maxLength, 8);
    const tokens = vocabulary.tokens as string[];
    assert.equal(tokens.length, 30);
    assert.deepEqual(tokens.slice(0, 2), ['<pad>', '<unk>']);
    assert.ok(tokens.slice(2).every((t) => /^[\p{L}\p{N}]+$/u.test(t) && t === t.toLowerCase()));
    assert.deepEqual((readJson(path.join(runDir, RUN_FILES.normalization)) as { featureShape: number[] }).featureShape, [8]);
  });

  it('evaluates its own test split from raw text: the worst predictions carry the text of their line', async () => {
    const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, backend: 'cpu' });
    assert.equal(evaluation.count, 12);
    assert.ok(evaluation.worst.length > 0);
    for (const worst of evaluation.worst) {
      assert.equal(typeof worst.source.line, 'number');
      assert.equal(worst.text, bodies.get(worst.source.line as number));
    }
  });

  it('evaluates another file of raw text (JSON Lines), encoded with the run vocabulary', async () => {
    const file = workspace.write(
      'data/more.jsonl',
      ['{"body": "Click now to claim your free prize!", "label": "spam"}', '{"body": "Notes from the team meeting", "label": "ham"}'].join(
        '\n',
      ),
    );
    const evaluation = await evaluateRun({ runDir, workspaceRoot: workspace.root, data: file, backend: 'cpu' });
    assert.equal(evaluation.count, 2);
    assert.deepEqual(evaluation.worst.map((w) => w.text).sort(), ['Click now to claim your free prize!', 'Notes from the team meeting']);
  });

  it('predicts raw text from a file with the text column only', async () => {
    const file = workspace.write('data/new.csv', 'body\n"Win cash now, click!"\nLunch tomorrow with the team\n');
    const result = await predictRun({ runDir, input: file, backend: 'cpu' });
    assert.deepEqual(result.classes, ['ham', 'spam']);
    assert.deepEqual(
      result.predictions.map((p) => p.line),
      [2, 3],
    );
    for (const p of result.predictions) assert.ok(p.probabilities?.every((v) => v >= 0 && v <= 1));
  });

  it('exports the model with its vocabulary.json, and the export predicts the test texts as the run does', async () => {
    const outDir = path.join(workspace.root, 'export');
    const result = await exportRun({ runDir, outDir, workspaceRoot: workspace.root, backend: 'cpu' });
    assert.ok(result.files.includes(path.join(outDir, RUN_FILES.vocabulary)));
    assert.deepEqual(readJson(path.join(outDir, RUN_FILES.vocabulary)), readJson(path.join(runDir, RUN_FILES.vocabulary)));
    assert.equal(result.parity?.examples, 12);
    assert.ok((result.parity?.maxAbsDifference ?? 1) < 1e-6);
  });

  it('says which column is missing when the file to predict on has no text column', async () => {
    const file = workspace.write('data/wrong.csv', 'text\nhello\n');
    await assert.rejects(predictRun({ runDir, input: file, backend: 'cpu' }), /wrong\.csv:1: no text column "body" \(columns: text\)/);
  });

  it('a stopped text run resumes to the end with its vocabulary.json', async () => {
    const stop = new AbortController();
    const stopped = await train(
      request,
      { onMessage: (m) => m.type === 'metrics' && m.record.batch === null && m.record.epoch === 1 && stop.abort() },
      stop.signal,
    );
    assert.ok(stopped.type === 'done' && stopped.run.status === 'stopped');
    const saved = readJson(path.join(stopped.runDir, RUN_FILES.vocabulary));
    const resumed = finished(await train({ ...request, resumeRunDir: stopped.runDir }, { onMessage: () => undefined }));
    assert.deepEqual(readJson(path.join(resumed, RUN_FILES.vocabulary)), saved);
  });

  it('trains on characters with tokenizer "char": single-character tokens, punctuation and spaces kept', async () => {
    const model = textModel();
    (model.data as Record<string, unknown>).text = { tokenizer: 'char', vocabSize: 30, maxLength: 40, lowercase: false };
    (model.model as { layers: Record<string, unknown>[] }).layers[0].inputDim = 30;
    workspace.write('chars.model.json', JSON.stringify(model, null, 2));
    const run = finished(await train({ ...request, modelFile: workspace.file('chars.model.json') }, { onMessage: () => undefined }));
    const vocabulary = readJson(path.join(run, RUN_FILES.vocabulary)) as { tokenizer: string; tokens: string[] };
    assert.equal(vocabulary.tokenizer, 'char');
    assert.ok(vocabulary.tokens.slice(2).every((t) => Array.from(t).length === 1));
    assert.ok(vocabulary.tokens.includes(' '));
    const result = await predictRun({ runDir: run, input: workspace.write('chars.csv', 'body\nFREE prize!!\n'), backend: 'cpu' });
    assert.equal(result.predictions.length, 1);
  });

  it('cross-validation: each fold saves the vocabulary of the rows it trained on, and a fold evaluates with it', async () => {
    const model = { ...textModel(), training: { ...(textModel().training as object), epochs: 1, crossValidation: { folds: 2 } } };
    workspace.write('cv.model.json', JSON.stringify(model, null, 2));
    const parent = finished(await train({ ...request, modelFile: workspace.file('cv.model.json') }, { onMessage: () => undefined }));
    const [first, second] = [1, 2].map((fold) => readJson(path.join(foldDir(parent, fold), RUN_FILES.vocabulary)) as { tokens: string[] });
    assert.notDeepEqual(first.tokens, second.tokens);
    const evaluation = await evaluateRun({ runDir: foldDir(parent, 1), workspaceRoot: workspace.root, backend: 'cpu' });
    assert.equal(evaluation.count, 12);
  });

  it('Continue with Changes keeps the parent vocabulary even when the data has new words', async () => {
    const parentTokens = readJson(path.join(runDir, RUN_FILES.vocabulary));
    const newWords = Array.from({ length: 40 }, (_, i) => `zebra stripes,${i % 2 ? 'ham' : 'spam'}`).join('\n');
    workspace.write(
      'data/messages.csv',
      `${MESSAGES_CSV.trimEnd()
        .replace(/^id,/, '')
        .replace(/\n\d+,/g, '\n')}\n${newWords}\n`,
    );
    const child = finished(await train({ ...request, continueRunDir: runDir }, { onMessage: () => undefined }));
    assert.deepEqual(readJson(path.join(child, RUN_FILES.vocabulary)), parentTokens);
    // A new run on the same data builds another: the new words are among its most frequent.
    const fresh = finished(await train(request, { onMessage: () => undefined }));
    assert.ok((readJson(path.join(fresh, RUN_FILES.vocabulary)) as { tokens: string[] }).tokens.includes('zebra'));
  });
});

describe('the CLI on a text model (dist/cli.js): train, evaluate, predict from raw text', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [testBundles().cli, ...args], { cwd: workspace.root, encoding: 'utf8', timeout: 100_000 });
  before(() => {
    testBundles();
    workspace = tempWorkspace({ 'data/messages.csv': MESSAGES_CSV, 'messages.model.json': JSON.stringify(textModel(), null, 2) });
  });
  after(() => workspace.remove());

  it('prints a prediction per line of the text file and evaluates with the texts of the worst predictions', () => {
    const trained = cli('train', 'messages.model.json', '--backend', 'cpu', '--json');
    assert.equal(trained.status, 0, trained.stderr);
    const result = jsonLines(trained.stdout).find((m) => m.type === 'result');
    const runDir = result?.runDir as string;
    assert.ok(runDir, trained.stdout);

    workspace.write('new.jsonl', '{"body": "Claim your free cash prize now"}\n{"body": "See you at the team lunch"}\n');
    const predicted = cli('predict', runDir, '--input', 'new.jsonl', '--backend', 'cpu');
    assert.equal(predicted.status, 0, predicted.stderr);
    const lines = predicted.stdout.trim().split('\n');
    assert.equal(lines.length, 2, predicted.stdout);
    lines.forEach((line, i) =>
      assert.match(line, new RegExp(`^line ${i + 1}: (spam|ham) {2}\\((spam|ham) \\d+\\.\\d %, (spam|ham) \\d+\\.\\d %\\)$`)),
    );

    const evaluated = cli('evaluate', runDir, '--backend', 'cpu', '--json');
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const evaluation = jsonLines(evaluated.stdout).find((m) => m.type === 'result')?.evaluation as { worst: { text?: string }[] };
    assert.ok(evaluation.worst.length > 0 && evaluation.worst.every((w) => typeof w.text === 'string' && w.text.length > 0));
  });
});

describe('inspecting a text model', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  before(async () => {
    await tf.setBackend('cpu');
    workspace = tempWorkspace({ 'data/messages.csv': MESSAGES_CSV });
  });
  after(() => workspace.remove());

  it('builds it on data.text.maxLength ids, whatever columns the file has', async () => {
    const file = workspace.file('m.model.json');
    const inspection = await inspectModelFile(file, JSON.stringify(textModel(), null, 2), workspace.root);
    assert.equal(inspection.kind, 'ok', JSON.stringify(inspection));
    if (inspection.kind !== 'ok') return;
    assert.deepEqual(inspection.summary.inputShape, [null, 8]);
    // 30 ids × 8 values, then 8 weights and a bias.
    assert.deepEqual(
      inspection.summary.layers.map((l) => l.params),
      [240, 0, 9],
    );
    assert.deepEqual(inspection.summary.layers[2].outputShape, [null, 1]);
  });
});
