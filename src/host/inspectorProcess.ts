import { assertNever } from '../protocol/assertNever';
import {
  isInspectorToHost,
  type HostToInspector,
  type InspectRequest,
  type Inspection,
  type InspectorToHost,
} from '../protocol/inspectorMessages';
import { Worker } from './worker';

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
  private worker: Worker<HostToInspector> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: InspectorOptions) {}

  /** Validates `text` and builds its model in the inspector; rejects with InspectionCancelled when overtaken. */
  inspect(request: Omit<InspectRequest, 'id'>): Promise<Inspected> {
    if (this.disposed) return Promise.reject(new InspectionCancelled('the inspector is shut down'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Inspected>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.options.onLog?.(`inspector: no answer to ${request.modelFile} in ${this.options.timeoutMs ?? 30_000} ms; restarting it\n`);
        worker.kill();
      }, this.options.timeoutMs ?? 30_000);
      this.pending.set(id, { resolve, reject, timer });
      // A send that fails kills the process, and its exit cancels what is pending.
      worker.send({ type: 'inspect', request: { ...request, id } });
    });
  }

  /** The inspector's process id while it runs (tests, logs). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  private start(): Worker<HostToInspector> {
    const worker: Worker<HostToInspector> = Worker.start<InspectorToHost, HostToInspector>({
      script: this.options.inspectorPath,
      accepts: isInspectorToHost,
      onMessage: (message) => this.onMessage(message),
      ...(this.options.onLog ? { onOutput: this.options.onLog } : {}),
      onExit: (code, signal) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        const why = worker.pid === undefined ? 'could not be started' : `exited (${signal ?? `code ${code}`})`;
        for (const id of [...this.pending.keys()]) this.settle(id, new InspectionCancelled(`the inspector ${why}`));
      },
    });
    this.worker = worker;
    return worker;
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
      default:
        assertNever(message);
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
    const worker = this.worker;
    this.worker = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, new InspectionCancelled('the inspector is shut down'));
    worker?.kill('SIGTERM');
  }
}
