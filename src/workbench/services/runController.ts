import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever } from '../../protocol/assertNever';
import type { BackendChoice, BackendName, MetricRecord, RunInfo } from '../../protocol/runTypes';
import type { TrainerToHost, TrainRequest } from '../../protocol/trainerMessages';
import { MAX_THREADS, trainerThreads } from '../../protocol/threads';
import { readRun, runsDirFor } from '../../runFolder/readRunFolder';
import { modelFileOfRun } from '../../runFolder/runSummary';
import { markRunFailed } from '../../runFolder/deadRuns';
import { TrainerProcess } from '../../host/trainerProcess';
import { usableCores } from '../../host/cores';
import { whyNotResumable } from '../../runFolder/resume';
import { workspaceRootFor } from '../shared/modelFiles';

/** One model file's run, as the editor sees it. */
export type RunState =
  | { readonly kind: 'idle' }
  /** The trainer process is loading TF.js or the data. */
  | { readonly kind: 'starting'; readonly backend?: BackendName }
  | {
      readonly kind: 'running';
      readonly runDir: string;
      readonly run: RunInfo;
      /** 1-based epoch of the latest record (0 before the first). */
      readonly epoch: number;
      readonly loss?: number;
      /** A cross-validated run (`run`): the fold training now. */
      readonly fold?: FoldState;
    }
  /** Stop was asked for; the trainer finishes its batch and saves. */
  | { readonly kind: 'stopping'; readonly runDir?: string; readonly run?: RunInfo; readonly fold?: FoldState }
  /** Completed or stopped: run.json is final. */
  | { readonly kind: 'finished'; readonly runDir: string; readonly run: RunInfo }
  | { readonly kind: 'failed'; readonly runDir?: string; readonly error: string };

/** The fold of a cross-validated run that is training: its 1-based index and its own run folder. */
export interface FoldState {
  readonly index: number;
  readonly runDir: string;
  readonly run: RunInfo;
}

/** Fired on every change, a new loss included: listeners that care about less compare kinds. */
export interface RunStateChange {
  readonly modelFile: string;
  readonly state: RunState;
}

export interface RunRecord {
  readonly modelFile: string;
  readonly runId: string;
  readonly record: MetricRecord;
}

export function isActive(state: RunState): boolean {
  return state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping';
}

export interface StartOptions {
  /**
   * What becomes of this file's run when one is going: `stop` it (it saves
   * a checkpoint and ends `stopped`) or `keep` it training. Either way the
   * new run becomes the file's run; the old one's news no longer reaches
   * the file's panel and CodeLens, its run folder still gets everything.
   * Unset: no new run starts while one is going.
   */
  readonly current?: 'stop' | 'keep';
  /** Continue this stopped run of the file instead of starting a new one. */
  readonly resumeRunDir?: string;
  /** Continue with Changes: a new run of the file as it is now, from this finished or stopped run's last checkpoint. */
  readonly continueRunDir?: string;
}

/** modelStudio.trainer.threads as set: 0 (automatic) when unset or not a whole number in range. */
export function threadsSetting(): number {
  const value = vscode.workspace.getConfiguration('modelStudio.trainer').get<number>('threads');
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_THREADS ? value : 0;
}

/** The wasm threads of one trainer started from the editor (protocol/threads.ts). */
export function editorTrainerThreads(): number {
  return trainerThreads(threadsSetting(), { cores: usableCores(), editor: true, trainers: 1 });
}

