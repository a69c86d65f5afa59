import type * as tf from '@tensorflow/tfjs';
import { closeSync, openSync, promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { PreparedData } from '../data/preparedData';
import type { MetricRecord, RunInfo } from '../protocol/runTypes';
import type { ModelSpec } from '../modelFile/modelSpec';
import { writeJsonAtomic } from '../runFolder/atomicFile';
import { createTimestampedDir } from '../runFolder/folderName';
import { updateRunRow } from '../runFolder/runIndex';
import { BackgroundWriter } from './backgroundWriter';
import { encodeModel, saveModel, withoutOptimizer, writeModelFolder, type EncodedModel } from './modelIO';
import { HEARTBEAT_MS, RUN_FILES, type CheckpointName } from '../runFolder/runFiles';
import { STATE_KEY, type TrainingState } from './trainingState';

/** Contents of `normalization.json`: what evaluation and prediction must apply to inputs. */
export interface RunNormalization {
  readonly featureShape: PreparedData['featureShape'];
  readonly features: PreparedData['features'];
  readonly target: PreparedData['target'];
  readonly classes?: PreparedData['classes'];
  /** Table sources: the feature columns in training order (absent in runs made before it was saved). */
  readonly featureNames?: PreparedData['featureNames'];
}

/** Batch records reach the file at least this often, besides every epoch end. */
const METRICS_FLUSH_MS = 1000;

/**
 * Writes one run folder. run.json is replaced atomically on every change;
 * metrics.jsonl only ever grows by whole lines, so a reader (or a killed
 * trainer) sees at worst a torn last line.
 */
export class RunWriter {
  /** Writers whose heartbeat may be going, for stopHeartbeats(). */
  private static readonly beating = new Set<RunWriter>();
  private pendingLines = '';
  private lastFlush = Date.now();
  private metricsFd: number | undefined;
  /** run.json writes in order: a heartbeat's rename must never land after the final run.json. */
  private runInfoWrites: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly checkpointWrites: Readonly<Record<CheckpointName, BackgroundWriter<EncodedModel>>> = {
    best: this.checkpointWriter('best'),
    last: this.checkpointWriter('last'),
  };

  private constructor(
    readonly id: string,
    readonly dir: string,
  ) {}

  private checkpointWriter(name: CheckpointName): BackgroundWriter<EncodedModel> {
    return new BackgroundWriter((encoded) => writeModelFolder(path.join(this.dir, RUN_FILES.checkpoints, name), encoded));
  }

  /** Reopens an existing run folder to resume it: metrics.jsonl is appended to. */
  static open(runDir: string, id = path.basename(runDir)): RunWriter {
    const writer = new RunWriter(id, runDir);
    writer.metricsFd = openSync(path.join(runDir, RUN_FILES.metrics), 'a');
    return writer;
  }

  /**
   * Stops every writer's heartbeat and waits for run.json writes in flight:
   * for a process about to write run.json itself and exit.
   */
  static async stopHeartbeats(): Promise<void> {
    await Promise.all([...RunWriter.beating].map((writer) => writer.stopHeartbeat()));
  }

  /**
   * Creates the folder and writes the spec snapshot and the normalisation
   * statistics. `at`: this folder and id (a fold of a cross-validated run)
   * instead of a new `<runsDir>/<yyyymmdd-hhmmss>-<name>`.
   */
  static async create(
    runsDir: string,
    spec: ModelSpec,
    data: PreparedData,
    startedAt: Date,
    at?: { readonly dir: string; readonly id: string },
  ): Promise<RunWriter> {
    if (at) await fs.mkdir(at.dir, { recursive: true });
    const { id, dir } = at ?? (await createTimestampedDir(runsDir, spec.name, startedAt));
    const writer = new RunWriter(id, dir);
    const normalization: RunNormalization = {
      featureShape: data.featureShape,
      features: data.features,
      target: data.target,
      ...(data.classes === undefined ? {} : { classes: data.classes }),
      ...(data.featureNames === undefined ? {} : { featureNames: data.featureNames }),
    };
    await writeJsonAtomic(path.join(dir, RUN_FILES.spec), spec);
    await writeJsonAtomic(path.join(dir, RUN_FILES.normalization), normalization);
    if (data.vocabulary !== undefined) await writeJsonAtomic(path.join(dir, RUN_FILES.vocabulary), data.vocabulary);
    writer.metricsFd = openSync(path.join(dir, RUN_FILES.metrics), 'a');
    return writer;
  }

  /** The folder of a cross-validated run, parent of its folds: spec.json and run.json only. */
  static async createParent(
    runsDir: string,
    spec: ModelSpec,
    startedAt: Date,
    at?: { readonly dir: string; readonly id: string },
  ): Promise<RunWriter> {
    const { id, dir } = at ?? (await createTimestampedDir(runsDir, spec.name, startedAt));
    await writeJsonAtomic(path.join(dir, RUN_FILES.spec), spec);
    return new RunWriter(id, dir);
  }

  /** Reopens a cross-validated run's folder to resume it. */
  static openParent(runDir: string): RunWriter {
    return new RunWriter(path.basename(runDir), runDir);
  }

  /** Replaces run.json; writes happen in call order. */
  writeRunInfo(run: RunInfo): Promise<void> {
    const write = this.runInfoWrites.then(() => writeJsonAtomic(path.join(this.dir, RUN_FILES.run), run));
    this.runInfoWrites = write.catch(() => undefined);
    return write;
  }

  /**
   * Adds run.json as it is now to the runs folder's index (at the start and
   * the end of a run, not every heartbeat). The index is a cache that readers
   * check: a failure to write it never fails the run.
   */
  async updateIndex(): Promise<void> {
    await this.runInfoWrites;
    await updateRunRow(this.dir).catch(() => undefined);
  }

  /**
   * Writes `run` (status running) now and then every HEARTBEAT_MS with a
   * fresh `heartbeatAt`, until stopHeartbeat(). The timer runs between
   * batches (training yields once per batch), so a heartbeat also says the
   * training loop is alive.
   */
  async startHeartbeat(run: RunInfo, intervalMs = HEARTBEAT_MS): Promise<void> {
    await this.stopHeartbeat();
    const beat = (): Promise<void> => this.writeRunInfo({ ...run, heartbeatAt: new Date().toISOString() });
    RunWriter.beating.add(this);
    this.heartbeat = setInterval(() => {
      beat().catch(() => undefined); // a missed beat is retried at the next one
    }, intervalMs);
    this.heartbeat.unref();
    await beat();
  }

  /** Ends the heartbeat; resolves when no heartbeat write is in flight. */
  async stopHeartbeat(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    RunWriter.beating.delete(this);
    await this.runInfoWrites;
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

  /**
   * `last`: weights, optimizer state and `state` (where training stood), all
   * a resumed run needs; with `best`, `best` too: the same weights alone.
   * The weights are read now, once for both; the files are written while
   * training goes on. A checkpoint saved again before its previous files are
   * on disk replaces the one queued behind them, so training never waits for
   * the disk. A failed write is thrown by a later save or by
   * checkpointsWritten().
   */
  async saveCheckpoints(model: tf.LayersModel, state: TrainingState, { best }: { best: boolean }): Promise<void> {
    const encoded = await encodeModel(model, { includeOptimizer: true });
    if (best) this.checkpointWrites.best.save(withoutOptimizer(encoded));
    const userDefinedMetadata = { ...encoded.modelJSON.userDefinedMetadata, [STATE_KEY]: state };
    this.checkpointWrites.last.save({ ...encoded, modelJSON: { ...encoded.modelJSON, userDefinedMetadata } });
  }

  /** Resolves when no checkpoint write is in flight any more; throws a failed write's error. */
  async checkpointsWritten(): Promise<void> {
    const results = await Promise.allSettled(Object.values(this.checkpointWrites).map((writes) => writes.written()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
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
