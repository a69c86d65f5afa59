import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { compareLosses, compareWindowMeans } from '../../bench/gpu/lossAgreement';

/**
 * The GPU check (bench/gpu/) is built for a machine this suite never sees,
 * so here it runs dry: built into a folder outside node_modules' reach,
 * started by its run.sh, it must say there is no GPU and why, load its
 * bundle (Dawn's binary, the wasm binaries, two batches per sample model)
 * and exit 0. With the private lavapipe of scripts/installLavapipe.sh it
 * must also see that adapter as software, not as a GPU.
 */

const repoRoot = path.resolve(__dirname, '../..');
/** Under /tmp rather than out/: from there `webgpu` resolves to the carried copy only, not the repository's node_modules. */
const folder = path.join(tmpdir(), `model-studio-gpucheck-${process.pid}`);
const LAVAPIPE = process.env.MODEL_STUDIO_LAVAPIPE ?? path.join(homedir(), '.cache', 'model-studio', 'lavapipe');

/** The environment of a machine with no Vulkan driver: whatever this one points the loader at is dropped. */
function bareEnv(): NodeJS.ProcessEnv {
  const { VK_ICD_FILENAMES: _icd, VK_DRIVER_FILES: _driver, LD_LIBRARY_PATH: _lib, ...env } = process.env;
  return { ...env, PATH: `${path.dirname(process.execPath)}:${env.PATH ?? ''}` };
}

function runCheck(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string } {
  const result = spawnSync(path.join(folder, 'run.sh'), args, { cwd: folder, env, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: `${result.stdout}${result.stderr}` };
}

describe('GPU check (bench/gpu)', function () {
  this.timeout(60_000);

  before(() => {
    const build = spawnSync(process.execPath, ['bench/gpu/build.mjs', '--out', folder], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stdout, /GPU check built in .*: \d+\.\d MiB\n/);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('carries the linux-x64 Dawn binary only', () => {
    assert.ok(existsSync(path.join(folder, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node')));
    assert.ok(!existsSync(path.join(folder, 'node_modules', 'webgpu', 'dist', 'linux-arm64')));
  });

  it('--dry: says there is no GPU, checks the bundle loads, exits 0', () => {
    const { status, stdout } = runCheck(['--dry'], bareEnv());
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^dry run: no GPU/m);
    assert.match(stdout, /ok: Dawn binary opens: node_modules\/webgpu\/dist\/linux-x64\/dawn\.node/);
    assert.match(stdout, /ok: mlp: builds \(407,050 parameters\), trains 2 batches on wasm/);
    assert.match(stdout, /ok: cnn: builds \(225,034 parameters\), trains 2 batches on wasm/);
    assert.match(stdout, /^dry run ok/m);
  });

  it('without nvidia-smi: runs dry by itself, naming what is missing', function () {
    if (spawnSync('nvidia-smi', ['-L']).status === 0) this.skip();
    const { status, stdout } = runCheck([], bareEnv());
    assert.equal(status, 0, stdout);
    assert.match(stdout, /driver: no nvidia-smi/);
    assert.match(stdout, /^dry run: no GPU: no nvidia-smi/m);
  });

  it('takes lavapipe for a software adapter, not a GPU', function () {
    const icd = path.join(LAVAPIPE, 'lvp_icd.json');
    if (!existsSync(icd) || spawnSync('nvidia-smi', ['-L']).status === 0) this.skip();
    const lib = path.join(LAVAPIPE, 'root', 'usr', 'lib', 'x86_64-linux-gnu');
    const { status, stdout } = runCheck([], { ...bareEnv(), VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: lib });
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^adapter: llvmpipe.*: a SOFTWARE adapter \(CPU\), not a GPU$/m);
    assert.match(stdout, /^dry run: no GPU/m);
  });
});

describe('compareLosses', () => {
  it('takes the largest relative gap, and a NaN loss as a failure', () => {
    const close = compareLosses([2, 1, 0.5], [2, 1.0005, 0.5]);
    assert.equal(close.batches, 3);
    assert.equal(close.worst.batch, 1);
    assert.ok(Math.abs(close.worst.relative - 5e-4) < 1e-12);
    assert.equal(close.ok, true);
    assert.equal(compareLosses([2, 1], [2, 1.01]).ok, false);
    assert.equal(compareLosses([2, 1], [2, NaN]).worst.relative, Infinity);
    assert.equal(compareLosses([2, 1], []).ok, false);
  });
});

describe('compareWindowMeans', () => {
  it('compares means of windows, a shorter last one included', () => {
    const reference = [1, 3, 1, 3, 2];
    // Each batch far off, each window's mean the same.
    const agreement = compareWindowMeans(reference, [3, 1, 3, 1, 2], 2);
    assert.deepEqual(agreement, { batches: 5, worst: { batch: 0, relative: 0 }, ok: true });
    const off = compareWindowMeans(reference, [1, 3, 1, 3, 2.1], 2, 1e-2);
    assert.equal(off.ok, false);
    assert.equal(off.worst.batch, 4);
  });
});
