import type { TrialParams } from '../protocol/sweepTypes';
import { applyTextEdits, editModelFile, type TextEdit } from './editModelFile';
import { modelFileFormat } from './parseModelFile';
import { parseParamPath, withParams } from './paramPath';

/**
 * The edits that write a trial's parameters into the model file's text
 * (Apply best values): one small edit per value, each touching only that
 * value's bytes, so the editor's undo takes them back in one step and
 * comments, layout and the rest of the text stay as they were. Where the
 * per-value edits would overlap (two keys added to one object), one edit
 * spans from the first change to the last instead. Empty when the file
 * already holds these values. Throws as withParams does.
 */
export function paramEdits(file: string, text: string, params: TrialParams): TextEdit[] {
  const wanted = withParams(file, text, params);
  if (wanted === text) return [];
  const format = modelFileFormat(file);
  const edits = Object.entries(params).flatMap(([key, value]) => {
    const path = parseParamPath(key);
    return path ? editModelFile(text, format, { kind: 'set', path, value }) : [];
  });
  if (!overlap(edits) && applyTextEdits(text, edits) === wanted) return edits;
  return [spanningEdit(text, wanted)];
}

function overlap(edits: readonly TextEdit[]): boolean {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  return sorted.some((e, i) => i > 0 && e.offset < sorted[i - 1].offset + sorted[i - 1].length + (sorted[i - 1].length === 0 ? 1 : 0));
}

/** One edit from the first character that differs to the last. */
function spanningEdit(before: string, after: string): TextEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end])
    end++;
  return { offset: start, length: before.length - start - end, newText: after.slice(start, after.length - end) };
}
