import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SEED } from '../data/random';
import { assertNever } from '../protocol/assertNever';
import { TrainerProcess } from '../host/trainerProcess';
import { usableCores } from '../host/cores';
import type { ModelSpec, SearchSpec } from '../modelFile/modelSpec';
import type { BackendChoice, MetricRecord } from '../protocol/runTypes';
import type { SweepInfo, SweepStatus, TrialInfo } from '../protocol/sweepTypes';
import type { TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { trainerThreads } from '../protocol/threads';
import { markRunFailed } from '../runFolder/deadRuns';
import { readMetrics } from '../runFolder/readRunFolder';
import { HEARTBEAT_MS } from '../runFolder/runFiles';
import { pruneDecision } from './pruning';
import { metricAndGoal, readSearchSpec } from './searchSpec';
import { interruptedTrial } from './resumeTrials';
import { gridTrials, plannedTrials, sampleTrial } from './sampling';
import { createSweepDir, detectDeadSweep, readSweep, writeSweep } from './sweepFolder';
import { bestEpochMetrics, metricCurve } from './trialMetrics';

export interface SweepOptions {
  readonly modelFile: string;
  /** Data paths must resolve inside this folder. */
  readonly workspaceRoot: string;
  /** Absolute path of dist/trainer.js. */
  readonly trainerPath: string;
  /** Overrides `search.trials`. */
  readonly trials?: number;
  /** Overrides `search.parallel`. */
  readonly parallel?: number;
  readonly backend?: BackendChoice;
  /** modelStudio.trainer.threads or `--threads`: each trial's wasm threads; 0 or absent: the cores shared between the parallel trials. */
  readonly threads?: number;
  /** Started from the editor, which keeps a core for itself (protocol/threads.ts). */
  readonly fromEditor?: boolean;
  /** modelStudio.trainer.maxMemoryMB: each trial's limit, and the default parallelism's memory budget. */
  readonly maxMemoryMB?: number;
  /** Continue the sweep in this folder (stopped, or dead: its runner gone) instead of starting one. */
  readonly resumeSweepDir?: string;
  /**
   * A second Stop: aborting it kills every trial's trainer at once (their
   * trials go back to `queued` and are rerun on resume). Abort `signal` too.
   */
  readonly killSignal?: AbortSignal;
}

export interface SweepEvents {
  /** sweep.json as just written: on every trial state change and heartbeat. */
  onSweep(dir: string, sweep: SweepInfo): void;
  /** Every message of trial `index`'s trainer, in order. */
  onTrialMessage?(index: number, message: TrainerToHost): void;
  /** Trainer output and the runner's notes (a search block that no longer validates, …). */
  onLog?(text: string): void;
}

/** What one trial's trainer is assumed to need when modelStudio.trainer.maxMemoryMB is not set: TF.js in Node, a small model. */
export const TRIAL_MEMORY_ESTIMATE_MB = 512;

/**
 * Trainer processes at once without `parallel`: one per core, fewer when
 * that many trials (at maxMemoryMB each, or the estimate) would not fit in
 * the memory free now. At least one.
 */
export function defaultParallel(
  maxMemoryMB: number | undefined,
  cores = os.availableParallelism(),
  freeMB = os.freemem() / 2 ** 20,
): number {
  return Math.max(1, Math.min(cores, Math.floor(freeMB / (maxMemoryMB ?? TRIAL_MEMORY_ESTIMATE_MB))));
}

/** A trial being trained: its process, its run folder and planned epochs once started, why the pruner stopped it. */
interface Live {
  readonly process: TrainerProcess;
  runDir?: string;
  epochs?: number;
  pruned?: string;
}

/**
 * Runs a sweep (docs/architecture.md "Sweeps"): trials as trainer
 * processes, up to `parallel` at once, each an ordinary run folder inside
 * the sweep folder; prunes from their epoch metrics; rewrites sweep.json on
 * every change. Aborting `signal` stops every running trial (they can be
 * resumed) and ends the sweep `stopped`. A trial that fails does not stop
 * the sweep. Throws (before starting anything) for a model file without a
 * valid search block, or a sweep folder that cannot be resumed.
 */
export async function runSweep(
  options: SweepOptions,
  events: SweepEvents,
  signal: AbortSignal,
): Promise<{ dir: string; sweep: SweepInfo }> {
  const spec = await readSearchSpec(options.modelFile, options.workspaceRoot);
  const run =
    options.resumeSweepDir === undefined ? await SweepRun.create(options, events, spec) : await SweepRun.resume(options, events, spec);
  return { dir: run.dir, sweep: await run.run(signal) };
}

class SweepRun {
  private trials: TrialInfo[];
  private search: SearchSpec;
  private readonly live = new Map<number, Live>();
  private readonly records = new Map<number, MetricRecord[]>();
  private writes: Promise<void> = Promise.resolve();
  private status: SweepStatus = 'running';
  /** killSignal was aborted: trainers that end now were killed on purpose. */
  private killed = false;
  private notify: () => void = () => undefined;
  /** Without `parallel`: the cores within the memory free when the sweep (or its resume) started, not less as its trials take memory. */
  private readonly defaultParallel: number;

  private constructor(
    private readonly options: SweepOptions,
    private readonly events: SweepEvents,
    readonly dir: string,
    private readonly base: Omit<SweepInfo, 'status' | 'search' | 'trials' | 'pid' | 'heartbeatAt' | 'endedAt'>,
    search: SearchSpec,
    trials: TrialInfo[],
    private readonly seed: number,
  ) {
    this.search = search;
    this.trials = trials;
    this.defaultParallel = defaultParallel(options.maxMemoryMB);
  }

  static async create(options: SweepOptions, events: SweepEvents, spec: ModelSpec & { search: SearchSpec }): Promise<SweepRun> {
    const startedAt = new Date();
    const { id, dir } = await createSweepDir(options.modelFile, spec.name, startedAt);
    const base = {
      version: 1 as const,
      id,
      modelFile: path.resolve(options.modelFile),
      startedAt: startedAt.toISOString(),
      ...metricAndGoal(spec),
    };
    return new SweepRun(options, events, dir, base, spec.search, [], spec.training.seed ?? DEFAULT_SEED);
  }

  /**
   * A stopped or dead sweep: completed, pruned and failed trials stay;
   * a trial whose run was stopped resumes from its last checkpoint; one
   * whose run cannot be resumed (killed, never started) is rerun.
   */
  static async resume(options: SweepOptions, events: SweepEvents, spec: ModelSpec & { search: SearchSpec }): Promise<SweepRun> {
    const dir = path.resolve(options.resumeSweepDir ?? '');
    const sweep = await readSweep(dir);
    if (sweep.executor)
      throw new Error(`${dir}: the sweep was submitted to Slurm (job ${sweep.executor.jobId}): its trials' runs can be resumed one by one`);
    if (sweep.status === 'running' && detectDeadSweep(sweep, Date.now()) === undefined) {
      throw new Error(`${dir}: the sweep is still running (process ${sweep.pid})`);
    }
    const { status: _s, search: _search, trials: _t, pid: _p, heartbeatAt: _h, endedAt: _e, ...base } = sweep;
    const trials = await Promise.all(sweep.trials.map((trial) => interruptedTrial(dir, trial)));
    const run = new SweepRun(options, events, dir, base, spec.search, trials, spec.training.seed ?? DEFAULT_SEED);
    for (const trial of trials) {
      if (trial.runDir !== undefined)
        run.records.set(
          trial.index,
          (await readMetrics(path.join(dir, trial.runDir)).catch(() => [])).filter((r) => r.batch === null),
        );
    }
    return run;
  }

  async run(signal: AbortSignal): Promise<SweepInfo> {
    const heartbeat = setInterval(() => void this.save(), HEARTBEAT_MS);
    const stopAll = (): void => {
      for (const live of this.live.values()) live.process.stop();
    };
    const killAll = (): void => {
      this.killed = true;
      for (const live of this.live.values()) {
        live.process.stop();
        live.process.stop(); // the second call kills
      }
    };
    signal.addEventListener('abort', stopAll);
    this.options.killSignal?.addEventListener('abort', killAll);
    try {
      await this.save();
      for (;;) {
        const changed = new Promise<void>((resolve) => (this.notify = resolve));
        while (!signal.aborted && !this.killed && this.live.size < this.parallel()) {
          const index = await this.nextTrial();
          if (index === undefined || signal.aborted || this.killed) break;
          this.start(index);
        }
        if (this.live.size === 0) break;
        await changed;
      }
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', stopAll);
      this.options.killSignal?.removeEventListener('abort', killAll);
    }
    this.status =
      signal.aborted || this.killed
        ? 'stopped'
        : this.trials.length > 0 && this.trials.every((t) => t.status === 'failed')
          ? 'failed'
          : 'completed';
    return this.save();
  }

  private parallel(): number {
    return this.options.parallel ?? this.search.parallel ?? this.defaultParallel;
  }

  /**
   * The next trial to start: a queued one (resumed sweeps), else a new one
   * sampled from the search block as the model file says now (re-read, so
   * `trials` and ranges may be edited while the sweep runs; a block that no
   * longer validates is logged and the last good one kept).
   */
  private async nextTrial(): Promise<number | undefined> {
    const queued = this.trials.find((t) => t.status === 'queued' && !this.live.has(t.index));
    if (queued) return queued.index;
    try {
      this.search = (await readSearchSpec(this.options.modelFile, this.options.workspaceRoot)).search;
    } catch (error) {
      this.events.onLog?.(`sweep: keeping the search block as it was: ${(error as Error).message}\n`);
    }
    if (this.trials.length >= (this.options.trials ?? plannedTrials(this.search))) return undefined;
    const index = this.trials.length;
    const params =
      this.search.method === 'grid'
        ? gridTrials(this.search).find((p) => !this.trials.some((t) => sameParams(t.params, p)))
        : sampleTrial(this.search, this.seed, index);
    if (params === undefined) return undefined;
    this.trials.push({ index, params, status: 'queued' });
    return index;
  }

  private start(index: number): void {
    const trial = this.trials[index];
    const request: TrainRequest = {
      modelFile: this.options.modelFile,
      workspaceRoot: this.options.workspaceRoot,
      runsDir: this.dir,
      overrides: trial.params,
      crossValidation: false,
      ...(trial.runDir === undefined ? {} : { resumeRunDir: path.join(this.dir, trial.runDir) }),
      ...(this.options.backend === undefined ? {} : { backend: this.options.backend }),
      threads: trainerThreads(this.options.threads, {
        cores: usableCores(),
        editor: this.options.fromEditor === true,
        trainers: this.parallel(),
      }),
    };
    let ended = false;
    const process = TrainerProcess.start(request, {
      trainerPath: this.options.trainerPath,
      ...(this.options.maxMemoryMB === undefined ? {} : { maxMemoryMB: this.options.maxMemoryMB }),
      onMessage: (message) => {
        if (message.type === 'done' || message.type === 'error') ended = true;
        this.onMessage(index, message);
      },
      onStderr: (text) => this.events.onLog?.(`[trial ${index}] ${text}`),
      onExit: (code, exitSignal) => void this.onExit(index, ended ? undefined : process.exitMessage(code, exitSignal)),
    });
    this.live.set(index, { process, ...(trial.runDir === undefined ? {} : { runDir: path.join(this.dir, trial.runDir) }) });
    this.update(index, { status: 'running' });
  }

  private onMessage(index: number, message: TrainerToHost): void {
    this.events.onTrialMessage?.(index, message);
    const live = this.live.get(index);
    if (!live) return;
    switch (message.type) {
      case 'runStarted':
        live.runDir = message.runDir;
        live.epochs = message.run.epochs;
        this.update(index, { runDir: path.relative(this.dir, message.runDir) });
        return;
      case 'metrics':
        if (message.record.batch === null) this.onEpoch(index, live, message.record);
        return;
      case 'done': {
        const { run } = message;
        const epochsDone = run.epochsDone ?? this.trials[index].epochsDone;
        if (live.pruned !== undefined && run.status !== 'failed') this.update(index, { status: 'pruned', reason: live.pruned, epochsDone });
        else if (run.status === 'completed') this.update(index, { status: 'completed', epochsDone });
        else if (run.status === 'stopped')
          this.update(index, {
            status: 'queued',
            reason: `stopped after epoch ${epochsDone ?? 0}: resuming the sweep continues it`,
            epochsDone,
          });
        else this.update(index, { status: 'failed', reason: run.error?.message ?? `the run ended ${run.status}` });
        return;
      }
      case 'error':
        this.update(index, { status: 'failed', reason: message.message });
        return;
      case 'ready':
      case 'log':
        return;
      default:
        assertNever(message);
    }
  }

  private onEpoch(index: number, live: Live, record: MetricRecord): void {
    const records = [...(this.records.get(index) ?? []).filter((r) => r.epoch < record.epoch), record];
    this.records.set(index, records);
    const { metric, goal } = this.base;
    const metrics = bestEpochMetrics(records, metric, goal);
    this.update(index, { epochsDone: record.epoch, ...(metrics ? { metrics } : {}) });
    // A trial at its last epoch ends anyway: pruning it would only relabel it.
    if (live.pruned !== undefined || (live.epochs !== undefined && record.epoch >= live.epochs)) return;
    const curve = (i: number): { index: number; values: number[] } => ({
      index: i,
      values: metricCurve(this.records.get(i) ?? [], metric),
    });
    const others = [...this.records.keys()].filter((i) => i !== index).map(curve);
    const decision = pruneDecision(this.search.prune, curve(index), others, record.epoch, goal);
    if (decision.prune) {
      live.pruned = decision.reason;
      live.process.stop();
    }
  }

  private async onExit(index: number, unexpected: string | undefined): Promise<void> {
    const live = this.live.get(index);
    if (unexpected !== undefined) {
      if (live?.runDir) await markRunFailed(live.runDir, unexpected).catch(() => undefined);
      this.update(
        index,
        this.killed
          ? { status: 'queued', reason: 'killed with the sweep: resuming the sweep reruns it' }
          : { status: 'failed', reason: unexpected },
      );
    }
    this.live.delete(index);
    this.notify();
  }

  private update(index: number, patch: Partial<TrialInfo>): void {
    const { reason: _old, ...trial } = this.trials[index];
    const keepReason = patch.status === undefined && this.trials[index].reason !== undefined ? { reason: this.trials[index].reason } : {};
    this.trials[index] = { ...trial, ...keepReason, ...patch };
    void this.save();
  }

  /** Writes sweep.json (in order: a late heartbeat never lands after the final state) and reports it. */
  private save(): Promise<SweepInfo> {
    const now = new Date().toISOString();
    const info: SweepInfo = {
      ...this.base,
      status: this.status,
      ...(this.status === 'running' ? { pid: process.pid, heartbeatAt: now } : { endedAt: now }),
      search: this.search,
      trials: [...this.trials],
    };
    this.writes = this.writes
      .then(() => writeSweep(this.dir, info))
      .catch((error: unknown) => this.events.onLog?.(`sweep: cannot write sweep.json: ${String(error)}\n`));
    this.events.onSweep(this.dir, info);
    return this.writes.then(() => info);
  }
}

function sameParams(a: TrialInfo['params'], b: TrialInfo['params']): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}
