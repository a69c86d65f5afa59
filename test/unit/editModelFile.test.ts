import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { applyTextEdits, editModelFile, type JsonValue, type ModelFileEdit, type TextEdit } from '../../src/modelFile/editModelFile';
import { withValue } from '../fixtures/modelFile';

const samples = join(__dirname, '..', '..', 'samples');

function parse(text: string, format: 'json' | 'yaml'): unknown {
  return format === 'yaml' ? parseYaml(text) : parseJsonc(text, [], { allowTrailingComma: true });
}

/** Applies the edit and checks that the file still parses to what the edit says. */
function apply(text: string, format: 'json' | 'yaml', edit: ModelFileEdit): { out: string; edits: TextEdit[] } {
  const edits = editModelFile(text, format, edit);
  return { out: applyTextEdits(text, edits), edits };
}

/** Every path to a scalar (not a layer's "type") in a parsed model file. */
function scalarPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => scalarPaths(v, [...at, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => scalarPaths(v, [...at, k]));
  return [at];
}

const JSONC = `{
  // The model.
  "name": "m", /* keep */
  "training": {
    "optimizer": "adam",   // why adam
    "learningRate": 1e-3,
    "epochs": 5 // five
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 512, "activation": "relu" },

      // the output
      { "type": "dense", "units": 10 } // ten classes
    ]
  }
}
`;

const YAML = `# The model.
name: "m"   # quoted on purpose
training:
  optimizer: adam   # why adam
  learningRate: 1e-3
  metrics: [accuracy]
  epochs: 5

model:
  layers:
    - type: dense
      units: 512   # wide
      activation: 'relu'
    # the output
    - { type: dense, units: 10 }
`;

