import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ChartSettings } from '../../src/protocol/trainingPanelMessages';
import { Decimator } from './decimate';
import { LEARNING_RATE, type Point, type RunSeries } from './series';
import { Smoother, type SmoothedPoint } from './smoothing';
import { exact, logTick } from './stats';
import { chartLabel } from './chartText';
import { chartSection, fillValueTable } from './valueTable';

// Only what line charts on linear and log axes need: keeps the bundle small.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, zoomPlugin);

type LineChart = Chart<'line', Point[]>;
type LineDataset = ChartDataset<'line', Point[]>;

/** One run as the charts draw it. */
export interface DrawnRun {
  readonly id: string;
  /** Legend name when several runs are drawn. */
  readonly label: string;
  readonly series: RunSeries;
  /** A run the shown one continues (Continue with Changes): drawn in a muted colour, before it. */
  readonly muted?: boolean;
}

/** Theme colours, read from the `--vscode-*` variables VS Code sets on the webview. */
interface Palette {
  readonly foreground: string;
  readonly grid: string;
  readonly focus: string;
  readonly muted: string;
  readonly font: string;
  readonly series: readonly string[];
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function palette(): Palette {
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)'),
    focus: cssVar('--vscode-focusBorder', '#007fd4'),
    muted: cssVar('--vscode-disabledForeground', '#8c8c8c'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ],
  };
}

