import type { Chart } from 'chart.js';
import type { ExplainTarget } from '../../src/protocol/evaluationMessages';
import type { ExampleImage } from '../../src/protocol/evaluationTypes';
import type { ExplainResult, FeatureImportance, ImageExplanation } from '../../src/protocol/explainTypes';
import { make } from '../common/page';
import { paintPixels } from '../common/pixels';
import { featureMapsView } from './featureMapsView';
import { shown } from './format';
import { colormapGradient, imageRgba, overlayRgba, topShare } from './heatmap';
import { importanceChart } from './importanceChart';

/*
 * The Explanation section of one side of the evaluation panel: asks the
 * host (through `request`) to explain a worst prediction of an image model
 * or to compute a table model's feature importance, shows the progress with
 * a Cancel button, then the result or the error.
 */

const SCALE = 6;

export interface ExplainHooks {
  request(target: ExplainTarget): void;
  cancel(): void;
}

function isImageExplanation(x: ImageExplanation | FeatureImportance): x is ImageExplanation {
  return 'heatmap' in x;
}

function pixelCanvas(image: ExampleImage, rgba: Uint8ClampedArray, className: string, label: string): HTMLCanvasElement {
  const canvas = make('canvas', className);
  paintPixels(canvas, image.width, image.height, rgba);
  canvas.style.width = `${image.width * SCALE}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  return canvas;
}

function figure(caption: string, content: HTMLElement): HTMLElement {
  const box = make('figure', 'explain-figure');
  box.append(content, make('figcaption', undefined, caption));
  return box;
}

export class ExplainView {
  /** The section's content. */
  readonly element = make('div', 'explain');
  private readonly status = make('p', 'explain-status');
  private readonly statusText = make('span');
  private readonly cancelButton = make('button', 'secondary', 'Cancel');
  private readonly error = make('p', 'explain-error');
  private readonly content = make('div', 'explain-content');
  private running: ExplainTarget | undefined;
  /** What the example being explained is called, e.g. `Worst prediction 1 (#101)`. */
  private label = '';
  private chart: Chart | undefined;

  constructor(
    kind: 'image' | 'table',
    private readonly hooks: ExplainHooks,
  ) {
    this.status.setAttribute('role', 'status');
    this.status.hidden = true;
    this.status.append(this.statusText, this.cancelButton);
    this.cancelButton.addEventListener('click', () => this.hooks.cancel());
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    const intro = make('div', 'explain-intro');
    if (kind === 'table') {
      const compute = make('button', 'explain-compute', 'Compute');
      compute.addEventListener('click', () => this.start({ kind: 'importance' }));
      intro.append(
        make('span', undefined, 'How much the metric drops when each feature column is shuffled (permutation importance on this data). '),
        compute,
      );
    } else {
      intro.append(
        make('span', undefined, 'Choose Explain on a worst prediction: where the model looked (saliency, Grad-CAM) and its feature maps.'),
      );
    }
    this.element.append(intro, this.status, this.error, this.content);
  }

  /** Asks for `target` (a new request replaces the one running) and scrolls the section into view. */
  start(target: ExplainTarget, label = ''): void {
    this.running = target;
    this.label = label;
    this.error.hidden = true;
    // What an earlier request showed stays, dimmed, until this one's result replaces it.
    this.content.classList.add('stale');
    this.progress(target, target.kind === 'importance' ? 'Computing feature importance…' : 'Explaining…');
    this.hooks.request(target);
    this.element.scrollIntoView({ block: 'start' });
  }

  progress(target: ExplainTarget, message: string): void {
    if (!this.isRunning(target)) return;
    this.statusText.textContent = `${message} `;
    this.status.hidden = false;
  }

  failed(target: ExplainTarget, message: string, cancelled: boolean): void {
    if (!this.isRunning(target)) return;
    this.running = undefined;
    this.status.hidden = true;
    this.content.classList.remove('stale');
    this.error.textContent = cancelled ? 'Cancelled.' : `Could not explain: ${message}`;
    this.error.classList.toggle('cancelled', cancelled);
    this.error.hidden = false;
  }

  /** `notes`: the parts the host left out and why, shown under the result. */
  explained(target: ExplainTarget, results: readonly ExplainResult[], notes: readonly string[]): void {
    if (!this.isRunning(target)) return;
    this.running = undefined;
    this.status.hidden = true;
    this.content.classList.remove('stale');
    this.destroy();
    if (target.kind === 'importance') this.showImportance(results[0]);
    else this.showExample(results);
    this.content.append(...notes.map((note) => make('p', 'meta explain-note', `Left out: ${note}`)));
  }

  /** Frees the importance chart (the panel redraws everything on `show`). */
  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
  }

  private isRunning(target: ExplainTarget): boolean {
    return this.running !== undefined && JSON.stringify(this.running) === JSON.stringify(target);
  }

  private showImportance(result: ExplainResult | undefined): void {
    const items = (result?.explanations ?? []).filter((x): x is FeatureImportance => !isImageExplanation(x));
    const metric = result?.importance?.metric ?? 'metric';
    const repeats = result?.importance?.repeats ?? 1;
    const holder = make('div', 'chart-holder importance-holder');
    holder.style.height = `${Math.max(160, 36 * items.length + 80)}px`;
    const canvas = make('canvas', 'importance-chart');
    const label = `Feature importance: ${items.map((i) => `${i.feature} ${i.importance.toFixed(4)} ± ${i.std.toFixed(4)}`).join(', ')}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    holder.append(canvas);
    const baseline = result?.importance ? ` · ${metric} on the unshuffled data ${result.importance.baseline.toFixed(4)}` : '';
    this.content.replaceChildren(make('p', 'meta', `${result?.dataset ?? ''}${baseline}`), holder);
    requestAnimationFrame(() => {
      this.chart = importanceChart(canvas, items, metric, repeats);
    });
  }

  private showExample(results: readonly ExplainResult[]): void {
    const saliency = results.find((r) => r.method === 'saliency');
    const gradcam = results.find((r) => r.method === 'gradcam');
    const first = [saliency, gradcam].map((r) => r?.explanations.find(isImageExplanation)).find((x) => x !== undefined);
    if (!first) {
      this.content.replaceChildren(make('p', 'meta', 'The trainer returned no explanation for this example.'));
      return;
    }
    const image = first.image;
    const base = imageRgba(image);
    const opacity = make('input');
    opacity.type = 'range';
    opacity.min = '0';
    opacity.max = '100';
    opacity.value = '60';
    const overlays: { canvas: HTMLCanvasElement; heatmap: ImageExplanation['heatmap'] }[] = [];
    const overlay = (result: ExplainResult | undefined, name: string, className: string): HTMLElement[] => {
      const explanation = result?.explanations.find(isImageExplanation);
      if (!explanation) return [];
      const canvas = pixelCanvas(image, base, `explain-image explain-overlay ${className}`, `${name} heatmap over the image`);
      overlays.push({ canvas, heatmap: explanation.heatmap });
      const share = Math.round(100 * topShare(explanation.heatmap));
      const layer = result?.layer ? ` of layer ${result.layer}` : '';
      return [figure(`${name}${layer} · hottest 10 % of pixels: ${share} % of the heat`, canvas)];
    };
    const draw = (): void => {
      for (const { canvas, heatmap } of overlays) {
        paintPixels(canvas, image.width, image.height, overlayRgba(base, image.width, image.height, heatmap, Number(opacity.value) / 100));
      }
    };
    const figures = make('div', 'explain-figures');
    figures.append(
      figure('Image', pixelCanvas(image, base, 'explain-image', 'the example')),
      ...overlay(saliency, 'Saliency', 'saliency'),
      ...overlay(gradcam, 'Grad-CAM', 'gradcam'),
    );
    opacity.addEventListener('input', draw);
    const opacityLabel = make('label', 'explain-opacity', 'Heatmap opacity ');
    opacityLabel.append(opacity);
    const legend = make('div', 'explain-legend');
    const ramp = make('span', 'explain-ramp');
    ramp.style.backgroundImage = colormapGradient();
    legend.append(make('span', undefined, 'heat 0'), ramp, make('span', undefined, '1 (most influential)'));
    const heading = make(
      'p',
      'explain-heading',
      `${this.label || `Example ${first.row + 1} of the evaluated data`}: actual ${shown(first.actual)}, predicted ${shown(first.predicted)}${gradcam?.layer ? ` · Grad-CAM layer ${gradcam.layer}` : ''}`,
    );
    const parts: HTMLElement[] = [heading, figures, opacityLabel, legend];
    const maps = results.find((r) => r.featureMaps)?.featureMaps;
    if (maps && maps.layers.length > 0) parts.push(featureMapsView(maps.layers, this.label.toLowerCase() || `example ${maps.row + 1}`));
    this.content.replaceChildren(...parts);
    draw();
  }
}