describe('editModelFile', () => {
  describe('JSON with comments', () => {
    it('replaces only the value: comments, spacing and key order stay byte for byte', () => {
      const { out, edits } = apply(JSONC, 'json', { kind: 'set', path: ['training', 'learningRate'], value: 0.005 });
      assert.deepEqual(edits, [{ offset: JSONC.indexOf('1e-3'), length: 4, newText: '0.005' }]);
      assert.equal(out, JSONC.replace('1e-3', '0.005'));
    });

    it('makes no edit when the file already holds the value', () => {
      assert.deepEqual(editModelFile(JSONC, 'json', { kind: 'set', path: ['training', 'epochs'], value: 5 }), []);
    });

    it("adds a missing key after the last one, before its trailing comment, in the object's indentation", () => {
      const { out } = apply(JSONC, 'json', { kind: 'set', path: ['training', 'batchSize'], value: 64 });
      assert.equal(out, JSONC.replace('"epochs": 5 // five', '"epochs": 5, // five\n    "batchSize": 64'));
    });

    it('adds missing parent objects on one line', () => {
      const { out } = apply(JSONC, 'json', { kind: 'set', path: ['training', 'earlyStopping', 'patience'], value: 3 });
      assert.equal(out, JSONC.replace('"epochs": 5 // five', '"epochs": 5, // five\n    "earlyStopping": { "patience": 3 }'));
    });

    it("adds a key to a one-line layer with the layer's own separator", () => {
      const { out } = apply(JSONC, 'json', { kind: 'set', path: ['model', 'layers', 1, 'activation'], value: 'softmax' });
      assert.equal(out, JSONC.replace('"units": 10 }', '"units": 10, "activation": "softmax" }'));
    });

    it('removes a property with its line, and the comma before the last one', () => {
      assert.equal(
        apply(JSONC, 'json', { kind: 'remove', path: ['training', 'learningRate'] }).out,
        JSONC.replace('    "learningRate": 1e-3,\n', ''),
      );
      assert.equal(
        apply(JSONC, 'json', { kind: 'remove', path: ['training', 'epochs'] }).out,
        JSONC.replace('"learningRate": 1e-3,\n    "epochs": 5 // five\n', '"learningRate": 1e-3\n'),
      );
      assert.equal(
        apply(JSONC, 'json', { kind: 'remove', path: ['model', 'layers', 0, 'units'] }).out,
        JSONC.replace('"units": 512, ', ''),
      );
    });

    it('removes a layer, keeping the comments and blank lines around it', () => {
      assert.equal(
        apply(JSONC, 'json', { kind: 'remove', path: ['model', 'layers', 0] }).out,
        JSONC.replace('      { "type": "dense", "units": 512, "activation": "relu" },\n', ''),
      );
      // The last layer: its comma goes, the comment line above it stays.
      assert.equal(
        apply(JSONC, 'json', { kind: 'remove', path: ['model', 'layers', 1] }).out,
        JSONC.replace('"activation": "relu" },', '"activation": "relu" }').replace(
          '      { "type": "dense", "units": 10 } // ten classes\n',
          '',
        ),
      );
    });

    it('appends and inserts layers written like their neighbours', () => {
      const layer = { type: 'dropout', rate: 0.2 };
      assert.equal(
        apply(JSONC, 'json', { kind: 'insert', path: ['model', 'layers'], index: 2, value: layer }).out,
        JSONC.replace('"units": 10 } // ten classes', '"units": 10 }, // ten classes\n      { "type": "dropout", "rate": 0.2 }'),
      );
      assert.equal(
        apply(JSONC, 'json', { kind: 'insert', path: ['model', 'layers'], index: 1, value: layer }).out,
        JSONC.replace('\n      // the output', '      { "type": "dropout", "rate": 0.2 },\n\n      // the output'),
      );
    });

    it('inserts into layers spread over lines in the same shape', () => {
      const text = '{\n\t"layers": [\n\t\t{\n\t\t\t"type": "dense"\n\t\t}\n\t]\n}';
      const { out } = apply(text, 'json', { kind: 'insert', path: ['layers'], index: 1, value: { type: 'flatten', name: 'f' } });
      assert.equal(
        out,
        '{\n\t"layers": [\n\t\t{\n\t\t\t"type": "dense"\n\t\t},\n\t\t{\n\t\t\t"type": "flatten",\n\t\t\t"name": "f"\n\t\t}\n\t]\n}',
      );
    });

    it('reorders layers by swapping their text; what lies between stays put', () => {
      const { out, edits } = apply(JSONC, 'json', { kind: 'move', path: ['model', 'layers'], from: 1, to: 0 });
      assert.equal(edits.length, 2);
      assert.equal(
        out,
        JSONC.replace('{ "type": "dense", "units": 512, "activation": "relu" }', '@@')
          .replace('{ "type": "dense", "units": 10 }', '{ "type": "dense", "units": 512, "activation": "relu" }')
          .replace('@@', '{ "type": "dense", "units": 10 }'),
      );
    });

    it('keeps CRLF line breaks and trailing commas', () => {
      const text = '{\r\n  "a": 1,\r\n  "b": [1, 2,],\r\n}\r\n';
      assert.equal(
        apply(text, 'json', { kind: 'set', path: ['c'], value: true }).out,
        '{\r\n  "a": 1,\r\n  "b": [1, 2,],\r\n  "c": true,\r\n}\r\n',
      );
      assert.equal(apply(text, 'json', { kind: 'set', path: ['b'], value: [3] }).out, '{\r\n  "a": 1,\r\n  "b": [3],\r\n}\r\n');
    });

    it('writes lists in the spacing they had', () => {
      const text = '{"shape":[28,28,1]}';
      assert.equal(apply(text, 'json', { kind: 'set', path: ['shape'], value: [784] }).out, '{"shape":[784]}');
      assert.equal(apply(text, 'json', { kind: 'set', path: ['shape'], value: [1, 2] }).out, '{"shape":[1,2]}');
    });
  });

  describe('YAML', () => {
    it('replaces only the value: comments, quoting and blank lines stay byte for byte', () => {
      const { out, edits } = apply(YAML, 'yaml', { kind: 'set', path: ['training', 'learningRate'], value: 0.005 });
      assert.deepEqual(edits, [{ offset: YAML.indexOf('1e-3'), length: 4, newText: '0.005' }]);
      assert.equal(out, YAML.replace('1e-3', '0.005'));
    });

    it("keeps a string's quoting style", () => {
      assert.equal(apply(YAML, 'yaml', { kind: 'set', path: ['name'], value: 'n' }).out, YAML.replace('"m"', '"n"'));
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['model', 'layers', 0, 'activation'], value: 'tanh' }).out,
        YAML.replace("'relu'", "'tanh'"),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['training', 'optimizer'], value: 'yes sir' }).out,
        YAML.replace('adam   #', '"yes sir"   #'),
      );
    });

    it('keeps flow lists flow and block lists block', () => {
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['training', 'metrics'], value: ['accuracy', 'mae'] }).out,
        YAML.replace('[accuracy]', '[accuracy, mae]'),
      );
      const block = 'a:\n  shape:\n    - 28\n    - 28   # h\nb: 1\n';
      assert.equal(
        apply(block, 'yaml', { kind: 'set', path: ['a', 'shape'], value: [7, 7, 16] }).out,
        'a:\n  shape:\n    - 7\n    - 7\n    - 16   # h\nb: 1\n',
      );
    });

    it("adds a missing key at the mapping's indentation, nested mappings in block style", () => {
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['training', 'seed'], value: 7 }).out,
        YAML.replace('  epochs: 5\n', '  epochs: 5\n  seed: 7\n'),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['training', 'earlyStopping', 'patience'], value: 3 }).out,
        YAML.replace('  epochs: 5\n', '  epochs: 5\n  earlyStopping:\n    patience: 3\n'),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['model', 'layers', 0, 'useBias'], value: false }).out,
        YAML.replace("activation: 'relu'\n", "activation: 'relu'\n      useBias: false\n"),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'set', path: ['model', 'layers', 1, 'activation'], value: 'softmax' }).out,
        YAML.replace('units: 10 }', 'units: 10, activation: softmax }'),
      );
    });

    it('fills in a key that has no value', () => {
      assert.equal(apply('a:\nb: 1\n', 'yaml', { kind: 'set', path: ['a'], value: 2 }).out, 'a: 2\nb: 1\n');
    });

    it('adds a key to a file without a final line break', () => {
      assert.equal(apply('a: 1\nb: 2', 'yaml', { kind: 'set', path: ['c'], value: 3 }).out, 'a: 1\nb: 2\nc: 3');
    });

    it('removes keys and layers with their lines; a first key moves up beside the dash', () => {
      assert.equal(apply(YAML, 'yaml', { kind: 'remove', path: ['training', 'metrics'] }).out, YAML.replace('  metrics: [accuracy]\n', ''));
      assert.equal(
        apply(YAML, 'yaml', { kind: 'remove', path: ['model', 'layers', 0, 'units'] }).out,
        YAML.replace('      units: 512   # wide\n', ''),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'remove', path: ['model', 'layers', 0, 'type'] }).out,
        YAML.replace('- type: dense\n      units', '- units'),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'remove', path: ['model', 'layers', 0] }).out,
        YAML.replace("    - type: dense\n      units: 512   # wide\n      activation: 'relu'\n", ''),
      );
      assert.equal(
        apply(YAML, 'yaml', { kind: 'remove', path: ['model', 'layers', 1, 'units'] }).out,
        YAML.replace('{ type: dense, units: 10 }', '{ type: dense }'),
      );
    });

    it('appends a layer as a block item; reorders layers with their trailing comments', () => {
      const text = 'layers:\n  - type: dense\n    units: 4 # four\n  - type: flatten\n';
      assert.equal(
        apply(text, 'yaml', { kind: 'insert', path: ['layers'], index: 2, value: { type: 'dropout', rate: 0.5 } }).out,
        `${text}  - type: dropout\n    rate: 0.5\n`,
      );
      assert.equal(
        apply(text, 'yaml', { kind: 'move', path: ['layers'], from: 0, to: 1 }).out,
        'layers:\n  - type: flatten\n  - type: dense\n    units: 4 # four\n',
      );
    });
  });

  describe('round trips on the samples', () => {
    for (const file of ['mnist-mlp.model.json', 'mnist-cnn.model.json', 'iris.model.yaml', 'linear-regression.model.json']) {
      const format = file.endsWith('.yaml') ? 'yaml' : 'json';
      const text = readFileSync(join(samples, file), 'utf8');
      const original = parse(text, format) as Record<string, unknown>;

      it(`${file}: each scalar set alone changes only its own bytes`, () => {
        for (const path of scalarPaths(original)) {
          const old = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], original);
          const value: JsonValue = typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : `${String(old)}x`;
          const { out, edits } = apply(text, format, { kind: 'set', path, value });
          assert.equal(edits.length, 1, `${path.join('.')}: one edit`);
          const [edit] = edits;
          assert.equal(text.slice(0, edit.offset), out.slice(0, edit.offset), `${path.join('.')}: bytes before`);
          assert.equal(
            text.slice(edit.offset + edit.length),
            out.slice(edit.offset + edit.newText.length),
            `${path.join('.')}: bytes after`,
          );
          assert.deepEqual(parse(out, format), withValue(original, path, value), `${path.join('.')}: value`);
          // And back: the old value restores the file exactly.
          assert.equal(applyTextEdits(out, editModelFile(out, format, { kind: 'set', path, value: old as JsonValue })), text);
        }
      });

      it(`${file}: removing each key and re-adding it keeps the value`, () => {
        for (const path of scalarPaths(original).filter((p) => typeof p[p.length - 1] === 'string')) {
          const { out } = apply(text, format, { kind: 'remove', path });
          assert.deepEqual(parse(out, format), withValue(original, path, undefined), `${path.join('.')}: removed`);
          const old = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], original);
          const back = apply(out, format, { kind: 'set', path, value: old as JsonValue }).out;
          const expected = withValue(withValue(original, path, undefined), path, old);
          assert.deepEqual(parse(back, format), expected, `${path.join('.')}: re-added`);
        }
      });

      it(`${file}: layers move, insert and remove`, () => {
        const layers = (original.model as { layers: unknown[] }).layers;
        const moved = apply(text, format, { kind: 'move', path: ['model', 'layers'], from: 0, to: layers.length - 1 }).out;
        assert.deepEqual((parse(moved, format) as typeof original & { model: { layers: unknown[] } }).model.layers, [
          ...layers.slice(1),
          layers[0],
        ]);
        const back = apply(moved, format, { kind: 'move', path: ['model', 'layers'], from: layers.length - 1, to: 0 }).out;
        assert.equal(back, text);
        const added = apply(text, format, {
          kind: 'insert',
          path: ['model', 'layers'],
          index: layers.length,
          value: { type: 'dropout', rate: 0.25 },
        }).out;
        assert.deepEqual((parse(added, format) as { model: { layers: unknown[] } }).model.layers, [
          ...layers,
          { type: 'dropout', rate: 0.25 },
        ]);
        const removed = apply(added, format, { kind: 'remove', path: ['model', 'layers', layers.length] }).out;
        assert.equal(removed, text);
      });
    }
  });
});
