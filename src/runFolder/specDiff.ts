import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DiffEntry } from '../protocol/experimentsMessages';
import type { ParamValue } from '../protocol/runRow';
import { formatParamPath } from '../modelFile/paramKey';
import { RUN_FILES } from './runFiles';

/**
 * Every leaf of a spec (the model file as a run read it) by its path as the
 * `search` block writes it: `training.batchSize`, `model.layers[2].units`,
 * `data.path`. An empty object or list is a leaf of its own (`{}`, `[]`),
 * so that a block added empty still shows.
 */
export function specLeaves(spec: unknown): Map<string, ParamValue> {
  const leaves = new Map<string, ParamValue>();
  const walk = (value: unknown, at: (string | number)[]) => {
    if (Array.isArray(value)) {
      if (value.length === 0 && at.length > 0) leaves.set(formatParamPath(at), '[]');
      value.forEach((item, i) => walk(item, [...at, i]));
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.length === 0 && at.length > 0) leaves.set(formatParamPath(at), '{}');
      for (const [key, item] of entries) walk(item, [...at, key]);
    } else if (at.length > 0) {
      leaves.set(formatParamPath(at), typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null);
    }
  };
  walk(spec, []);
  return leaves;
}

/**
 * Two specs leaf by leaf, every path either has, in the order of `a` then
 * the paths only `b` has: a layer added in `b` is its `model.layers[n].…`
 * leaves with no value in `a`.
 */
export function diffSpecs(a: unknown, b: unknown): DiffEntry[] {
  const left = specLeaves(a);
  const right = specLeaves(b);
  const keys = [...left.keys(), ...[...right.keys()].filter((k) => !left.has(k))];
  return keys.map((key) => ({
    key,
    ...(left.has(key) ? { a: left.get(key) as ParamValue } : {}),
    ...(right.has(key) ? { b: right.get(key) as ParamValue } : {}),
  }));
}

/** The spec.json of a run folder; an error naming the file when it is missing or not JSON. */
export async function readSpec(runDir: string): Promise<unknown> {
  const file = path.join(runDir, RUN_FILES.spec);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
