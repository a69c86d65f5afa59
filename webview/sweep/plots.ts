import type { SweepInfo, TrialInfo } from '../../src/protocol/sweepTypes';
import { formatValue, goodness, metricAxis, mix, parameterAxis, position, ticks, type Axis } from './scales';

// The sweep panel's two plots, drawn as SVG: parallel coordinates (one
// axis per searched parameter and the metric) and the metric against one
// parameter. Lines and dots are coloured by how good the metric is; the
// best trial is drawn last and thicker; a click selects a trial.

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  return el;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Theme colours: the metric runs from worst to best; trials without a metric are muted. */
function colours(): { worst: string; best: string; muted: string; highlight: string; outline: string } {
  return {
    outline: cssVar('--vscode-foreground', '#cccccc'),
    worst: cssVar('--vscode-charts-purple', '#b180d7'),
    best: cssVar('--vscode-charts-yellow', '#cca700'),
    muted: cssVar('--vscode-disabledForeground', '#808080'),
    highlight: cssVar('--vscode-focusBorder', '#007fd4'),
  };
}

export interface PlotInput {
  readonly sweep: SweepInfo;
  readonly best: number | undefined;
  readonly selected: ReadonlySet<number>;
  /** Trials the table's filters leave (the rest are drawn faint). */
  readonly shown: ReadonlySet<number>;
  readonly onSelect: (index: number) => void;
}

/** The axes of a sweep: each searched parameter (in the search block's order, then others trials have), then the metric. */
export function sweepAxes(sweep: SweepInfo): { params: Axis[]; metric: Axis } {
  const keys = Object.keys(sweep.search.parameters);
  for (const t of sweep.trials) for (const k of Object.keys(t.params)) if (!keys.includes(k)) keys.push(k);
  const params = keys.map((k) => parameterAxis(k, sweep.search.parameters[k], sweep.trials));
  const metric = metricAxis(
    sweep.metric,
    sweep.trials.map((t) => t.metrics?.[sweep.metric]).filter((v): v is number => v !== undefined),
  );
  return { params, metric };
}

/** The label of an axis: the key without `training.` / `model.`. */
function shortName(key: string): string {
  return key.replace(/^(training|model)\./, '');
}

function trialTitle(trial: TrialInfo, sweep: SweepInfo): string {
  const params = Object.entries(trial.params).map(([k, v]) => `${shortName(k)} = ${formatValue(v)}`);
  const metric = trial.metrics?.[sweep.metric];
  return `Trial ${trial.index + 1} (${trial.status})${metric !== undefined ? `: ${sweep.metric} ${formatValue(metric)}` : ''}\n${params.join('\n')}${trial.reason ? `\n${trial.reason}` : ''}`;
}

/** Draw order: faint first, then by metric from worst to best, selected and best last (on top). */
function drawOrder(input: PlotInput, axis: Axis): TrialInfo[] {
  const rank = (t: TrialInfo) =>
    (t.index === input.best ? 4 : 0) +
    (input.selected.has(t.index) ? 2 : 0) +
    (input.shown.has(t.index) ? 1 : 0) +
    (goodness(t.metrics?.[input.sweep.metric], axis, input.sweep.goal) ?? -1) / 2;
  return [...input.sweep.trials].sort((a, b) => rank(a) - rank(b));
}

function strokeOf(trial: TrialInfo, input: PlotInput, metric: Axis, palette: ReturnType<typeof colours>): string {
  const good = goodness(trial.metrics?.[input.sweep.metric], metric, input.sweep.goal);
  return good === undefined ? palette.muted : mix(palette.worst, palette.best, good);
}

/** Parallel coordinates into `container` (replacing what it held). */
export function drawParallelCoordinates(container: HTMLElement, input: PlotInput): void {
  const { params, metric } = sweepAxes(input.sweep);
  const axes = [...params, metric];
  const width = Math.max(container.clientWidth, 360);
  const height = 260;
  const margin = { top: 30, bottom: 24, left: 50, right: 60 };
  const plotH = height - margin.top - margin.bottom;
  const xOf = (i: number) => margin.left + (axes.length === 1 ? 0 : (i * (width - margin.left - margin.right)) / (axes.length - 1));
  // The metric's best end at the top.
  const yOf = (axis: Axis, at: number) => margin.top + (axis === metric && input.sweep.goal === 'minimize' ? at : 1 - at) * plotH;
  const palette = colours();
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.setAttribute('aria-label', `Parallel coordinates: ${params.length} parameters and ${input.sweep.metric}, one line per trial`);
  root.dataset.axes = String(axes.length);

  const lines = svg('g', { class: 'lines' });
  let drawn = 0;
  for (const trial of drawOrder(input, metric)) {
    const points: string[] = [];
    axes.forEach((axis, i) => {
      const value = axis === metric ? trial.metrics?.[input.sweep.metric] : trial.params[axis.key];
      const at = position(axis, value);
      if (at !== undefined) points.push(`${xOf(i).toFixed(1)},${yOf(axis, at).toFixed(1)}`);
    });
    if (points.length < 2) continue;
    const best = trial.index === input.best;
    const selected = input.selected.has(trial.index);
    const line = svg('polyline', {
      points: points.join(' '),
      fill: 'none',
      stroke: strokeOf(trial, input, metric, palette),
      'stroke-width': best ? 3.5 : selected ? 2.5 : 1.5,
      class: `trial ${trial.status}${best ? ' best' : ''}${selected ? ' selected' : ''}${input.shown.has(trial.index) ? '' : ' filtered'}`,
    });
    if (trial.status === 'pruned' || trial.status === 'failed') line.setAttribute('stroke-dasharray', '5 3');
    line.dataset.index = String(trial.index);
    const title = svg('title');
    title.textContent = trialTitle(trial, input.sweep);
    line.append(title);
    line.addEventListener('click', () => input.onSelect(trial.index));
    if (best || selected) {
      // The best trial outlined in the text colour, selected ones in the focus colour.
      const halo = svg('polyline', {
        points: points.join(' '),
        fill: 'none',
        stroke: best ? palette.outline : palette.highlight,
        'stroke-width': best ? 6.5 : 5,
        class: 'halo',
      });
      lines.append(halo);
    }
    lines.append(line);
    drawn++;
  }
  root.dataset.lines = String(drawn);

  axes.forEach((axis, i) => {
    const g = svg('g', { class: `axis${axis === metric ? ' metric' : ''}` });
    const x = xOf(i);
    g.append(svg('line', { x1: x, x2: x, y1: margin.top, y2: margin.top + plotH }));
    const label = svg('text', { x, y: margin.top - 12, 'text-anchor': 'middle', class: 'axis-label' });
    label.textContent = `${shortName(axis.key)}${axis.kind === 'log' ? ' (log)' : ''}`;
    g.append(label);
    for (const tick of ticks(axis, 5)) {
      const y = yOf(axis, tick.at);
      g.append(svg('line', { x1: x - 3, x2: x, y1: y, y2: y }));
      const text = svg('text', { x: x - 5, y: y + 3, 'text-anchor': 'end', class: 'tick' });
      text.textContent = tick.label;
      g.append(text);
    }
    root.append(g);
  });
  root.append(lines);
  container.replaceChildren(root);
}

