import type { TrialParams } from '../protocol/sweepTypes';
import { applyTextEdits, editModelFile } from './editModelFile';
import { parseParamPath } from './paramKey';
import { modelFileFormat } from './parseModelFile';

// The keys' syntax is in paramKey.ts (no parser behind it: the form's webview types reach it).
export { formatParamPath, parseParamPath } from './paramKey';

/**
 * The model file's text with each parameter set at its path (keys added
 * where absent), comments and layout elsewhere kept: a sweep trial's model
 * file, or the best trial's values applied. Throws ModelEditError for a
 * path through a scalar, and Error for a key that is not a path.
 */
export function withParams(file: string, text: string, params: TrialParams): string {
  const format = modelFileFormat(file);
  let out = text;
  for (const [key, value] of Object.entries(params)) {
    const path = parseParamPath(key);
    if (!path) throw new Error(`search.parameters: "${key}" is not a path in the model file, e.g. "training.learningRate"`);
    out = applyTextEdits(out, editModelFile(out, format, { kind: 'set', path, value }));
  }
  return out;
}
