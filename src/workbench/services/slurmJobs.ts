import * as path from 'node:path';
import * as vscode from 'vscode';
import { readJobFolder, JOB_FILE, type JobFolder } from '../../slurm/jobFolder';
import { isPending, refreshJobFolders } from '../../slurm/jobStatus';
import { Owner } from '../shared/dispose';

/**
 * Job folders of runs: what `train --on slurm` and Train on Slurm submit.
 * A Slurm sweep's trials are followed by its SweepController (it prunes and ends the sweep).
 */
const JOB_GLOB = `**/.modelstudio/runs/*/${JOB_FILE}`;
/** How often the scheduler is asked while a job is queued or its run trains: one squeue for all of them. */
export const SLURM_POLL_MS = 3000;
/** job.json writes in a row (a submission, a poll's own writes) make one scan. */
const RESCAN_MS = 300;

/**
 * The workspace's Slurm run folders (job.json) and what the scheduler says
 * of them. Polls the scheduler only while some folder is pending (a job
 * not ended, or a run still training), writing down what it says
 * (refreshJobFolders: `queued (Priority)` → `running on node1` → the end);
 * a submission or a new job.json (the CLI) starts it again. Fires
 * onDidChange after every scan and poll.
 */
export class SlurmJobs extends Owner {
  private folders = new Map<string, JobFolder>();
  private readonly changed = new vscode.EventEmitter<readonly JobFolder[]>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The scheduler's last complaint, logged once rather than every poll. */
  private lastError: string | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    const watcher = vscode.workspace.createFileSystemWatcher(JOB_GLOB);
    const rescan = () => {
      clearTimeout(this.rescanTimer);
      this.rescanTimer = setTimeout(() => void this.rescan(), RESCAN_MS);
    };
    this.register(watcher, watcher.onDidCreate(rescan), watcher.onDidChange(rescan), watcher.onDidDelete(rescan), this.changed);
    void this.rescan();
  }

  /** The Slurm run folder `runDir` as last read, or undefined for a local run. */
  folder(runDir: string): JobFolder | undefined {
    return this.folders.get(runDir);
  }

  all(): JobFolder[] {
    return [...this.folders.values()];
  }

  /**
   * Reads every job.json of the workspace again; `quiet`: without firing
   * onDidChange (the Runs view reads them as it refreshes, and would refresh again).
   */
  async rescan({ quiet = false } = {}): Promise<void> {
    try {
      const files = await vscode.workspace.findFiles(JOB_GLOB, '**/node_modules/**');
      const read = await Promise.all(files.map((file) => readJobFolder(path.dirname(file.fsPath))));
      this.folders = new Map(read.filter((f): f is JobFolder => f !== undefined).map((f) => [f.runDir, f]));
    } catch (error) {
      this.log.error(`slurm: ${String(error)}`);
    }
    if (!quiet) this.changed.fire(this.all());
    this.schedulePoll();
  }

  /** A job just submitted from this window: shown at once, and followed. */
  track(folder: JobFolder): void {
    this.folders.set(folder.runDir, folder);
    this.changed.fire(this.all());
    this.schedulePoll();
  }

  /** Asks the scheduler now (after a Stop, say) rather than at the next poll. */
  pollNow(): void {
    if (this.polling) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.poll();
  }

  private schedulePoll(): void {
    if (this.timer || this.polling || !this.all().some(isPending)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, SLURM_POLL_MS);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      // From disk first: the trainer rewrites run.json, and a stale `running` would read as a killed run.
      const pending = (
        await Promise.all(
          this.all()
            .filter(isPending)
            .map((f) => readJobFolder(f.runDir)),
        )
      ).filter((f): f is JobFolder => f !== undefined);
      for (const folder of await refreshJobFolders(pending)) this.folders.set(folder.runDir, folder);
      this.lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) this.log.warn(`slurm: ${message}`);
      this.lastError = message;
    } finally {
      this.polling = false;
    }
    this.changed.fire(this.all());
    this.schedulePoll();
  }

  override dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.rescanTimer);
    super.dispose();
  }
}
