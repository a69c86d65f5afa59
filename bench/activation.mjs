// Extension activation cost: how long loading dist/extension.js and running
// its activate() take, in a fresh Node process each round, with `vscode`
// replaced by a stub that accepts any call. Not a test: it prints figures.
//
//   npm run build && node bench/activation.mjs [--rounds 15] [--extension dist/extension.js]
//
// What it measures is the part the extension controls: parsing and
// evaluating the bundle (`require`) and activate() itself, which in the
// extension host come on top of VS Code's own fixed cost.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    extension: { type: 'string', default: path.join(repo, 'dist', 'extension.js') },
    child: { type: 'boolean', default: false },
  },
});

/** A `vscode` module that accepts anything: every property is a callable, constructible stub. */
function stub() {
  const cache = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(_, prop) {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'prototype') return Object.prototype;
      if (!cache.has(prop)) cache.set(prop, stub());
      return cache.get(prop);
    },
    set(_, prop, value) {
      cache.set(prop, value);
      return true;
    },
    // esbuild's __toESM copies the module's own keys (a stub has none) onto an
    // object whose prototype is the module's: lookups fall through to this.
    getPrototypeOf: () => new Proxy({}, { get: (_, prop) => (prop === 'then' ? undefined : stub()) }),
    apply: () => stub(),
    construct: () => stub(),
  });
}

async function child() {
  const { createRequire } = await import('node:module');
  const Module = (await import('node:module')).default;
  const vscode = stub();
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  const require = createRequire(import.meta.url);
  const extension = values.extension;
  // An ExtensionContext: real paths where code joins them, a stub for the rest.
  const root = path.join(path.dirname(extension), '..');
  const storage = path.join(os.tmpdir(), 'model-studio-bench-activation');
  const uri = (fsPath) => ({ fsPath, path: fsPath, scheme: 'file', toString: () => `file://${fsPath}` });
  const known = {
    subscriptions: [],
    extensionPath: root,
    extensionUri: uri(root),
    asAbsolutePath: (p) => path.join(root, p),
  };
  const context = new Proxy(known, {
    get(target, prop) {
      if (prop in target) return target[prop];
      if (typeof prop === 'string' && prop.endsWith('Uri')) return uri(path.join(storage, prop));
      if (typeof prop === 'string' && prop.endsWith('Path')) return path.join(storage, prop);
      return stub();
    },
  });
  const t0 = performance.now();
  const module = require(extension);
  const t1 = performance.now();
  module.activate(context);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ load: t1 - t0, activate: t2 - t1 }));
  process.exit(0);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const rounds = Number(values.rounds);
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--extension', values.extension], {
      encoding: 'utf8',
    });
    samples.push(JSON.parse(out));
  }
  const kb = (statSync(values.extension).size / 1024).toFixed(0);
  const fmt = (xs) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
  console.log(`${path.relative(repo, values.extension)}: ${kb} KB, ${rounds} fresh processes, Node ${process.version}`);
  console.log(`  require (parse + evaluate the bundle): ${fmt(samples.map((s) => s.load))}`);
  console.log(`  activate():                            ${fmt(samples.map((s) => s.activate))}`);
  console.log(`  load + activate:                       ${fmt(samples.map((s) => s.load + s.activate))}`);
}

if (values.child) await child();
else await main();
