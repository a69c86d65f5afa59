import { JsonEditor } from './jsoncEditor';
import type { ModelFileEdit, TextEdit } from './modelFileEdits';
import { YamlEditor } from './yamlEditor';

export type { JsonValue } from './jsonTypes';
export { applyTextEdits, ModelEditError, type ModelFileEdit, type TextEdit } from './modelFileEdits';

/**
 * Minimal edits to a model file, for the hyperparameter form: each edit
 * touches only the bytes of the value it changes (plus the separator a new
 * or removed entry needs). Comments, blank lines, key order, quoting and
 * flow / block style everywhere else stay byte for byte. Neither format is
 * ever re-serialised as a whole; jsonc-parser's own `modify` is not used
 * because it reformats the enclosing object and drops comments in it.
 */

/** The text edits that make `edit` on a model file; empty when the file already says so. */
export function editModelFile(text: string, format: 'json' | 'yaml', edit: ModelFileEdit): TextEdit[] {
  return format === 'yaml' ? new YamlEditor(text).edit(edit) : new JsonEditor(text).edit(edit);
}