/** `#rgb`, `#rrggbb` or `#rrggbbaa` at `alpha`; other colour syntaxes are returned unchanged. */
export function withAlpha(colour: string, alpha: number): string {
  let hex = /^#([0-9a-f]{3,8})$/i.exec(colour)?.[1];
  if (!hex) return colour;
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  if (hex.length !== 6 && hex.length !== 8) return colour;
  const n = parseInt(hex.slice(0, 6), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Raw curves behind smoothed ones carry this suffix; the legend leaves them out. */
const RAW = ' (raw)';
/** Epoch curves with fewer points than this get dots; batch curves never. */
const DOTS_BELOW = 200;

interface MetricChart {
  readonly section: HTMLElement;
  readonly holder: HTMLElement;
  readonly chart: LineChart;
  /** The chart's text alternative: its values per epoch. */
  readonly table: HTMLTableElement;
}

/**
 * One chart per metric (loss, accuracy, …) with training and validation
 * together, for the panel's run and the runs compared with it. Draws at
 * most once per animation frame, only the points a chart can show
 * (decimate), smoothed with the raw line kept faint behind, on a linear or
 * log y axis; drag (or Alt+wheel) zooms the epoch axis of every chart at
 * once, double-click or resetZoom() goes back.
 */
export class MetricCharts {
  private readonly charts = new Map<string, MetricChart>();
  /** Per curve (run, metric, kind, view), kept across draws so streaming costs only the new points. */
  private readonly smoothers = new Map<string, Smoother>();
  private readonly decimators = new Map<string, Decimator<Point>>();
  private colours = palette();
  private frame: number | undefined;
  private zoom: { min: number; max: number } | undefined;
  private runs: readonly DrawnRun[] = [];
  private metrics: readonly string[] = [];
  private settings: ChartSettings = { view: 'batch', smoothing: 0.6, yScale: 'linear' };

  constructor(
    private readonly container: HTMLElement,
    private readonly onZoomChange: (zoomed: boolean) => void,
    /** After each draw, when the charts' elements exist. */
    private readonly onDrawn: () => void,
  ) {
    applyDefaults(this.colours);
    // VS Code swaps the body's theme class when the colour theme changes.
    // Charts resolve colours when made: make them again.
    new MutationObserver(() => {
      this.colours = palette();
      applyDefaults(this.colours);
      for (const { chart, section } of this.charts.values()) {
        chart.destroy();
        section.remove();
      }
      this.charts.clear();
      this.schedule();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Redraws on the next animation frame (many messages, one draw). */
  show(runs: readonly DrawnRun[], metrics: readonly string[], settings: ChartSettings): void {
    this.runs = runs;
    this.metrics = metrics;
    this.settings = settings;
    this.schedule();
  }

  resetZoom(): void {
    // Not the plugin's resetZoom: draw() sets the axis from `zoom` every time,
    // and the plugin's reset would report a zoom back to onZoomed.
    this.zoom = undefined;
    this.onZoomChange(false);
    this.schedule();
  }

  private schedule(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.draw();
    });
  }

  private draw(): void {
    performance.mark('modelStudio.draw.start');
    this.syncSections();
    // The epochs the runs have reached (not the planned ones: the header says
    // how far a run is, the charts use their width for what exists).
    let maxX = 0;
    for (const run of this.runs) {
      for (const metric of this.metrics) {
        for (const curve of [run.series.train(metric, this.settings.view), run.series.validation(metric)]) {
          if (curve.length > 0) maxX = Math.max(maxX, curve[curve.length - 1].x);
        }
      }
    }
    const range = this.zoom ?? { min: 0, max: Math.max(maxX, 1) };
    for (const [metric, { holder, chart, table }] of this.charts) {
      // Both change once an epoch at most: a draw per batch writes nothing to the DOM for them.
      const label = chartLabel(metric, this.runs, this.settings.view);
      if (chart.canvas.getAttribute('aria-label') !== label) chart.canvas.setAttribute('aria-label', label);
      if ((table.parentElement as HTMLDetailsElement).open) fillValueTable(table, metric, this.runs);
      // A bucket per two pixels of the plot: up to 4 points each, about 2 per pixel.
      const buckets = Math.max(50, Math.round((chart.chartArea?.width ?? holder.clientWidth) / 2));
      const datasets = this.datasets(metric, range, buckets);
      chart.data.datasets = datasets;
      const { x, y } = chart.options.scales ?? {};
      if (x) {
        x.min = range.min;
        x.max = range.max;
        // Whole epochs, or tenths and hundredths once zoomed into a few epochs.
        (x.ticks as { precision?: number }).precision = range.max - range.min > 4 ? 0 : 2;
      }
      if (y) {
        y.type = this.settings.yScale === 'log' ? 'logarithmic' : 'linear';
        // A log axis labels 1, 2 and 5 of each decade; Chart.js's 1…9 crowd each other.
        y.ticks =
          this.settings.yScale === 'log'
            ? {
                callback: (value, _index, ticks) =>
                  logTick(
                    value,
                    ticks.map((t) => t.value),
                  ),
              }
            : {};
      }
      const zoom = chart.options.plugins?.zoom?.zoom?.drag;
      if (zoom) {
        zoom.borderColor = this.colours.focus;
        zoom.backgroundColor = withAlpha(this.colours.focus, 0.15);
      }
      chart.update('none');
      holder.dataset.datasets = String(datasets.filter((d) => !String(d.label).endsWith(RAW)).length);
      holder.dataset.runs = String(this.runs.filter((run) => this.hasCurve(run, metric)).length);
      holder.dataset.yScale = chart.scales.y?.type ?? '';
      holder.dataset.smoothed = String(datasets.some((d) => String(d.label).endsWith(RAW)));
      holder.dataset.drawnPoints = String(datasets.reduce((sum, d) => sum + d.data.length, 0));
      holder.dataset.xRange = `${range.min}:${range.max}`;
    }
    this.onDrawn();
    // For bench/chart.mjs, which observes it; not kept, so a long run does not pile them up.
    performance.measure('modelStudio.draw', 'modelStudio.draw.start');
    performance.clearMarks('modelStudio.draw.start');
    performance.clearMeasures('modelStudio.draw');
  }

  /** One section per metric, in order; charts of metrics no longer shown are destroyed. */
  private syncSections(): void {
    for (const [metric, entry] of this.charts) {
      if (this.metrics.includes(metric)) continue;
      entry.chart.destroy();
      entry.section.remove();
      this.charts.delete(metric);
    }
    for (const metric of this.metrics) {
      const entry = this.charts.get(metric) ?? this.create(metric);
      this.container.append(entry.section); // moves it into order
    }
  }

  private create(metric: string): MetricChart {
    const { section, holder, canvas, table } = chartSection(metric, metric === LEARNING_RATE ? 'learning rate (lr)' : metric, (t) =>
      fillValueTable(t, metric, this.runs),
    );
    const chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        spanGaps: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          // Whole epochs as ticks, not the (fractional) ends of a zoomed range.
          x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' }, ticks: { precision: 0, includeBounds: false } },
          y: { type: 'linear', title: { display: true, text: metric } },
        },
        plugins: {
          legend: {
            labels: {
              boxWidth: 12,
              filter: (item) => !item.text.endsWith(RAW),
              sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
            },
          },
          tooltip: {
            callbacks: {
              title: (items) => tooltipTitle(items),
              label: (item) => tooltipLabel(item),
            },
          },
          zoom: {
            zoom: {
              drag: { enabled: true, threshold: 5 },
              wheel: { enabled: true, modifierKey: 'alt' },
              mode: 'x',
              onZoomComplete: ({ chart: zoomed }) => this.onZoomed(zoomed as unknown as LineChart),
            },
          },
        },
      },
    });
    canvas.addEventListener('dblclick', () => this.resetZoom());
    const entry = { section, holder, chart, table };
    this.charts.set(metric, entry);
    return entry;
  }

  /** A chart was zoomed: every chart shows the same epochs. */
  private onZoomed(chart: LineChart): void {
    const { min, max } = chart.scales.x;
    if (!(max > min)) return;
    this.zoom = { min, max };
    this.onZoomChange(true);
    this.schedule();
  }

  private hasCurve(run: DrawnRun, metric: string): boolean {
    return run.series.train(metric, this.settings.view).length > 0 || run.series.validation(metric).length > 0;
  }

  private datasets(metric: string, range: { min: number; max: number }, buckets: number): LineDataset[] {
    const { series: colours } = this.colours;
    const several = this.runs.length > 1;
    // The rate is what the schedule set, not a noisy measurement: drawn as is.
    const smoothing = metric === LEARNING_RATE ? 0 : this.settings.smoothing;
    const sets: LineDataset[] = [];
    // Continued-from runs are grey; the others take the palette's colours in order.
    const ownIndex = (run: DrawnRun): number => this.runs.filter((r) => !r.muted).indexOf(run);
    this.runs.forEach((run, i) => {
      const curves = [
        { kind: 'train', points: run.series.train(metric, this.settings.view) },
        { kind: 'validation', points: run.series.validation(metric) },
      ] as const;
      for (const { kind, points } of curves) {
        if (points.length === 0) continue;
        const colour = run.muted
          ? this.colours.muted
          : several
            ? colours[ownIndex(run) % colours.length]
            : colours[kind === 'train' ? 0 : 1];
        const name = metric === LEARNING_RATE ? 'learning rate' : kind;
        const label = several ? `${run.label} ${name}` : name;
        const dots = points.length < DOTS_BELOW && points[0].batch === undefined;
        const dash = several && kind === 'validation' ? [6, 3] : [];
        const key = `${run.id}\u0000${metric}\u0000${kind}\u0000${this.settings.view}`;
        const decimate = (which: string, curve: readonly Point[]) => {
          let decimator = this.decimators.get(`${key}\u0000${which}`);
          if (!decimator) this.decimators.set(`${key}\u0000${which}`, (decimator = new Decimator()));
          return decimator.of(curve, range.min, range.max, buckets);
        };
        const common = { borderDash: dash, pointHoverRadius: 4, order: i * 2 + (kind === 'train' ? 1 : 0) };
        if (smoothing > 0) {
          let smoother = this.smoothers.get(key);
          if (!smoother) this.smoothers.set(key, (smoother = new Smoother()));
          const smoothed = smoother.of(points, smoothing);
          sets.push({
            ...common,
            label: `${label}${RAW}`,
            data: decimate('raw', points),
            borderColor: withAlpha(colour, 0.25),
            backgroundColor: withAlpha(colour, 0.25),
            borderWidth: 1,
            pointRadius: 0,
            pointHoverRadius: 0,
            // Behind everything smoothed.
            order: 100 + common.order,
          });
          sets.push({
            ...common,
            label,
            data: decimate('smoothed', smoothed),
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            pointRadius: dots ? 2.5 : 0,
          });
        } else {
          sets.push({
            ...common,
            label,
            data: decimate('raw', points),
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: dots ? 2 : 1.25,
            pointRadius: dots ? 2.5 : 0,
          });
        }
      }
    });
    // Keys of runs no longer drawn: their smoothers can go.
    for (const cache of [this.smoothers, this.decimators]) {
      for (const key of cache.keys()) {
        if (!this.runs.some((r) => key.startsWith(`${r.id}\u0000`))) cache.delete(key);
      }
    }
    return sets;
  }
}

function applyDefaults(colours: Palette): void {
  Chart.defaults.color = colours.foreground;
  Chart.defaults.borderColor = colours.grid;
  Chart.defaults.font.family = colours.font;
}

function tooltipTitle(items: readonly TooltipItem<'line'>[]): string {
  const point = items[0]?.raw as Point | undefined;
  if (!point) return '';
  return point.batch === undefined ? `epoch ${point.epoch}` : `epoch ${point.epoch} · batch ${point.batch + 1}`;
}

function tooltipLabel(item: TooltipItem<'line'>): string {
  const point = item.raw as Point | SmoothedPoint;
  const label = String(item.dataset.label ?? '');
  if ('raw' in point && point.raw !== point.y) return `${label}: ${exact(point.y)} (smoothed; raw ${exact(point.raw)})`;
  return `${label}: ${exact(point.y)}`;
}
