// One build for every target (docs/architecture.md "Processes"): the extension host
// bundle, the trainer + CLI (plain Node), and one browser bundle per webview.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
import { standaloneLayersOptions } from './scripts/standaloneLayers.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // ESM entry first: jsonc-parser's `main` is a UMD build whose dynamic
  // require('./impl/format') esbuild cannot follow (fails at run time).
  mainFields: ['module', 'main'],
};

const targets = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // dist/modelFile.js is loaded on first use, not parsed at activation (src/workbench/shared/modelFileCode.ts).
    external: ['vscode', './modelFile.js'],
  },
  {
    ...common,
    entryPoints: { modelFile: 'src/modelFile/editorCode.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: {
      trainer: 'src/trainer/main.ts',
      cli: 'src/cli/main.ts',
      inspector: 'src/trainer/inspector.ts',
      probe: 'src/trainer/probeMain.ts',
      // A model replica's worker thread (src/trainer/dataParallel.ts), found next to the trainer and the CLI.
      replica: 'src/trainer/replicaMain.ts',
    },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // TF.js stays in node_modules: the optional native binding
    // (@tensorflow/tfjs-node) registers its backend on the one shared
    // @tensorflow/tfjs-core instance, which a bundled copy would not be.
    external: ['@tensorflow/*'],
  },
  {
    ...common,
    entryPoints: {
      training: 'webview/training/main.ts',
      hyperparameters: 'webview/hyperparameters/main.ts',
      graph: 'webview/graph/main.ts',
      evaluation: 'webview/evaluation/main.ts',
      sweep: 'webview/sweep/main.ts',
      experiments: 'webview/experiments/main.ts',
    },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  // Model Studio's layers for exported models (src/trainer/exportLayers.ts).
  standaloneLayersOptions('dist/model-studio-layers.js'),
];

async function copyStatic() {
  mkdirSync('dist', { recursive: true });
  // VS Code's JSON service gets the schema without its assertions: our own
  // diagnostics report those, worded as fixes (docs/decisions.md).
  const { toEditorSchema } = await tsImport('./src/modelFile/editorSchema.ts', import.meta.url);
  const schema = JSON.parse(readFileSync('src/modelFile/model-file.schema.json', 'utf8'));
  writeFileSync('dist/model-file.schema.json', `${JSON.stringify(toEditorSchema(schema), null, 2)}\n`);
}

if (watch) {
  await copyStatic();
  for (const options of targets) {
    const context = await esbuild.context(options);
    await context.watch();
  }
} else {
  await Promise.all(targets.map((options) => esbuild.build(options)));
  await copyStatic();
}
