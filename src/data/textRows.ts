import { dataError } from './dataError';
import { featureFileFormat, type FeatureRows } from './featureRows';
import { readTextTable } from './textTable';
import { TokenEncoder, type VocabularyFile } from './vocabulary';

/**
 * Texts to predict on: column `text` of a CSV / JSON / JSON Lines file (a
 * label column may be there or not), encoded with the run's vocabulary.
 * Throws DataError naming the file and line.
 */
export async function readTextRows(file: string, text: string, vocabulary: VocabularyFile): Promise<FeatureRows> {
  const format = featureFileFormat(file);
  if (format === undefined || format === 'idx') {
    throw dataError(file, undefined, `the model reads text: use a .csv, .json or .jsonl file with the text in column "${text}"`);
  }
  const table = await readTextTable(file, format, { text });
  return {
    count: table.count,
    exampleShape: [vocabulary.maxLength],
    x: new TokenEncoder(vocabulary).encodeAll(table.texts),
    lines: table.lines,
  };
}
