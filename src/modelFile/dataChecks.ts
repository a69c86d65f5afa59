import { DataError, displayPath } from '../data/dataError';
import { errorMessage } from '../data/errorMessage';
import { checkIdxPair } from '../data/idx';
import { SINGLE_CLASS_FIX, buildClassMap } from '../data/labels';
import { FULL_CHECK_BYTES, showSize } from '../data/limits';
import { tableFormat } from '../data/loadSource';
import { checkDataPath } from '../data/paths';
import { noneLeftToTrain } from '../data/prepareData';
import { listNames, quote } from '../data/showText';
import { summarizeSource, type ResolvedSource, type SourceSummary } from '../data/sourceSummary';
import { closest, didYouMean } from '../data/suggest';
import { problem, type CheckContext } from './checkContext';
import { setFix, withFixes, type SpecDiagnostic } from './diagnostic';
import { KEEPS_LAST_AXIS } from './layerTypes';
import { isIdxSource, isImageFolderSource, type DataSource } from './modelSpec';
import { checkFeatureShape, checkInputShape } from './shapeChecks';
import { checkTextColumn, checkVocabularySize } from './textChecks';
import { isTextSource } from '../data/prepareText';
import { textSettings } from '../data/tokenizer';

/*
 * Semantic checks that look at the data files. Small sources are read in
 * full, as training reads them; big ones only in part (headers, IDX
 * dimensions, folder names; see data/sourceSummary.ts), and what that
 * cannot know is left to the trainer, which reports it with file and line.
 */

/** What validation learnt about `data.train` or `data.test`. */
export interface SourceFacts {
  readonly role: 'train' | 'test';
  readonly source: DataSource;
  readonly resolved: ResolvedSource;
  /** Absent when the files could not be read (already reported). */
  readonly summary?: SourceSummary;
}

function sources(ctx: CheckContext): { role: 'train' | 'test'; source: DataSource }[] {
  const { train, test } = ctx.spec.data;
  return test === undefined
    ? [{ role: 'train', source: train }]
    : [
        { role: 'train', source: train },
        { role: 'test', source: test },
      ];
}

/**
 * Data paths exist and stay inside the workspace, also through symbolic
 * links. Returns the sources whose paths are all fine, resolved.
 */
export async function checkDataPaths(
  ctx: CheckContext,
  workspaceRoot: string,
): Promise<{ diagnostics: SpecDiagnostic[]; resolved: { role: 'train' | 'test'; source: DataSource; resolved: ResolvedSource }[] }> {
  const diagnostics: SpecDiagnostic[] = [];
  const resolved: { role: 'train' | 'test'; source: DataSource; resolved: ResolvedSource }[] = [];
  for (const { role, source } of sources(ctx)) {
    const fields: [string, string, 'file' | 'folder'][] = isIdxSource(source)
      ? [
          ['images', source.images, 'file'],
          ['labels', source.labels, 'file'],
        ]
      : [['path', source.path, isImageFolderSource(source) ? 'folder' : 'file']];
    const paths: Record<string, string> = {};
    let ok = true;
    for (const [field, ref, expect] of fields) {
      const check = await checkDataPath(ref, ctx.file, workspaceRoot, expect);
      if (check.ok) paths[field] = check.path;
      else {
        ok = false;
        diagnostics.push(problem(ctx, ['data', role, field], 'error', check.message));
      }
    }
    if (ok && !isIdxSource(source) && !isImageFolderSource(source) && tableFormat(source) === undefined) {
      // Loading would stop here too; say so while the user is still editing.
      diagnostics.push(
        problem(
          ctx,
          ['data', role, 'path'],
          'error',
          `cannot tell the format of "${source.path}" from its extension; add "format": "csv", "json" or "jsonl", or rename the file`,
        ),
      );
      ok = false;
    }
    if (ok)
      resolved.push({
        role,
        source,
        resolved: isIdxSource(source) ? { images: paths.images, labels: paths.labels } : { path: paths.path },
      });
  }
  return { diagnostics, resolved };
}

/** Reads what is cheap to know about each source; unreadable files become diagnostics on their path. */
export async function readDataFacts(
  ctx: CheckContext,
  resolved: readonly { role: 'train' | 'test'; source: DataSource; resolved: ResolvedSource }[],
  leaveDataErrorsToLoading: boolean,
): Promise<{ diagnostics: SpecDiagnostic[]; facts: SourceFacts[] }> {
  const diagnostics: SpecDiagnostic[] = [];
  const facts: SourceFacts[] = [];
  for (const entry of resolved) {
    try {
      const summary = await summarizeSource(entry.source, entry.resolved, ctx.spec.task);
      // A text example is its token ids: as many as data.text.maxLength, whatever the file.
      const shape = isTextSource(entry.source) ? { exampleShape: [textSettings(ctx.spec.data.text).maxLength] } : {};
      facts.push({ ...entry, summary: { ...summary, ...shape } });
    } catch (error) {
      facts.push(entry);
      if (leaveDataErrorsToLoading && error instanceof DataError) continue;
      // Whatever went wrong reading, the editor gets a diagnostic, not a rejected promise.
      const message = errorMessage(error);
      const file = error instanceof DataError ? error.file : undefined;
      const field =
        'labels' in entry.resolved && file === entry.resolved.labels ? 'labels' : 'images' in entry.resolved ? 'images' : 'path';
      diagnostics.push(problem(ctx, ['data', entry.role, field], 'error', message));
    }
  }
  return { diagnostics, facts };
}

