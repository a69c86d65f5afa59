import type { JsonPath } from './jsonTypes';

/**
 * A sweep parameter's key, as the `search` block writes it
 * (`training.learningRate`, `model.layers[0].units`), as a path into the
 * model file; undefined when it is not one.
 */
export function parseParamPath(key: string): JsonPath | undefined {
  const path: (string | number)[] = [];
  const part = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/y;
  let at = 0;
  while (at < key.length) {
    part.lastIndex = at;
    const match = part.exec(key);
    // The first part is a key without a dot; later keys need one.
    if (!match || (match[1] !== undefined && (at === 0) === match[0].startsWith('.'))) return undefined;
    path.push(match[1] ?? Number(match[2]));
    at = part.lastIndex;
  }
  return path.length > 0 ? path : undefined;
}

/** The path as the `search` block writes it: ['model', 'layers', 0, 'units'] → "model.layers[0].units". */
export function formatParamPath(path: JsonPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
