import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MODEL_SNIPPETS, snippetText, type ModelSnippet } from '../../src/modelFile/modelSnippets';
import { formatDiagnostic, validateModelFile } from '../../src/modelFile/validateModelFile';
import { parse } from 'jsonc-parser';
import { stringify } from 'yaml';
import { IRIS_CSV } from '../fixtures/modelFile';

const root = path.resolve(__dirname, '../..');
const samples = path.join(root, 'samples');

/** The text a snippet inserts with every tab stop left at its default. */
function expand(text: string): string {
  return text
    .replace(/\$\{\d+:((?:\\.|[^}])*)\}/g, '$1')
    .replace(/\$0/g, '')
    .replace(/\\([$}\\])/g, '$1');
}

/** Inserts at `|` as VS Code does: each line after the first gets the indentation of the line it starts on. */
function insert(host: string, body: string): string {
  const at = host.indexOf('|');
  const indent = /[ \t]*$/.exec(host.slice(host.lastIndexOf('\n', at) + 1, at))?.[0] ?? '';
  return host.slice(0, at) + body.split('\n').join(`\n${indent}`) + host.slice(at + 1);
}

const IRIS_YAML = readFileSync(path.join(samples, 'iris.model.yaml'), 'utf8');
const CNN_JSON = readFileSync(path.join(samples, 'mnist-cnn.model.json'), 'utf8');
const CNN_YAML = stringify(parse(CNN_JSON) as unknown);

/**
 * The file each snippet goes into, with `|` where it goes: a sample (so its
 * data paths resolve) without the key the snippet adds.
 */
function host(snippet: ModelSnippet, format: 'json' | 'yaml'): { file: string; text: string } {
  if (snippet.where === 'file') return { file: `x.model.${format}`, text: '|' };
  if (snippet.where === 'layers') {
    return format === 'json'
      ? { file: 'mnist-cnn.model.json', text: CNN_JSON.replace('{ "type": "flatten" }', '|\n      { "type": "flatten" }') }
      : { file: 'mnist-cnn.model.yaml', text: CNN_YAML.replace('    - type: flatten', '    |\n    - type: flatten') };
  }
  const key = Object.keys(snippet.value as object)[0];
  if (format === 'json') {
    const text =
      key === 'training'
        ? CNN_JSON.replace(/ {2}"training": \{[\s\S]*?\n {2}\}/, '  |')
        : CNN_JSON.replace('  "training": {', '  |\n  "training": {');
    return { file: 'mnist-cnn.model.json', text };
  }
  return { file: 'iris.model.yaml', text: key === 'training' ? IRIS_YAML.replace(/^training:[\s\S]*$/m, '|\n') : `${IRIS_YAML}|\n` };
}

describe('model-file snippets', () => {
  let folder: string;
  before(() => {
    // The minimal model file's defaults name data/train.csv with a column "label".
    folder = mkdtempSync(path.join(tmpdir(), 'snippets-'));
    mkdirSync(path.join(folder, 'data'));
    writeFileSync(path.join(folder, 'data', 'train.csv'), IRIS_CSV.replace('species', 'label'));
  });

  it('has the blocks people start from, and no transformer block while there are no attention layers', () => {
    assert.deepEqual(
      MODEL_SNIPPETS.map((s) => s.label),
      ['dense block', 'conv block', 'training block with early stopping', 'search block', 'minimal model file'],
    );
  });

  for (const snippet of MODEL_SNIPPETS) {
    for (const format of ['json', 'yaml'] as const) {
      it(`${snippet.label} (${format}) inserted where it is offered validates`, async () => {
        const { file, text: hostText } = host(snippet, format);
        const text = insert(hostText, expand(snippetText(snippet, format)));
        const dir = snippet.where === 'file' ? folder : samples;
        const result = await validateModelFile(path.join(dir, file), text, { workspaceRoot: snippet.where === 'file' ? folder : root });
        assert.deepEqual(result.diagnostics.map(formatDiagnostic), [], text);
      });
    }
  }

  it('has tab stops with defaults and an end, in snippet syntax', () => {
    const dense = snippetText(MODEL_SNIPPETS[0] as ModelSnippet, 'json');
    assert.equal(
      dense,
      '{ "type": "dense", "units": ${1:64}, "activation": "${2:relu}" \\},\n{ "type": "dropout", "rate": ${3:0.2} \\},$0',
    );
    assert.equal(
      snippetText(MODEL_SNIPPETS[0] as ModelSnippet, 'yaml'),
      '- type: dense\n  units: ${1:64}\n  activation: ${2:relu}\n- type: dropout\n  rate: ${3:0.2}$0',
    );
  });
});
