import { showText } from '../data/showText';
import type { Evaluation } from '../protocol/evaluationTypes';

/*
 * An evaluation as text and as a flat map of numbers: the CLI prints these,
 * the panel's cards show the same keys. No TF.js.
 */

/** The headline numbers: loss, accuracy, averaged F1, top-k (classification) or MSE, RMSE, MAE, R² (regression). */
export function evaluationSummary(evaluation: Evaluation): Record<string, number | null> {
  const result = evaluation.result;
  if (result.kind === 'regression') {
    return { loss: evaluation.loss, mse: result.mse, rmse: result.rmse, mae: result.mae, r2: result.r2 };
  }
  const summary: Record<string, number | null> = {
    loss: evaluation.loss,
    accuracy: result.accuracy,
    macro_f1: result.macro.f1,
    weighted_f1: result.weighted.f1,
  };
  for (const { k, accuracy } of result.topK) summary[`top${k}_accuracy`] = accuracy;
  if (result.binary) {
    summary.roc_auc = result.binary.rocAuc;
    summary.average_precision = result.binary.averagePrecision;
  }
  return summary;
}

function fixed(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function table(cells: readonly (readonly string[])[], rightFrom = 1): string[] {
  // Class and file names come from the user's files: a tab or a line break in one must not break the table.
  const rows = cells.map((row) => row.map((cell) => showText(cell, Infinity)));
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column >= rightFrom ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}

/** A report for a terminal: data set, per-class table and confusion matrix, or the regression errors, and the worst predictions. */
export function formatEvaluation(evaluation: Evaluation): string[] {
  const lines = [
    showText(`${evaluation.modelName} · run ${evaluation.runId} · ${evaluation.dataset.description}`, Infinity),
    `sha256 ${evaluation.dataset.sha256.slice(0, 16)}… · ${evaluation.lossName} ${evaluation.loss === null ? 'NaN' : fixed(evaluation.loss)}`,
    '',
  ];
  const result = evaluation.result;
  if (result.kind === 'classification') {
    const rows = [
      ['class', 'precision', 'recall', 'f1', 'support'],
      ...result.classes.map((name, c) => {
        const m = result.perClass[c];
        return [name, fixed(m.precision), fixed(m.recall), fixed(m.f1), String(m.support)];
      }),
      ['', '', '', '', ''],
      ['accuracy', '', '', fixed(result.accuracy), String(evaluation.count)],
      ['macro avg', fixed(result.macro.precision), fixed(result.macro.recall), fixed(result.macro.f1), String(evaluation.count)],
      [
        'weighted avg',
        fixed(result.weighted.precision),
        fixed(result.weighted.recall),
        fixed(result.weighted.f1),
        String(evaluation.count),
      ],
    ];
    lines.push(...table(rows));
    for (const { k, accuracy } of result.topK) lines.push(`top-${k} accuracy ${fixed(accuracy)}`);
    if (result.binary)
      lines.push(
        `ROC AUC ${fixed(result.binary.rocAuc)} · average precision ${fixed(result.binary.averagePrecision)} (positive class ${showText(result.binary.positiveClass, 40)})`,
      );
    lines.push('', 'confusion matrix (rows: true class, columns: predicted)');
    lines.push(...table([['', ...result.classes], ...result.confusion.map((row, c) => [result.classes[c], ...row.map(String)])]));
  } else {
    lines.push(`MSE ${fixed(result.mse)} · RMSE ${fixed(result.rmse)} · MAE ${fixed(result.mae)} · R² ${fixed(result.r2)}`);
  }
  if (evaluation.worst.length > 0) {
    lines.push('', `worst predictions (highest loss first)`);
    const where = (w: Evaluation['worst'][number]): string =>
      `${w.source.file.split(/[\\/]/).pop() ?? ''}${w.source.line === undefined ? `#${w.source.index}` : `:${w.source.line}`}`;
    const shown = (v: string | number): string => (typeof v === 'number' ? String(Number(v.toPrecision(5))) : v);
    lines.push(
      ...table([
        ['source', 'actual', 'predicted', 'loss'],
        ...evaluation.worst.slice(0, 10).map((w) => [where(w), shown(w.actual), shown(w.predicted), fixed(w.loss)]),
      ]),
    );
  }
  return lines;
}