/** A wide table (MNIST as CSV has 785 columns) offers its first columns only: the light bulb's menu is no column picker. */
const MAX_COLUMN_FIXES = 20;

/** The label column is in the table's header. */
export function checkLabelColumn(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  for (const { role, source, summary } of facts) {
    const columns = summary?.columns;
    if (columns === undefined || !('label' in source) || columns.includes(source.label)) continue;
    const message = `no column ${quote(source.label)} in "${source.path}"${didYouMean(source.label, columns)} (columns: ${listNames(columns)})`;
    // The likely typo first, then the columns of the header.
    const match = closest(source.label, columns);
    const choices = [...(match === undefined ? [] : [match]), ...columns.filter((c) => c !== match)].slice(0, MAX_COLUMN_FIXES);
    const fixes = choices.map((column) => setFix(['data', role, 'label'], column, `Use column ${quote(column)}`));
    found.push(withFixes(problem(ctx, ['data', role, 'label'], 'error', message), fixes));
  }
  return found;
}

/** An IDX images file and its labels file fit together. */
export function checkIdxFiles(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  for (const { role, resolved, summary } of facts) {
    if (summary?.idx === undefined || !('images' in resolved)) continue;
    try {
      checkIdxPair(summary.idx.imageDims, resolved.images, summary.idx.labelDims, resolved.labels);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      const field = error.file === resolved.images ? 'images' : 'labels';
      found.push(problem(ctx, ['data', role, field], 'error', error.message));
    }
  }
  return found;
}

function listClasses(classes: readonly string[]): string {
  return classes.length <= 6 ? listNames(classes) : `${listNames(classes.slice(0, 3))}, …, ${listNames(classes.slice(-1))}`;
}

/**
 * The output layer fits task, loss and data: one unit per class for
 * (sparse) categorical crossentropy, one unit for binary crossentropy and
 * regression; and an activation that gives what the loss expects.
 */
export function checkOutputLayer(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const { layers } = ctx.spec.model;
  const { loss } = ctx.spec.training;
  // Walk back over layers that keep the last axis to the one that sets it.
  let activation: { name: string; path: (string | number)[] } | undefined;
  let outIndex = -1;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (typeof layer.units === 'number') {
      outIndex = i;
      break;
    }
    if (!KEEPS_LAST_AXIS.has(layer.type)) return [];
    if (activation === undefined && layer.type === 'softmax') activation = { name: 'softmax', path: ['model', 'layers', i, 'type'] };
    if (activation === undefined && layer.type === 'activation' && typeof layer.activation === 'string') {
      activation = { name: layer.activation, path: ['model', 'layers', i, 'activation'] };
    }
  }
  if (outIndex < 0) return [];
  const out = layers[outIndex];
  const units = out.units as number;
  const unitsPath = ['model', 'layers', outIndex, 'units'];
  activation ??=
    typeof out.activation === 'string'
      ? { name: out.activation, path: ['model', 'layers', outIndex, 'activation'] }
      : { name: 'linear', path: ['model', 'layers', outIndex, 'type'] };

  const found: SpecDiagnostic[] = [];
  if (ctx.spec.task === 'regression') {
    if (units !== 1)
      found.push(
        withFixes(
          problem(ctx, unitsPath, 'error', `a regression model predicts one number: the output layer needs "units": 1 (it has ${units})`),
          [setFix(unitsPath, 1)],
        ),
      );
    if (activation.name === 'softmax')
      found.push(
        withFixes(
          problem(ctx, activation.path, 'warning', 'softmax over one output is always 1; use "linear" for regression'),
          activationFix(activation.path, outIndex, 'linear'),
        ),
      );
    return found;
  }

  const distinct = facts.map((f) => f.summary?.distinctLabels);
  const classes =
    distinct.length > 0 && distinct.every((d) => d !== undefined) ? buildClassMap(...(distinct as string[][])).classes : undefined;
  if (classes !== undefined && classes.length < 2) {
    // Units, loss and activation cannot be judged against one class; the data is what to fix.
    const source = ctx.spec.data.train;
    const field = 'label' in source ? 'label' : isIdxSource(source) ? 'labels' : 'path';
    const what =
      'label' in source
        ? `column "${source.label}" of "${source.path}"`
        : isIdxSource(source)
          ? `labels file "${source.labels}"`
          : `image folder "${source.path}"`;
    return [
      problem(ctx, ['data', 'train', field], 'error', `the ${what} holds a single class (${quote(classes[0] ?? '')}); ${SINGLE_CLASS_FIX}`),
    ];
  }
  if (loss === 'binaryCrossentropy') {
    if (units !== 1)
      found.push(
        withFixes(
          problem(
            ctx,
            unitsPath,
            'error',
            `"binaryCrossentropy" needs one output (the probability of class 1): set "units": 1 (it has ${units})`,
          ),
          [setFix(unitsPath, 1)],
        ),
      );
    if (classes !== undefined && classes.length > 2) {
      found.push(
        withFixes(
          problem(
            ctx,
            ['training', 'loss'],
            'error',
            `"binaryCrossentropy" handles 2 classes, but the data has ${classes.length} (${listClasses(classes)}); use "sparseCategoricalCrossentropy" with "units": ${classes.length}`,
          ),
          [setFix(['training', 'loss'], 'sparseCategoricalCrossentropy')],
        ),
      );
    }
    if (activation.name !== 'sigmoid') {
      found.push(
        withFixes(
          problem(
            ctx,
            activation.path,
            'warning',
            `the output activation is "${activation.name}", but "binaryCrossentropy" expects a probability: use "activation": "sigmoid"`,
          ),
          activationFix(activation.path, outIndex, 'sigmoid'),
        ),
      );
    }
  } else if (loss === 'sparseCategoricalCrossentropy' || loss === 'categoricalCrossentropy') {
    if (classes !== undefined && units !== classes.length) {
      found.push(
        withFixes(
          problem(
            ctx,
            unitsPath,
            'error',
            `the output layer has ${units} unit${units === 1 ? '' : 's'}, but the data has ${classes.length} classes (${listClasses(classes)}); set "units": ${classes.length}`,
          ),
          [setFix(unitsPath, classes.length)],
        ),
      );
    } else if (classes === undefined && units < 2) {
      found.push(
        problem(
          ctx,
          unitsPath,
          'error',
          `"${loss}" needs one output unit per class (at least 2); for two classes with one output use "binaryCrossentropy"`,
        ),
      );
    }
    if (activation.name !== 'softmax') {
      found.push(
        withFixes(
          problem(
            ctx,
            activation.path,
            'warning',
            `the output activation is "${activation.name}", but "${loss}" expects class probabilities: use "activation": "softmax"`,
          ),
          activationFix(activation.path, outIndex, 'softmax'),
        ),
      );
    }
  }
  return found;
}

