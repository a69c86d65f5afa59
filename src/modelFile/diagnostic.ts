import type { JsonPath, JsonValue } from './jsonTypes';

/** A 0-based position, as in LSP and `vscode.Position`. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** A problem in a model file (or in a data file it names), with where and how to fix it. */
export interface SpecDiagnostic {
  /** Absolute path of the file the range refers to. */
  readonly file: string;
  readonly range: Range;
  readonly severity: 'error' | 'warning';
  /** Says what is wrong and how to fix it. */
  readonly message: string;
  /** JSON path of the field in the model file, e.g. ['training', 'epochs']; empty for syntax errors. */
  readonly path: readonly (string | number)[];
  /**
   * A JSON syntax problem (found while parsing, before the schema). VS Code's
   * JSON service reports these itself in a `.model.json` editor, so the
   * editor does not show them twice (docs/decisions.md).
   */
  readonly syntax?: true;
  /** Quick fixes the editor offers (code actions), best first; their edits come from quickFixes.ts. */
  readonly fixes?: readonly SpecFix[];
}

/** One way to fix a diagnostic, as data: the editor turns it into text edits that keep comments and layout. */
export type SpecFix =
  /** Writes `value` at `path`, adding the key (and parents) when absent. */
  | { readonly kind: 'set'; readonly title: string; readonly path: JsonPath; readonly value: JsonValue }
  /** Renames the key at `path` to `key`, keeping its value. */
  | { readonly kind: 'renameKey'; readonly title: string; readonly path: JsonPath; readonly key: string };

/** `d` with quick fixes (none added when `fixes` is empty). */
export function withFixes(d: SpecDiagnostic, fixes: readonly SpecFix[]): SpecDiagnostic {
  return fixes.length === 0 ? d : { ...d, fixes: [...(d.fixes ?? []), ...fixes] };
}

/** The fix that writes `value` at `path`, titled as the editor's light bulb lists it. */
export function setFix(path: JsonPath, value: JsonValue, title = `Change to ${JSON.stringify(value)}`): SpecFix {
  return { kind: 'set', title, path, value };
}
