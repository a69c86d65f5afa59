import type { ModelSpec, Task } from '../modelFile/modelSpec';
import { isIdxSource, isImageFolderSource, type DataSource, type TableSource } from './dataSource';
import { dataError } from './dataError';
import { MAX_VALUES, tooManyValues } from './limits';
import { loadSourceFile, type RawExamples, type SourceOptions } from './loadSource';
import type { Split } from './preparedData';
import { readTextTable } from './textTable';
import { textSettings } from './tokenizer';
import { buildVocabulary, TokenEncoder, type VocabularyFile } from './vocabulary';

/** A table source whose model reads the tokens of one column (`data.train.text`). */
export type TextSource = TableSource & { readonly text: string };

export function isTextSource(source: DataSource): source is TextSource {
  return !isIdxSource(source) && !isImageFolderSource(source) && source.text !== undefined;
}

/**
 * The texts of a source as examples that the usual split code moves
 * about: one feature per row, its row number (exact in float32 up to 2^24
 * rows), so that which rows train is decided before there is a
 * vocabulary, and {@link encodeSplit} swaps the row numbers for ids.
 */
export interface TextExamples extends RawExamples {
  readonly texts: readonly string[];
}

/** Reads a text source; `maxLength` ids a text must fit in memory (a table's cells are checked the same way). */
export async function loadTextExamples(source: TextSource, task: Task, maxLength: number, options: SourceOptions): Promise<TextExamples> {
  const { file, format } = await loadSourceFile(source, options);
  const table = await readTextTable(file, format, {
    text: source.text,
    label: { name: source.label, kind: task === 'regression' ? 'number' : 'string' },
  });
  if (table.count >= 2 ** 24) throw dataError(file, undefined, `holds ${table.count} texts; Model Studio reads at most ${2 ** 24 - 1}`);
  if (table.count * maxLength > MAX_VALUES) {
    throw dataError(
      file,
      undefined,
      `${table.count} texts of data.text.maxLength ${maxLength} ids are ${tooManyValues(table.count * maxLength)}`,
    );
  }
  const rows = new Float32Array(table.count);
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return { count: table.count, exampleShape: [1], x: rows, labels: table.labels ?? [], texts: table.texts };
}

/**
 * The vocabulary to encode with: `saved` (a resumed or continued run's, so
 * that ids do not shift), else one built from the training split's texts.
 */
export function vocabularyFor(
  spec: ModelSpec,
  modelFile: string,
  train: Split,
  texts: readonly string[],
  saved: VocabularyFile | undefined,
): VocabularyFile {
  const settings = textSettings(spec.data.text);
  if (saved === undefined)
    return buildVocabulary(
      Array.from(train.x, (row) => texts[row]),
      settings,
    );
  const changed =
    saved.tokenizer !== settings.tokenizer
      ? `data.text.tokenizer is "${settings.tokenizer}" but the run's vocabulary was built with "${saved.tokenizer}"`
      : saved.lowercase !== settings.lowercase
        ? `data.text.lowercase is ${settings.lowercase} but the run's vocabulary was built with ${saved.lowercase}`
        : saved.tokens.length > settings.vocabSize
          ? `data.text.vocabSize is ${settings.vocabSize} but the run's vocabulary holds ${saved.tokens.length} ids`
          : undefined;
  if (changed !== undefined) {
    throw dataError(
      modelFile,
      undefined,
      `${changed}: a continued run keeps its parent's token ids; train anew to change them`,
      'data.text',
    );
  }
  return { ...saved, maxLength: settings.maxLength };
}

/** A split of row numbers (see {@link TextExamples}) as the ids of those rows' texts, `maxLength` a row. */
export function encodeSplit(split: Split, texts: readonly string[], encoder: TokenEncoder): Split {
  const { maxLength } = encoder.vocabulary;
  const x = new Float32Array(split.count * maxLength);
  for (let i = 0; i < split.count; i++) encoder.encode(texts[split.x[i]], x, i * maxLength);
  return { x, y: split.y, count: split.count };
}
