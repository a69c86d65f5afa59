import * as vscode from 'vscode';
import type { BackendChoice } from '../../protocol/runTypes';
import type { SweepInfo } from '../../protocol/sweepTypes';
import { refreshSlurmSweep, stopSlurmSweep } from '../../slurm/slurmSweep';
import { slurmOptionsProblem } from '../../slurm/slurmOptions';
import { resubmitSweep, submitSweep } from '../../slurm/submitSweep';
import type { SubmitTarget } from '../../slurm/submit';
import { readSearchSpec } from '../../sweep/searchSpec';
import { readSweep } from '../../sweep/sweepFolder';
import { runSweep } from '../../sweep/sweepRunner';
import { modelName, workspaceRootFor } from '../shared/modelFiles';
import { Owner } from '../shared/dispose';
import { maxMemoryMB, threadsSetting } from './runController';

/** A sweep this window runs. */
interface ActiveSweep {
  readonly modelFile: string;
  readonly abort: AbortController;
  sweep: SweepInfo | undefined;
  stopping: boolean;
}

export interface SweepChange {
  readonly dir: string;
  readonly sweep: SweepInfo;
}

/**
 * The sweeps this window runs: starts runSweep (the trainer processes are
 * the runner's), follows each sweep.json it writes, and stops them (Cancel,
 * Stop Sweep, the window closing: each trial stops at its batch and can be
 * resumed). A sweep left `running` by a window that went away has no
 * runner here: Resume Sweep continues it.
 */
/** How often a Slurm sweep shown or started in this window is read from its trials' folders and the scheduler. */
const SLURM_POLL_MS = 3000;

export class SweepController extends Owner {
  private readonly active = new Map<string, ActiveSweep>();
  /** Slurm sweeps this window follows (and prunes), by folder: their timers. */
  private readonly followed = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<SweepChange>();
  /** Every sweep.json this window's runners write (trial state changes, heartbeats), and when a sweep ends. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly trainerPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly backendFor: (modelFile: string) => BackendChoice,
  ) {
    super();
    this.register(this.changed);
  }

  /** Whether this window runs the sweep in `dir`, and whether it is stopping. */
  state(dir: string): 'running' | 'stopping' | undefined {
    if (this.followed.has(dir)) return 'running';
    const entry = this.active.get(dir);
    return entry === undefined ? undefined : entry.stopping ? 'stopping' : 'running';
  }

  /** Sweeps this window runs of `modelFile`. */
  activeDirs(modelFile?: string): string[] {
    return [...this.active].filter(([, e]) => modelFile === undefined || e.modelFile === modelFile).map(([dir]) => dir);
  }

