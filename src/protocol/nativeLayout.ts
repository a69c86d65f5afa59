/**
 * Where the native TF.js binding (`@tensorflow/tfjs-node`, or `-gpu`) lives
 * once installed, agreed between the host, which installs it
 * (host/nativeBackend.ts), and the trainer, which loads it: a folder of its
 * own (the extension's global storage), `<root>/<variant>/node_modules/…`.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type NativeVariant = 'cpu' | 'gpu';

export const NATIVE_PACKAGES: Readonly<Record<NativeVariant, string>> = {
  cpu: '@tensorflow/tfjs-node',
  gpu: '@tensorflow/tfjs-node-gpu',
};

/** Environment variable naming the native root for the CLI (the editor passes it in the TrainRequest). */
export const NATIVE_DIR_ENV = 'MODEL_STUDIO_NATIVE_DIR';

export function nativePackageDir(root: string, variant: NativeVariant): string {
  return path.join(root, variant, 'node_modules', ...NATIVE_PACKAGES[variant].split('/'));
}

/** Installed variants under `root`, GPU first (the order the trainer tries them). */
export function installedNativeVariants(root: string): NativeVariant[] {
  return (['gpu', 'cpu'] as const).filter((variant) => existsSync(path.join(nativePackageDir(root, variant), 'package.json')));
}

/** The version of `pkg` installed in `<root>/<variant>`, if any. */
export function installedVersion(root: string, variant: NativeVariant, pkg: string = NATIVE_PACKAGES[variant]): string | undefined {
  try {
    const json = JSON.parse(readFileSync(path.join(root, variant, 'node_modules', ...pkg.split('/'), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof json.version === 'string' ? json.version : undefined;
  } catch {
    return undefined;
  }
}
