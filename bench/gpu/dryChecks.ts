import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import { loadBackend } from '../../src/trainer/backend';
import { buildModel, disposeModel } from '../../src/trainer/buildModel';
import type { Examples } from './trainSteps';
import { trainSteps } from './trainSteps';

/**
 * What a run without a GPU can still check of the carried folder: Dawn's
 * binary opens, the wasm binaries load, and each sample's model builds and
 * trains two batches on wasm with the bundled trainer code. Each line says
 * what was checked; a failure throws.
 */
export async function dryChecks(dir: string, models: Record<string, ModelSpec>, examples: Record<string, Examples>): Promise<string[]> {
  const lines: string[] = [];
  const dawn = path.join(dir, 'node_modules', 'webgpu', 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
  if (!existsSync(dawn)) throw new Error(`Dawn binary missing: ${dawn} (the folder carries linux-x64 only)`);
  // A variable specifier keeps esbuild from bundling it: it must load the carried binary.
  const name = 'webgpu';
  const module = (await import(name)) as { create?: unknown };
  if (typeof module.create !== 'function') throw new Error('the webgpu package loaded without create()');
  lines.push(`Dawn binary opens: ${path.relative(dir, dawn)}`);
  await loadBackend('wasm');
  lines.push(`wasm backend loads its binaries (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'})`);
  for (const [model, spec] of Object.entries(models)) {
    const built = buildModel(spec, spec.data.features?.shape ?? [], spec.training.seed ?? 42);
    const parameters = built.countParams();
    disposeModel(built);
    const { losses } = await trainSteps(spec, examples[model], 'wasm', 2, 0);
    if (losses.length !== 2 || !losses.every(Number.isFinite))
      throw new Error(`${model}: two batches on wasm gave losses ${losses.join(', ')}`);
    lines.push(
      `${model}: builds (${parameters.toLocaleString('en')} parameters), trains 2 batches on ${tf.getBackend()} (loss ${losses[1].toFixed(3)})`,
    );
  }
  return lines;
}
