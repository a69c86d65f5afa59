import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TFJS_VERSION } from './nativeBackend';

// The CUDA and cuDNN that the GPU variant of the native backend needs, and what this machine has (nativeBackend.ts offers the GPU install with it).

/**
 * What tfjs-node-gpu 4.22 links against: libtensorflow 2.9.1, built for
 * CUDA 11.2 and cuDNN 8.1 (tfjs-node README: "CUDA 11.2 w/ CUDNN v8";
 * TensorFlow 2.9's tested build configurations). It loads
 * `libcudart.so.11.0` and `libcudnn.so.8`, so a later 11.x / 8.x works and
 * CUDA 12 or cuDNN 9 does not.
 */
const CUDA_REQUIREMENT = { cuda: { major: 11, minor: 2 }, cudnn: { major: 8, minor: 1 } } as const;

/** What the machine has, as far as it can be found out. */
interface CudaFindings {
  /** `nvidia-smi` GPUs, e.g. "NVIDIA A100 (driver 535.104.05)". */
  readonly gpus: readonly string[];
  /** The highest CUDA version the driver supports ("CUDA Version" in nvidia-smi). */
  readonly driverCuda?: string;
  /** CUDA toolkit version from /usr/local/cuda/version.json or version.txt. */
  readonly cuda?: string;
  readonly cudartSonames: readonly string[];
  /** cuDNN version from cudnn_version.h. */
  readonly cudnn?: string;
  readonly cudnnSonames: readonly string[];
}

export interface CudaProbe {
  /** stdout of a command, or undefined when it is missing or fails. */
  run(command: string, args: readonly string[]): Promise<string | undefined>;
  /** A file's text, or undefined. */
  read(file: string): Promise<string | undefined>;
}

const systemCudaProbe: CudaProbe = {
  run: (command, args) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.on('error', () => resolve(undefined));
      child.on('close', (code) => resolve(code === 0 ? out : undefined));
    }),
  read: (file) => fs.readFile(file, 'utf8').catch(() => undefined),
};

const CUDA_HOMES = ['/usr/local/cuda', '/opt/cuda'];
const CUDNN_HEADERS = [
  '/usr/include/cudnn_version.h',
  '/usr/local/cuda/include/cudnn_version.h',
  '/usr/include/x86_64-linux-gnu/cudnn_version_v8.h',
];

export async function detectCuda(probe: CudaProbe = systemCudaProbe): Promise<CudaFindings> {
  const [query, header, ldconfig] = await Promise.all([
    probe.run('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']),
    probe.run('nvidia-smi', []),
    probe.run('ldconfig', ['-p']).then((out) => out ?? probe.run('/sbin/ldconfig', ['-p'])),
  ]);
  const gpus = (query ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, driver] = line.split(',').map((part) => part.trim());
      return driver ? `${name} (driver ${driver})` : name;
    });
  const driverCuda = /CUDA Version:\s*([\d.]+)/.exec(header ?? '')?.[1];
  const sonames = (lib: string): string[] =>
    [...new Set([...(ldconfig ?? '').matchAll(new RegExp(`\\b(${lib}\\.so\\.[\\d.]+)`, 'g'))].map((m) => m[1]))].sort();
  const cudartSonames = sonames('libcudart');
  const cudnnSonames = sonames('libcudnn');

  let cuda: string | undefined;
  for (const home of CUDA_HOMES) {
    const json = await probe.read(path.join(home, 'version.json'));
    if (json) {
      try {
        const version = (JSON.parse(json) as { cuda?: { version?: unknown } }).cuda?.version;
        if (typeof version === 'string') cuda = version;
      } catch {
        // fall through to version.txt
      }
    }
    cuda ??= /CUDA Version\s+([\d.]+)/.exec((await probe.read(path.join(home, 'version.txt'))) ?? '')?.[1];
    if (cuda) break;
  }

  let cudnn: string | undefined;
  for (const file of CUDNN_HEADERS) {
    const text = await probe.read(file);
    const part = (name: string): string | undefined => new RegExp(`#define CUDNN_${name}\\s+(\\d+)`).exec(text ?? '')?.[1];
    if (part('MAJOR')) {
      cudnn = [part('MAJOR'), part('MINOR') ?? '0', part('PATCHLEVEL') ?? '0'].join('.');
      break;
    }
  }
  return {
    gpus,
    ...(driverCuda ? { driverCuda } : {}),
    ...(cuda ? { cuda } : {}),
    cudartSonames,
    ...(cudnn ? { cudnn } : {}),
    cudnnSonames,
  };
}

