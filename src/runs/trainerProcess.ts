import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { isTrainerToHost } from '../protocol/guards';
import type { HostToTrainer, TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { writeJsonAtomic } from '../trainer/atomicFile';
import { failedRun, RUN_FILES } from '../trainer/runFiles';
import { readMetrics, readRun } from './runFolder';

export interface TrainerProcessOptions {
  /** Absolute path of dist/trainer.js. */
  readonly trainerPath: string;
  /** Every message that passes the protocol guard, in order. */
  onMessage(message: TrainerToHost): void;
  /** Once, when the process has ended for whatever reason. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** The trainer's stdout and stderr, and messages dropped because they do not fit the protocol. */
  onStderr?(text: string): void;
}

/**
 * One training run in its own Node process (ARCHITECTURE §2): a crash, an
 * out-of-memory or a busy loop there cannot touch the extension host. When
 * the process ends without a `done` (or `error`) message, the caller marks
 * the run failed with markRunFailed().
 */
export class TrainerProcess {
  private stopRequested = false;

  private constructor(private readonly child: ChildProcess) {}

  /** Undefined only when the process could not be spawned at all (onExit follows). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks the trainer and sends it `request`. */
  static start(request: TrainRequest, options: TrainerProcessOptions): TrainerProcess {
    const child = fork(options.trainerPath, [], {
      // Not the host's flags: an inspector port or a loader there would clash or slow training.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const forward = (chunk: Buffer): void => options.onStderr?.(chunk.toString('utf8'));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);

    child.on('message', (message: unknown) => {
      if (isTrainerToHost(message)) {
        options.onMessage(message);
      } else {
        options.onStderr?.(`dropped a trainer message that does not fit the protocol: ${JSON.stringify(message).slice(0, 200)}\n`);
      }
    });

    let exited = false;
    const reportExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (!exited) {
        exited = true;
        options.onExit(code, signal);
      }
    };
    child.on('exit', reportExit);
    child.on('error', (error) => {
      options.onStderr?.(`trainer process: ${error.message}\n`);
      // A process that never started emits no 'exit'.
      if (child.pid === undefined) {
        reportExit(null, null);
      }
    });

    const trainer = new TrainerProcess(child);
    trainer.send({ type: 'train', request });
    return trainer;
  }

  /** First call: finish the batch, save and mark `stopped`. Second call: kill at once. */
  stop(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    if (this.stopRequested || !this.child.connected) {
      this.child.kill('SIGKILL');
      return;
    }
    this.stopRequested = true;
    this.send({ type: 'stop' });
  }

  private send(message: HostToTrainer): void {
    if (this.child.connected) {
      this.child.send(message, (error) => {
        // The channel closed under us: the process is ending, and onExit will say how.
        if (error) this.child.kill('SIGKILL');
      });
    }
  }
}

/**
 * Marks a run failed after its trainer died without finishing run.json
 * (killed, out of memory, crashed): status `failed`, the message, and the
 * epoch and batch of the last metric record. Metrics so far stay. A run
 * that already ended is left as it is.
 */
export async function markRunFailed(runDir: string, message: string): Promise<void> {
  const run = await readRun(runDir);
  if (run.status !== 'running') {
    return;
  }
  const last = (await readMetrics(runDir).catch(() => [])).at(-1);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.run), failedRun(run, message, last));
}
