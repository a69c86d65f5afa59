/**
 * Backend probes, host side: measures every backend for one model file,
 * each in its own probe process (dist/probe.js), one after the other so the
 * timings do not compete for the cores. No TF.js here.
 */
import { isProbeToHost } from '../protocol/probeGuards';
import type { BackendReport, HostToProbe, ProbeToHost } from '../protocol/probeMessages';
import { BACKEND_NAMES, type BackendName } from '../protocol/runTypes';
import { Worker } from './worker';

export interface ProbeOptions {
  /** Absolute path of dist/probe.js. */
  readonly probePath: string;
  readonly modelFile: string;
  readonly workspaceRoot: string;
  /** Seconds of timed batches per backend (default 5). */
  readonly seconds?: number;
  readonly backends?: readonly BackendName[];
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** wasm's threads, as a run of the model would get them (protocol/threads.ts). */
  readonly threads?: number;
  /** Before each backend's probe starts. */
  onStart?(backend: BackendName, index: number, total: number): void;
  onReport?(report: BackendReport): void;
  onStderr?(text: string): void;
}

/** Probes each backend in turn; a cancel stops after killing the running probe and returns what was measured. */
export async function probeBackends(options: ProbeOptions): Promise<BackendReport[]> {
  const backends = options.backends ?? BACKEND_NAMES;
  const reports: BackendReport[] = [];
  for (const [index, backend] of backends.entries()) {
    if (options.signal?.aborted) break;
    options.onStart?.(backend, index, backends.length);
    const report = await probeOne(backend, options);
    if (report === undefined) break; // cancelled
    reports.push(report);
    options.onReport?.(report);
  }
  return reports;
}

function probeOne(backend: BackendName, options: ProbeOptions): Promise<BackendReport | undefined> {
  const seconds = options.seconds ?? 5;
  return new Promise((resolve) => {
    let report: BackendReport | undefined;
    let output = '';
    let cancelled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (cancelled) {
        resolve(undefined);
        return;
      }
      if (worker.pid === undefined) {
        resolve({ backend, status: 'failed', reason: 'could not start the probe process', versions: [] });
        return;
      }
      const lastLine = output
        .trim()
        .split('\n')
        .filter((line) => /error/i.test(line))
        .at(-1);
      resolve(
        report ?? {
          backend,
          status: 'failed',
          reason: `the probe process ended (${signal ? `signal ${signal}` : `exit code ${code}`})${lastLine ? `: ${lastLine.trim()}` : ''}`,
          versions: [],
        },
      );
    };
    const worker = Worker.start<ProbeToHost, HostToProbe>({
      script: options.probePath,
      ...(options.env ? { env: options.env } : {}),
      accepts: (message): message is ProbeToHost => isProbeToHost(message) && message.report.backend === backend,
      onMessage: (message) => {
        report = message.report;
      },
      onOutput: (text) => {
        output = (output + text).slice(-4000);
        options.onStderr?.(text);
      },
      onExit: finish,
    });
    // Loading and data preparation come on top of the timed seconds; a hung driver must not hang the probes.
    const timer = setTimeout(
      () => {
        report ??= { backend, status: 'failed', reason: `no answer within ${seconds * 4 + 60} s`, versions: [] };
        worker.kill();
      },
      (seconds * 4 + 60) * 1000,
    );
    const onAbort = (): void => {
      cancelled = true;
      worker.kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const message: HostToProbe = {
      type: 'probe',
      request: {
        backend,
        modelFile: options.modelFile,
        workspaceRoot: options.workspaceRoot,
        seconds,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      },
    };
    worker.send(message);
  });
}

/**
 * The backend `auto` should use for this model: the fastest that trained,
 * never a software GPU (docs/decisions.md: on lavapipe webgpu ties wasm on an MLP
 * and loses 4× on a CNN; a timing on a shared machine does not change that).
 */
export function fastestBackend(reports: readonly BackendReport[]): BackendReport | undefined {
  return reports
    .filter((r) => r.status === 'loaded' && r.samplesPerSecond !== undefined && r.software !== true)
    .reduce<BackendReport | undefined>(
      (best, r) => (best === undefined || (r.samplesPerSecond ?? 0) > (best.samplesPerSecond ?? 0) ? r : best),
      undefined,
    );
}

/** "812 samples/s (batch 128)", "≈ 1.1 samples/s (batches of 8: a full batch is too slow)". */
export function formatSpeed(report: BackendReport): string {
  if (report.samplesPerSecond === undefined) return '';
  const rate = report.samplesPerSecond >= 100 ? report.samplesPerSecond.toFixed(0) : report.samplesPerSecond.toPrecision(2);
  return `${rate} samples/s (batch ${report.batchSize})`;
}

/** One line per backend, for the CLI and the log. */
export function formatReport(report: BackendReport): string {
  const head = `${report.backend.padEnd(10)} ${report.status.padEnd(13)}`;
  if (report.status !== 'loaded') return `${head} ${report.reason ?? ''}`;
  return `${head} ${formatSpeed(report)}${report.detail ? ` · ${report.detail}` : ''}${report.software ? ' · software: not for speed' : ''} · ${report.versions.join(', ')}`;
}