/** modelStudio.trainer.maxMemoryMB; 0 or unset: Node's default heap, no check. */
export function maxMemoryMB(): number | undefined {
  const value = vscode.workspace.getConfiguration('modelStudio.trainer').get<number>('maxMemoryMB');
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

interface Entry {
  state: RunState;
  process?: TrainerProcess;
  /**
   * Records since the latest epoch record. The trainer writes metrics.jsonl
   * in batches (every epoch record, else about once a second), so these may
   * not be on disk yet; a panel opened now needs them to have no gap.
   */
  tail: MetricRecord[];
  /** The trainer said how it ended (`done` or `error`). */
  ended: boolean;
}

/**
 * Starts and stops training runs, one per model file, each in its own
 * trainer process; turns the trainer's messages into a RunState per file.
 * Holds no run data but the few records the trainer has not written yet:
 * the run folder is the record.
 */
export class RunController implements vscode.Disposable {
  /** Each model file's current run. */
  private readonly entries = new Map<string, Entry>();
  /** Every run whose process is alive, including ones replaced by a run started alongside. */
  private readonly live = new Set<Entry>();
  private readonly stateEmitter = new vscode.EventEmitter<RunStateChange>();
  private readonly recordEmitter = new vscode.EventEmitter<RunRecord>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidRecord = this.recordEmitter.event;

  constructor(
    private readonly trainerPath: string,
    private readonly log: vscode.LogOutputChannel,
    /** TrainRequest.backend for a model file (the setting, or the fastest remembered for it). */
    private readonly backendFor: (modelFile: string) => BackendChoice = () => 'auto',
  ) {}

  state(modelFile: string): RunState {
    return this.entries.get(modelFile)?.state ?? { kind: 'idle' };
  }

  /** The active run's records that metrics.jsonl may not hold yet (see Entry.tail). */
  unwritten(modelFile: string): readonly MetricRecord[] {
    return this.entries.get(modelFile)?.tail ?? [];
  }

  /** Model files whose run is starting, running or stopping. */
  activeFiles(): string[] {
    return [...this.entries].filter(([, e]) => isActive(e.state)).map(([file]) => file);
  }

  /**
   * Starts a run for `modelUri`; returns false when one is going and
   * StartOptions.current does not say what to do with it. Runs of
   * different files go on side by side.
   */
  start(modelUri: vscode.Uri, options: StartOptions = {}): boolean {
    const modelFile = modelUri.fsPath;
    if (isActive(this.state(modelFile))) {
      if (options.current === undefined) return false;
      if (options.current === 'stop') this.stop(modelFile);
    }
    const request: TrainRequest = {
      modelFile,
      workspaceRoot: workspaceRootFor(modelUri),
      // A continued run goes next to its parent (run.json's parent id names a run of the same folder), as the CLI puts it.
      runsDir: options.continueRunDir === undefined ? runsDirFor(modelFile) : path.dirname(options.continueRunDir),
      backend: this.backendFor(modelFile),
      threads: editorTrainerThreads(),
      ...(options.resumeRunDir === undefined ? {} : { resumeRunDir: options.resumeRunDir }),
      ...(options.continueRunDir === undefined ? {} : { continueRunDir: options.continueRunDir }),
    };
    const entry: Entry = { state: { kind: 'starting' }, tail: [], ended: false };
    this.entries.set(modelFile, entry);
    this.live.add(entry);
    const what = options.resumeRunDir
      ? `resuming ${options.resumeRunDir} of`
      : options.continueRunDir
        ? `continuing ${options.continueRunDir} with`
        : 'training';
    this.log.info(`${what} ${modelFile}`);
    const memory = maxMemoryMB();
    entry.process = TrainerProcess.start(request, {
      trainerPath: this.trainerPath,
      onMessage: (msg) => this.onMessage(modelFile, entry, msg),
      onExit: (code, signal) => void this.onExit(modelFile, entry, code, signal),
      onStderr: (text) => this.log.info(`[trainer] ${text.trimEnd()}`),
      ...(memory === undefined ? {} : { maxMemoryMB: memory }),
    });
    this.log.info(`trainer process ${entry.process.pid} started`);
    this.fire(modelFile, entry);
    return true;
  }

  /**
   * Resumes the stopped run in `runDir`: its model file's run becomes this
   * one. Says why not when it cannot: the run is not stopped, has trained
   * all its epochs, or its model file is training.
   */
  async resume(runDir: string): Promise<{ readonly modelFile: string } | { readonly problem: string }> {
    const run = await readRun(runDir);
    const why = whyNotResumable(run);
    if (why) return { problem: `Run ${run.id} cannot be resumed: ${why}.` };
    const modelFile = modelFileOfRun({ runDir, run });
    if (isActive(this.state(modelFile))) return { problem: `${modelFile} is training: stop that run first.` };
    this.start(vscode.Uri.file(modelFile), { resumeRunDir: runDir });
    return { modelFile };
  }

  /**
   * Asks the run of `modelFile` to stop: the first call lets the trainer
   * finish its batch and save, a second one kills it.
   */
  stop(modelFile: string): boolean {
    const entry = this.entries.get(modelFile);
    if (!entry?.process || !isActive(entry.state)) return false;
    entry.process.stop();
    const state = entry.state;
    if (state.kind !== 'stopping') {
      entry.state =
        state.kind === 'running'
          ? { kind: 'stopping', runDir: state.runDir, run: state.run, ...(state.fold ? { fold: state.fold } : {}) }
          : { kind: 'stopping' };
      this.fire(modelFile, entry);
    }
    return true;
  }

  private onMessage(modelFile: string, entry: Entry, msg: TrainerToHost): void {
    const state = entry.state;
    switch (msg.type) {
      case 'ready':
        this.log.info(`backend ${msg.backend}${msg.skipped.map((s) => `; skipped ${s.backend}: ${s.reason}`).join('')}`);
        if (state.kind === 'starting') this.set(modelFile, entry, { kind: 'starting', backend: msg.backend });
        return;
      case 'runStarted':
        this.log.info(`run ${msg.run.id} in ${msg.runDir}`);
        if (msg.fold !== undefined && (state.kind === 'running' || state.kind === 'stopping') && state.run) {
          // A fold of the cross-validated run the state holds: the run stays the parent.
          const fold: FoldState = { index: msg.fold, runDir: msg.runDir, run: msg.run };
          this.set(modelFile, entry, state.kind === 'running' ? { ...state, epoch: 0, fold } : { ...state, fold });
          return;
        }
        this.set(
          modelFile,
          entry,
          state.kind === 'stopping'
            ? { kind: 'stopping', runDir: msg.runDir, run: msg.run }
            : { kind: 'running', runDir: msg.runDir, run: msg.run, epoch: 0 },
        );
        return;
      case 'metrics': {
        if (state.kind === 'running') {
          this.set(modelFile, entry, { ...state, epoch: msg.record.epoch, loss: msg.record.loss });
        }
        if (msg.record.batch === null) entry.tail = [msg.record];
        else entry.tail.push(msg.record);
        const run = state.kind === 'running' || state.kind === 'stopping' ? (state.fold?.run ?? state.run) : undefined;
        if (run) this.recordEmitter.fire({ modelFile, runId: run.id, record: msg.record });
        return;
      }
      case 'log':
        this.log[msg.level](msg.message);
        return;
      case 'done':
        if (msg.fold !== undefined) {
          // The parent's own `done` follows its last fold's.
          this.log.info(`fold ${msg.fold} (run ${msg.run.id}) ${msg.run.status}${msg.run.error ? `: ${msg.run.error.message}` : ''}`);
          return;
        }
        entry.ended = true;
        this.log.info(`run ${msg.run.id} ${msg.run.status}${msg.run.error ? `: ${msg.run.error.message}` : ''}`);
        this.set(
          modelFile,
          entry,
          msg.run.status === 'failed'
            ? { kind: 'failed', runDir: msg.runDir, error: msg.run.error?.message ?? 'training failed' }
            : { kind: 'finished', runDir: msg.runDir, run: msg.run },
        );
        return;
      case 'error':
        entry.ended = true;
        this.log.error(msg.message);
        this.set(modelFile, entry, { kind: 'failed', error: msg.message });
        return;
      default:
        assertNever(msg);
    }
  }

  private async onExit(modelFile: string, entry: Entry, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const trainer = entry.process;
    entry.process = undefined;
    this.live.delete(entry);
    entry.tail = []; // flushed (or lost with the process)
    this.log.info(`trainer process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    if (entry.ended) return;
    const state = entry.state;
    const runDir = state.kind === 'running' || state.kind === 'stopping' ? state.runDir : undefined;
    const foldDir = state.kind === 'running' || state.kind === 'stopping' ? state.fold?.runDir : undefined;
    // "trainer process ended unexpectedly (signal SIGKILL)", or out of memory with what to do about it.
    const error =
      trainer?.exitMessage(code, signal) ?? `trainer process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`;
    this.log.error(error);
    for (const dir of [foldDir, runDir]) {
      if (!dir) continue;
      try {
        await markRunFailed(dir, error);
      } catch (e) {
        this.log.error(`marking ${dir} failed: ${String(e)}`);
      }
    }
    this.set(modelFile, entry, { kind: 'failed', ...(runDir ? { runDir } : {}), error });
  }

  private set(modelFile: string, entry: Entry, state: RunState): void {
    entry.state = state;
    this.fire(modelFile, entry);
  }

  private fire(modelFile: string, entry: Entry): void {
    // A newer run of the same file replaced this entry: its news is stale.
    if (this.entries.get(modelFile) !== entry) return;
    this.stateEmitter.fire({ modelFile, state: entry.state });
  }

  dispose(): void {
    for (const entry of this.live) entry.process?.stop();
    this.stateEmitter.dispose();
    this.recordEmitter.dispose();
  }
}
