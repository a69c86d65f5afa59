// esbuild options for dist/model-studio-layers.js: Model Studio's own TF.js layers as one
// file that an exported model ships with (src/trainer/exportLayers.ts). It takes TF.js from
// the global `tf` of TF.js's <script> build where there is one, else from
// `require('@tensorflow/tfjs')` (Node, bundlers), so that the classes register with the user's TF.js.
import { pathToFileURL } from 'node:url';

const tfjsFromHost = {
  name: 'tfjs-from-host',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: 'tfjs', namespace: 'tfjs-from-host' }));
    build.onResolve({ filter: /^tfjs-host$/ }, () => ({ path: '@tensorflow/tfjs', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'tfjs-from-host' }, () => ({
      contents: "module.exports = typeof globalThis.tf === 'object' && globalThis.tf ? globalThis.tf : require('tfjs-host');",
      loader: 'js',
    }));
  },
};

/** @param {string} outfile */
export function standaloneLayersOptions(outfile) {
  return {
    entryPoints: ['src/trainer/textLayers/index.ts'],
    outfile,
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    target: 'es2020',
    plugins: [tfjsFromHost],
    banner: { js: '// Model Studio layers for TF.js: import this file before tf.loadLayersModel (see README.md beside it).' },
    logLevel: 'warning',
  };
}

// `node scripts/standaloneLayers.mjs OUTFILE` builds it alone (the tests do, beside their bundles).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const esbuild = await import('esbuild');
  await esbuild.build(standaloneLayersOptions(process.argv[2] ?? 'dist/model-studio-layers.js'));
}
