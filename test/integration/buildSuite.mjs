// Compiles the integration suite to out/test/integration (cjs; vscode and
// mocha stay external: the extension host provides one, node_modules the
// other) and prepares the workspace it runs on: a copy of samples/, so test
// files and runs never land in the repo.
//   node test/integration/buildSuite.mjs [workspace-dir]
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = import.meta.dirname;
const repo = resolve(here, '..', '..');

/** Builds the suite; returns the absolute path of its index.js. */
export async function buildSuite() {
  const outdir = join(repo, 'out', 'test', 'integration');
  const entryPoints = readdirSync(here)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => join(here, f));
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outdir, 'index.js');
}

/** Replaces `dir` with a fresh copy of samples/ (without their runs). */
export function copySamples(dir) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(repo, 'samples'), dir, { recursive: true, filter: (src) => !src.includes('.modelstudio') });
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildSuite());
  if (process.argv[2]) console.log(copySamples(resolve(process.argv[2])));
}
