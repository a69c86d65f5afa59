import { statSync } from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../data/dataError';
import { showText } from '../data/showText';
import { foldDir } from '../runFolder/crossValidation';
import { listRuns, newestFinishedRun, readRun, runsDirFor } from '../runFolder/readRunFolder';
import { EXIT_ERROR, EXIT_OK, type Options, workspaceRootFor } from './commandLine';
import { formatMetric } from './output';
import { json, stderr, stdout } from './output';

// `model-studio evaluate`, `predict` and `export`: what a finished run folder holds.

/** The run a model file or run folder stands for: the folder itself, or the model file's newest finished run. */
export async function runDirFor(target: string, asJson: boolean): Promise<string | undefined> {
  if (statSync(target).isDirectory()) return target;
  const found = await newestFinishedRun(target);
  if (found) return found.runDir;
  // A cross-validated run has no model of its own: point at its folds, which do.
  const crossValidated = (await listRuns(runsDirFor(target))).find(
    (entry) => entry.run.crossValidation && path.resolve(entry.run.modelFile) === path.resolve(target),
  );
  const message = crossValidated
    ? `${displayPath(target)}: its newest runs are cross-validated, with a model per fold: name a fold's folder, e.g. ${displayPath(foldDir(crossValidated.runDir, 1))}`
    : `${displayPath(target)}: no finished run yet; train it first (model-studio train ${displayPath(target)})`;
  if (asJson) json({ type: 'result', status: 'error', message });
  else stderr(`error: ${message}`);
  return undefined;
}

/**
 * Where a run's data may be read from: the workspace of its model file (as
 * for train); a file named with --data widens it to the folder holding both,
 * since the person typing the command chose that file.
 */
export async function runWorkspaceRoot(runDir: string, data?: string): Promise<string> {
  const root = workspaceRootFor((await readRun(runDir)).modelFile);
  if (data === undefined) return root;
  let common = root;
  while (path.relative(common, data).startsWith('..') && path.dirname(common) !== common) common = path.dirname(common);
  return common;
}

function formatMetricsLine(values: Readonly<Record<string, number | null>>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${formatMetric(value)}`)
    .join(' · ');
}

export async function evaluateCommand(options: Options): Promise<number> {
  const runDir = await runDirFor(options.modelFile, options.json);
  if (!runDir) return EXIT_ERROR;
  const [{ evaluateRun }, { evaluationSummary, formatEvaluation }] = await Promise.all([
    import('../trainer/evaluate'),
    import('../trainer/evaluationReport'),
  ]);
  const evaluation = await evaluateRun(
    {
      runDir,
      workspaceRoot: await runWorkspaceRoot(runDir, options.data),
      ...(options.data === undefined ? {} : { data: options.data }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    },
    {
      onProgress: (progress) => {
        if (options.json) json({ type: 'progress', ...progress });
      },
    },
  );
  const { RUN_FILES: files } = await import('../runFolder/runFiles');
  if (options.json) {
    json({
      type: 'result',
      status: 'ok',
      runDir,
      file: path.join(runDir, files.evaluation),
      metrics: evaluationSummary(evaluation),
      evaluation,
    });
  } else {
    for (const line of formatEvaluation(evaluation)) stdout(line);
    stderr(`${formatMetricsLine(evaluationSummary(evaluation))}`);
    stderr(
      `saved to ${displayPath(path.join(runDir, files.evaluation))} (${(evaluation.durationMs / 1000).toFixed(1)} s on ${evaluation.backend})`,
    );
  }
  return EXIT_OK;
}

export async function predictCommand(options: Options): Promise<number> {
  const { predictRun } = await import('../trainer/predict');
  const result = await predictRun({
    runDir: options.modelFile,
    input: options.input as string,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  if (options.json) {
    for (const p of result.predictions) json({ type: 'prediction', ...p });
    json({
      type: 'result',
      status: 'ok',
      runId: result.runId,
      task: result.task,
      count: result.predictions.length,
      ...(result.classes ? { classes: result.classes } : {}),
    });
    return EXIT_OK;
  }
  const where = (p: { index: number; line?: number }): string => (p.line === undefined ? `#${p.index}` : `line ${p.line}`);
  for (const p of result.predictions) {
    if (p.probabilities && result.classes) {
      const ranked = p.probabilities
        .map((value, c) => ({ value, name: result.classes?.[c] ?? String(c) }))
        .sort((a, b) => b.value - a.value)
        .slice(0, 3);
      // Class names come from the training data: shown escaped, as every line from a user's file is.
      stdout(
        showText(`${where(p)}: ${p.predicted}  (${ranked.map((r) => `${r.name} ${(r.value * 100).toFixed(1)} %`).join(', ')})`, Infinity),
      );
    } else {
      stdout(`${where(p)}: ${formatMetric(p.predicted as number)}`);
    }
  }
  return EXIT_OK;
}

export async function exportCommand(options: Options): Promise<number> {
  const runDir = await runDirFor(options.modelFile, options.json);
  if (!runDir) return EXIT_ERROR;
  const { exportRun } = await import('../trainer/exportModel');
  const result = await exportRun({
    runDir,
    outDir: options.out as string,
    workspaceRoot: await runWorkspaceRoot(runDir),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  if (options.json) {
    json({ type: 'result', status: 'ok', ...result });
  } else {
    stdout(`exported run ${result.runId} to ${displayPath(result.outDir)}: ${result.files.map((f) => path.basename(f)).join(', ')}`);
    stdout(
      result.parity
        ? `parity: reloaded model vs run model on ${result.parity.examples} test examples, max abs difference ${result.parity.maxAbsDifference.toExponential(2)}`
        : `parity: not checked (${result.parityNote ?? 'no test data'})`,
    );
    if (result.loadNote !== undefined) stdout(`note: ${result.loadNote}`);
  }
  return EXIT_OK;
}