function majorMinor(version: string | undefined): [number, number] | undefined {
  const match = /^(\d+)(?:\.(\d+))?/.exec(version ?? '');
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : undefined;
}

function atLeast(found: [number, number], need: { major: number; minor: number }): boolean {
  return found[0] > need.major || (found[0] === need.major && found[1] >= need.minor);
}

/** "CUDA 12.4 (libcudart.so.12), cuDNN 9.1.0": what was found, for messages. */
function describeCuda(found: CudaFindings): string {
  const parts = [
    found.gpus.length > 0 ? found.gpus.join(', ') : 'no NVIDIA GPU (nvidia-smi not found or failed)',
    found.driverCuda ? `driver supports CUDA ≤ ${found.driverCuda}` : undefined,
    found.cuda || found.cudartSonames.length > 0
      ? `CUDA ${[found.cuda, found.cudartSonames.length ? `(${found.cudartSonames.join(', ')})` : ''].filter(Boolean).join(' ')}`
      : 'no CUDA runtime (libcudart) found',
    found.cudnn || found.cudnnSonames.length > 0
      ? `cuDNN ${[found.cudnn, found.cudnnSonames.length ? `(${found.cudnnSonames.join(', ')})` : ''].filter(Boolean).join(' ')}`
      : 'no cuDNN (libcudnn) found',
  ];
  return parts.filter(Boolean).join('; ');
}

/**
 * Why tfjs-node-gpu 4.22 will not run here, naming what was found and what
 * it needs; undefined when everything matches.
 */
export function cudaMismatch(found: CudaFindings): string | undefined {
  const { cuda: needCuda, cudnn: needCudnn } = CUDA_REQUIREMENT;
  const need = `tfjs-node-gpu ${TFJS_VERSION} needs an NVIDIA GPU with CUDA ${needCuda.major}.x (≥ ${needCuda.major}.${needCuda.minor}) and cuDNN ${needCudnn.major}.x (≥ ${needCudnn.major}.${needCudnn.minor})`;
  const problems: string[] = [];
  if (found.gpus.length === 0) problems.push('no NVIDIA GPU');
  const driver = majorMinor(found.driverCuda);
  if (driver && !atLeast(driver, needCuda)) problems.push(`a driver for CUDA ≤ ${found.driverCuda} only`);
  // Every 11.x runtime is libcudart.so.11.0 and every 8.x cuDNN libcudnn.so.8: a soname tells the major version only.
  const cuda = majorMinor(found.cuda);
  const cudaOk = cuda
    ? cuda[0] === needCuda.major && atLeast(cuda, needCuda)
    : found.cudartSonames.some((s) => s.startsWith(`libcudart.so.${needCuda.major}.`));
  if (!cudaOk)
    problems.push(
      found.cuda ? `CUDA ${found.cuda}` : found.cudartSonames.length ? `CUDA runtime ${found.cudartSonames.join(', ')}` : 'no CUDA runtime',
    );
  const cudnn = majorMinor(found.cudnn);
  const cudnnOk = cudnn
    ? cudnn[0] === needCudnn.major && atLeast(cudnn, needCudnn)
    : found.cudnnSonames.some((s) => s === `libcudnn.so.${needCudnn.major}` || s.startsWith(`libcudnn.so.${needCudnn.major}.`));
  if (!cudnnOk)
    problems.push(found.cudnn ? `cuDNN ${found.cudnn}` : found.cudnnSonames.length ? `cuDNN ${found.cudnnSonames.join(', ')}` : 'no cuDNN');
  if (problems.length === 0) return undefined;
  return (
    `${need}; found ${problems.join(', ')} (${describeCuda(found)}). ` +
    'Install the native CPU backend instead, or use webgpu, which needs no CUDA.'
  );
}
