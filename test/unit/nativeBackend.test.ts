import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cudaMismatch, detectCuda, type CudaProbe } from '../../src/host/cuda';
import { explainNpmFailure, installNative, progressPhase, type InstallResult } from '../../src/host/nativeBackend';
import { installedNativeVariants } from '../../src/protocol/nativeLayout';
import { tempWorkspace, type TempWorkspace } from '../fixtures/workspace';

/**
 * Install Native Backend against a fake `npm` on PATH: a shell script that
 * prints what npm (and tfjs-node's install script) print when things go
 * wrong, after leaving a half-written node_modules behind, as a real failed
 * install does.
 */
const HALF_INSTALL =
  'mkdir -p node_modules/@tensorflow/tfjs-node && echo \'{"name":"@tensorflow/tfjs-node","version":"4.22.0"}\' > node_modules/@tensorflow/tfjs-node/package.json';

const FAKE_NPM: Record<string, string> = {
  badArchive: `${HALF_INSTALL}
echo "npm http fetch GET 200 https://registry.npmjs.org/@tensorflow/tfjs-node/-/tfjs-node-4.22.0.tgz 120ms"
echo "> @tensorflow/tfjs-node@4.22.0 install"
echo "* Downloading libtensorflow"
echo "TAR_BAD_ARCHIVE: Unrecognized archive format" >&2
echo "npm error code 1" >&2
echo "npm error path $PWD/node_modules/@tensorflow/tfjs-node" >&2
echo "npm error command failed" >&2
exit 1`,
  offline: `echo "npm error code ENOTFOUND" >&2
echo "npm error syscall getaddrinfo" >&2
echo "npm error errno ENOTFOUND" >&2
echo "npm error network request to https://registry.npmjs.org/@tensorflow%2ftfjs-node failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org" >&2
echo "npm error network This is a problem related to network connectivity." >&2
exit 1`,
  notFound: `echo "npm error code E404" >&2
echo "npm error 404 Not Found - GET https://registry.example.test/@tensorflow%2ftfjs-node - Not found" >&2
exit 1`,
  noAddon: `${HALF_INSTALL}
echo "added 60 packages in 3s"
exit 0`,
  ok: `${HALF_INSTALL}
mkdir -p node_modules/@tensorflow/tfjs-node/lib/napi-v8 node_modules/@tensorflow/tfjs-core
touch node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node
echo '{"name":"@tensorflow/tfjs-core","version":"4.22.0"}' > node_modules/@tensorflow/tfjs-core/package.json
cp package.json installed-with.json
echo "added 61 packages in 4s"
exit 0`,
  slow: `${HALF_INSTALL}
echo "* Downloading libtensorflow"
sleep 30
exit 0`,
};

function fakeNpm(workspace: TempWorkspace, behaviour: keyof typeof FAKE_NPM): NodeJS.ProcessEnv {
  const bin = workspace.file(`bin-${behaviour}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\n${FAKE_NPM[behaviour]}\n`);
  chmodSync(path.join(bin, 'npm'), 0o755);
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
}

/** What is in the native root: nothing half-installed may be left. */
function leftovers(root: string): string[] {
  return existsSync(root) ? readdirSync(root).sort() : [];
}

