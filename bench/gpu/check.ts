/**
 * The GPU check, bundled by build.mjs into check.cjs and started by run.sh
 * (bench/gpu/README.md): trains the MNIST MLP and CNN samples on webgpu,
 * checks each batch's loss against the cpu backend, and prints samples/s on
 * webgpu and on wasm and cpu in the same run. Without a hardware adapter it
 * runs dry: says why, checks that the bundle loads, and exits 0.
 *
 *   node check.cjs [--dry] [--why TEXT] [--expect-gpu] [--allow-software] [--batches N] [--reference-batches N] [--models mlp,cnn] [--losses-out FILE]
 *
 * --losses-out FILE writes every batch's loss per model and backend as JSON.
 * --expect-gpu (run.sh passes it when nvidia-smi lists a GPU) turns "no
 * hardware adapter" into a failure: the driver is there and Dawn cannot
 * use it. --allow-software trains on a software adapter (lavapipe) for a
 * test of this script; its figures are not GPU figures.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readIdxPair } from '../../src/data/idx';
import { DEFAULT_BATCH_SIZE } from '../../src/modelFile/modelDefaults';
import type { ModelSpec } from '../../src/modelFile/modelSpec';
import type { BackendName } from '../../src/protocol/runTypes';
import { probeAdapter } from './adapter';
import { dryChecks } from './dryChecks';
import { compareLosses, compareWindowMeans, LOSS_TOLERANCE, PER_BATCH_LIMIT, WINDOW, WINDOW_TOLERANCE } from './lossAgreement';
import type { Examples } from './trainSteps';
import { trainSteps } from './trainSteps';

/** Batches left out of each rate: the first pays for shader compilation (webgpu) and kernel set-up. */
const WARMUP = 10;

/**
 * cpu batches per model for the loss reference: plain JavaScript trains the
 * MLP at ~170 samples/s and the CNN at ~9 (10 s a batch on this 2-core
 * machine), so cpu checks a prefix of the run; wasm, which matches cpu to
 * ~1e-7 there, checks the whole run (lossAgreement.ts).
 */
const REFERENCE_BATCHES: Record<string, number> = { mlp: 50, cnn: 4 };

const { values } = parseArgs({
  options: {
    dry: { type: 'boolean', default: false },
    why: { type: 'string' },
    'expect-gpu': { type: 'boolean', default: false },
    'allow-software': { type: 'boolean', default: false },
    batches: { type: 'string', default: '300' },
    'reference-batches': { type: 'string' },
    models: { type: 'string', default: 'mlp,cnn' },
    'losses-out': { type: 'string' },
  },
});

const dir = process.env.GPU_CHECK_DIR || __dirname;

/** The sample's first examples, repeated until there are `count`: the samples hold 8,000, a run may want more. */
function repeatTo(examples: Examples, count: number): Examples {
  if (examples.count >= count) return examples;
  const size = examples.pixels.length / examples.count;
  const pixels = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const from = i % examples.count;
    pixels.set(examples.pixels.subarray(from * size, (from + 1) * size), i * size);
    labels[i] = examples.labels[from];
  }
  return { pixels, labels, count };
}

function rate(samplesPerSecond: number): string {
  return Number.isFinite(samplesPerSecond) ? Math.round(samplesPerSecond).toLocaleString('en') : '–';
}

