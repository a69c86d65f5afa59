import * as vscode from 'vscode';
import { QUANTIZATION_TRADE_OFFS } from '../../protocol/exportSummary';
import { QUANTIZATIONS, type Quantization } from '../../protocol/exportTypes';
import { modelName } from '../shared/modelFiles';

/** How Export Model… stores the weights: as trained, or quantized. */
export type WeightStorage = 'float32' | Quantization;
const STORAGES: readonly WeightStorage[] = ['float32', ...QUANTIZATIONS];

/**
 * What a caller (a test, another extension) passed to Export Model…:
 * `{ outDir?, quantize? }`, quantize one of float32, float16, uint16, uint8.
 * Given, the dialog or the quick pick it answers is not shown.
 */
export function exportOptions(options: unknown): { outDir?: string; quantize?: WeightStorage } {
  if (typeof options !== 'object' || options === null) return {};
  const { outDir, quantize } = options as { outDir?: unknown; quantize?: unknown };
  if (quantize !== undefined && !STORAGES.includes(quantize as WeightStorage)) {
    throw new Error(`Export Model…: quantize must be one of ${STORAGES.join(', ')}, got ${JSON.stringify(quantize)}`);
  }
  return {
    ...(typeof outDir === 'string' ? { outDir } : {}),
    ...(quantize === undefined ? {} : { quantize: quantize as WeightStorage }),
  };
}

/** Asks how to store the weights, float32 first; undefined when the pick is dismissed. */
export async function pickStorage(run: { modelFile: string; runId: string }): Promise<WeightStorage | undefined> {
  type Item = vscode.QuickPickItem & { storage: WeightStorage };
  const items: Item[] = STORAGES.map((storage) => ({
    label: storage,
    description: QUANTIZATION_TRADE_OFFS[storage],
    storage,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Export ${modelName(run.modelFile)} (run ${run.runId})`,
    placeHolder: 'How to store the weights (the export is then compared with float32 on the test data)',
  });
  return picked?.storage;
}
