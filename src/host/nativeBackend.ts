/**
 * Installing the native TF.js backend (`@tensorflow/tfjs-node`, or `-gpu`)
 * on demand into a folder of its own (protocol/nativeLayout.ts), instead of
 * as a dependency that cannot install offline (docs/decisions.md "Native
 * backend: installed on demand, sharing one engine"), and checking the
 * system's CUDA for the GPU variant. No TF.js and no `vscode` here: the
 * host installs and checks, the trainer loads (trainer/backend.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { dependencies } from '../../package.json';
import { installedVersion, NATIVE_PACKAGES, type NativeVariant } from '../protocol/nativeLayout';

/** The TF.js version the extension ships (package.json): the binding must be the same release. */
export const TFJS_VERSION = dependencies['@tensorflow/tfjs'];

/** The native addon the install script puts in `lib/napi-v*`; missing when its download failed. */
export function hasNativeAddon(packageDir: string): boolean {
  const lib = path.join(packageDir, 'lib');
  try {
    return readdirSync(lib).some((dir) => dir.startsWith('napi-v') && existsSync(path.join(lib, dir, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

/**
 * The package.json of the install folder. npm 11 runs a dependency's
 * install script only when `allowScripts` names it, and tfjs-node's script
 * is what downloads libtensorflow; older npm ignores the field.
 */
export function installManifest(variant: NativeVariant): object {
  const pkg = NATIVE_PACKAGES[variant];
  return {
    name: `model-studio-native-${variant}`,
    private: true,
    description: 'Installed by Model Studio: Install Native Backend',
    dependencies: { [pkg]: TFJS_VERSION },
    allowScripts: { [`${pkg}@${TFJS_VERSION}`]: true },
  };
}

/** Arguments for `npm` in the install folder (which holds installManifest()). */
export function npmInstallArgs(): string[] {
  return ['install', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', '--foreground-scripts', '--loglevel=http'];
}

/**
 * One line saying why `npm install` failed, from its exit code and output,
 * naming the cause a person can act on. The patterns are npm's and
 * tfjs-node's install script's own words.
 */
export function explainNpmFailure(variant: NativeVariant, output: string, exitCode: number | null): string {
  const pkg = `${NATIVE_PACKAGES[variant]}@${TFJS_VERSION}`;
  const host = /(?:getaddrinfo|connect) (?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH) ([\w.:-]+)/.exec(output)?.[1];
  if (/\b(ENOTFOUND|EAI_AGAIN|ENETUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/.test(output)) {
    const code = /\b(ENOTFOUND|EAI_AGAIN|ENETUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/.exec(output)?.[1];
    return (
      `Could not install ${pkg}: offline or the network is blocked (${code}${host ? ` for ${host}` : ''}). ` +
      "It downloads from the npm registry and libtensorflow from Google's storage; training goes on with the WebAssembly backend."
    );
  }
  if (/TAR_BAD_ARCHIVE|TAR_ENTRY_INVALID|unexpected end of file|zlib: /i.test(output)) {
    return (
      `Could not install ${pkg}: the libtensorflow download was not a valid archive (TAR_BAD_ARCHIVE): ` +
      'a proxy or captive portal probably answered instead of the download server. ' +
      'Check the network (or TFJS_NODE_CDN_STORAGE if you mirror it) and try again; nothing was installed.'
    );
  }
  if (/\bE404\b|404 Not Found/.test(output)) {
    const missing = /404 Not Found - GET \S+\/([^/\s]+(?:%2f|\/)[^/\s]+|[^/\s]+)/i.exec(output)?.[1]?.replace(/%2f/i, '/');
    return `Could not install ${pkg}: the registry has no ${missing ?? pkg} (404). Check the npm registry setting (npm config get registry).`;
  }
  if (/\bEACCES\b|\bEPERM\b/.test(output)) {
    return `Could not install ${pkg}: permission denied writing the install folder (${/\b(EACCES|EPERM)\b/.exec(output)?.[1]}).`;
  }
  if (/\bENOSPC\b/.test(output)) {
    return `Could not install ${pkg}: the disk is full (ENOSPC); it needs about 400 MB.`;
  }
  const errLine = output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^npm (ERR!|error)/.test(line) && !/^npm (ERR!|error) (code|errno|path|command|cwd|A complete log)/.test(line));
  return `Could not install ${pkg}: npm exited with ${exitCode ?? 'a signal'}${errLine ? `: ${errLine.replace(/^npm (ERR!|error)\s*/, '')}` : ''}.`;
}

export interface InstallProgress {
  /** A short phase for a progress notification. */
  readonly message: string;
}

export interface InstallOptions {
  /** `<globalStorage>/native`. */
  readonly root: string;
  readonly variant: NativeVariant;
  /** The npm executable (default `npm` on PATH). */
  readonly npm?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  onProgress?(progress: InstallProgress): void;
  /**
   * Checks the installed package before it is moved into place (default:
   * `node -e require(…)` in a child process: the binding loads libtensorflow).
   * Returns why it does not load, or undefined.
   */
  verify?(packageDir: string): Promise<string | undefined>;
}

export type InstallResult =
  | { readonly kind: 'installed'; readonly dir: string; readonly version: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'cancelled' };

/** Turns one line of npm's output into a phase, or undefined for noise. */
export function progressPhase(line: string): string | undefined {
  if (/Downloading libtensorflow|Downloading the .*libtensorflow|\* Downloading/i.test(line)) return 'downloading libtensorflow…';
  if (/node-pre-gyp|tfjs_binding|Installing the native addon|building/i.test(line)) return 'setting up the native addon…';
  if (/npm (http|sill|verb) fetch GET 200 .*\/-\/[^/]+\.tgz/.test(line)) return 'downloading packages…';
  if (/npm (http|sill|verb) fetch GET/.test(line)) return 'resolving packages…';
  if (/^added \d+ packages?/.test(line.trim())) return 'checking the binding…';
  return undefined;
}

/**
 * Runs `node -e "require(dir)"`: loading tfjs-node loads libtensorflow, so
 * a missing or mismatched library (CUDA for the GPU build) shows here,
 * before anything is moved into place.
 */
export function verifyByLoading(packageDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(packageDir)})`], {
      env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2', ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve(error.message));
    child.on('exit', (code) => {
      if (code === 0) resolve(undefined);
      else
        resolve(
          stderr
            .split('\n')
            .find((line) => /Error/.test(line))
            ?.trim() ?? `exit code ${code}`,
        );
    });
  });
}

/**
 * Installs a native variant: npm into a fresh temporary folder next to the
 * target, a load check, then one rename into `<root>/<variant>`. A failure
 * or a cancel removes the temporary folder, so `<root>/<variant>` is either
 * the previous install, untouched, or the new complete one.
 */
export async function installNative(options: InstallOptions): Promise<InstallResult> {
  const { root, variant } = options;
  const target = path.join(root, variant);
  await fs.mkdir(root, { recursive: true });
  const temp = await fs.mkdtemp(path.join(root, `.${variant}-installing-`));
  try {
    await fs.writeFile(path.join(temp, 'package.json'), `${JSON.stringify(installManifest(variant), null, 2)}\n`);
    options.onProgress?.({ message: `npm install ${NATIVE_PACKAGES[variant]}@${TFJS_VERSION}…` });
    const run = await runNpm(options, temp);
    if (run.kind === 'cancelled') return run;
    if (run.exitCode !== 0) {
      return { kind: 'failed', message: explainNpmFailure(variant, run.output, run.exitCode) };
    }
    const installedDir = path.join(temp, 'node_modules', ...NATIVE_PACKAGES[variant].split('/'));
    if (!hasNativeAddon(installedDir)) {
      return {
        kind: 'failed',
        message:
          `Could not install ${NATIVE_PACKAGES[variant]}@${TFJS_VERSION}: npm finished but the native addon (lib/napi-v*/tfjs_binding.node) is missing: ` +
          'its install script did not run or could not download libtensorflow. Nothing was installed.',
      };
    }
    options.onProgress?.({ message: 'checking that the binding loads…' });
    const problem = await (options.verify ?? ((dir) => verifyByLoading(dir, options.env)))(installedDir);
    if (options.signal?.aborted) return { kind: 'cancelled' };
    if (problem !== undefined) {
      return {
        kind: 'failed',
        message: `${NATIVE_PACKAGES[variant]}@${TFJS_VERSION} was downloaded but does not load: ${problem}. Nothing was installed.`,
      };
    }
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(temp, target);
    return { kind: 'installed', dir: target, version: installedVersion(root, variant) ?? TFJS_VERSION };
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}

type NpmRun = { readonly kind: 'cancelled' } | { readonly kind: 'ran'; readonly exitCode: number | null; readonly output: string };

function runNpm(options: InstallOptions, cwd: string): Promise<NpmRun> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ kind: 'cancelled' });
      return;
    }
    const child = spawn(options.npm ?? 'npm', npmInstallArgs(), {
      cwd,
      env: { ...(options.env ?? process.env), npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a cancel ends npm and the install script it runs.
      detached: process.platform !== 'win32',
      shell: process.platform === 'win32',
    });
    let output = '';
    let pending = '';
    let lastPhase = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-64 * 1024);
      pending += text;
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const phase = progressPhase(line);
        if (phase && phase !== lastPhase) {
          lastPhase = phase;
          options.onProgress?.({ message: phase });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let cancelled = false;
    const onAbort = (): void => {
      cancelled = true;
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        kind: 'ran',
        exitCode: null,
        output:
          error.code === 'ENOENT'
            ? `npm error npm was not found (${options.npm ?? 'npm'}): install Node.js with npm, or set modelStudio.npmPath`
            : error.message,
      });
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve(cancelled ? { kind: 'cancelled' } : { kind: 'ran', exitCode: code, output });
    });
  });
}

// ---------------------------------------------------------------------------
// CUDA and cuDNN
