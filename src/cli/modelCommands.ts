import { promises as fs } from 'node:fs';
import { displayPath } from '../data/dataError';
import type { SpecDiagnostic } from '../modelFile/diagnostic';
import type { ModelSpec } from '../modelFile/modelSpec';
import { EXIT_ERROR, EXIT_OK, type Options } from './commandLine';
import { json, stderr, stdout } from './output';

// `model-studio validate` and `info`: the model file, and the model built from it on TF.js's cpu backend.

/**
 * The error diagnostics of building the model of a file with no other
 * error, as the editor's inspector builds it: a layer TF.js refuses, on
 * that layer's line. What train would hit first is reported by validate.
 */
async function buildDiagnostics(options: Options, text: string): Promise<readonly SpecDiagnostic[]> {
  const [{ loadBackend }, { inspectModelFile }] = await Promise.all([import('../trainer/backend'), import('../trainer/inspect')]);
  await loadBackend('cpu');
  const inspection = await inspectModelFile(options.modelFile, text, options.workspaceRoot);
  return inspection.kind === 'invalid' ? inspection.diagnostics : [];
}

export async function validateCommand(options: Options): Promise<number> {
  const { validateModelFile, formatDiagnostic } = await import('../modelFile/validateModelFile');
  const text = await fs.readFile(options.modelFile, 'utf8');
  const validation = await validateModelFile(options.modelFile, text, { workspaceRoot: options.workspaceRoot });
  const { partlyChecked } = validation;
  const valid = !validation.diagnostics.some((d) => d.severity === 'error');
  const diagnostics = valid ? [...validation.diagnostics, ...(await buildDiagnostics(options, text))] : validation.diagnostics;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  for (const d of diagnostics) {
    if (options.json) {
      json({
        type: 'diagnostic',
        file: d.file,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        endLine: d.range.end.line + 1,
        endColumn: d.range.end.character + 1,
        severity: d.severity,
        message: d.message,
        path: d.path,
      });
    } else {
      stdout(formatDiagnostic(d));
    }
  }
  if (options.json) {
    json({
      type: 'result',
      valid: errors === 0,
      errors,
      warnings: diagnostics.length - errors,
      ...(partlyChecked.length > 0 ? { partlyChecked } : {}),
    });
  } else if (diagnostics.length === 0) {
    // Said, so that "no problems" is not read as "the data was checked in full".
    const partly = partlyChecked.length > 0 ? ` (${partlyChecked.join('; ')})` : '';
    stdout(`${displayPath(options.modelFile)}: no problems found${partly}`);
  }
  return errors > 0 ? EXIT_ERROR : EXIT_OK;
}

/** The spec when the file has no errors; otherwise the first error is printed. */
async function validSpec(options: Options): Promise<ModelSpec | undefined> {
  const { validateModelFile, formatDiagnostic } = await import('../modelFile/validateModelFile');
  const text = await fs.readFile(options.modelFile, 'utf8');
  const { spec, diagnostics } = await validateModelFile(options.modelFile, text, { workspaceRoot: options.workspaceRoot });
  const firstError = diagnostics.find((d) => d.severity === 'error');
  if (firstError || !spec) {
    const message = firstError ? formatDiagnostic(firstError) : `${displayPath(options.modelFile)}: invalid model file`;
    if (options.json) json({ type: 'result', status: 'error', message });
    else stderr(`error: ${message}`);
    return undefined;
  }
  return spec;
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')})`;
}

export async function infoCommand(options: Options): Promise<number> {
  const spec = await validSpec(options);
  if (!spec) return EXIT_ERROR;
  const [{ loadBackend }, { summarizeModel }, { prepareData }] = await Promise.all([
    import('../trainer/backend'),
    import('../trainer/modelSummary'),
    import('../data/prepareData'),
  ]);
  await loadBackend('cpu');
  // features.shape is the shape of one example when given; otherwise the data decides it.
  const featureShape =
    spec.data.features?.shape ??
    (await prepareData(spec, { modelFile: options.modelFile, workspaceRoot: options.workspaceRoot })).featureShape;
  const { loadBaseModel } = await import('../trainer/baseModel');
  const base = await loadBaseModel(spec, options.modelFile, options.workspaceRoot);
  let summary: ReturnType<typeof summarizeModel>;
  try {
    summary = summarizeModel(spec, featureShape, base);
  } finally {
    base?.dispose();
  }
  if (options.json) {
    for (const { type, ...layer } of summary.layers) json({ type: 'layer', layerType: type, ...layer });
    const { layers: _layers, ...totals } = summary;
    json({ type: 'result', ...totals });
    return EXIT_OK;
  }
  const count = (n: number): string => n.toLocaleString('en-US');
  const table = [
    ['layer', 'type', 'output shape', 'params'],
    ...summary.layers.map((l) => [l.name, l.type, formatShape(l.outputShape), count(l.params)]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  stdout(`${spec.name}: input ${formatShape(summary.inputShape)}`);
  for (const [i, row] of table.entries()) {
    stdout(row.map((cell, column) => (column === 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  '));
    if (i === 0) stdout(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  stdout(
    `total params: ${count(summary.totalParams)} (trainable ${count(summary.trainableParams)}, ` +
      `non-trainable ${count(summary.nonTrainableParams)})`,
  );
  return EXIT_OK;
}