describe('Install Native Backend (nativeBackend.ts)', function () {
  this.timeout(20_000);
  let workspace: TempWorkspace;
  let root: string;
  beforeEach(() => {
    workspace = tempWorkspace();
    root = workspace.file('globalStorage/native');
  });
  afterEach(() => workspace.remove());

  const install = (behaviour: keyof typeof FAKE_NPM, extra: Partial<Parameters<typeof installNative>[0]> = {}): Promise<InstallResult> =>
    installNative({ root, variant: 'cpu', env: fakeNpm(workspace, behaviour), verify: async () => undefined, ...extra });

  it('a libtensorflow download that is not an archive: TAR_BAD_ARCHIVE explained, nothing left behind', async () => {
    const phases: string[] = [];
    const result = await install('badArchive', { onProgress: (p) => phases.push(p.message) });
    assert.equal(result.kind, 'failed');
    assert.equal(
      result.kind === 'failed' && result.message,
      'Could not install @tensorflow/tfjs-node@4.22.0: the libtensorflow download was not a valid archive (TAR_BAD_ARCHIVE): ' +
        'a proxy or captive portal probably answered instead of the download server. ' +
        'Check the network (or TFJS_NODE_CDN_STORAGE if you mirror it) and try again; nothing was installed.',
    );
    assert.deepEqual(leftovers(root), []);
    assert.deepEqual(installedNativeVariants(root), []);
    assert.ok(phases.includes('downloading libtensorflow…'), phases.join(' | '));
  });

  it('offline (the registry does not resolve): says offline and names the host, nothing left behind', async () => {
    const result = await install('offline');
    assert.equal(
      result.kind === 'failed' && result.message,
      'Could not install @tensorflow/tfjs-node@4.22.0: offline or the network is blocked (ENOTFOUND for registry.npmjs.org). ' +
        "It downloads from the npm registry and libtensorflow from Google's storage; training goes on with the WebAssembly backend.",
    );
    assert.deepEqual(leftovers(root), []);
  });

  it('real npm against a registry that does not answer (a closed port on 127.0.0.1): offline message, nothing left behind', async function () {
    this.timeout(60_000);
    const result = await installNative({
      root,
      variant: 'cpu',
      verify: async () => undefined,
      env: {
        ...process.env,
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_cache: workspace.file('npm-cache'),
        npm_config_fetch_retries: '0',
        npm_config_offline: 'false',
      },
    });
    assert.equal(
      result.kind === 'failed' && result.message,
      'Could not install @tensorflow/tfjs-node@4.22.0: offline or the network is blocked (ECONNREFUSED for 127.0.0.1:9). ' +
        "It downloads from the npm registry and libtensorflow from Google's storage; training goes on with the WebAssembly backend.",
    );
    assert.deepEqual(leftovers(root), []);
  });

  it('a registry without the package (404) names the package', async () => {
    const result = await install('notFound');
    assert.equal(
      result.kind === 'failed' && result.message,
      'Could not install @tensorflow/tfjs-node@4.22.0: the registry has no @tensorflow/tfjs-node (404). Check the npm registry setting (npm config get registry).',
    );
    assert.deepEqual(leftovers(root), []);
  });

  it('npm succeeds but the native addon is missing (install script skipped): failed, nothing left behind', async () => {
    const result = await install('noAddon');
    assert.equal(result.kind, 'failed');
    assert.match(result.kind === 'failed' ? result.message : '', /native addon \(lib\/napi-v\*\/tfjs_binding\.node\) is missing/);
    assert.deepEqual(leftovers(root), []);
  });

  it('a binding that does not load (e.g. CUDA libraries missing) is not moved into place', async () => {
    const result = await install('ok', { verify: async () => 'libcudart.so.11.0: cannot open shared object file' });
    assert.equal(
      result.kind === 'failed' && result.message,
      '@tensorflow/tfjs-node@4.22.0 was downloaded but does not load: libcudart.so.11.0: cannot open shared object file. Nothing was installed.',
    );
    assert.deepEqual(leftovers(root), []);
  });

  it('npm not found on PATH: says so', async () => {
    const result = await installNative({ root, variant: 'cpu', npm: workspace.file('no-such-npm'), verify: async () => undefined });
    assert.match(result.kind === 'failed' ? result.message : '', /npm was not found/);
    assert.deepEqual(leftovers(root), []);
  });

  it('success: one folder <root>/cpu, with allowScripts for the binding so npm 11 runs its install script', async () => {
    const result = await install('ok');
    assert.deepEqual(result, { kind: 'installed', dir: path.join(root, 'cpu'), version: '4.22.0' });
    assert.deepEqual(leftovers(root), ['cpu']);
    assert.deepEqual(installedNativeVariants(root), ['cpu']);
    const manifest = JSON.parse(readFileSync(path.join(root, 'cpu', 'installed-with.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(manifest.dependencies, { '@tensorflow/tfjs-node': '4.22.0' });
    assert.deepEqual(manifest.allowScripts, { '@tensorflow/tfjs-node@4.22.0': true });
  });

  it('a failed reinstall leaves the previous install as it was', async () => {
    await install('ok');
    writeFileSync(path.join(root, 'cpu', 'marker'), 'previous');
    const result = await install('badArchive');
    assert.equal(result.kind, 'failed');
    assert.deepEqual(leftovers(root), ['cpu']);
    assert.equal(readFileSync(path.join(root, 'cpu', 'marker'), 'utf8'), 'previous');
  });

  it('cancel ends npm and removes what it wrote', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const result = await install('slow', {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.message === 'downloading libtensorflow…') controller.abort();
      },
    });
    assert.deepEqual(result, { kind: 'cancelled' });
    assert.ok(Date.now() - started < 10_000, 'npm was not ended');
    assert.deepEqual(leftovers(root), []);
  });
});

