import { setUpWebGpu } from '../../src/trainer/webgpuBackend';

/**
 * What Dawn found, told apart the way the product does (webgpuBackend.ts
 * isSoftwareAdapter: isFallbackAdapter, architecture "software", or a
 * lavapipe / llvmpipe / SwiftShader name), with the raw fields printed so
 * that a wrong verdict shows. A software Vulkan driver is an adapter too:
 * the check must not time it as a GPU.
 */
export type AdapterVerdict =
  | { readonly kind: 'hardware' | 'software'; readonly description: string; readonly raw: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

interface RawAdapter {
  readonly info?: Record<string, unknown>;
  readonly isFallbackAdapter?: boolean;
}

export async function probeAdapter(): Promise<AdapterVerdict> {
  const setup = await setUpWebGpu();
  if (setup.kind === 'unavailable') return { kind: 'unavailable', reason: setup.reason };
  // setUpWebGpu keeps only its verdict; ask again (cheap) for every field the adapter reports.
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(options: object): Promise<RawAdapter | null> } } }).navigator?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  // GPUAdapterInfo's fields are getters on its prototype: read each by name (a spread copies none).
  const info = adapter?.info ?? {};
  const field = (key: string): unknown =>
    // Dawn puts isFallbackAdapter on the info (the spec's newer place) or on the adapter (the older one).
    key === 'isFallbackAdapter' ? (info[key] ?? adapter?.isFallbackAdapter) : info[key];
  const raw = ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter']
    .map((key) => `${key}=${JSON.stringify(field(key))}`)
    .join(' ');
  return { kind: setup.adapter.software ? 'software' : 'hardware', description: setup.adapter.description, raw };
}
