import type * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../runFolder/atomicFile';
import { MODEL_STUDIO_CLASS_NAMES } from './textLayers';

/** The file an export with Model Studio's layers ships: they defined and registered for `tf.loadLayersModel`. */
export const LAYERS_SCRIPT = 'model-studio-layers.js';
export const EXPORT_README = 'README.md';

/** Model Studio's layer classes `model` uses, e.g. ['PositionEmbedding', 'TransformerEncoder']. */
export function modelStudioClasses(model: tf.LayersModel): string[] {
  return [...new Set(model.layers.map((layer) => layer.getClassName()).filter((name) => MODEL_STUDIO_CLASS_NAMES.includes(name)))];
}

/** What to do before tf.loadLayersModel, in one sentence (the CLI and the editor show it). */
export function loadNote(classes: readonly string[]): string {
  return `the model uses Model Studio's layers ${classes.join(', ')}: import ${LAYERS_SCRIPT} (in the export folder) before tf.loadLayersModel`;
}

/**
 * Writes the layers script (a copy of dist/model-studio-layers.js, built by
 * esbuild.mjs beside this bundle) into `outDir`; the README's
 * {@link layersReadme} says to import it. Returns the file written.
 */
export async function writeLayersLoader(outDir: string, bundleDir = __dirname): Promise<string> {
  const scriptFile = path.join(outDir, LAYERS_SCRIPT);
  await writeFileAtomic(scriptFile, await layersScript(bundleDir));
  return scriptFile;
}

/**
 * The export's README.md (when it has something to say): how to load a
 * model with Model Studio's layers, and how quantized weights are stored.
 * Returns the file, or undefined when there is nothing to say.
 */
export async function writeExportReadme(
  outDir: string,
  classes: readonly string[],
  weights: string | undefined,
): Promise<string | undefined> {
  if (classes.length === 0 && weights === undefined) return undefined;
  const readme = path.join(outDir, EXPORT_README);
  const sections = ['# A TF.js layers model exported by Model Studio\n', ...(classes.length > 0 ? [layersReadme(classes)] : [])];
  if (weights !== undefined) sections.push(classes.length > 0 ? `## Weights\n\n${weights}` : weights);
  await writeFileAtomic(readme, sections.join('\n'));
  return readme;
}

/**
 * The layers script beside the bundle; run from the sources (tests under
 * tsx) there is none, and scripts/standaloneLayers.mjs builds it as
 * esbuild.mjs does.
 */
async function layersScript(bundleDir: string): Promise<Uint8Array> {
  const beside = path.join(bundleDir, LAYERS_SCRIPT);
  if (existsSync(beside)) return fs.readFile(beside);
  const repo = path.resolve(bundleDir, '..', '..');
  const builder = path.join(repo, 'scripts', 'standaloneLayers.mjs');
  if (!existsSync(builder)) throw new Error(`${LAYERS_SCRIPT} is missing beside the trainer (${bundleDir}): reinstall Model Studio`);
  const built = path.join(tmpdir(), `model-studio-layers-${process.pid}-${Date.now()}.js`);
  try {
    execFileSync(process.execPath, [builder, built], { cwd: repo, stdio: 'pipe' });
    return await fs.readFile(built);
  } finally {
    await fs.rm(built, { force: true });
  }
}

function layersReadme(classes: readonly string[]): string {
  return `\`model.json\` and its weight files load with \`tf.loadLayersModel\`. The model uses
Model Studio's own layers (${classes.map((c) => `\`${c}\``).join(', ')}), which TF.js does not have:
**import \`${LAYERS_SCRIPT}\` before \`tf.loadLayersModel\`**. The file defines those layers
and registers them with TF.js (\`tf.serialization.registerClass\`).

Node:

\`\`\`js
const tf = require('@tensorflow/tfjs');
require('./${LAYERS_SCRIPT}');
const model = await tf.loadLayersModel(/* an IOHandler, or file://…/model.json with @tensorflow/tfjs-node */);
\`\`\`

Browser (after TF.js's script, which defines the global \`tf\`):

\`\`\`html
<script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js"></script>
<script src="${LAYERS_SCRIPT}"></script>
\`\`\`

The file takes TF.js from the global \`tf\` where there is one, else from \`require('@tensorflow/tfjs')\`.
\`keras-topology.json\` names the same classes: Keras reads it only with equivalents of them
(keras_hub's \`TransformerEncoder\` and \`PositionEmbedding\` are the closest; \`MaskedGlobalAveragePooling1D\`
is Keras's \`GlobalAveragePooling1D\`, which respects masks) registered as custom objects.
`;
}
