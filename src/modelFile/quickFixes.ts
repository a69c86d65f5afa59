import type { SpecFix } from './diagnostic';
import { editModelFile, type TextEdit } from './editModelFile';
import { modelFileFormat, parseModelFile } from './parseModelFile';
import { LineIndex } from './positions';

/**
 * The text edits of a quick fix on a model file's current text (JSON or
 * YAML): values are written by the form's editors (editModelFile.ts), so
 * comments, layout and quoting elsewhere stay as they were; a renamed key
 * keeps its quotes. Empty when the fix no longer applies (the file moved on).
 */
export function quickFixEdits(file: string, text: string, fix: SpecFix): TextEdit[] {
  try {
    if (fix.kind === 'set') return editModelFile(text, modelFileFormat(file), { kind: 'set', path: fix.path, value: fix.value });
    return renameKey(file, text, fix);
  } catch {
    return [];
  }
}

function renameKey(file: string, text: string, fix: Extract<SpecFix, { kind: 'renameKey' }>): TextEdit[] {
  const range = parseModelFile(file, text).keyRangeOf(fix.path);
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(range.start);
  const length = lines.offsetAt(range.end) - offset;
  const old = text.slice(offset, offset + length);
  const name = fix.path[fix.path.length - 1];
  // keyRangeOf falls back to a parent's range when the key is gone: then there is nothing to rename.
  if (old.replace(/^["']|["']$/g, '') !== String(name)) return [];
  const quote = old.startsWith('"') ? '"' : old.startsWith("'") ? "'" : '';
  const newText = quote === '"' ? JSON.stringify(fix.key) : `${quote}${fix.key}${quote}`;
  return [{ offset, length, newText }];
}
