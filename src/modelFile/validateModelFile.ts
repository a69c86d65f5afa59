import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import { checkBaseModel } from './baseModelChecks';
import type { CheckContext } from './checkContext';
import { runDataChecks } from './dataChecks';
import type { SpecDiagnostic } from './diagnostic';
import { withDefaults, type AppliedDefault } from './modelDefaults';
import type { ModelSpec } from './modelSpec';
import { parseModelFile } from './parseModelFile';
import { schemaDiagnostics } from './schemaDiagnostics';
import { checkLearningRateSchedule } from './scheduleChecks';
import { checkSearch } from './searchChecks';
import { SPEC_CHECKS } from './specChecks';

export interface ValidationResult {
  /** The typed model file with its defaults filled in (modelDefaults.ts): defined iff `diagnostics` holds no error. */
  readonly spec: ModelSpec | undefined;
  /** The defaults filled in, once the file passed the schema. */
  readonly defaults: readonly AppliedDefault[];
  /** Sorted by position. */
  readonly diagnostics: SpecDiagnostic[];
  /** Data sources too big to read in full, each with what was checked (`data.train: …`). */
  readonly partlyChecked: readonly string[];
}

export interface ValidationOptions {
  /** Data paths must stay inside this folder. */
  readonly workspaceRoot: string;
  /**
   * The trainer's: a data file that cannot be read is no diagnostic here
   * but left to the loading that follows, which names its file and line in
   * its own words ("train.csv:8: …", not wrapped in the model file's).
   */
  readonly leaveDataErrorsToLoading?: boolean;
}

/**
 * Everything wrong with a model file, each problem with a range and a
 * message that says how to fix it: syntax (JSONC / YAML), then the JSON
 * Schema, then semantic checks against the data files. Each stage runs only
 * on a file free of errors of the stages before: a file that does not parse
 * has no reliable structure (a missing brace or a tab moves whole blocks,
 * and the schema would then report keys as missing or unknown that are
 * there), and semantic checks rely on the schema's types.
 */
export async function validateModelFile(file: string, text: string, options: ValidationOptions): Promise<ValidationResult> {
  const absolute = path.resolve(file);
  const parsed = parseModelFile(absolute, text);
  const diagnostics = [...parsed.diagnostics];
  let partlyChecked: readonly string[] = [];
  if (parsed.value !== undefined && !hasError(diagnostics)) diagnostics.push(...schemaDiagnostics(parsed, absolute));
  // The checks see the file as the trainer will train it: with its defaults.
  const { spec, applied } = hasError(diagnostics) ? { spec: undefined, applied: [] } : withDefaults(parsed.value, absolute);
  if (spec !== undefined) {
    const ctx: CheckContext = { file: absolute, spec, parsed };
    for (const check of [...SPEC_CHECKS, checkLearningRateSchedule, checkSearch]) diagnostics.push(...check(ctx));
    const data = await runDataChecks(ctx, options.workspaceRoot, options.leaveDataErrorsToLoading === true);
    diagnostics.push(...data.diagnostics);
    partlyChecked = data.partlyChecked;
    diagnostics.push(...(await checkBaseModel(ctx, options.workspaceRoot)));
  }
  diagnostics.sort(byPosition);
  return { spec: hasError(diagnostics) ? undefined : spec, defaults: applied, diagnostics, partlyChecked };
}

function hasError(diagnostics: readonly SpecDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

function byPosition(a: SpecDiagnostic, b: SpecDiagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/**
 * `path/to/file.model.json:12:5: error: message` — 1-based line and column,
 * the path relative to the working directory when inside it. The CLI prints
 * exactly this (the form compilers use, so terminals and editors link it).
 */
export function formatDiagnostic(d: SpecDiagnostic): string {
  return `${displayPath(d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}
