import { fork, type ChildProcess } from 'node:child_process';
import {
  isInspectorToHost,
  type HostToInspector,
  type InspectRequest,
  type Inspection,
  type InspectorToHost,
} from '../protocol/inspectorMessages';

export interface InspectorOptions {
  /** dist/inspector.js. */
  readonly inspectorPath: string;
  /** The child's stderr, dropped messages and restarts, for the log. */
  readonly onLog?: (text: string) => void;
  /** A request not answered in this time kills the process (a busy loop in TF.js); the next request starts a new one. */
  readonly timeoutMs?: number;
}

export interface Inspected {
  readonly inspection: Inspection;
  /** Time the inspector spent validating and building. */
  readonly ms: number;
}

/** The request was overtaken by a newer one for the same file, or the inspector went away. */
export class InspectionCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InspectionCancelled';
  }
}

interface Pending {
  readonly resolve: (value: Inspected) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The host's side of the inspector process: forks dist/inspector.js on the
 * first request and keeps it (loading TF.js takes about a second; a build
 * then takes milliseconds), matches answers to requests by id, and starts
 * a fresh process after a crash or a timeout. Plain Node: no vscode.
 */
export class InspectorProcess {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: InspectorOptions) {}

  /** Validates `text` and builds its model in the inspector; rejects with InspectionCancelled when overtaken. */
  inspect(request: Omit<InspectRequest, 'id'>): Promise<Inspected> {
    if (this.disposed) return Promise.reject(new InspectionCancelled('the inspector is shut down'));
    const child = this.child ?? this.start();
    const id = this.nextId++;
    return new Promise<Inspected>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.options.onLog?.(`inspector: no answer to ${request.modelFile} in ${this.options.timeoutMs ?? 30_000} ms; restarting it\n`);
        child.kill('SIGKILL');
      }, this.options.timeoutMs ?? 30_000);
      this.pending.set(id, { resolve, reject, timer });
      const message: HostToInspector = { type: 'inspect', request: { ...request, id } };
      child.send(message, (error) => {
        if (error) this.settle(id, new InspectionCancelled(`cannot reach the inspector: ${error.message}`));
      });
    });
  }

  /** The inspector's process id while it runs (tests, logs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): ChildProcess {
    const child = fork(this.options.inspectorPath, [], {
      // Not the host's flags: an inspector port or a loader there would clash.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const forward = (chunk: Buffer): void => this.options.onLog?.(chunk.toString('utf8'));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('message', (message: unknown) => {
      if (!isInspectorToHost(message)) {
        this.options.onLog?.(`inspector: dropped a message that does not fit the protocol: ${JSON.stringify(message)?.slice(0, 200)}\n`);
        return;
      }
      this.onMessage(message);
    });
    const gone = (why: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, new InspectionCancelled(`the inspector ${why}`));
    };
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    child.on('error', (error) => {
      this.options.onLog?.(`inspector: ${error.message}\n`);
      gone(`failed: ${error.message}`);
    });
    this.child = child;
    return child;
  }

  private onMessage(message: InspectorToHost): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'inspected':
        this.settle(message.id, undefined, { inspection: message.inspection, ms: message.ms });
        return;
      case 'failed':
        this.settle(message.id, new InspectionCancelled(message.message));
        return;
      default: {
        const unexpected: never = message;
        this.options.onLog?.(`inspector: unexpected message ${JSON.stringify(unexpected)}\n`);
      }
    }
  }

  private settle(id: number, error: Error | undefined, value?: Inspected): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(error);
    else if (value !== undefined) pending.resolve(value);
  }

  dispose(): void {
    this.disposed = true;
    const child = this.child;
    this.child = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, new InspectionCancelled('the inspector is shut down'));
    child?.kill();
  }
}