/** Sets the output layer's own activation; none where another layer (softmax, activation) decides it. */
function activationFix(path: readonly (string | number)[], outIndex: number, activation: string): ReturnType<typeof setFix>[] {
  return path[2] === outIndex ? [setFix(['model', 'layers', outIndex, 'activation'], activation)] : [];
}

/**
 * With the training rows counted (a source read in full), the held-out
 * splits leave some to train on. Fractions that add up to 1 or more are
 * already an error of the spec checks.
 */
export function checkSplitCounts(ctx: CheckContext, facts: readonly SourceFacts[]): SpecDiagnostic[] {
  const { data } = ctx.spec;
  const count = facts.find((f) => f.role === 'train')?.summary?.count;
  if (count === undefined || (data.testSplit ?? 0) + (data.validationSplit ?? 0) >= 1) return [];
  const problemText = noneLeftToTrain(count, ctx.spec);
  if (problemText === undefined) return [];
  return [problem(ctx, ['data', data.validationSplit !== undefined ? 'validationSplit' : 'testSplit'], 'error', problemText)];
}

/** "data.train: d/big.csv is 48 MiB, …": what validation did not read of a big source. */
function partlyCheckedNote({ role, source, resolved, summary }: SourceFacts): string[] {
  if (summary?.partlyRead === undefined) return [];
  const where = 'images' in resolved ? `${displayPath(resolved.images)} + ${displayPath(resolved.labels)}` : displayPath(resolved.path);
  const what = isIdxSource(source)
    ? 'the IDX headers'
    : isImageFolderSource(source)
      ? 'the class folders and the first image'
      : 'the header';
  return [
    `data.${role}: ${where} holds ${showSize(summary.partlyRead)}, more than the ${showSize(FULL_CHECK_BYTES)} validation reads in full: only ${what} checked; train reads every example`,
  ];
}

/** All data checks, in order; validation runs them after the spec-only checks. */
export async function runDataChecks(
  ctx: CheckContext,
  workspaceRoot: string,
  leaveDataErrorsToLoading: boolean,
): Promise<{ diagnostics: SpecDiagnostic[]; partlyChecked: string[] }> {
  const paths = await checkDataPaths(ctx, workspaceRoot);
  const read = await readDataFacts(ctx, paths.resolved, leaveDataErrorsToLoading);
  const facts = read.facts;
  const diagnostics = [
    ...paths.diagnostics,
    ...read.diagnostics,
    ...checkLabelColumn(ctx, facts),
    ...checkTextColumn(ctx, facts),
    ...checkVocabularySize(ctx, facts),
    ...checkIdxFiles(ctx, facts),
    ...checkFeatureShape(ctx, facts),
    ...checkInputShape(ctx, facts),
    ...checkOutputLayer(ctx, facts),
    ...checkSplitCounts(ctx, facts),
  ];
  return { diagnostics, partlyChecked: facts.flatMap(partlyCheckedNote) };
}
