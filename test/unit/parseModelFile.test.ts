import { strict as assert } from 'node:assert';
import { modelFileFormat, parseModelFile } from '../../src/modelFile/parseModelFile';
import { LineIndex } from '../../src/modelFile/positions';
import { rangeOfText } from '../fixtures/modelFile';

const range = (sl: number, sc: number, el: number, ec: number) => ({
  start: { line: sl, character: sc },
  end: { line: el, character: ec },
});

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

    it('says how to write what JSON cannot hold: NaN, single quotes, Python literals, bare words', () => {
      const cases: [string, string][] = [
        ['{ "a": NaN }', 'NaN is not a number JSON can hold: write a finite number such as 0.5'],
        ['{ "a": -Infinity }', '-Infinity is not a number JSON can hold: write a finite number such as 0.5'],
        ["{ 'a': 1 }", 'single quotes are not JSON: write "a" in double quotes'],
        ['{ "a": True }', '"True" is not JSON: write true in lower case'],
        ['{ "a": None }', '"None" is not JSON: write null in lower case'],
        ['{ "a": undefined }', 'undefined is not a JSON value: write null, or remove the key'],
        ['{ "a": adam }', 'unexpected word "adam": keys and text values need double quotes, e.g. "adam"'],
        ['{ "a": 1 } @', 'unexpected character "@": remove it'],
      ];
      for (const [text, message] of cases) {
        const diagnostics = parseModelFile('/w/m.model.json', text).diagnostics;
        assert.equal(diagnostics[0]?.message, message, text);
        // The "expected a value" that only echoes the bad word is not repeated.
        assert.ok(!diagnostics.some((d) => d.message === 'expected a value'), text);
      }
    });

    it('ignores a byte-order mark, counting columns from after it', () => {
      const parsed = parseModelFile('/w/m.model.json', '\uFEFF{ "a": "x",\n  "b": }');
      assert.deepEqual(
        parsed.diagnostics.map((d) => [d.message, d.range.start]),
        [['expected a value', { line: 1, character: 7 }]],
      );
      assert.deepEqual(parseModelFile('/w/m.model.yaml', '\uFEFFa: 1\n').value, { a: 1 });
      assert.deepEqual(parseModelFile('/w/m.model.yaml', '\uFEFFa: 1\n').diagnostics, []);
    });

    it('calls a file of comments only empty, at its start', () => {
      const diagnostics = parseModelFile('/w/m.model.json', '// nothing yet\n/* really */\n').diagnostics;
      assert.deepEqual(
        diagnostics.map((d) => [d.message.replace(/:.*/, ''), d.range]),
        [['the model file is empty', range(0, 0, 0, 0)]],
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
        [['error', 'YAML tag "!!js/function" is not supported: a model file is plain data; remove the tag']],
      );
      assert.deepEqual(diagnostics[0].range.start, { line: 0, character: 6 });
    });

    it('refuses the YAML 1.1 tags the yaml package knows, and builds no Buffer, Set, Map or Date', () => {
      const text = 'a: !!binary aGVsbG8=\nb: !!set {x}\nc: !!omap [ {k: 1} ]\nd: !!timestamp 2001-12-14\ne: !!pairs [ {k: 1} ]\n';
      const parsed = parseModelFile('/w/m.model.yaml', text);
      assert.deepEqual(
        parsed.diagnostics.map((d) => [d.range.start.line, d.message.replace(/ is not supported.*/, '')]),
        [
          [0, 'YAML tag "!!binary"'],
          [1, 'YAML tag "!!set"'],
          [2, 'YAML tag "!!omap"'],
          [3, 'YAML tag "!!timestamp"'],
          [4, 'YAML tag "!!pairs"'],
        ],
      );
      assert.deepEqual(parsed.value, { a: 'aGVsbG8=', b: { x: null }, c: [{ k: 1 }], d: '2001-12-14', e: [{ k: 1 }] });
    });

    it('refuses a list or mapping as a key, without a process warning', async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning.message);
      process.on('warning', onWarning);
      try {
        const parsed = parseModelFile('/w/m.model.yaml', 'name: iris\n? [a, b]\n: 1\n');
        assert.deepEqual(
          parsed.diagnostics.map((d) => [d.range.start.line, d.message]),
          [[1, 'a key must be plain text, not a list or a mapping: check the brackets and the ":" here']],
        );
        assert.equal(parsed.value, undefined);
        // Warnings are emitted on the next tick.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(warnings, []);
    });

    it('says where a flow list was opened and never closed', () => {
      const [first] = parseModelFile('/w/m.model.yaml', 'training:\n  metrics: [accuracy\n  epochs: 5\n').diagnostics;
      assert.deepEqual([first.message, first.range.start], ['"[" is never closed: end the list with "]"', { line: 1, character: 11 }]);
    });

    it('accepts the core tags, which only name a plain type', () => {
      const parsed = parseModelFile('/w/m.model.yaml', 'name: !!str 2024\nn: !!int "3"\n');
      assert.deepEqual(parsed.diagnostics, []);
      assert.deepEqual(parsed.value, { name: '2024', n: 3 });
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

describe('LineIndex', () => {
  it('counts \\n, \\r\\n and a lone \\r as one line break each', () => {
    const lines = new LineIndex('a\nbc\r\nd\re');
    assert.deepEqual(lines.positionAt(2), { line: 1, character: 0 });
    assert.deepEqual(lines.positionAt(6), { line: 2, character: 0 });
    assert.deepEqual(lines.positionAt(8), { line: 3, character: 0 });
  });

  it('maps an offset between the \\r and \\n of a CRLF to the end of that line', () => {
    // The yaml parser points there (a fast-check case: a CRLF typed into an LF file).
    assert.deepEqual(new LineIndex('a\nbc\r\nd').positionAt(5), { line: 1, character: 2 });
  });

  it('a YAML key misaligned after a CRLF is reported inside the document', () => {
    const text = 'name: x\nmodel:\n  layers:\n    -\r\n type: dense\n      units: 3\n';
    const { diagnostics } = parseModelFile('m.model.yaml', text);
    assert.ok(diagnostics.length > 0);
    const lines = text.split(/\r\n|\r|\n/);
    for (const { range: r } of diagnostics) {
      for (const p of [r.start, r.end])
        assert.ok(p.character <= lines[p.line].length, `${JSON.stringify(p)} is past the end of "${lines[p.line]}"`);
    }
  });
});
