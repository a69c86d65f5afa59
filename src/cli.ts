#!/usr/bin/env node
/**
 * Headless entry point (ARCHITECTURE §6): the same trainer as the editor,
 * in-process. Commands load TF.js only when they need it, so `validate`
 * answers quickly.
 *
 * Exit status: 0 success, 1 training or data error (one line naming the
 * file and line or field), 2 bad usage, 130 training stopped with Ctrl+C.
 */
import { promises as fs, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { displayPath } from './data/dataError';
import { showText } from './data/showText';
import { assertNever } from './protocol/assertNever';
import { isRunInfo } from './protocol/guards';
import type { BackendChoice, MetricRecord, RunInfo } from './protocol/runTypes';
import type { TrainerToHost, TrainRequest } from './protocol/trainerMessages';
import { newestFinishedRun, readRun, runsDirFor } from './runs/runFolder';
import { formatDuration, TrainingProgress } from './runs/progress';
import { modelFileOfRun } from './runs/runSummary';
import type { ModelSpec } from './spec/modelSpec';
import { writeJsonAtomicSync } from './trainer/atomicFile';
import { failedRun, RUN_FILES } from './trainer/runFiles';

const USAGE = `Usage:
  model-studio train    <model-file> [--epochs N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--out DIR] [--json]
  model-studio train    --resume <run-dir> [--backend B] [--json]
  model-studio info     <model-file> [--json]
  model-studio validate <model-file> [--json]
  model-studio evaluate <model-file|run-dir> [--data FILE] [--backend B] [--json]
  model-studio predict  <run-dir> --input FILE [--backend B] [--json]
  model-studio export   <model-file|run-dir> --out DIR [--backend B] [--json]

  --epochs N    train for N epochs instead of training.epochs
  --resume DIR  continue the stopped run in DIR from its last checkpoint to its planned epochs,
                with the spec it started with (its spec.json), appending to its metrics
  --backend B   TF.js backend (default auto: the first of tensorflow, webgpu (hardware GPU only), wasm, cpu that loads;
                the native backend from MODEL_STUDIO_NATIVE_DIR when set)
  --out DIR     train: put the run folder in DIR (default: .modelstudio/runs next to the model file);
                export: the folder for model.json, weights.bin and keras-topology.json
  --data FILE   evaluate on FILE (same columns as the training data; IDX images; an image folder)
                instead of the run's test data; a model file means its newest finished run
  --input FILE  the examples to predict (CSV / JSON / JSON Lines with the feature columns, or IDX images)
  --json        one JSON object per line on stdout; the last is {"type":"result",...}

Exit status: 0 success, 1 training or data error, 2 bad usage, 130 training stopped with Ctrl+C.`;

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

class UsageError extends Error {}

const COMMANDS = ['train', 'info', 'validate', 'evaluate', 'predict', 'export'] as const;
type Command = (typeof COMMANDS)[number];

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

function stdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

function stderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

function json(value: unknown): void {
  stdout(JSON.stringify(value));
}

interface Options {
  readonly modelFile: string;
  readonly workspaceRoot: string;
  readonly json: boolean;
  readonly epochs?: number;
  readonly backend?: BackendChoice;
  readonly out?: string;
  /** evaluate: another data file; predict: the examples to predict. */
  readonly data?: string;
  readonly input?: string;
  /** train --resume: the stopped run folder to continue. */
  readonly resume?: string;
}

/** The workspace is the working directory when the model file is inside it, else the model file's folder. */
function workspaceRootFor(modelFile: string): string {
  const cwd = process.cwd();
  const relative = path.relative(cwd, modelFile);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? cwd : path.dirname(modelFile);
}

/** `--backend`, checked. */
function backendOption(value: string | undefined): BackendChoice | undefined {
  const backend = value as BackendChoice | undefined;
  if (backend !== undefined && !BACKEND_CHOICES.includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
  }
  return backend;
}

/**
 * `train --resume <run-dir>`: the model file is the run's (where its data
 * paths resolve from); the spec is its snapshot, the epochs its plan.
 */
function parseResume(
  command: Command,
  positional: string | undefined,
  values: { resume?: string; epochs?: string; out?: string; backend?: string; json?: boolean; data?: string; input?: string },
): { command: Command; options: Options } {
  if (command !== 'train') throw new UsageError('--resume is an option of train only');
  if (positional !== undefined) throw new UsageError(`train --resume takes the run folder only, not "${positional}" (the model file is the run's)`);
  const extra = (['epochs', 'out', 'data', 'input'] as const).find((name) => values[name] !== undefined);
  if (extra) throw new UsageError(`--${extra} cannot be combined with --resume: a resumed run keeps its folder and its planned epochs`);
  const runDir = path.resolve(values.resume ?? '');
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(path.join(runDir, RUN_FILES.run), 'utf8'));
  } catch {
    throw new UsageError(`no run folder (with a run.json) at ${values.resume}`);
  }
  if (!isRunInfo(run)) throw new UsageError(`${path.join(runDir, RUN_FILES.run)} is not a run.json written by Model Studio`);
  const backend = backendOption(values.backend);
  const modelFile = modelFileOfRun({ runDir, run });
  return {
    command,
    options: {
      modelFile,
      workspaceRoot: workspaceRootFor(modelFile),
      json: values.json === true,
      resume: runDir,
      ...(backend === undefined ? {} : { backend }),
    },
  };
}

