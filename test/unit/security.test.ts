import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../src/data/dataError';
import { prepareData } from '../../src/data/prepareData';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { parseModelFile } from '../../src/modelFile/parseModelFile';
import { validateModelFile } from '../../src/modelFile/validateModelFile';
import { buildIdxImages, buildIdxLabels } from '../fixtures/idx';
import { IRIS_CSV, irisModel, toJson, withValue } from '../fixtures/modelFile';
import { buildPng } from '../fixtures/png';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/*
 * What a model file may make Model Studio do: read data inside the
 * workspace, and nothing else. Data paths that leave the workspace (by
 * "..", absolutely, or through a symbolic link) are refused by validation
 * and by loading alike; YAML is plain data (no tags that build objects or
 * code); keys such as __proto__ reach no prototype; and no code anywhere
 * turns text into code.
 */

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

/** Every value is JSON data: no functions, Buffers, Dates, Maps, Sets, RegExps; objects plain. */
function assertPlainData(value: unknown, at = '$'): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  assert.equal(typeof value, 'object', `${at} is a ${typeof value}`);
  const proto = Object.getPrototypeOf(value) as unknown;
  assert.ok(proto === Object.prototype || proto === Array.prototype, `${at} is a ${(value as object).constructor?.name}`);
  for (const [key, item] of Object.entries(value as object)) assertPlainData(item, `${at}.${key}`);
}

