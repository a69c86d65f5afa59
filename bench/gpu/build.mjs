// Builds the GPU check into one folder that can be carried to a GPU machine
// with no network (bench/gpu/README.md):
//
//   node bench/gpu/build.mjs [--out DIR] [--with-node]
//
// DIR (default out/gpucheck) gets run.sh, check.cjs (bench/gpu/check.ts with
// TF.js and the trainer modules it uses, one file), TF.js's wasm binaries,
// node_modules/webgpu with the linux-x64 Dawn binary only (the other four
// platforms would add 112 MB), the two MNIST sample model files and their
// training images, and a Vulkan loader when one is at hand (findVulkanLoader). --with-node adds this Node binary, gzip-compressed
// (95 MB raw would not fit the 64 MiB carried): run.sh unpacks it when the
// machine has no Node 20 or newer. Prints the folder's size.
import { buildSync } from 'esbuild';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { parse } from 'jsonc-parser';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** The samples whose architectures the check trains; their `data.train` files are copied beside them. */
const SAMPLES = { mlp: 'samples/mnist-mlp.model.json', cnn: 'samples/mnist-cnn.model.json' };

/**
 * A Vulkan loader (libvulkan.so.1, 0.5 MB, needs only glibc) to carry: a
 * bare image may have NVIDIA's driver mounted and no loader, and Dawn
 * reaches the driver only through one. run.sh uses it only when the
 * machine has none. From the private lavapipe (scripts/installLavapipe.sh),
 * else the system's; none found: the folder goes without.
 */
function findVulkanLoader() {
  const lavapipe = process.env.MODEL_STUDIO_LAVAPIPE ?? path.join(homedir(), '.cache', 'model-studio', 'lavapipe');
  return [path.join(lavapipe, 'root', 'usr', 'lib', 'x86_64-linux-gnu'), '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu']
    .map((dir) => path.join(dir, 'libvulkan.so.1'))
    .find((file) => existsSync(file));
}

function folderBytes(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const file = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(file) : statSync(file).size);
  }, 0);
}

export async function buildGpuCheck({ out = path.join(repoRoot, 'out', 'gpucheck'), withNode = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  buildSync({
    absWorkingDir: repoRoot,
    entryPoints: ['bench/gpu/check.ts'],
    outfile: path.join(out, 'check.cjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    // The native binding is never asked for here (its backend is not measured) and is not carried.
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    logLevel: 'error',
  });
  // tfjs-backend-wasm looks for its binaries beside the script that loaded it; check.cjs also names this folder.
  const wasmDir = path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const file of readdirSync(wasmDir).filter((name) => name.endsWith('.wasm')))
    copyFileSync(path.join(wasmDir, file), path.join(out, file));
  // Dawn: the package's own loader (index.js picks dist/<platform>-<arch>/dawn.node) and the linux-x64 binary.
  const webgpu = path.join(repoRoot, 'node_modules', 'webgpu');
  const dawnOut = path.join(out, 'node_modules', 'webgpu');
  mkdirSync(path.join(dawnOut, 'dist', 'linux-x64'), { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(path.join(webgpu, file), path.join(dawnOut, file));
  copyFileSync(path.join(webgpu, 'dist', 'linux-x64', 'dawn.node'), path.join(dawnOut, 'dist', 'linux-x64', 'dawn.node'));
  // The samples, reduced to what check.ts reads: layers, training, feature shape and the training split's files.
  mkdirSync(path.join(out, 'data'), { recursive: true });
  const models = {};
  for (const [name, file] of Object.entries(SAMPLES)) {
    const spec = parse(readFileSync(path.join(repoRoot, file), 'utf8'));
    const train = {};
    for (const [key, data] of Object.entries(spec.data.train)) {
      copyFileSync(path.join(repoRoot, 'samples', data), path.join(out, 'data', path.basename(data)));
      train[key] = path.join('data', path.basename(data));
    }
    models[name] = { source: file, ...spec, data: { ...spec.data, train } };
  }
  writeFileSync(path.join(out, 'models.json'), `${JSON.stringify(models, null, 2)}\n`);
  const loader = findVulkanLoader();
  if (loader !== undefined) {
    mkdirSync(path.join(out, 'lib'), { recursive: true });
    copyFileSync(loader, path.join(out, 'lib', 'libvulkan.so.1'));
  }
  copyFileSync(path.join(here, 'run.sh'), path.join(out, 'run.sh'));
  chmodSync(path.join(out, 'run.sh'), 0o755);
  if (withNode) {
    await pipeline(createReadStream(process.execPath), createGzip({ level: 9 }), createWriteStream(path.join(out, 'node.gz')));
    writeFileSync(path.join(out, 'node.version'), `${process.version}\n`);
  }
  return { out, bytes: folderBytes(out) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'with-node': { type: 'boolean', default: false } } });
  const { out, bytes } = await buildGpuCheck({ out: values.out && path.resolve(values.out), withNode: values['with-node'] });
  const mib = (bytes / 2 ** 20).toFixed(1);
  const relative = path.relative(process.cwd(), out);
  const shown = relative === '' ? '.' : relative.startsWith('..') ? out : relative;
  console.log(`GPU check built in ${shown}: ${mib} MiB${bytes > 64 * 2 ** 20 ? ' (over the 64 MiB that can be carried!)' : ''}`);
}
