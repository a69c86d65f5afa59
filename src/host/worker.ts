import { fork, type ChildProcess } from 'node:child_process';

export interface WorkerOptions<In> {
  /** The child's entry: dist/trainer.js, dist/inspector.js or dist/probe.js. */
  readonly script: string;
  /** The child's Node flags. Never the host's: an inspector port or a loader there would clash or slow it. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The protocol's guard for what the child sends: what fails it is dropped and logged. */
  readonly accepts: (message: unknown) => message is In;
  onMessage(message: In): void;
  /** The child's stdout and stderr as they come, and a line for each dropped message. */
  onOutput?(text: string): void;
  /** Once: when the process has ended and its output is read to the end, or could not start. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * A Node child process that speaks a typed protocol over IPC (JSON): the
 * one way the host starts the trainer, the evaluator, the inspector and
 * the probes. A crash, an out-of-memory or a busy loop there cannot touch
 * the extension host (docs/architecture.md "Processes").
 */
/** `Out`: what the host sends the child. */
export class Worker<Out extends object> {
  private constructor(private readonly child: ChildProcess) {}

  static start<In, Out extends object>(options: WorkerOptions<In>): Worker<Out> {
    const child = fork(options.script, [], {
      execArgv: [...(options.execArgv ?? [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      ...(options.env ? { env: options.env } : {}),
    });
    const output = (chunk: Buffer): void => options.onOutput?.(chunk.toString('utf8'));
    child.stdout?.on('data', output);
    child.stderr?.on('data', output);
    child.on('message', (message: unknown) => {
      if (options.accepts(message)) options.onMessage(message);
      else
        options.onOutput?.(
          `dropped a message from ${options.script} that does not fit the protocol: ${JSON.stringify(message)?.slice(0, 200)}\n`,
        );
    });
    let exited = false;
    const exit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exited) return;
      exited = true;
      options.onExit(code, signal);
    };
    // 'close', not 'exit': the output is read to its end by then (V8's out-of-memory report comes last).
    child.on('close', exit);
    child.on('error', (error) => {
      options.onOutput?.(`${options.script}: ${error.message}\n`);
      // A process that never started emits no 'close'.
      if (child.pid === undefined) exit(null, null);
    });
    return new Worker<Out>(child);
  }

  /** Undefined only when the process could not be started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The IPC channel is open: false once the process is ending. */
  get connected(): boolean {
    return this.child.connected;
  }

  /** Sends when the channel is open; a channel that closes under the send kills the process (onExit says how it ended). */
  send(message: Out): void {
    if (!this.child.connected) return;
    this.child.send(message, (error) => {
      if (error) this.child.kill('SIGKILL');
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}