async function main(): Promise<number> {
  tf.enableProdMode();
  const all = JSON.parse(readFileSync(path.join(dir, 'models.json'), 'utf8')) as Record<string, ModelSpec & { source: string }>;
  const names = values.models.split(',').filter(Boolean);
  const unknown = names.filter((name) => !(name in all));
  if (unknown.length > 0) throw new Error(`unknown model ${unknown.join(', ')} (models: ${Object.keys(all).join(', ')})`);
  const models = Object.fromEntries(names.map((name) => [name, all[name]]));
  const batches = Number(values.batches);
  if (!Number.isInteger(batches) || batches < 2) throw new Error(`--batches ${values.batches}: a whole number, 2 or more`);
  const examples: Record<string, Examples> = {};
  for (const [name, spec] of Object.entries(models)) {
    const { images, labels } = spec.data.train as { images: string; labels: string };
    const pair = await readIdxPair(path.join(dir, images), path.join(dir, labels));
    examples[name] = repeatTo(pair, batches * (spec.training.batchSize ?? DEFAULT_BATCH_SIZE));
  }
  console.log(`Model Studio GPU check: Node ${process.version}, TF.js ${tf.version.tfjs}, ${process.platform}-${process.arch}`);

  const adapter = await probeAdapter();
  console.log(
    adapter.kind === 'unavailable'
      ? `adapter: none (${adapter.reason})`
      : `adapter: ${adapter.description}: ${adapter.kind === 'software' ? 'a SOFTWARE adapter (CPU), not a GPU' : 'hardware'}\n  ${adapter.raw}`,
  );
  const usable = adapter.kind === 'hardware' || (adapter.kind === 'software' && values['allow-software']);
  const adapterWhy =
    adapter.kind === 'unavailable'
      ? adapter.reason
      : adapter.kind === 'software'
        ? `Dawn found only a software adapter (${adapter.description})`
        : undefined;
  if (!values.dry && !usable && values['expect-gpu']) {
    console.log(`FAIL: the NVIDIA driver is there but webgpu cannot use the GPU: ${adapterWhy}`);
    return 1;
  }
  if (values.dry || !usable) {
    // run.sh's reasons (the driver) first, then Dawn's (the adapter); a GPU that is there is only not used.
    const why = [values.why, adapter.kind === 'hardware' ? undefined : adapterWhy].filter(Boolean).join('; ');
    console.log(
      adapter.kind === 'hardware' ? 'dry run (--dry): a GPU is there, not trained on' : `dry run: no GPU${why ? `: ${why}` : ''}`,
    );
    for (const line of await dryChecks(dir, models, examples)) console.log(`  ok: ${line}`);
    console.log('dry run ok: the bundle loads and trains on wasm; run it on a machine with an NVIDIA GPU for GPU figures');
    return 0;
  }

  const rows: string[][] = [];
  const allLosses: Record<string, Record<string, number[]>> = {};
  let failed = false;
  for (const [name, spec] of Object.entries(models)) {
    const referenceBatches = Number(values['reference-batches'] ?? REFERENCE_BATCHES[name] ?? 20);
    const run = async (backend: BackendName, count: number) => {
      const started = performance.now();
      const result = await trainSteps(spec, examples[name], backend, count, Math.max(0, Math.min(WARMUP, count - 2)));
      console.log(
        `  ${name} on ${backend}: ${count} batches of ${spec.training.batchSize ?? DEFAULT_BATCH_SIZE} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return result;
    };
    console.log(`${name} (${spec.source}):`);
    const webgpu = await run('webgpu', batches);
    const wasm = await run('wasm', batches);
    const cpu = await run('cpu', referenceBatches);
    allLosses[name] = { webgpu: webgpu.losses, wasm: wasm.losses, cpu: cpu.losses };
    const comparisons = [
      [`webgpu vs cpu, each batch`, compareLosses(cpu.losses, webgpu.losses), LOSS_TOLERANCE],
      [`wasm vs cpu, each batch`, compareLosses(cpu.losses, wasm.losses), LOSS_TOLERANCE],
      [`webgpu vs wasm, each batch`, compareLosses(wasm.losses, webgpu.losses, LOSS_TOLERANCE, PER_BATCH_LIMIT), LOSS_TOLERANCE],
      [`webgpu vs wasm, means of ${WINDOW} batches`, compareWindowMeans(wasm.losses, webgpu.losses), WINDOW_TOLERANCE],
    ] as const;
    for (const [label, agreement, tolerance] of comparisons) {
      failed ||= !agreement.ok;
      console.log(
        `  ${label}, ${agreement.batches} batches: worst relative loss difference ` +
          `${agreement.worst.relative.toExponential(1)} at batch ${agreement.worst.batch + 1} ` +
          `(tolerance ${tolerance}): ${agreement.ok ? 'ok' : 'FAIL'}`,
      );
    }
    rows.push([
      name,
      rate(webgpu.samplesPerSecond),
      rate(wasm.samplesPerSecond),
      rate(cpu.samplesPerSecond),
      (webgpu.samplesPerSecond / wasm.samplesPerSecond).toFixed(2),
    ]);
  }
  const table = [['model', 'webgpu', 'wasm', 'cpu', 'webgpu/wasm'], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  console.log(`\nsamples/s (after ${WARMUP} warm-up batches; cpu over its reference batches only)`);
  for (const row of table) console.log(row.map((cell, column) => cell.padStart(widths[column])).join('  '));
  if (adapter.kind === 'software') console.log('(software adapter: these are not GPU figures)');
  if (values['losses-out']) writeFileSync(values['losses-out'], `${JSON.stringify({ adapter, losses: allLosses })}\n`);
  console.log(failed ? 'GPU check FAILED: a loss check above' : `GPU check ok on ${adapter.description}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`GPU check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
