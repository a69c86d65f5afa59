// Runs every UI suite (test/e2e/*.e2e.mjs) one after the other, each in its
// own Node process with its own code-server (all from the one cached
// install, ~/.cache/model-studio), and prints how long each took. Exits 1
// if any failed; all run regardless, so one red suite does not hide another.
//   node test/e2e/run.mjs [name-filter]      (after `npm run build`)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer } from '../../scripts/codeServer.mjs';

const here = import.meta.dirname;
const filter = process.argv[2] ?? '';
const suites = readdirSync(here).filter((f) => f.endsWith('.e2e.mjs') && f.includes(filter)).sort();

function runSuite(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, file)], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const started = Date.now();
// Installed once up front (about 3.5 min the first time), not inside a suite's timeout.
await ensureCodeServer();
const results = [];
for (const file of suites) {
  const t0 = Date.now();
  console.log(`\n=== ${file}`);
  const code = await runSuite(file);
  results.push({ file, code, seconds: (Date.now() - t0) / 1000 });
}
console.log('\nUI suites:');
for (const r of results) console.log(`  ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.file}`);
console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = results.every((r) => r.code === 0) && results.length > 0 ? 0 : 1;