function parseCommandLine(args: readonly string[]): { command: Command; options: Options } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        epochs: { type: 'string' },
        backend: { type: 'string' },
        out: { type: 'string' },
        data: { type: 'string' },
        input: { type: 'string' },
        resume: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, file, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError('no command given');
  }
  if (!isCommand(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  if (values.resume !== undefined) return parseResume(command, file ?? extra[0], values);
  if (file === undefined) {
    throw new UsageError(`${command} needs ${command === 'predict' ? 'a run folder' : command === 'evaluate' || command === 'export' ? 'a model file or a run folder' : 'a model file'}`);
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  const allowed: Readonly<Record<Command, readonly string[]>> = {
    train: ['epochs', 'backend', 'out'],
    info: [],
    validate: [],
    evaluate: ['data', 'backend'],
    predict: ['input', 'backend'],
    export: ['out', 'backend'],
  };
  const misplaced = (['epochs', 'backend', 'out', 'data', 'input'] as const).find((name) => values[name] !== undefined && !allowed[command].includes(name));
  if (misplaced) {
    const owners = COMMANDS.filter((c) => allowed[c].includes(misplaced));
    throw new UsageError(`--${misplaced} is an option of ${owners.join(' and ')} only`);
  }
  if (command === 'predict' && values.input === undefined) throw new UsageError('predict needs --input FILE');
  if (command === 'export' && values.out === undefined) throw new UsageError('export needs --out DIR');
  const modelFile = path.resolve(file);
  let kind: 'file' | 'folder' | undefined;
  try {
    const stat = statSync(modelFile);
    kind = stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : undefined;
  } catch {
    // reported below
  }
  const takesRunDir = command === 'evaluate' || command === 'predict' || command === 'export';
  const takesModelFile = command !== 'predict';
  if (!(kind === 'file' && takesModelFile) && !(kind === 'folder' && takesRunDir)) {
    throw new UsageError(command === 'predict' ? `no such run folder: ${file}` : takesRunDir ? `no such model file or run folder: ${file}` : `no such model file: ${file}`);
  }

  let epochs: number | undefined;
  if (values.epochs !== undefined) {
    epochs = Number(values.epochs);
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError(`--epochs must be a positive whole number, got "${values.epochs}"`);
  }
  const backend = backendOption(values.backend);
  return {
    command,
    options: {
      modelFile,
      workspaceRoot: workspaceRootFor(modelFile),
      json: values.json === true,
      ...(epochs === undefined ? {} : { epochs }),
      ...(backend === undefined ? {} : { backend }),
      ...(values.out === undefined ? {} : { out: path.resolve(values.out) }),
      ...(values.data === undefined ? {} : { data: path.resolve(values.data) }),
      ...(values.input === undefined ? {} : { input: path.resolve(values.input) }),
    },
  };
}

/** 4 significant digits: enough to follow a loss, short enough for one line. */
function formatMetric(value: number | null): string {
  return value === null ? 'NaN' : String(Number(value.toPrecision(4)));
}

function formatMetrics(record: MetricRecord): string {
  return Object.entries(record)
    .filter(([key]) => key !== 'epoch' && key !== 'batch' && key !== 'time')
    .map(([key, value]) => `${key} ${formatMetric(value)}`)
    .join(' · ');
}

/**
 * Human-readable progress on stderr: on a terminal one line rewritten in
 * place; otherwise (a log file, CI) a plain line every few seconds. Epoch
 * results always get a line of their own.
 */
class ProgressReporter {
  private progress: TrainingProgress | undefined;
  private lastDraw = 0;
  private lastEpochTime = 0;
  private drawn = false;
  private readonly interactive = process.stderr.isTTY === true;

  onMessage(message: TrainerToHost): void {
    switch (message.type) {
      case 'ready':
        // Said with runStarted: a model-file error before that should stay the only line.
        return;
      case 'runStarted': {
        const run = message.run;
        this.progress = new TrainingProgress(run);
        this.lastEpochTime = Date.parse(run.startedAt);
        const skipped = run.backendSkipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
        stderr(`training ${run.name} on ${run.backend}${skipped ? ` (skipped ${skipped})` : ''}`);
        stderr(`${run.trainSamples} examples, ${run.batchesPerEpoch} batches × ${run.epochs} epochs`);
        return;
      }
      case 'metrics':
        this.onRecord(message.record);
        return;
      case 'log':
        this.note(message.level === 'info' ? message.message : `${message.level}: ${message.message}`);
        return;
      case 'done':
      case 'error':
        this.clearLine();
        return;
      default:
        assertNever(message);
    }
  }

  private onRecord(record: MetricRecord): void {
    const snapshot = this.progress?.update(record);
    if (!snapshot) return;
    if (record.batch === null) {
      const seconds = (record.time - this.lastEpochTime) / 1000;
      this.lastEpochTime = record.time;
      this.note(`epoch ${record.epoch}/${snapshot.epochs}: ${formatMetrics(record)} (${seconds.toFixed(1)} s)`);
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < (this.interactive ? 100 : 10_000)) return;
    this.lastDraw = now;
    const speed = snapshot.samplesPerSecond === undefined ? '' : ` · ${Math.round(snapshot.samplesPerSecond)} samples/s`;
    const eta = snapshot.etaSeconds === undefined ? '' : ` · ETA ${formatDuration(snapshot.etaSeconds)}`;
    const text = `epoch ${snapshot.epoch}/${snapshot.epochs} · batch ${snapshot.batchesDone}/${snapshot.batchesPerEpoch}` +
      ` · loss ${formatMetric(record.loss)}${speed}${eta}`;
    if (this.interactive) {
      const width = 20;
      const filled = Math.round(snapshot.fraction * width);
      process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`);
      this.drawn = true;
    } else {
      stderr(text);
    }
  }

  /** A line of its own, below the progress line. */
  note(text: string): void {
    this.clearLine();
    stderr(text);
  }

  private clearLine(): void {
    if (this.drawn) {
      process.stderr.write('\r\x1b[2K');
      this.drawn = false;
    }
  }
}

function printSummary(runDir: string, run: RunInfo, records: readonly MetricRecord[]): void {
  const epochs = records.filter((r) => r.batch === null);
  // A resumed run: this process's part of it.
  const start = Date.parse(run.resumedAt ?? run.startedAt);
  const seconds = ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - start) / 1000;
  const trainingSeconds = epochs.length > 0 ? (epochs[epochs.length - 1].time - start) / 1000 : 0;
  const speed = trainingSeconds > 0 ? ` · ${Math.round((epochs.length * run.trainSamples) / trainingSeconds)} samples/s` : '';
  stderr(`${run.status} in ${formatDuration(seconds)} on ${run.backend} · ${run.epochsDone ?? epochs.length}/${run.epochs} epochs${speed}`);
  if (run.test) {
    stderr(`test: ${Object.entries(run.test).map(([key, value]) => `${key} ${formatMetric(value)}`).join(' · ')}`);
  }
  stderr(`run folder: ${displayPath(runDir)}`);
}

async function trainCommand(options: Options): Promise<number> {
  const { train } = await import('./trainer/train');
  const request: TrainRequest = {
    modelFile: options.modelFile,
    workspaceRoot: options.workspaceRoot,
    runsDir: options.resume === undefined ? options.out ?? runsDirFor(options.modelFile) : path.dirname(options.resume),
    ...(options.resume === undefined ? {} : { resumeRunDir: options.resume }),
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  };
  const stop = new AbortController();
  const records: MetricRecord[] = [];
  let current: { runDir: string; run: RunInfo } | undefined;
  const reporter = options.json ? undefined : new ProgressReporter();

  const onInterrupt = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      reporter?.note('stopping after this batch (Ctrl+C again to quit at once)');
      return;
    }
    // Nothing asynchronous runs after this: leave run.json saying what happened.
    if (current) {
      const run = failedRun(current.run, 'stopped with a second Ctrl+C', records[records.length - 1]);
      writeJsonAtomicSync(path.join(current.runDir, RUN_FILES.run), run);
    }
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onInterrupt);

  try {
    const outcome = await train(request, {
      onMessage: (message) => {
        if (message.type === 'runStarted') current = { runDir: message.runDir, run: message.run };
        if (message.type === 'metrics') {
          records.push(message.record);
          if (options.json) json(message.record);
        }
        reporter?.onMessage(message);
      },
    }, stop.signal);

    if (outcome.type === 'error') {
      if (options.json) json({ type: 'result', status: 'error', message: outcome.message });
      else stderr(`error: ${outcome.message}`);
      return EXIT_ERROR;
    }
    const { run, runDir } = outcome;
    if (options.json) {
      json({ type: 'result', status: run.status, runDir, run });
    } else {
      if (run.error) stderr(`error: ${run.error.message}`);
      printSummary(runDir, run, records);
    }
    switch (run.status) {
      case 'completed':
        return EXIT_OK;
      case 'stopped':
        return EXIT_INTERRUPTED;
      case 'failed':
      case 'running':
        return EXIT_ERROR;
      default:
        return assertNever(run.status);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function validateCommand(options: Options): Promise<number> {
  const { validateModelFile, formatDiagnostic } = await import('./spec/validateModelFile');
  const text = await fs.readFile(options.modelFile, 'utf8');
  const { diagnostics, partlyChecked } = await validateModelFile(options.modelFile, text, { workspaceRoot: options.workspaceRoot });
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
    json({ type: 'result', valid: errors === 0, errors, warnings: diagnostics.length - errors, ...(partlyChecked.length > 0 ? { partlyChecked } : {}) });
  } else if (diagnostics.length === 0) {
    // Said, so that "no problems" is not read as "the data was checked in full".
    const partly = partlyChecked.length > 0 ? ` (${partlyChecked.join('; ')})` : '';
    stdout(`${displayPath(options.modelFile)}: no problems found${partly}`);
  }
  return errors > 0 ? EXIT_ERROR : EXIT_OK;
}

/** The spec when the file has no errors; otherwise the first error is printed. */
async function validSpec(options: Options): Promise<ModelSpec | undefined> {
  const { validateModelFile, formatDiagnostic } = await import('./spec/validateModelFile');
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

function formatShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')})`;
}

async function infoCommand(options: Options): Promise<number> {
  const spec = await validSpec(options);
  if (!spec) return EXIT_ERROR;
  const [{ loadBackend }, { summarizeModel }, { prepareData }] = await Promise.all([
    import('./trainer/backend'),
    import('./trainer/modelSummary'),
    import('./data/prepareData'),
  ]);
  await loadBackend('cpu');
  // features.shape is the shape of one example when given; otherwise the data decides it.
  const featureShape = spec.data.features?.shape
    ?? (await prepareData(spec, { modelFile: options.modelFile, workspaceRoot: options.workspaceRoot })).featureShape;
  const { loadBaseModel } = await import('./trainer/baseModel');
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
  stdout(`total params: ${count(summary.totalParams)} (trainable ${count(summary.trainableParams)}, ` +
    `non-trainable ${count(summary.nonTrainableParams)})`);
  return EXIT_OK;
}

/** The run a model file or run folder stands for: the folder itself, or the model file's newest finished run. */
async function runDirFor(target: string, asJson: boolean): Promise<string | undefined> {
  if (statSync(target).isDirectory()) return target;
  const found = await newestFinishedRun(target);
  if (found) return found.runDir;
  const message = `${displayPath(target)}: no finished run yet; train it first (model-studio train ${displayPath(target)})`;
  if (asJson) json({ type: 'result', status: 'error', message });
  else stderr(`error: ${message}`);
  return undefined;
}

/**
 * Where a run's data may be read from: the workspace of its model file (as
 * for train); a file named with --data widens it to the folder holding both,
 * since the person typing the command chose that file.
 */
async function runWorkspaceRoot(runDir: string, data?: string): Promise<string> {
  const root = workspaceRootFor((await readRun(runDir)).modelFile);
  if (data === undefined) return root;
  let common = root;
  while (path.relative(common, data).startsWith('..') && path.dirname(common) !== common) common = path.dirname(common);
  return common;
}

function formatMetricsLine(values: Readonly<Record<string, number | null>>): string {
  return Object.entries(values).map(([key, value]) => `${key} ${formatMetric(value)}`).join(' · ');
}

async function evaluateCommand(options: Options): Promise<number> {
  const runDir = await runDirFor(options.modelFile, options.json);
  if (!runDir) return EXIT_ERROR;
  const [{ evaluateRun }, { evaluationSummary, formatEvaluation }] = await Promise.all([import('./trainer/evaluate'), import('./trainer/evaluationReport')]);
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
  const { RUN_FILES: files } = await import('./trainer/runFiles');
  if (options.json) {
    json({ type: 'result', status: 'ok', runDir, file: path.join(runDir, files.evaluation), metrics: evaluationSummary(evaluation), evaluation });
  } else {
    for (const line of formatEvaluation(evaluation)) stdout(line);
    stderr(`${formatMetricsLine(evaluationSummary(evaluation))}`);
    stderr(`saved to ${displayPath(path.join(runDir, files.evaluation))} (${(evaluation.durationMs / 1000).toFixed(1)} s on ${evaluation.backend})`);
  }
  return EXIT_OK;
}

async function predictCommand(options: Options): Promise<number> {
  const { predictRun } = await import('./trainer/predict');
  const result = await predictRun({
    runDir: options.modelFile,
    input: options.input as string,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  if (options.json) {
    for (const p of result.predictions) json({ type: 'prediction', ...p });
    json({ type: 'result', status: 'ok', runId: result.runId, task: result.task, count: result.predictions.length, ...(result.classes ? { classes: result.classes } : {}) });
    return EXIT_OK;
  }
  const where = (p: { index: number; line?: number }): string => (p.line === undefined ? `#${p.index}` : `line ${p.line}`);
  for (const p of result.predictions) {
    if (p.probabilities && result.classes) {
      const ranked = p.probabilities.map((value, c) => ({ value, name: result.classes?.[c] ?? String(c) })).sort((a, b) => b.value - a.value).slice(0, 3);
      // Class names come from the training data: shown escaped, as every line from a user's file is.
      stdout(showText(`${where(p)}: ${p.predicted}  (${ranked.map((r) => `${r.name} ${(r.value * 100).toFixed(1)} %`).join(', ')})`, Infinity));
    } else {
      stdout(`${where(p)}: ${formatMetric(p.predicted as number)}`);
    }
  }
  return EXIT_OK;
}

async function exportCommand(options: Options): Promise<number> {
  const runDir = await runDirFor(options.modelFile, options.json);
  if (!runDir) return EXIT_ERROR;
  const { exportRun } = await import('./trainer/exportModel');
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
    stdout(result.parity
      ? `parity: reloaded model vs run model on ${result.parity.examples} test examples, max abs difference ${result.parity.maxAbsDifference.toExponential(2)}`
      : `parity: not checked (${result.parityNote ?? 'no test data'})`);
  }
  return EXIT_OK;
}

async function main(args: readonly string[]): Promise<number> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    (args.length === 0 ? stderr : stdout)(USAGE);
    return args.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`model-studio: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { command, options } = parsed;
  try {
    switch (command) {
      case 'train':
        return await trainCommand(options);
      case 'info':
        return await infoCommand(options);
      case 'validate':
        return await validateCommand(options);
      case 'evaluate':
        return await evaluateCommand(options);
      case 'predict':
        return await predictCommand(options);
      case 'export':
        return await exportCommand(options);
      default:
        return assertNever(command);
    }
  } catch (error) {
    const { userMessage } = await import('./trainer/userMessage');
    const message = userMessage(error, options.modelFile);
    if (options.json) json({ type: 'result', status: 'error', message });
    else stderr(`error: ${message}`);
    return EXIT_ERROR;
  }
}

void main(process.argv.slice(2)).then((code) => {
  // exitCode rather than exit(): piped stdout must drain first.
  process.exitCode = code;
});