  /**
   * Starts a sweep of the model file (or resumes the one in `resumeSweepDir`)
   * with a notification whose Cancel stops it; resolves with its folder
   * once sweep.json exists, or with the error that kept it from starting.
   */
  start(modelUri: vscode.Uri, resumeSweepDir?: string): Promise<{ dir: string } | { error: string }> {
    const modelFile = modelUri.fsPath;
    const abort = new AbortController();
    const memory = maxMemoryMB();
    let entry: ActiveSweep | undefined;
    return new Promise((resolve) => {
      let progress: { report(value: { message?: string; increment?: number }): void } | undefined;
      let reported = 0;
      const ended = new Promise<void>((end) => {
        const events = {
          onSweep: (dir: string, sweep: SweepInfo) => {
            if (entry === undefined) {
              entry = { modelFile, abort, sweep, stopping: false };
              this.active.set(dir, entry);
              resolve({ dir });
            }
            entry.sweep = sweep;
            // Ended (its last write): the runner is finishing, the sweep is no longer this window's to stop.
            if (sweep.status !== 'running') this.active.delete(dir);
            this.changed.fire({ dir, sweep });
            const done = sweep.trials.filter((t) => t.status !== 'queued' && t.status !== 'running').length;
            const planned = Math.max(sweep.search.trials ?? sweep.trials.length, sweep.trials.length, 1);
            const percent = (done / planned) * 100;
            progress?.report({ message: `${done} of ${planned} trials done`, increment: Math.max(percent - reported, 0) });
            reported = Math.max(reported, percent);
          },
          onLog: (text: string) => this.log.info(`sweep: ${text.trimEnd()}`),
        };
        runSweep(
          {
            modelFile,
            workspaceRoot: workspaceRootFor(modelUri),
            trainerPath: this.trainerPath,
            backend: this.backendFor(modelFile),
            threads: threadsSetting(),
            fromEditor: true,
            ...(memory === undefined ? {} : { maxMemoryMB: memory }),
            ...(resumeSweepDir === undefined ? {} : { resumeSweepDir }),
          },
          events,
          abort.signal,
        )
          .then(({ dir, sweep }) => {
            this.log.info(`sweep ${sweep.id}: ${sweep.status}`);
            this.active.delete(dir);
            this.changed.fire({ dir, sweep });
          })
          .catch((error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            this.log.error(`sweep of ${modelFile}: ${message}`);
            if (entry === undefined) resolve({ error: message });
            else void vscode.window.showErrorMessage(`Sweep of ${modelName(modelFile)} failed: ${message}`);
            for (const [dir, e] of this.active) if (e === entry) this.active.delete(dir);
          })
          .finally(end);
      });
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sweep ${modelName(modelFile)}`, cancellable: true },
        (p, token) => {
          progress = p;
          token.onCancellationRequested(() => {
            if (entry) entry.stopping = true;
            abort.abort();
          });
          return ended;
        },
      );
    });
  }

  /**
   * Submits a sweep of the model file to Slurm as one job array and follows
   * it; resolves with its folder, or the error that kept it from starting
   * (the model file, sbatch missing, Slurm refusing the job).
   */
  async submitToSlurm(modelUri: vscode.Uri, target: SubmitTarget): Promise<{ dir: string } | { error: string }> {
    const modelFile = modelUri.fsPath;
    const workspaceRoot = workspaceRootFor(modelUri);
    try {
      const problem = slurmOptionsProblem(target.options);
      if (problem) throw new Error(`modelStudio.slurm: ${problem}`);
      const spec = await readSearchSpec(modelFile, workspaceRoot);
      const { dir, sweep } = await submitSweep({ modelFile, workspaceRoot, backend: this.backendFor(modelFile) }, spec, target);
      this.log.info(`sweep ${sweep.id}: submitted to Slurm as job array ${sweep.executor?.jobId ?? '?'}`);
      this.changed.fire({ dir, sweep });
      this.follow(dir);
      return { dir };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Resumes a stopped Slurm sweep: its unfinished trials as a new job array, followed. */
  async resubmitToSlurm(dir: string, target: SubmitTarget): Promise<{ dir: string } | { error: string }> {
    try {
      const sweep = await resubmitSweep(dir, await refreshSlurmSweep(dir, await readSweep(dir)), target);
      this.log.info(`sweep ${sweep.id}: resubmitted to Slurm as job array ${sweep.executor?.jobId ?? '?'}`);
      this.changed.fire({ dir, sweep });
      this.follow(dir);
      return { dir };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Follows a running Slurm sweep (shown in a panel, or submitted here):
   * reads its trials and the scheduler every SLURM_POLL_MS, prunes, and
   * says what changed, until the sweep ends. A sweep run by a process
   * (not Slurm) has its runner for that.
   */
  follow(dir: string): void {
    if (this.followed.has(dir)) return;
    const decided = new Set<string>();
    const poll = async (): Promise<void> => {
      try {
        const before = await readSweep(dir);
        if (!before.executor || before.status !== 'running') {
          this.unfollow(dir);
          return;
        }
        const sweep = await refreshSlurmSweep(dir, before, decided);
        if (sweep !== before) this.changed.fire({ dir, sweep });
        if (sweep.status !== 'running') this.unfollow(dir);
      } catch (error) {
        this.log.warn(`sweep ${dir}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    this.followed.set(
      dir,
      setInterval(() => void poll(), SLURM_POLL_MS),
    );
    void poll();
  }

  private unfollow(dir: string): void {
    clearInterval(this.followed.get(dir));
    this.followed.delete(dir);
  }

  /** Stops the sweep in `dir` (its trials save a checkpoint and can be resumed); false when this window does not run it. */
  stop(dir: string): boolean {
    if (this.followed.has(dir)) {
      void readSweep(dir)
        .then((sweep) => stopSlurmSweep(dir, sweep))
        .then((sweep) => this.changed.fire({ dir, sweep }))
        .catch(
          (error: unknown) => void vscode.window.showErrorMessage(`Stop Sweep: ${error instanceof Error ? error.message : String(error)}`),
        );
      this.unfollow(dir);
      return true;
    }
    const entry = this.active.get(dir);
    if (entry === undefined) return false;
    entry.stopping = true;
    entry.abort.abort();
    if (entry.sweep) this.changed.fire({ dir, sweep: entry.sweep });
    return true;
  }

  override dispose(): void {
    for (const entry of this.active.values()) entry.abort.abort();
    for (const dir of [...this.followed.keys()]) this.unfollow(dir);
    super.dispose();
  }
}
