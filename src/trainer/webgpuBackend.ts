/**
 * WebGPU in Node through Dawn (the `webgpu` npm package, which ships its
 * binary) for `@tensorflow/tfjs-backend-webgpu`: NVIDIA, AMD, Intel and
 * Apple GPUs through Vulkan / Metal / D3D12, with no CUDA version pinning.
 * Both packages are optional dependencies (docs/decisions.md "webgpu: taken
 * by `auto` only on a hardware adapter").
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The adapter Dawn picked, as GPUAdapterInfo describes it. */
export interface WebGpuAdapter {
  readonly description: string;
  readonly vendor: string;
  readonly architecture: string;
  /** A CPU implementation (lavapipe / llvmpipe, SwiftShader): correct, not fast. */
  readonly software: boolean;
}

export type WebGpuSetup =
  { readonly kind: 'ready'; readonly adapter: WebGpuAdapter } | { readonly kind: 'unavailable'; readonly reason: string };

interface DawnModule {
  create(options: string[]): { requestAdapter(options?: object): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

interface DawnAdapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}

const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib64',
  '/lib',
];

/**
 * On Linux Dawn dlopens `libvulkan.so.1`, and without it prints a warning
 * to stderr on every start. Looking first gives a clear reason and keeps
 * the CLI's output clean.
 */
export function hasVulkanLoader(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIB_DIRS];
  if (dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/** Software rasterisers report themselves as fallback adapters, or by name. */
export function isSoftwareAdapter(info: {
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}): boolean {
  return (
    info.isFallbackAdapter === true ||
    info.architecture === 'software' ||
    /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.description ?? ''} ${info.device ?? ''}`)
  );
}

let setup: Promise<WebGpuSetup> | undefined;

/**
 * Puts Dawn's `navigator.gpu` and WebGPU globals on globalThis (Node 20 has
 * neither), then asks for an adapter. Must run before
 * `@tensorflow/tfjs-backend-webgpu` is loaded: it registers its backend
 * only when `navigator.gpu` exists. Once per process.
 */
export function setUpWebGpu(): Promise<WebGpuSetup> {
  setup ??= (async (): Promise<WebGpuSetup> => {
    if (!hasVulkanLoader()) {
      return { kind: 'unavailable', reason: "no Vulkan loader (libvulkan.so.1): install your GPU's Vulkan driver" };
    }
    let dawn: DawnModule;
    try {
      // A variable specifier keeps esbuild from bundling the optional package.
      const name = 'webgpu';
      dawn = (await import(name)) as DawnModule;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        kind: 'unavailable',
        reason:
          code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
            ? 'the webgpu package (Dawn) is not installed (optional dependency)'
            : `Dawn failed to load: ${firstLine(error)}`,
      };
    }
    const gpu = dawn.create([]);
    Object.assign(globalThis, dawn.globals);
    // Node 20 has no navigator; Node 21+ has one without `gpu`.
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    } else {
      Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return { kind: 'unavailable', reason: 'no WebGPU adapter: no Vulkan driver for a GPU was found' };
    }
    const info = adapter.info ?? {};
    return {
      kind: 'ready',
      adapter: {
        description: info.description || info.device || 'unknown adapter',
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        software: isSoftwareAdapter({ ...info, isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter }),
      },
    };
  })();
  return setup;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