/** The metric (y) against the parameter `key` (x) into `container`. */
export function drawScatter(container: HTMLElement, input: PlotInput, key: string): void {
  const { params, metric } = sweepAxes(input.sweep);
  const axis = params.find((a) => a.key === key) ?? params[0];
  if (axis === undefined) {
    container.replaceChildren();
    return;
  }
  const width = Math.max(container.clientWidth, 300);
  const height = 240;
  const margin = { top: 12, bottom: 36, left: 60, right: 20 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const palette = colours();
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.setAttribute('aria-label', `${input.sweep.metric} against ${axis.key}, one dot per trial`);
  const xOf = (at: number) => margin.left + at * plotW;
  const yOf = (at: number) => margin.top + (1 - at) * plotH;

  const frame = svg('g', { class: 'axis' });
  frame.append(svg('line', { x1: margin.left, x2: margin.left + plotW, y1: margin.top + plotH, y2: margin.top + plotH }));
  frame.append(svg('line', { x1: margin.left, x2: margin.left, y1: margin.top, y2: margin.top + plotH }));
  for (const tick of ticks(axis, 6)) {
    const text = svg('text', { x: xOf(tick.at), y: margin.top + plotH + 14, 'text-anchor': 'middle', class: 'tick' });
    text.textContent = tick.label;
    frame.append(text, svg('line', { x1: xOf(tick.at), x2: xOf(tick.at), y1: margin.top, y2: margin.top + plotH, class: 'grid' }));
  }
  for (const tick of ticks(metric, 5)) {
    const text = svg('text', { x: margin.left - 6, y: yOf(tick.at) + 3, 'text-anchor': 'end', class: 'tick' });
    text.textContent = tick.label;
    frame.append(text, svg('line', { x1: margin.left, x2: margin.left + plotW, y1: yOf(tick.at), y2: yOf(tick.at), class: 'grid' }));
  }
  const xLabel = svg('text', { x: margin.left + plotW / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-label' });
  xLabel.textContent = `${shortName(axis.key)}${axis.kind === 'log' ? ' (log)' : ''}`;
  const yLabel = svg('text', {
    x: 12,
    y: margin.top + plotH / 2,
    'text-anchor': 'middle',
    class: 'axis-label',
    transform: `rotate(-90 12 ${margin.top + plotH / 2})`,
  });
  yLabel.textContent = input.sweep.metric;
  frame.append(xLabel, yLabel);
  root.append(frame);

  let drawn = 0;
  for (const trial of drawOrder(input, metric)) {
    const px = position(axis, trial.params[axis.key]);
    const py = position(metric, trial.metrics?.[input.sweep.metric]);
    if (px === undefined || py === undefined) continue;
    const best = trial.index === input.best;
    const selected = input.selected.has(trial.index);
    const dot = svg('circle', {
      cx: xOf(px).toFixed(1),
      cy: yOf(py).toFixed(1),
      r: best ? 6 : 4.5,
      fill: strokeOf(trial, input, metric, palette),
      class: `trial ${trial.status}${best ? ' best' : ''}${selected ? ' selected' : ''}${input.shown.has(trial.index) ? '' : ' filtered'}`,
    });
    if (best || selected) {
      dot.setAttribute('stroke', best ? palette.outline : palette.highlight);
      dot.setAttribute('stroke-width', '2');
    }
    dot.dataset.index = String(trial.index);
    const title = svg('title');
    title.textContent = trialTitle(trial, input.sweep);
    dot.append(title);
    dot.addEventListener('click', () => input.onSelect(trial.index));
    root.append(dot);
    drawn++;
  }
  root.dataset.dots = String(drawn);
  container.replaceChildren(root);
}
