// Inspector round trips: why the layer shapes and counts come from a
// long-lived inspector process. Each round forks dist/inspector.js, times
// its first inspection (process start + TF.js load + build: the baseline a
// process per request would pay every time) and then five warm ones on
// edited texts, side by side. Not a test: it prints figures.
//
//   npm run build && node bench/inspector.mjs [--rounds 3]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '..');
const samples = path.join(repo, 'samples');
const modelFile = path.join(samples, 'mnist-mlp.model.json');
const text = readFileSync(modelFile, 'utf8');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });

/** One inspector process: `inspect(text)` resolves with the round trip in ms. */
function startInspector() {
  const child = fork(path.join(repo, 'dist', 'inspector.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
  const waiting = new Map();
  let nextId = 1;
  child.on('message', (message) => {
    if (message.type === 'ready') return;
    const done = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.type === 'failed') done.reject(new Error(message.message));
    else done.resolve();
  });
  return {
    inspect(source) {
      const id = nextId++;
      const started = performance.now();
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: () => resolve(performance.now() - started), reject });
        child.send({ type: 'inspect', request: { id, modelFile, text: source, workspaceRoot: samples } });
      });
    },
    stop: () => child.kill(),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cold = [];
const warm = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const inspector = startInspector();
  cold.push(await inspector.inspect(text));
  for (let i = 0; i < 5; i++) warm.push(await inspector.inspect(text.replace('"units": 512', `"units": ${500 + i}`)));
  inspector.stop();
}
const row = (label, xs) =>
  `${label.padEnd(34)} ${median(xs).toFixed(1).padStart(8)} ${Math.min(...xs)
    .toFixed(1)
    .padStart(8)} ${Math.max(...xs)
    .toFixed(1)
    .padStart(8)}`;
console.log(`mnist-mlp inspection round trip, ms (${values.rounds} processes)\n${''.padEnd(34)}   median      min      max`);
console.log(row('new process (start, load TF.js)', cold));
console.log(row('warm process (what the editor pays)', warm));
console.log(`cold / warm: ${(median(cold) / median(warm)).toFixed(1)}×`);
