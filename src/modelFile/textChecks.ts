import { DEFAULT_TEXT, textSettings, tokenize } from '../data/tokenizer';
import { isTextSource } from '../data/prepareText';
import { listNames, quote } from '../data/showText';
import { closest, didYouMean } from '../data/suggest';
import { problem, type CheckContext } from './checkContext';
import type { SourceFacts } from './dataChecks';
import { setFix, withFixes, type SpecDiagnostic } from './diagnostic';
import type { DataSource } from './modelSpec';

// Checks of text data (`data.train.text`, `data.text`): the keys go together, and the text column and vocabulary fit the data.

/** Below this share of the training tokens in the vocabulary, most of what a model reads is `<unk>`. */
const MIN_COVERAGE = 0.5;
/** What a suggested vocabSize covers. */
const SUGGESTED_COVERAGE = 0.95;
/** A wide table offers its first columns only as fixes. */
const MAX_COLUMN_FIXES = 20;

const textColumn = (source: DataSource | undefined): string | undefined =>
  source !== undefined && isTextSource(source) ? source.text : undefined;

/** `data.train.text` and `data.text` come together, data.test names a text column when data.train does, and no `data.features`. */
export function checkTextKeys(ctx: CheckContext): SpecDiagnostic[] {
  const { data } = ctx.spec;
  const found: SpecDiagnostic[] = [];
  const text = textColumn(data.train);
  if (text === undefined) {
    if (data.text !== undefined) {
      found.push(
        problem(
          ctx,
          ['data', 'text'],
          'error',
          '"data.text" says how to tokenize a text column: name that column in "data.train.text", or remove "data.text"',
          'key',
        ),
      );
    }
    if (textColumn(data.test) !== undefined) {
      found.push(
        problem(
          ctx,
          ['data', 'test', 'text'],
          'error',
          '"data.test.text" names a text column, but data.train has none: add "text" to data.train too',
          'key',
        ),
      );
    }
    return found;
  }
  if (data.text === undefined) {
    found.push(
      withFixes(
        problem(
          ctx,
          ['data', 'train', 'text'],
          'error',
          `data.train.text reads texts from column ${quote(text)}: add "data.text" to say how they become tokens`,
        ),
        [setFix(['data', 'text'], { ...DEFAULT_TEXT }, 'Add "data.text" with the defaults')],
      ),
    );
  }
  if ('label' in data.train && data.train.label === text) {
    found.push(
      problem(
        ctx,
        ['data', 'train', 'text'],
        'error',
        `data.train.text and data.train.label are both ${quote(text)}: the text and the label are different columns`,
      ),
    );
  }
  if (data.test !== undefined && textColumn(data.test) === undefined) {
    const fixes = 'label' in data.test ? [setFix(['data', 'test', 'text'], text, `Read texts from ${quote(text)}`)] : [];
    found.push(
      withFixes(
        problem(ctx, ['data', 'test'], 'error', `data.test: name its text column in "text", as data.train does (${quote(text)})`, 'key'),
        fixes,
      ),
    );
  }
  if (data.features !== undefined) {
    found.push(
      problem(
        ctx,
        ['data', 'features'],
        'error',
        `"data.features" does not apply to text: each example is data.text.maxLength token ids (${textSettings(data.text).maxLength}), never normalised or reshaped; remove it`,
        'key',
      ),
    );
  }
  return found;
}

/**
 * An embedding with `inputDim` below `data.text.vocabSize` would be handed
 * ids it has no row for (TF.js fails mid-training with a gather error):
 * refused here, with the size that fits.
 */
export function checkEmbeddingSize(ctx: CheckContext): SpecDiagnostic[] {
  const { data, model } = ctx.spec;
  // Without data.text, checkTextKeys's error comes first: its fix writes the vocabSize to compare with.
  if (textColumn(data.train) === undefined || data.text === undefined) return [];
  const { vocabSize } = textSettings(data.text);
  return model.layers.flatMap((layer, index) => {
    if (layer.type !== 'embedding' || typeof layer.inputDim !== 'number' || layer.inputDim >= vocabSize) return [];
    const path = ['model', 'layers', index, 'inputDim'];
    const message = `embedding inputDim ${layer.inputDim} is below data.text.vocabSize ${vocabSize}: token ids go up to ${vocabSize - 1}; set "inputDim": ${vocabSize}`;
    return [withFixes(problem(ctx, path, 'error', message), [setFix(path, vocabSize)])];
  });
}

/** The text column is in each table's header; the label checks say the same of the label column. */
export function checkTextColumn(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  for (const { role, source, summary } of facts) {
    const columns = summary?.columns;
    if (columns === undefined || !isTextSource(source) || columns.includes(source.text)) continue;
    const message = `no column ${quote(source.text)} in "${source.path}"${didYouMean(source.text, columns)} (columns: ${listNames(columns)})`;
    const match = closest(source.text, columns);
    const choices = [...(match === undefined ? [] : [match]), ...columns.filter((c) => c !== match && c !== source.label)].slice(
      0,
      MAX_COLUMN_FIXES,
    );
    const fixes = choices.map((column) => setFix(['data', role, 'text'], column, `Use column ${quote(column)}`));
    found.push(withFixes(problem(ctx, ['data', role, 'text'], 'error', `data.${role}.text: ${message}`), fixes));
  }
  return found;
}

/**
 * A vocabSize that leaves most of the training tokens out: the model would
 * read mostly `<unk>`. Said with the share it covers and a size that
 * covers {@link SUGGESTED_COVERAGE} of them (counted over all of data.train,
 * which is close to its training split).
 */
export function checkVocabularySize(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const texts = facts.find((f) => f.role === 'train')?.summary?.texts;
  if (texts === undefined || ctx.spec.data.text === undefined) return [];
  const settings = textSettings(ctx.spec.data.text);
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of texts) {
    for (const token of tokenize(text, settings)) {
      counts.set(token, (counts.get(token) ?? 0) + 1);
      total++;
    }
  }
  const ranked = [...counts.values()].sort((a, b) => b - a);
  const covered = ranked.slice(0, settings.vocabSize - 2).reduce((a, b) => a + b, 0);
  if (total === 0 || covered / total >= MIN_COVERAGE) return [];
  let suggested = 0;
  for (let sum = 0; suggested < ranked.length && sum / total < SUGGESTED_COVERAGE; suggested++) sum += ranked[suggested];
  const field = ctx.spec.data.text.vocabSize === undefined ? ['data', 'text'] : ['data', 'text', 'vocabSize'];
  const percent = (share: number): string => `${Math.round(share * 100)} %`;
  return [
    withFixes(
      problem(
        ctx,
        field,
        'warning',
        `data.text.vocabSize ${settings.vocabSize} gives ids to ${percent(covered / total)} of the ${settings.tokenizer === 'word' ? 'words' : 'characters'} in data.train (${counts.size} distinct): the rest read as <unk>; vocabSize ${suggested + 2} covers ${percent(SUGGESTED_COVERAGE)}`,
      ),
      [setFix(['data', 'text', 'vocabSize'], suggested + 2)],
    ),
  ];
}
