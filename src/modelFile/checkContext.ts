import { showText } from '../data/showText';
import type { SpecDiagnostic } from './diagnostic';
import type { ModelSpec } from './modelSpec';
import type { JsonPath } from './jsonTypes';
import type { ParsedModelFile } from './parseModelFile';

/** What a semantic check sees: a schema-valid spec and where its values are in the file. */
export interface CheckContext {
  /** Absolute path of the model file. */
  readonly file: string;
  readonly spec: ModelSpec;
  readonly parsed: Pick<ParsedModelFile, 'rangeOf' | 'keyRangeOf'>;
}

/** A diagnostic on the value at `path` (or on its key, for keys that should not be there); what the message quotes of a file is made safe to show. */
export function problem(
  ctx: CheckContext,
  path: JsonPath,
  severity: SpecDiagnostic['severity'],
  message: string,
  on: 'value' | 'key' = 'value',
): SpecDiagnostic {
  const range = on === 'key' ? ctx.parsed.keyRangeOf(path) : ctx.parsed.rangeOf(path);
  return { file: ctx.file, range, severity, message: showText(message), path };
}
