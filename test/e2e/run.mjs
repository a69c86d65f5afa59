// Runs every UI suite (test/e2e/*.e2e.mjs) one after the other, each in its
// own Node process with its own code-server (all from the one cached
// install, $MODEL_STUDIO_CACHE or ~/.cache/model-studio), and prints how long
// each took. Exits 1 if any failed; all run regardless, so one red suite
// does not hide another.
//   node test/e2e/run.mjs [name-filter] [--from-source]
// The suites test the extension as a user gets it: the .vsix that
// `npm run package` builds, installed into each suite's code-server. With
// --from-source they load this checkout as a development extension instead
// (after `npm run build`), which is quicker while iterating.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCodeServer } from '../../scripts/codeServer.mjs';

const here = import.meta.dirname;
const repo = resolve(here, '..', '..');
const args = process.argv.slice(2);
const fromSource = args.includes('--from-source');
const filter = args.find((a) => !a.startsWith('--')) ?? '';
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.e2e.mjs') && f.includes(filter))
  .sort();

/** Runs one suite, echoing its output; resolves with its exit code and the last lines it wrote to stderr (its error). */
function runSuite(file, env) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(here, file)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let errors = '';
    child.stdout.on('data', (chunk) => process.stdout.write(chunk));
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      errors = (errors + chunk).slice(-4000);
    });
    child.on('close', (code, signal) => resolveRun({ code: code ?? (signal ? 128 : 1), errors }));
  });
}

const started = Date.now();
// Installed once up front (about 2.5 min the first time), not inside a suite's timeout.
await ensureCodeServer();
const env = { ...process.env };
delete env.MODEL_STUDIO_VSIX;
if (!fromSource) {
  console.log('=== npm run package');
  if (spawnSync(process.execPath, [join(repo, 'scripts', 'package.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1);
  const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  env.MODEL_STUDIO_VSIX = join(repo, `model-studio-${version}.vsix`);
}
const results = [];
for (const file of suites) {
  const t0 = Date.now();
  console.log(`\n=== ${file}`);
  let run = await runSuite(file, env);
  const firstError = run.code === 0 ? undefined : run.errors;
  if (firstError !== undefined) {
    // One retry: a UI suite can lose a click on a loaded 2-core machine. The summary still names the first failure.
    console.log(`\n=== ${file} (again: it failed once)`);
    run = await runSuite(file, env);
  }
  results.push({ file, code: run.code, errors: run.errors, firstError, seconds: (Date.now() - t0) / 1000 });
}
console.log(`\nUI suites (${fromSource ? 'this checkout as a development extension' : `${env.MODEL_STUDIO_VSIX} installed`}):`);
for (const r of results) {
  const outcome = r.code !== 0 ? `FAILED (exit ${r.code})` : r.firstError === undefined ? 'passed' : 'passed on its second try';
  console.log(`  ${outcome}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.file}`);
}
console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)} s`);
// Repeated at the end, where a log's tail shows them.
for (const r of results.filter((r) => r.firstError !== undefined)) {
  console.log(`\n${r.file}: first try failed with:\n${lastLines(r.firstError)}`);
  if (r.code !== 0) console.log(`second try failed with:\n${lastLines(r.errors)}`);
}

/** The error's own lines: Playwright's call log (indented, quoted) left out. */
function lastLines(text) {
  return text
    .trimEnd()
    .split('\n')
    .filter((line) => !line.startsWith('\u001b[2m') && !/^\s+['"-]|^\s+\d+ ×|^\s*(Call log:|log: \[|\],)$/.test(line))
    .slice(-14)
    .join('\n');
}
process.exitCode = results.every((r) => r.code === 0) && results.length > 0 ? 0 : 1;
