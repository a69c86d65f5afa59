// One build for the three targets (STYLE.md "Build"): the extension host
// bundle, the trainer + CLI (plain Node), and one browser bundle per webview.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const targets = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { trainer: 'src/trainer/main.ts', cli: 'src/cli.ts' },
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
    entryPoints: { training: 'webview/training/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

function copyStatic() {
  mkdirSync('dist', { recursive: true });
  cpSync('src/spec/model-file.schema.json', 'dist/model-file.schema.json');
}

if (watch) {
  copyStatic();
  for (const options of targets) {
    const context = await esbuild.context(options);
    await context.watch();
  }
} else {
  await Promise.all(targets.map((options) => esbuild.build(options)));
  copyStatic();
}
