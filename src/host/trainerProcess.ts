import { isTrainerToHost } from '../protocol/guards';
import type { HostToTrainer, TrainerToHost, TrainRequest } from '../protocol/trainerMessages';
import { outOfMemoryMessage, saysOutOfMemory } from '../protocol/outOfMemory';
import { Worker } from './worker';

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

/** How much of the output before a chunk is kept to find a message split across chunks. */
const OUTPUT_OVERLAP = 256;

/**
 * One training run in its own Node process (a Worker). When the process
 * ends without a `done` (or `error`) message, the caller marks the run
 * failed with markRunFailed().
 */
export class TrainerProcess {
  private stopRequested = false;
  /** Its output said memory ran out (V8's fatal heap error, a wasm memory that could not grow). */
  private outOfMemory = false;
  private worker!: Worker<HostToTrainer>;

  private constructor(private readonly maxMemoryMB: number | undefined) {}

  /** run.json's error for this process ending with `code` / `signal` before it said `done`. */
  exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    return unexpectedExitMessage(code, signal, this.outOfMemory, this.maxMemoryMB);
  }

  /** Undefined only when the process could not be spawned at all (onExit follows). */
  get pid(): number | undefined {
    return this.worker.pid;
  }

  /** Forks the trainer and sends it `request`. */
  static start(request: TrainRequest, options: TrainerProcessOptions): TrainerProcess {
    const { maxMemoryMB } = options;
    const trainer = new TrainerProcess(maxMemoryMB);
    let tail = '';
    trainer.worker = Worker.start<TrainerToHost, HostToTrainer>({
      script: options.trainerPath,
      execArgv: maxMemoryMB === undefined ? [] : [`--max-old-space-size=${maxMemoryMB}`],
      accepts: isTrainerToHost,
      onMessage: options.onMessage,
      onOutput: (text) => {
        if (saysOutOfMemory(tail + text)) trainer.outOfMemory = true;
        tail = (tail + text).slice(-OUTPUT_OVERLAP);
        options.onStderr?.(text);
      },
      onExit: options.onExit,
    });
    trainer.worker.send({
      type: 'train',
      request: maxMemoryMB === undefined || request.maxMemoryMB !== undefined ? request : { ...request, maxMemoryMB },
    });
    return trainer;
  }

  /** First call: finish the batch, save and mark `stopped`. Second call: kill at once. */
  stop(): void {
    if (this.worker.ended) return;
    if (this.stopRequested || !this.worker.connected) {
      this.worker.kill();
      return;
    }
    this.stopRequested = true;
    this.worker.send({ type: 'stop' });
  }
}
