import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { isTrainerToHost } from '../protocol/guards';
import type { RunInfo } from '../protocol/runTypes';
import type { HostToTrainer, TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { writeJsonAtomic } from '../trainer/atomicFile';
import { outOfMemoryMessage, saysOutOfMemory } from '../trainer/outOfMemory';
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
  /**
   * modelStudio.trainer.maxMemoryMB: the process's V8 heap limit
   * (--max-old-space-size), also passed in the request for the trainer's
   * own check of tensor memory. Undefined: Node's default heap.
   */
  readonly maxMemoryMB?: number;
}

/**
 * Why a trainer ended without saying so itself (no `done` or `error`):
 * run.json's error message. Out of memory when its stderr said so (V8's
 * fatal heap error aborts the process: SIGABRT, exit code 134 from a
 * shell); else how it ended, e.g. "trainer process ended unexpectedly
 * (signal SIGKILL)".
 */
export function unexpectedExitMessage(
  code: number | null,
  signal: NodeJS.Signals | null,
  outOfMemory: boolean,
  maxMemoryMB?: number,
): string {
  if (outOfMemory) return `trainer process ran ${outOfMemoryMessage(maxMemoryMB === undefined ? {} : { maxMemoryMB })}`;
  return `trainer process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`;
}

/** How much of the stderr before a chunk is kept to find a message split across chunks. */
const STDERR_OVERLAP = 256;

/**
 * One training run in its own Node process (ARCHITECTURE §2): a crash, an
 * out-of-memory or a busy loop there cannot touch the extension host. When
 * the process ends without a `done` (or `error`) message, the caller marks
 * the run failed with markRunFailed().
 */
export class TrainerProcess {
  private stopRequested = false;
  /** Its stderr said memory ran out (V8's fatal heap error, a wasm memory that could not grow). */
  private outOfMemory = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly maxMemoryMB: number | undefined,
  ) {}

  /** run.json's error for this process ending with `code` / `signal` before it said `done`. */
  exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    return unexpectedExitMessage(code, signal, this.outOfMemory, this.maxMemoryMB);
  }

  /** Undefined only when the process could not be spawned at all (onExit follows). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks the trainer and sends it `request`. */
  static start(request: TrainRequest, options: TrainerProcessOptions): TrainerProcess {
    const { maxMemoryMB } = options;
    const child = fork(options.trainerPath, [], {
      // Not the host's flags: an inspector port or a loader there would clash or slow training.
      execArgv: maxMemoryMB === undefined ? [] : [`--max-old-space-size=${maxMemoryMB}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const trainer = new TrainerProcess(child, maxMemoryMB);
    const forward = (chunk: Buffer): void => options.onStderr?.(chunk.toString('utf8'));
    child.stdout?.on('data', forward);
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (saysOutOfMemory(tail + text)) trainer.outOfMemory = true;
      tail = (tail + text).slice(-STDERR_OVERLAP);
      forward(chunk);
    });

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
    // 'close', not 'exit': stderr is read to its end by then (V8's out-of-memory report comes last).
    child.on('close', reportExit);
    child.on('error', (error) => {
      options.onStderr?.(`trainer process: ${error.message}\n`);
      // A process that never started emits no 'exit'.
      if (child.pid === undefined) {
        reportExit(null, null);
      }
    });

    trainer.send({ type: 'train', request: maxMemoryMB === undefined || request.maxMemoryMB !== undefined ? request : { ...request, maxMemoryMB } });
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
export async function markRunFailed(runDir: string, message: string): Promise<RunInfo> {
  const run = await readRun(runDir);
  if (run.status !== 'running') {
    return run;
  }
  const last = (await readMetrics(runDir).catch(() => [])).at(-1);
  const failed = failedRun(run, message, last);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.run), failed);
  return failed;
}
