import type * as tf from '@tensorflow/tfjs';
import { closeSync, openSync, promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { PreparedData } from '../data/preparedData';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import type { ModelSpec } from '../spec/modelSpec';
import { writeJsonAtomic } from './atomicFile';
import { saveModel } from './modelIO';
import { RUN_FILES, type CheckpointName } from './runFiles';

/** Contents of `normalization.json`: what evaluation and prediction must apply to inputs. */
export interface RunNormalization {
  readonly featureShape: PreparedData['featureShape'];
  readonly features: PreparedData['features'];
  readonly target: PreparedData['target'];
  readonly classes?: PreparedData['classes'];
}

/** Batch records reach the file at least this often, besides every epoch end. */
const METRICS_FLUSH_MS = 1000;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `yyyymmdd-hhmmss` in local time: folder names sort by start time and read as the user's clock. */
function runTimestamp(date: Date): string {
  return `${date.getFullYear()}${pad2(date.getMonth() + 1)}${pad2(date.getDate())}-` +
    `${pad2(date.getHours())}${pad2(date.getMinutes())}${pad2(date.getSeconds())}`;
}

/** A model name as a folder-name part: letters, digits, `.`, `_`, `-`. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'model';
}

/** Creates `<runsDir>/<yyyymmdd-hhmmss>-<name>[-N]/`, N only when that second is taken already. */
async function createRunDir(runsDir: string, name: string, startedAt: Date): Promise<{ id: string; dir: string }> {
  await fs.mkdir(runsDir, { recursive: true });
  const base = `${runTimestamp(startedAt)}-${safeName(name)}`;
  for (let attempt = 1; ; attempt++) {
    const id = attempt === 1 ? base : `${base}-${attempt}`;
    const dir = path.join(runsDir, id);
    try {
      await fs.mkdir(dir);
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
}

/**
 * Writes one run folder. run.json is replaced atomically on every change;
 * metrics.jsonl only ever grows by whole lines, so a reader (or a killed
 * trainer) sees at worst a torn last line.
 */
export class RunWriter {
  private pendingLines = '';
  private lastFlush = Date.now();
  private metricsFd: number | undefined;

  private constructor(readonly id: string, readonly dir: string) {}

  /** Creates the folder and writes the spec snapshot and the normalisation statistics. */
  static async create(runsDir: string, spec: ModelSpec, data: PreparedData, startedAt: Date): Promise<RunWriter> {
    const { id, dir } = await createRunDir(runsDir, spec.name, startedAt);
    const writer = new RunWriter(id, dir);
    const normalization: RunNormalization = {
      featureShape: data.featureShape,
      features: data.features,
      target: data.target,
      ...(data.classes === undefined ? {} : { classes: data.classes }),
    };
    await writeJsonAtomic(path.join(dir, RUN_FILES.spec), spec);
    await writeJsonAtomic(path.join(dir, RUN_FILES.normalization), normalization);
    writer.metricsFd = openSync(path.join(dir, RUN_FILES.metrics), 'a');
    return writer;
  }

  async writeRunInfo(run: RunInfo): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, RUN_FILES.run), run);
  }

  /** Queues a record; epoch records (and a second's worth of batches) flush the queue. */
  appendMetric(record: MetricRecord): void {
    this.pendingLines += `${JSON.stringify(record)}\n`;
    if (record.batch === null || Date.now() - this.lastFlush >= METRICS_FLUSH_MS) {
      this.flushMetrics();
    }
  }

  /** Writes queued lines in one write call, so each reaches the file whole. */
  flushMetrics(): void {
    if (this.pendingLines !== '' && this.metricsFd !== undefined) {
      writeSync(this.metricsFd, this.pendingLines);
      this.pendingLines = '';
    }
    this.lastFlush = Date.now();
  }

  async saveModel(model: tf.LayersModel): Promise<void> {
    await saveModel(model, path.join(this.dir, RUN_FILES.model));
  }

  async saveCheckpoint(model: tf.LayersModel, name: CheckpointName): Promise<void> {
    await saveModel(model, path.join(this.dir, RUN_FILES.checkpoints, name));
  }

  /** Flushes and closes metrics.jsonl; the writer is done after this. */
  close(): void {
    this.flushMetrics();
    if (this.metricsFd !== undefined) {
      closeSync(this.metricsFd);
      this.metricsFd = undefined;
    }
  }
}
