import type { FeatureMapLayer } from '../../src/protocol/explainTypes';
import { make } from '../common/page';
import { paintPixels } from '../common/pixels';
import { grayRgba } from './heatmap';

let views = 0;

/** One canvas per map at the layer's own resolution; the stylesheet scales it up with pixelated edges. */
function mapCanvas(layer: FeatureMapLayer, map: string, channel: number): HTMLCanvasElement {
  const canvas = make('canvas', 'feature-map');
  paintPixels(canvas, layer.width, layer.height, grayRgba(map, layer.width, layer.height));
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${layer.name}, channel ${channel + 1}`);
  canvas.title = `channel ${channel + 1}`;
  return canvas;
}

export function layerLabel(layer: FeatureMapLayer): string {
  const shown = layer.maps.length < layer.channels ? `first ${layer.maps.length} of ${layer.channels} maps` : `${layer.channels} maps`;
  return `${layer.name}: ${shown}, ${layer.width}×${layer.height}`;
}

/**
 * The activations of each convolution layer for one example: a layer
 * picker and a grid of that layer's maps (bright: the channel responds
 * there; each map scaled to its own range).
 */
export function featureMapsView(layers: readonly FeatureMapLayer[], example: string): HTMLElement {
  const box = make('div', 'feature-maps');
  const id = `feature-map-layer-${++views}`;
  const label = make('label', undefined, 'Layer ');
  label.htmlFor = id;
  const picker = make('select');
  picker.id = id;
  picker.append(
    ...layers.map((layer, i) => {
      const option = make('option', undefined, layerLabel(layer));
      option.value = String(i);
      return option;
    }),
  );
  const caption = make('p', 'feature-maps-caption');
  caption.setAttribute('aria-live', 'polite');
  const grid = make('div', 'feature-map-grid');
  grid.setAttribute('role', 'group');
  const draw = (): void => {
    const layer = layers[Number(picker.value)];
    if (!layer) return;
    caption.textContent = `Feature maps of ${example}, ${layerLabel(layer)} (each map scaled to its own range: bright is where the channel responds)`;
    grid.setAttribute('aria-label', `Feature maps of ${layer.name}`);
    grid.replaceChildren(...layer.maps.map((map, c) => mapCanvas(layer, map, c)));
  };
  picker.addEventListener('change', draw);
  label.append(picker);
  box.append(label, caption, grid);
  draw();
  return box;
}
