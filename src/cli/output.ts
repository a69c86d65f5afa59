import { displayPath } from '../data/dataError';
import { assertNever } from '../protocol/assertNever';
import { type MetricRecord, type RunInfo } from '../protocol/runTypes';
import type { TrainerToHost } from '../protocol/trainerMessages';
import { foldMetrics as foldResult } from '../runFolder/crossValidation';
import { formatDuration, TrainingProgress } from '../runFolder/progress';

// What the CLI prints: lines to stdout and stderr, JSON lines, metrics and progress.

export function stdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function stderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function json(value: unknown): void {
  stdout(JSON.stringify(value));
}

/** 4 significant digits: enough to follow a loss, short enough for one line. */
export function formatMetric(value: number | null): string {
  return value === null ? 'NaN' : String(Number(value.toPrecision(4)));
}

/** An epoch record's metrics, as `loss 0.1 · accuracy 0.9`. */
export function formatMetrics(record: MetricRecord): string {
  return formatValues(Object.fromEntries(Object.entries(record).filter(([key]) => key !== 'epoch' && key !== 'batch' && key !== 'time')));
}

/** "wasm (2 threads)", "wasm (2 threads, 2 replicas)", "cpu". */
function backendWithThreads(run: RunInfo): string {
  if (run.threads === undefined) return run.backend;
  return `${run.backend} (${run.threads} thread${run.threads === 1 ? '' : 's'}${run.replicas === undefined ? '' : `, ${run.replicas} replicas`})`;
}

function formatValues(values: Readonly<Record<string, number | null>>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${formatMetric(value)}`)
    .join(' · ');
}

/**
 * Human-readable progress on stderr: on a terminal one line rewritten in
 * place; otherwise (a log file, CI) a plain line every few seconds. Epoch
 * results always get a line of their own.
 */
export class ProgressReporter {
  private progress: TrainingProgress | undefined;
  private lastDraw = 0;
  private lastEpochTime = 0;
  private drawn = false;
  private readonly interactive = process.stderr.isTTY === true;
  /** k of a cross-validated run. */
  private foldCount = 0;

  onMessage(message: TrainerToHost): void {
    switch (message.type) {
      case 'ready':
        // Said with runStarted: a model-file error before that should stay the only line.
        return;
      case 'runStarted': {
        const run = message.run;
        if (run.crossValidation) {
          this.foldCount = run.crossValidation.foldCount;
          stderr(`cross-validating ${run.name}: ${this.foldCount} folds, one after another`);
          return;
        }
        if (message.fold !== undefined) stderr(`fold ${message.fold}/${this.foldCount}`);
        this.progress = new TrainingProgress(run);
        this.lastEpochTime = Date.parse(run.startedAt);
        const skipped = run.backendSkipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
        stderr(`training ${run.name} on ${backendWithThreads(run)}${skipped ? ` (skipped ${skipped})` : ''}`);
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
        if (message.fold !== undefined) {
          this.note(`fold ${message.fold}/${this.foldCount} ${message.run.status}: ${formatValues(foldResult(message.run))}`);
          return;
        }
        this.clearLine();
        return;
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
    const text =
      `epoch ${snapshot.epoch}/${snapshot.epochs} · batch ${snapshot.batchesDone}/${snapshot.batchesPerEpoch}` +
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

export function printSummary(runDir: string, run: RunInfo, records: readonly MetricRecord[]): void {
  const epochs = records.filter((r) => r.batch === null);
  // A resumed run: this process's part of it.
  const start = Date.parse(run.resumedAt ?? run.startedAt);
  const seconds = ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - start) / 1000;
  const trainingSeconds = epochs.length > 0 ? (epochs[epochs.length - 1].time - start) / 1000 : 0;
  const speed = trainingSeconds > 0 ? ` · ${Math.round((epochs.length * run.trainSamples) / trainingSeconds)} samples/s` : '';
  stderr(
    `${run.status} in ${formatDuration(seconds)} on ${backendWithThreads(run)} · ${run.epochsDone ?? epochs.length}/${run.epochs} epochs${speed}`,
  );
  if (run.test) {
    stderr(
      `test: ${Object.entries(run.test)
        .map(([key, value]) => `${key} ${formatMetric(value)}`)
        .join(' · ')}`,
    );
  }
  stderr(`run folder: ${displayPath(runDir)}`);
}

/** A cross-validated run's end: how far it got, then each metric's mean ± std over the folds. */
export function printCrossValidationSummary(runDir: string, run: RunInfo): void {
  const cv = run.crossValidation;
  if (!cv) return;
  const seconds = ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.resumedAt ?? run.startedAt)) / 1000;
  stderr(`${run.status} in ${formatDuration(seconds)} on ${run.backend} · ${cv.folds.length}/${cv.foldCount} folds completed`);
  const { mean, std } = cv;
  if (mean && std) {
    for (const [name, value] of Object.entries(mean)) stderr(`${name} ${formatMetric(value)} ± ${formatMetric(std[name] ?? 0)}`);
  }
  stderr(`run folder: ${displayPath(runDir)}`);
}
