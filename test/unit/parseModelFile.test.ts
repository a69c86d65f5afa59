import { strict as assert } from 'node:assert';
import { modelFileFormat, parseModelFile } from '../../src/spec/parseModelFile';
import { rangeOfText } from '../fixtures/modelFile';

const range = (sl: number, sc: number, el: number, ec: number) => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

describe('parseModelFile', () => {
  it('picks the format by extension', () => {
    assert.equal(modelFileFormat('a.model.yaml'), 'yaml');
    assert.equal(modelFileFormat('a.model.YML'), 'yaml');
    assert.equal(modelFileFormat('a.model.json'), 'json');
    assert.equal(modelFileFormat('a.model.jsonc'), 'json');
  });

  describe('JSON with comments', () => {
    const text = '{\n  // comment\n  "name": "m", /* block */\n  "layers": [{ "type": "dense" }, { "units": 3, },],\n}\n';

    it('accepts comments and trailing commas', () => {
      const parsed = parseModelFile('/w/m.model.json', text);
      assert.deepEqual(parsed.diagnostics, []);
      assert.deepEqual(parsed.value, { name: 'm', layers: [{ type: 'dense' }, { units: 3 }] });
    });

    it('gives the range of a value, of a key, and of the nearest parent of a missing path', () => {
      const parsed = parseModelFile('/w/m.model.json', text);
      assert.deepEqual(parsed.rangeOf(['layers', 1, 'units']), rangeOfText(text, '3'));
      assert.deepEqual(parsed.keyRangeOf(['name']), rangeOfText(text, '"name"'));
      assert.deepEqual(parsed.rangeOf(['layers', 0, 'missing']), rangeOfText(text, '{ "type": "dense" }'));
      assert.deepEqual(parsed.keyRangeOf(['layers', 5]), rangeOfText(text, '[{ "type": "dense" }, { "units": 3, },]'));
    });

    it('reports a missing comma where the next entry starts', () => {
      const bad = '{\n  "a": 1\n  "b": 2\n}';
      const [diagnostic] = parseModelFile('/w/m.model.json', bad).diagnostics;
      assert.equal(diagnostic.message, 'expected "," between entries');
      assert.deepEqual(diagnostic.range, rangeOfText(bad, '"b"'));
      assert.equal(diagnostic.severity, 'error');
      assert.equal(diagnostic.file, '/w/m.model.json');
    });

    it('reports an unclosed string and an unclosed object', () => {
      const bad = '{\n  "a": "open\n';
      const messages = parseModelFile('/w/m.model.json', bad).diagnostics.map((d) => [d.message, d.range]);
      assert.deepEqual(messages[0], ['string is not closed (missing ")', range(1, 7, 1, 12)]);
      assert.ok(messages.some(([message]) => message === 'expected "}" to close the object'));
    });

    it('reports a repeated key on the repetition', () => {
      const bad = '{ "epochs": 1,\n  "epochs": 2 }';
      const diagnostics = parseModelFile('/w/m.model.json', bad).diagnostics;
      assert.deepEqual(
        diagnostics.map((d) => [d.message, d.range]),
        [['duplicate key "epochs": each key may appear once in an object; remove one', range(1, 2, 1, 10)]],
      );
    });

    it('reports an empty file', () => {
      const [diagnostic] = parseModelFile('/w/m.model.json', '').diagnostics;
      assert.match(diagnostic.message, /the model file is empty/);
      assert.deepEqual(diagnostic.range, range(0, 0, 0, 0));
    });

    it('counts CRLF line ends as one line break', () => {
      const crlf = '{\r\n  "a": 1,\r\n  "b": [1, 2]\r\n}';
      assert.deepEqual(parseModelFile('/w/m.model.json', crlf).rangeOf(['b', 1]), range(2, 11, 2, 12));
    });
  });

  describe('YAML', () => {
    const text = '# comment\nname: m\nlayers:\n  - type: dense\n    units: 3\n  - type: dropout\ntraining:\n  epochs:\n';

    it('parses with the core schema and gives node ranges', () => {
      const parsed = parseModelFile('/w/m.model.yaml', text);
      assert.deepEqual(parsed.diagnostics, []);
      assert.deepEqual(parsed.value, { name: 'm', layers: [{ type: 'dense', units: 3 }, { type: 'dropout' }], training: { epochs: null } });
      assert.deepEqual(parsed.rangeOf(['layers', 0, 'units']), rangeOfText(text, '3'));
      assert.deepEqual(parsed.keyRangeOf(['layers']), rangeOfText(text, 'layers'));
      // A block mapping ends at its last character, not after the line break.
      assert.deepEqual(parsed.rangeOf(['layers', 0]), range(3, 4, 4, 12));
      // A key with no value: the key stands in for it.
      assert.deepEqual(parsed.rangeOf(['training', 'epochs']), rangeOfText(text, 'epochs'));
      // A missing path: nearest existing parent.
      assert.deepEqual(parsed.rangeOf(['layers', 1, 'rate']), rangeOfText(text, 'type: dropout'));
    });

    it('reports tab indentation', () => {
      const bad = 'name: m\ntraining:\n\tepochs: 3\n';
      const diagnostic = parseModelFile('/w/m.model.yaml', bad).diagnostics[0];
      assert.equal(diagnostic.message, 'tabs are not allowed for indentation in YAML; indent with spaces');
      assert.deepEqual(diagnostic.range, range(2, 0, 2, 1));
    });

    it('reports a duplicate key on the whole repeated key', () => {
      const bad = 'epochs: 1\nname: m\nepochs: 2\n';
      const diagnostics = parseModelFile('/w/m.model.yaml', bad).diagnostics;
      assert.deepEqual(
        diagnostics.map((d) => [d.message, d.range]),
        [['duplicate key "epochs": each key may appear once in a mapping; remove one', range(2, 0, 2, 6)]],
      );
    });

    it('refuses custom tags', () => {
      const bad = 'name: !!js/function "f"\n';
      const diagnostics = parseModelFile('/w/m.model.yaml', bad).diagnostics;
      assert.deepEqual(
        diagnostics.map((d) => [d.severity, d.message]),
        [['error', 'custom YAML tags are not supported; remove the tag']],
      );
      assert.deepEqual(diagnostics[0].range.start, { line: 0, character: 6 });
    });

    it('reports a second document and an empty file', () => {
      assert.match(parseModelFile('/w/m.model.yaml', 'a: 1\n---\nb: 2\n').diagnostics[0].message, /one YAML document/);
      assert.match(parseModelFile('/w/m.model.yaml', '# nothing\n').diagnostics[0].message, /the model file is empty/);
    });

    it('reports bad indentation with a range on the offending line', () => {
      const bad = 'training:\n  epochs: 3\n loss: mse\n';
      const [diagnostic] = parseModelFile('/w/m.model.yaml', bad).diagnostics;
      assert.equal(diagnostic.severity, 'error');
      assert.equal(diagnostic.range.start.line, 2);
    });
  });
});
