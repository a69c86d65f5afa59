import type { ExportComparison, ExportResult, Quantization } from './exportTypes';

/**
 * One line on an export's size and test metric against the float32 model,
 * as the CLI, the editor's notification and the export's README show it:
 * `weights 102 KB (25.1 % of float32 406 KB); test accuracy 97.81 % vs
 * 97.85 % float32 (−0.04 pt); max prediction difference 3.1e-3`.
 */
export function exportSummary(result: Pick<ExportResult, 'quantize' | 'bytes' | 'bytesFloat32' | 'comparison' | 'parityNote'>): string {
  const size =
    result.quantize === undefined
      ? `weights ${formatBytes(result.bytes)} float32`
      : `weights ${formatBytes(result.bytes)} ${result.quantize} (${percent(result.bytes / result.bytesFloat32)} of float32 ${formatBytes(result.bytesFloat32)})`;
  const { comparison } = result;
  if (comparison === undefined) return `${size}; not compared on test data: ${result.parityNote ?? 'no test data'}`;
  return `${size}; ${metricComparison(comparison)}; max prediction difference ${comparison.maxAbsDifference.toExponential(1)} on ${comparison.examples} test examples`;
}

function metricComparison(c: ExportComparison): string {
  if (c.metric === 'accuracy') {
    const points = (c.exported - c.float32) * 100;
    return `test accuracy ${percent(c.exported, 2)} vs ${percent(c.float32, 2)} float32 (${signed(points, 2)} pt)`;
  }
  const relative = c.float32 === 0 ? 0 : (c.exported - c.float32) / c.float32;
  return `test ${c.metric.toUpperCase()} ${significant(c.exported)} vs ${significant(c.float32)} float32 (${signed(relative * 100, 2)} %)`;
}

/** What a quick pick or `--help` says about each storage, in a few words. */
export const QUANTIZATION_TRADE_OFFS: Readonly<Record<'float32' | Quantization, string>> = {
  float32: 'full size, exactly the trained weights',
  float16: 'half the size; accuracy usually unchanged',
  uint16: 'half the size; 65,536 levels per weight, accuracy usually unchanged',
  uint8: 'a quarter of the size; 256 levels per weight, accuracy may drop a little',
};

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** `+0.04`, `−0.04` (a minus sign, not a hyphen), `±0.00`. */
function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return `±${text}`;
  return value > 0 ? `+${text}` : `\u2212${text}`;
}

function significant(value: number): string {
  return Number(value.toPrecision(4)).toString();
}