describe('security', () => {
  let workspace: TempWorkspace;
  let outside: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace({ 'data/iris.csv': IRIS_CSV });
    outside = tempWorkspace({
      'secret.csv': IRIS_CSV,
      'images/a/1.png': buildPng(2, 2, { gray: true }),
      'images/b/1.png': buildPng(2, 2, { gray: true }),
    });
    outside.write('i.idx', buildIdxImages(2, 2, 2));
    outside.write('l.idx', buildIdxLabels([0, 1]));
  });
  afterEach(() => {
    workspace.remove();
    outside.remove();
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  describe('data paths stay inside the workspace', () => {
    const modelFile = () => workspace.file('models/m.model.json');

    /** The error diagnostics of a model file whose data.train is `train`. */
    async function diagnose(train: unknown, extra: [(string | number)[], unknown][] = []): Promise<{ path: string; message: string }[]> {
      let model = withValue(irisModel(), ['data', 'train'], train);
      for (const [at, value] of extra) model = withValue(model, at, value);
      const result = await validateModelFile(modelFile(), toJson(model), { workspaceRoot: workspace.root });
      return result.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ path: d.path.join('.'), message: d.message }));
    }

    /** prepareData refuses the same source with a DataError naming the field. */
    async function refusedOnLoad(
      train: unknown,
      field: string,
      message: RegExp,
      extra: [(string | number)[], unknown][] = [],
    ): Promise<void> {
      let model = withValue(irisModel(), ['data', 'train'], train);
      for (const [at, value] of extra) model = withValue(model, at, value);
      await assert.rejects(
        prepareData(model as unknown as ModelSpec, { modelFile: modelFile(), workspaceRoot: workspace.root }),
        (error: unknown) => {
          assert.ok(error instanceof DataError, String(error));
          assert.equal(error.field, field);
          assert.match(error.message, message);
          return true;
        },
      );
    }

    it('refuses ".." out of the workspace', async () => {
      const train = { path: '../../secret.csv', label: 'species' };
      assert.deepEqual(await diagnose(train), [
        { path: 'data.train.path', message: '"../../secret.csv" is outside the workspace folder; data files must be inside it' },
      ]);
      await refusedOnLoad(
        train,
        'data.train.path',
        /m\.model\.json: data\.train\.path: "\.\.\/\.\.\/secret\.csv" is outside the workspace folder/,
      );
    });

    it('refuses an absolute path outside the workspace, even to a file that exists', async () => {
      const train = { path: outside.file('secret.csv'), label: 'species' };
      assert.deepEqual(await diagnose(train), [
        {
          path: 'data.train.path',
          message: `"${outside.file('secret.csv')}" is outside the workspace folder; data files must be inside it`,
        },
      ]);
      await refusedOnLoad(train, 'data.train.path', /is outside the workspace folder/);
    });

    it('accepts an absolute path inside the workspace, and ".." that stays inside', async () => {
      assert.deepEqual(await diagnose({ path: workspace.file('data/iris.csv'), label: 'species' }), []);
      assert.deepEqual(await diagnose({ path: '../models/../data/iris.csv', label: 'species' }), []);
    });

    it('refuses a file symlink that leads outside', async () => {
      symlinkSync(outside.file('secret.csv'), workspace.file('data/link.csv'));
      const train = { path: '../data/link.csv', label: 'species' };
      assert.deepEqual(await diagnose(train), [
        {
          path: 'data.train.path',
          message: `"../data/link.csv" is a symbolic link to ${outside.file('secret.csv')}, outside the workspace folder; copy the data into the workspace`,
        },
      ]);
      await refusedOnLoad(train, 'data.train.path', /is a symbolic link to .*, outside the workspace folder/);
    });

    it('refuses a path through a folder symlink that leads outside', async () => {
      symlinkSync(outside.root, workspace.file('data/elsewhere'));
      const train = { path: '../data/elsewhere/secret.csv', label: 'species' };
      assert.deepEqual(await diagnose(train), [
        {
          path: 'data.train.path',
          message: `"../data/elsewhere/secret.csv" leads through a symbolic link to ${outside.file('secret.csv')}, outside the workspace folder; copy the data into the workspace`,
        },
      ]);
      await refusedOnLoad(train, 'data.train.path', /leads through a symbolic link/);
    });

    it('refuses a symlinked image folder and symlinked IDX files', async () => {
      symlinkSync(outside.file('images'), workspace.file('data/images'));
      symlinkSync(outside.file('i.idx'), workspace.file('data/i.idx'));
      symlinkSync(outside.file('l.idx'), workspace.file('data/l.idx'));
      const folder = { path: '../data/images', format: 'images' };
      assert.deepEqual(
        (await diagnose(folder)).map((d) => d.path),
        ['data.train.path'],
      );
      await refusedOnLoad(folder, 'data.train.path', /symbolic link/);
      const idx = { images: '../data/i.idx', labels: '../data/l.idx' };
      assert.deepEqual(
        (await diagnose(idx)).map((d) => d.path),
        ['data.train.images', 'data.train.labels'],
      );
      await refusedOnLoad(idx, 'data.train.images', /symbolic link/);
    });

    it('refuses images inside an image folder that are symbolic links out of it', async () => {
      workspace.write('data/images/a/1.png', buildPng(2, 2, { gray: true }));
      mkdirSync(workspace.file('data/images/b'));
      symlinkSync(outside.file('images/b/1.png'), workspace.file('data/images/b/1.png'));
      const folder = { path: '../data/images', format: 'images' };
      const diagnostics = await diagnose(folder);
      assert.deepEqual(
        diagnostics.map((d) => d.path),
        ['data.train.path'],
      );
      assert.match(
        diagnostics[0].message,
        /images\/b\/1\.png: is a symbolic link to .*, outside the image folder; copy the images into the folder/,
      );
      await assert.rejects(
        prepareData(withValue(irisModel(), ['data', 'train'], folder) as unknown as ModelSpec, {
          modelFile: modelFile(),
          workspaceRoot: workspace.root,
        }),
        (error: unknown) =>
          error instanceof DataError &&
          error.file === workspace.file('data/images/b/1.png') &&
          /outside the image folder/.test(error.message),
      );
    });

    it('refuses a class folder that is a symbolic link out of the image folder', async () => {
      workspace.write('data/images/a/1.png', buildPng(2, 2, { gray: true }));
      symlinkSync(outside.file('images/b'), workspace.file('data/images/b'));
      await assert.rejects(
        prepareData(withValue(irisModel(), ['data', 'train'], { path: '../data/images', format: 'images' }) as unknown as ModelSpec, {
          modelFile: modelFile(),
          workspaceRoot: workspace.root,
        }),
        (error: unknown) =>
          error instanceof DataError && error.file === workspace.file('data/images/b') && /outside the image folder/.test(error.message),
      );
    });

    it('follows symbolic links that stay inside an image folder', async () => {
      workspace.write('data/images/a/1.png', buildPng(2, 2, { gray: true }));
      workspace.write('data/images/b/1.png', buildPng(2, 2, { gray: true }));
      symlinkSync(workspace.file('data/images/b/1.png'), workspace.file('data/images/b/2.png'));
      const model = withValue(
        withValue(
          withValue(irisModel(), ['data', 'train'], { path: '../data/images', format: 'images' }),
          ['data', 'testSplit'],
          undefined,
        ),
        ['data', 'validationSplit'],
        undefined,
      );
      const data = await prepareData(model as unknown as ModelSpec, { modelFile: modelFile(), workspaceRoot: workspace.root });
      assert.equal(data.train.count, 3);
    });

    it('refuses data.test outside the workspace too', async () => {
      const extra: [(string | number)[], unknown][] = [
        [['data', 'test'], { path: '../../secret.csv', label: 'species' }],
        [['data', 'testSplit'], undefined],
      ];
      assert.deepEqual(
        (await diagnose({ path: '../data/iris.csv', label: 'species' }, extra)).map((d) => d.path),
        ['data.test.path'],
      );
      await refusedOnLoad({ path: '../data/iris.csv', label: 'species' }, 'data.test.path', /outside the workspace/, extra);
    });

    it('accepts a symlink that stays inside, and a workspace reached through a symlink', async () => {
      symlinkSync(workspace.file('data/iris.csv'), workspace.file('data/alias.csv'));
      assert.deepEqual(await diagnose({ path: '../data/alias.csv', label: 'species' }), []);
      const linkedRoot = path.join(outside.root, 'ws-link');
      symlinkSync(workspace.root, linkedRoot);
      const file = path.join(linkedRoot, 'models/m.model.json');
      const text = toJson(withValue(irisModel(), ['data', 'train'], { path: '../data/iris.csv', label: 'species' }));
      assert.deepEqual((await validateModelFile(file, text, { workspaceRoot: linkedRoot })).diagnostics, []);
    });
  });

  describe('YAML is plain data', () => {
    const payloads = [
      ['!!js/function', `!!js/function "function () { require('fs').writeFileSync('PWNED', 'x') }"`],
      ['!!js/undefined', '!!js/undefined ""'],
      ['!!js/regexp', '!!js/regexp /x/'],
      ['!!python/object/apply:os.system', '!!python/object/apply:os.system ["touch PWNED"]'],
      ['!<tag:yaml.org,2002:js/function>', `!<tag:yaml.org,2002:js/function> "function () { return 1 }"`],
      ['!foo', '!foo bar'],
      ['!!binary', '!!binary aGVsbG8='],
      ['!!timestamp', '!!timestamp 2001-12-14'],
      ['!!set', '!!set { a, b }'],
    ] as const;

    for (const [tag, value] of payloads) {
      it(`refuses ${tag} with a diagnostic on the tag, and builds no object from it`, async () => {
        const text = `name: iris\ntask: classification\noptimizer: ${value}\n`;
        const parsed = parseModelFile(workspace.file('m.model.yaml'), text);
        const tags = parsed.diagnostics.filter((d) =>
          /^YAML tag ".*" is not supported: a model file is plain data; remove the tag$/.test(d.message),
        );
        assert.equal(tags.length, 1, JSON.stringify(parsed.diagnostics));
        assert.equal(tags[0].severity, 'error');
        assert.deepEqual(tags[0].range.start, { line: 2, character: 'optimizer: '.length });
        assertPlainData(parsed.value);
        const result = await validateModelFile(workspace.file('m.model.yaml'), text, { workspaceRoot: workspace.root });
        assert.equal(result.spec, undefined);
        assert.ok(!existsSync(path.join(process.cwd(), 'PWNED')) && !existsSync(workspace.file('PWNED')));
      });
    }

    it('bounds alias expansion (billion laughs) with a diagnostic instead of memory', () => {
      const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++)
        lines.push(
          `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
            .fill(`*${'abcdefghi'[i - 1]}`)
            .join(', ')}]`,
        );
      const parsed = parseModelFile('/w/m.model.yaml', `${lines.join('\n')}\n`);
      assert.equal(parsed.value, undefined);
      assert.match(parsed.diagnostics[0].message, /expand to too much data/);
    });
  });

  describe('__proto__ and friends reach no prototype', () => {
    const hostile = [
      [
        'JSON, top level',
        'm.model.json',
        (base: string) => base.replace('{', '{ "__proto__": { "polluted": true }, "constructor": { "prototype": { "polluted": true } },'),
      ],
      [
        'JSON, in a layer',
        'm.model.json',
        (base: string) =>
          base.replace(
            '"units": 8',
            '"units": 8, "__proto__": { "polluted": true }, "kernelInitializer": { "constructor": { "prototype": { "polluted": true } } }',
          ),
      ],
      [
        'YAML',
        'm.model.yaml',
        () =>
          'name: iris\n__proto__:\n  polluted: true\nconstructor:\n  prototype:\n    polluted: true\nmodel:\n  layers:\n    - type: dense\n      __proto__: { polluted: true }\n',
      ],
    ] as const;

    for (const [name, file, make] of hostile) {
      it(name, async () => {
        const text = make(toJson(irisModel()));
        const result = await validateModelFile(workspace.file(file), text, { workspaceRoot: workspace.root });
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
        assert.equal(result.spec, undefined, 'a model file with such keys is not valid');
        const errors = result.diagnostics.filter((d) => d.severity === 'error' && /__proto__|constructor/.test(d.message));
        assert.ok(errors.length >= 1, JSON.stringify(result.diagnostics.map((d) => d.message)));
        assertPlainData(parseModelFile(workspace.file(file), text).value);
      });
    }

    it('says why a reserved key in a layer is refused, on the key', async () => {
      const text = toJson(withValue(irisModel(), ['model', 'layers', 0, 'constructor'], { prototype: { polluted: true } }));
      const result = await validateModelFile(workspace.file('m.model.json'), text, { workspaceRoot: workspace.root });
      assert.deepEqual(
        result.diagnostics.map((d) => [d.path.join('.'), d.message]),
        [
          [
            'model.layers.0.constructor',
            '"constructor" cannot be a key in a model file: it has a special meaning in JavaScript; remove it',
          ],
        ],
      );
    });
  });

  describe('nothing turns text into code', () => {
    const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))];

    it('finds the sources to check', () => {
      assert.ok(files.length > 20, `${files.length} files`);
    });

    // Computed loads reviewed one by one: each loads an optional TF.js
    // binding from a folder the extension itself chose (global storage or a
    // fixed package name), never a name read from a model file.
    const REVIEWED_LOADERS = [
      'src/trainer/backend.ts: require(nativePackageDir(nativeDir, variant));',
      "src/host/nativeBackend.ts: const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(packageDir)})`], {",
      'src/trainer/webgpuBackend.ts: dawn = (await import(name)) as DawnModule;',
    ];

    it('no eval, new Function, vm.run*, string timers or computed require/import in src/ and webview/', () => {
      const forbidden: [RegExp, string][] = [
        [/\beval\s*\(/, 'eval('],
        [/\bnew\s+Function\s*\(/, 'new Function('],
        [/(^|[^.\w])Function\s*\(/, 'Function('],
        [/\bvm\s*\.\s*(runIn\w*|compileFunction|Script)\b|from\s+['"]node:vm['"]|require\(\s*['"](node:)?vm['"]\s*\)/, 'node:vm'],
        [/\bset(Timeout|Interval)\s*\(\s*['"`]/, 'a timer with a string'],
        [/\bimport\s*\(\s*[^'"`\s)]/, 'import() of a computed name'],
        [/\brequire\s*\(\s*(?!['"`]|name\))[^)]/, 'require() of a computed name'],
      ];
      const found: string[] = [];
      for (const file of files) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, index) => {
            // Comments may talk about eval; code may not use it.
            if (/^\s*(\*|\/\*)/.test(line)) return;
            const code = line.replace(/\/\/.*$/, '');
            const site = `${path.relative(ROOT, file)}: ${line.trim()}`;
            if (REVIEWED_LOADERS.includes(site)) return;
            for (const [pattern, what] of forbidden)
              if (pattern.test(code)) found.push(`${path.relative(ROOT, file)}:${index + 1}: ${what}: ${line.trim()}`);
          });
      }
      assert.deepEqual(found, []);
    });

    it('the one computed require loads a fixed list of packages (the optional TF.js bindings)', () => {
      const backend = readFileSync(path.join(ROOT, 'src/trainer/backend.ts'), 'utf8');
      if (!/\brequire\(name\)/.test(backend)) return;
      assert.match(backend, /for \(const name of NATIVE_PACKAGES\)/);
      assert.match(backend, /NATIVE_PACKAGES[^=]*=\s*\[\s*'@tensorflow\/tfjs-node-gpu',\s*'@tensorflow\/tfjs-node'\s*\]/);
    });

    it('webviews set innerHTML only from fixed templates, never with ${…} data', () => {
      const found: string[] = [];
      for (const file of sourceFiles(path.join(ROOT, 'webview'))) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/\b(innerHTML|outerHTML)\s*\+?=\s*|insertAdjacentHTML\s*\(|document\.write\s*\(/g)) {
          const rest = text.slice((match.index ?? 0) + match[0].length);
          // Only a template literal right there, and one without interpolation.
          const template = /^`([^`]*)`/.exec(rest);
          if (template === null || template[1].includes('${'))
            found.push(`${path.relative(ROOT, file)}: ${match[0].trim()} ${rest.slice(0, 40).replace(/\n/g, ' ')}`);
        }
      }
      assert.deepEqual(found, []);
    });
  });

  it('validation writes nothing', async () => {
    const files = readdirSync(workspace.root, { recursive: true }).sort();
    const result = await validateModelFile(workspace.file('m.model.json'), toJson(irisModel()), { workspaceRoot: workspace.root });
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(readdirSync(workspace.root, { recursive: true }).sort(), files);
  });
});
