#!/usr/bin/env node
/**
 * Headless entry point (ARCHITECTURE §6): the same trainer as the editor,
 * in-process. Commands load TF.js only when they need it, so `validate`
 * answers quickly.
 *
 * Exit status: 0 success, 1 training or data error (one line naming the
 * file and line or field), 2 bad usage, 130 training stopped with Ctrl+C.
 */
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { displayPath } from './data/dataError';
import { assertNever } from './protocol/assertNever';
import type { BackendChoice, MetricRecord, RunInfo } from './protocol/runTypes';
import type { TrainerToHost, TrainRequest } from './protocol/trainerMessages';
import { runsDirFor } from './runs/runFolder';
import { formatDuration, TrainingProgress } from './runs/progress';
import type { ModelSpec } from './spec/modelSpec';
import { writeJsonAtomicSync } from './trainer/atomicFile';
import { failedRun, RUN_FILES } from './trainer/runFiles';

const USAGE = `Usage:
  model-studio train    <model-file> [--epochs N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--out DIR] [--json]
  model-studio info     <model-file> [--json]
  model-studio validate <model-file> [--json]

  --epochs N    train for N epochs instead of training.epochs
  --backend B   TF.js backend (default auto: the first of tensorflow, webgpu, wasm, cpu that loads)
  --out DIR     put the run folder in DIR (default: .modelstudio/runs next to the model file)
  --json        one JSON object per line on stdout; the last is {"type":"result",...}

Exit status: 0 success, 1 training or data error, 2 bad usage, 130 training stopped with Ctrl+C.`;

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

class UsageError extends Error {}

const COMMANDS = ['train', 'info', 'validate'] as const;
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
}

/** The workspace is the working directory when the model file is inside it, else the model file's folder. */
function workspaceRootFor(modelFile: string): string {
  const cwd = process.cwd();
  const relative = path.relative(cwd, modelFile);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? cwd : path.dirname(modelFile);
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
  if (file === undefined) {
    throw new UsageError(`${command} needs a model file`);
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  if (command !== 'train') {
    const trainOnly = (['epochs', 'backend', 'out'] as const).find((name) => values[name] !== undefined);
    if (trainOnly) throw new UsageError(`--${trainOnly} is an option of train only`);
  }
  const modelFile = path.resolve(file);
  let isFile = false;
  try {
    isFile = statSync(modelFile).isFile();
  } catch {
    // reported below
  }
  if (!isFile) {
    throw new UsageError(`no such model file: ${file}`);
  }

  let epochs: number | undefined;
  if (values.epochs !== undefined) {
    epochs = Number(values.epochs);
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError(`--epochs must be a positive whole number, got "${values.epochs}"`);
  }
  const backend = values.backend as BackendChoice | undefined;
  if (backend !== undefined && !BACKEND_CHOICES.includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${values.backend}"`);
  }
  return {
    command,
    options: {
      modelFile,
      workspaceRoot: workspaceRootFor(modelFile),
      json: values.json === true,
      ...(epochs === undefined ? {} : { epochs }),
      ...(backend === undefined ? {} : { backend }),
      ...(values.out === undefined ? {} : { out: path.resolve(values.out) }),
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
  const seconds = ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.startedAt)) / 1000;
  const trainingSeconds = epochs.length > 0 ? (epochs[epochs.length - 1].time - Date.parse(run.startedAt)) / 1000 : 0;
  const speed = trainingSeconds > 0 ? ` · ${Math.round((epochs.length * run.trainSamples) / trainingSeconds)} samples/s` : '';
  stderr(`${run.status} in ${formatDuration(seconds)} on ${run.backend} · ${epochs.length}/${run.epochs} epochs${speed}`);
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
    runsDir: options.out ?? runsDirFor(options.modelFile),
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
  const { diagnostics } = await validateModelFile(options.modelFile, text, { workspaceRoot: options.workspaceRoot });
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
    json({ type: 'result', valid: errors === 0, errors, warnings: diagnostics.length - errors });
  } else if (diagnostics.length === 0) {
    stdout(`${displayPath(options.modelFile)}: no problems found`);
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
  const summary = summarizeModel(spec, featureShape);
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
