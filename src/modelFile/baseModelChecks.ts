import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkDataPath } from '../data/paths';
import { didYouMean } from '../data/suggest';
import { problem, type CheckContext } from './checkContext';
import type { SpecDiagnostic } from './diagnostic';

/**
 * `model.from` (fine-tuning) names a TF.js layers model.json inside the
 * workspace whose weight files are there too, and the names in
 * `model.trainable` are layers of it. Reads the model.json only (not the
 * weights), so it is cheap enough to run as the user types.
 */
export async function checkBaseModel(ctx: CheckContext, workspaceRoot: string): Promise<SpecDiagnostic[]> {
  const { from, trainable } = ctx.spec.model;
  if (from === undefined) {
    return trainable === undefined
      ? []
      : [
          problem(
            ctx,
            ['model', 'trainable'],
            'warning',
            '"trainable" only applies with "from" (the layers of an existing model); remove it',
            'key',
          ),
        ];
  }
  const at = ['model', 'from'];
  const check = await checkDataPath(from, ctx.file, workspaceRoot, 'file');
  if (!check.ok) {
    const message =
      check.reason === 'missing'
        ? `model "${from}" not found (looked for ${check.path}); name a model.json written by Export Model… or a run's model/model.json, relative to the model file's folder`
        : check.message;
    return [problem(ctx, at, 'error', message)];
  }
  let topology: unknown;
  let manifest: unknown;
  try {
    const json = JSON.parse(await fs.readFile(check.path, 'utf8')) as { modelTopology?: unknown; weightsManifest?: unknown };
    topology = json.modelTopology;
    manifest = json.weightsManifest;
  } catch {
    return [problem(ctx, at, 'error', `"${from}" is not a JSON file; name a TF.js model.json`)];
  }
  const names = layerNames(topology);
  if (names === undefined) {
    return [
      problem(
        ctx,
        at,
        'error',
        `"${from}" is not a TF.js layers model (its "modelTopology" holds no layers); graph models from tfjs-converter cannot be fine-tuned`,
      ),
    ];
  }
  const found: SpecDiagnostic[] = [];
  for (const file of weightFiles(manifest)) {
    const weights = await checkDataPath(path.join(path.dirname(check.path), file), ctx.file, workspaceRoot, 'file');
    if (!weights.ok) {
      found.push(
        problem(
          ctx,
          at,
          'error',
          `the weight file "${file}" of "${from}" is missing (looked for ${weights.path}); copy it beside the model.json`,
        ),
      );
      break;
    }
  }
  if (Array.isArray(trainable)) {
    trainable.forEach((name: string, index: number) => {
      if (!names.includes(name)) {
        const hint = didYouMean(name, names) || ` (its layers: ${names.join(', ')})`;
        found.push(problem(ctx, ['model', 'trainable', index], 'error', `"${from}" has no layer "${name}"${hint}`));
      }
    });
  }
  return found;
}

/** Layer names of a Keras-style topology (`{class_name, config: {layers: [{config: {name}}]}}`), Sequential or functional. */
function layerNames(topology: unknown): string[] | undefined {
  const root = (topology as { model_config?: unknown } | undefined)?.model_config ?? topology;
  const layers = (root as { config?: { layers?: unknown } } | undefined)?.config?.layers;
  if (!Array.isArray(layers)) return undefined;
  return layers
    .filter((layer: { class_name?: unknown }) => layer?.class_name !== 'InputLayer')
    .map((layer: { config?: { name?: unknown } }) => layer?.config?.name)
    .filter((name): name is string => typeof name === 'string');
}

function weightFiles(manifest: unknown): string[] {
  if (!Array.isArray(manifest)) return [];
  return manifest.flatMap((group: { paths?: unknown }) =>
    Array.isArray(group?.paths) ? group.paths.filter((p): p is string => typeof p === 'string') : [],
  );
}