describe('explainNpmFailure and progress phases', () => {
  it("falls back to npm's own first error line and exit code", () => {
    assert.equal(
      explainNpmFailure('gpu', 'npm error code ERESOLVE\nnpm error ERESOLVE could not resolve\n', 1),
      'Could not install @tensorflow/tfjs-node-gpu@4.22.0: npm exited with 1: ERESOLVE could not resolve.',
    );
  });
  it("recognises npm's fetch lines and tfjs-node's download line", () => {
    assert.equal(progressPhase('npm http fetch GET 200 https://registry.npmjs.org/tar/-/tar-6.2.1.tgz 80ms'), 'downloading packages…');
    assert.equal(progressPhase('* Downloading libtensorflow'), 'downloading libtensorflow…');
    assert.equal(progressPhase('added 61 packages in 4s'), 'checking the binding…');
    assert.equal(progressPhase('npm warn deprecated rimraf@2.7.1'), undefined);
  });
});

describe('CUDA / cuDNN detection for tfjs-node-gpu', () => {
  function probe(outputs: Record<string, string>, files: Record<string, string> = {}): CudaProbe {
    return {
      run: async (command, args) => outputs[[command, ...args].join(' ')],
      read: async (file) => files[file],
    };
  }
  const smi = (cuda: string): Record<string, string> => ({
    'nvidia-smi --query-gpu=name,driver_version --format=csv,noheader': 'NVIDIA GeForce RTX 3090, 535.104.05\n',
    'nvidia-smi': `| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: ${cuda}     |\n`,
  });

  it('CUDA 12 and cuDNN 9: names the versions found and what is needed', async () => {
    const found = await detectCuda(
      probe(
        {
          ...smi('12.2'),
          'ldconfig -p':
            '\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12\n\tlibcudnn.so.9 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.9\n',
        },
        {
          '/usr/local/cuda/version.json': JSON.stringify({ cuda: { name: 'CUDA SDK', version: '12.2.140' } }),
          '/usr/include/cudnn_version.h': '#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 0\n',
        },
      ),
    );
    assert.deepEqual(found, {
      gpus: ['NVIDIA GeForce RTX 3090 (driver 535.104.05)'],
      driverCuda: '12.2',
      cuda: '12.2.140',
      cudartSonames: ['libcudart.so.12'],
      cudnn: '9.1.0',
      cudnnSonames: ['libcudnn.so.9'],
    });
    assert.equal(
      cudaMismatch(found),
      'tfjs-node-gpu 4.22.0 needs an NVIDIA GPU with CUDA 11.x (≥ 11.2) and cuDNN 8.x (≥ 8.1); found CUDA 12.2.140, cuDNN 9.1.0 ' +
        '(NVIDIA GeForce RTX 3090 (driver 535.104.05); driver supports CUDA ≤ 12.2; CUDA 12.2.140 (libcudart.so.12); cuDNN 9.1.0 (libcudnn.so.9)). ' +
        'Install the native CPU backend instead, or use webgpu, which needs no CUDA.',
    );
  });

  it('CUDA 11.8 with cuDNN 8.6 beside a newer driver: a match', async () => {
    const found = await detectCuda(
      probe({
        ...smi('12.2'),
        'ldconfig -p':
          '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.8/lib64/libcudart.so.11.0\n\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8\n',
      }),
    );
    assert.equal(found.cuda, undefined); // a soname gives the major version only
    assert.equal(cudaMismatch(found), undefined);
  });

  it('CUDA 11.0 (older than 11.2) from version.txt is a mismatch', async () => {
    const found = await detectCuda(
      probe(
        { ...smi('11.0'), 'ldconfig -p': '\tlibcudart.so.11.0 => /x\n\tlibcudnn.so.8 => /y\n' },
        { '/usr/local/cuda/version.txt': 'CUDA Version 11.0.221\n' },
      ),
    );
    assert.match(
      cudaMismatch(found) ?? '',
      /found a driver for CUDA ≤ 11\.0 only, CUDA 11\.0\.221 \(.*CUDA 11\.0\.221 \(libcudart\.so\.11\.0\); cuDNN \(libcudnn\.so\.8\)\)/,
    );
  });

  it('no NVIDIA GPU and no libraries', async () => {
    const found = await detectCuda(probe({}));
    assert.equal(
      cudaMismatch(found),
      'tfjs-node-gpu 4.22.0 needs an NVIDIA GPU with CUDA 11.x (≥ 11.2) and cuDNN 8.x (≥ 8.1); found no NVIDIA GPU, no CUDA runtime, no cuDNN ' +
        '(no NVIDIA GPU (nvidia-smi not found or failed); no CUDA runtime (libcudart) found; no cuDNN (libcudnn) found). ' +
        'Install the native CPU backend instead, or use webgpu, which needs no CUDA.',
    );
  });
});
