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
}
