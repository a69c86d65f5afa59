import { displayPath } from '../data/dataError';
import { showText } from '../data/showText';
import type { ExampleImage } from '../protocol/evaluationTypes';
import type { ExplainResult, FeatureImportance, ImageExplanation } from '../protocol/explainTypes';
import { EXIT_ERROR, EXIT_OK, type Options } from './commandLine';
import { formatMetric, json, stdout } from './output';
import { runDirFor, runWorkspaceRoot } from './runCommands';

// `model-studio explain`: heatmaps of image examples or the importance of a table's columns.

/** Darkest to brightest: one character per tenth of [0, 1]. */
const SHADES = ' .:-=+*#%@';
/** Columns of a drawn map: a 28×28 digit keeps its full width. */
const MAX_COLUMNS = 28;

export async function explainCommand(options: Options): Promise<number> {
  const runDir = await runDirFor(options.modelFile, options.json);
  if (!runDir) return EXIT_ERROR;
  const { explainRun } = await import('../trainer/explain/explainRun');
  const result = await explainRun({
    runDir,
    workspaceRoot: await runWorkspaceRoot(runDir, options.data),
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.rows === undefined ? {} : { rows: options.rows }),
    ...(options.data === undefined ? {} : { data: options.data }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  if (options.json) {
    json({ type: 'result', status: 'ok', runDir, ...result });
    return EXIT_OK;
  }
  for (const line of explanationLines(result)) stdout(line);
  return EXIT_OK;
}

/** What a person reads: a heading, then each example's image beside its heatmap, or the importance table. */
export function explanationLines(result: ExplainResult): string[] {
  const heading = `run ${result.runId} · ${result.method}${result.layer === undefined ? '' : ` of layer ${result.layer}`} · ${result.dataset}`;
  if (result.importance !== undefined) {
    const { metric, baseline, repeats } = result.importance;
    return [
      heading,
      `${metric} ${formatMetric(baseline)}; its ${metric === 'mse' ? 'rise' : 'drop'} when a column is shuffled (mean ± std over ${repeats} shuffles):`,
      ...importanceTable(result.explanations as readonly FeatureImportance[]),
    ];
  }
  const lines = [heading];
  for (const e of result.explanations as readonly ImageExplanation[]) {
    const where =
      e.source.line === undefined ? `${displayPath(e.source.file)} #${e.source.index}` : `${displayPath(e.source.file)}:${e.source.line}`;
    lines.push('', showText(`row ${e.row} (${where}): predicted ${String(e.predicted)}, actual ${String(e.actual)}`, Infinity));
    const image = shadeLines(imageValues(e.image));
    const heat = shadeLines(e.heatmap);
    lines.push(...image.map((line, i) => `  ${line}  │  ${heat[i]}`.trimEnd()));
  }
  return lines;
}

function importanceTable(features: readonly FeatureImportance[]): string[] {
  const names = features.map((f) => showText(f.feature, Infinity));
  const width = Math.max(...names.map((n) => n.length), 'feature'.length);
  const largest = Math.max(...features.map((f) => f.importance), 0);
  return features.map((f, i) => {
    const bar = largest > 0 ? '█'.repeat(Math.max(0, Math.round((f.importance / largest) * 20))) : '';
    return `  ${names[i].padEnd(width)}  ${formatSigned(f.importance)} ± ${formatMetric(f.std).padEnd(8)} ${bar}`;
  });
}

function formatSigned(value: number): string {
  return (value < 0 ? '' : ' ') + value.toFixed(4);
}

/** An image's pixels as rows of [0, 1] (colour: the mean of the channels). */
function imageValues(image: ExampleImage): number[][] {
  const bytes = Buffer.from(image.pixels, 'base64');
  return Array.from({ length: image.height }, (_, r) =>
    Array.from({ length: image.width }, (_, c) => {
      let sum = 0;
      for (let k = 0; k < image.channels; k++) sum += bytes[(r * image.width + c) * image.channels + k];
      return sum / image.channels / 255;
    }),
  );
}

/**
 * A map of [0, 1] values as text: at most 28 columns, and half as many
 * rows as columns per pixel (a character is about twice as tall as wide);
 * each character the mean of the cells it covers.
 */
export function shadeLines(values: readonly (readonly number[])[]): string[] {
  const height = values.length;
  const width = values[0]?.length ?? 0;
  if (width === 0) return [];
  const columns = Math.min(width, MAX_COLUMNS);
  const rows = Math.max(1, Math.round((height * columns) / width / 2));
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    const [top, bottom] = [Math.floor((r * height) / rows), Math.floor(((r + 1) * height) / rows)];
    for (let c = 0; c < columns; c++) {
      const [left, right] = [Math.floor((c * width) / columns), Math.floor(((c + 1) * width) / columns)];
      let sum = 0;
      for (let y = top; y < bottom; y++) for (let x = left; x < right; x++) sum += values[y][x];
      const mean = sum / Math.max(1, (bottom - top) * (right - left));
      line += SHADES[Math.min(SHADES.length - 1, Math.floor(mean * SHADES.length))];
    }
    lines.push(line);
  }
  return lines;
}
