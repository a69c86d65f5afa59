import { isBackendName, isObject, isThreadCount } from './primitiveGuards';
import type { BackendReport, HostToProbe, ProbeToHost } from './probeMessages';

/** Guards for the probe boundary (probeMessages.ts): what arrives over IPC is untrusted. */

const STATUSES: readonly BackendReport['status'][] = ['loaded', 'not installed', 'failed'];

function optional(x: unknown, type: 'string' | 'number' | 'boolean'): boolean {
  return x === undefined || (typeof x === type && (type !== 'number' || Number.isFinite(x)));
}

export function isBackendReport(x: unknown): x is BackendReport {
  return (
    isObject(x) &&
    isBackendName(x.backend) &&
    typeof x.status === 'string' &&
    (STATUSES as readonly string[]).includes(x.status) &&
    Array.isArray(x.versions) &&
    x.versions.every((v) => typeof v === 'string') &&
    optional(x.reason, 'string') &&
    optional(x.detail, 'string') &&
    optional(x.software, 'boolean') &&
    optional(x.samplesPerSecond, 'number') &&
    optional(x.batchSize, 'number') &&
    optional(x.batches, 'number') &&
    optional(x.warmUpMs, 'number') &&
    (x.threads === undefined || isThreadCount(x.threads))
  );
}

export function isHostToProbe(x: unknown): x is HostToProbe {
  return (
    isObject(x) &&
    x.type === 'probe' &&
    isObject(x.request) &&
    isBackendName(x.request.backend) &&
    typeof x.request.modelFile === 'string' &&
    typeof x.request.workspaceRoot === 'string' &&
    typeof x.request.seconds === 'number' &&
    x.request.seconds > 0 &&
    (x.request.threads === undefined || isThreadCount(x.request.threads))
  );
}

export function isProbeToHost(x: unknown): x is ProbeToHost {
  return isObject(x) && x.type === 'report' && isBackendReport(x.report);
}
