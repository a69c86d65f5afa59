import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MAX_THREADS } from '../../src/protocol/threads';
import { clampWasmThreads } from '../../src/trainer/wasmThreads';

const repoRoot = path.resolve(__dirname, '../..');
const wasmPackage = path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm');

interface ChildResult {
  backend: string;
  detail: string | null;
  threads: number;
  values: number[];
}

/** test/fixtures/wasmThreadsChild.ts in its own process (a process holds one wasm module); fails if it does not end by itself. */
function runChild(threads: number, environment?: 'no-workers'): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'test', 'fixtures', 'wasmThreadsChild.ts'),
        String(threads),
        ...(environment ? [environment] : []),
      ],
      { cwd: repoRoot, timeout: 45_000, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(
            new Error(
              `child with ${threads} threads: ${error.message} ${error.killed ? '(killed: it did not exit by itself)' : ''}\n${stderr}`,
            ),
          );
          return;
        }
        resolve(JSON.parse(stdout) as ChildResult);
      },
    );
  });
}

function md5(file: string): string {
  return createHash('md5').update(readFileSync(file)).digest('hex');
}

/**
 * Pins what src/trainer/wasmThreads.ts relies on in TF.js 4.22's wasm
 * package: a TF.js upgrade that changes any of it fails here.
 */
describe('wasm threads (threaded SIMD build in Node)', () => {
  it('TF.js still does not take the threaded build in Node by itself', async () => {
    // If this flips, TF.js loads threads on its own and wasmThreads.ts may go.
    assert.equal(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'), false);
  });

  it('the package ships the emscripten factory and worker source we load, built with the wasm in dist/', () => {
    const out = path.join(wasmPackage, 'wasm-out');
    assert.ok(existsSync(path.join(out, 'tfjs-backend-wasm-threaded-simd.js')));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of the package
    const worker = require(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents?: unknown };
    assert.equal(typeof worker.wasmWorkerContents, 'string');
    assert.equal(
      md5(path.join(wasmPackage, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm')),
      md5(path.join(out, 'tfjs-backend-wasm-threaded-simd.wasm')),
    );
  });

  it('the thread count is clamped to 1…8', () => {
    assert.equal(MAX_THREADS, 8);
    assert.deepEqual([0, 1, 2.7, 8, 64].map(clampWasmThreads), [1, 1, 2, 8, 8]);
  });

  it('2 threads: granted on any machine, same results as 1 thread, and the process exits by itself', async () => {
    const one = await runChild(1);
    const two = await runChild(2);
    assert.equal(one.backend, 'wasm');
    assert.equal(two.backend, 'wasm');
    assert.equal(one.threads, 1);
    assert.equal(one.detail, '1 thread');
    assert.equal(two.threads, 2);
    assert.equal(two.detail, '2 threads');
    assert.equal(two.values.length, one.values.length);
    let maxDiff = 0;
    one.values.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - two.values[i]))));
    assert.ok(maxDiff <= 1e-5, `max difference ${maxDiff}`);
  });

  it('a threaded build that cannot start falls back to one thread and says why', async () => {
    const child = await runChild(2, 'no-workers');
    assert.equal(child.backend, 'wasm');
    assert.equal(child.threads, 1);
    assert.equal(child.detail, '1 thread (2 asked for; worker threads are not allowed here)');
    const one = await runChild(1);
    assert.deepEqual(child.values, one.values);
  });
});
