import {
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { Point, RunSeries } from './series';

// Only what a line chart on linear axes needs: keeps the bundle small.
Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Decimation);

type LineDataset = ChartDataset<'line', Point[]>;

/** Theme colours, read from the `--vscode-*` variables VS Code sets on the webview. */
interface Palette {
  readonly foreground: string;
  readonly grid: string;
  readonly series: readonly string[];
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function palette(): Palette {
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)'),
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

/** `#rrggbb` at `alpha`; other colour syntaxes are returned unchanged. */
function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!hex) return colour;
  const n = parseInt(hex[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function lineChart(canvas: HTMLCanvasElement, yTitle: string): Chart<'line', Point[]> {
  return new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' } },
        y: { type: 'linear', title: { display: true, text: yTitle } },
      },
      plugins: {
        // Long runs have 100k batch points: draw what a canvas can show.
        decimation: { enabled: true, algorithm: 'lttb', samples: 1000, threshold: 2000 },
        legend: { labels: { boxWidth: 12 } },
      },
    },
  });
}

/** The loss chart (batch, epoch and validation loss) and the chart of the other metrics. */
export class RunCharts {
  private readonly loss: Chart<'line', Point[]>;
  private readonly metrics: Chart<'line', Point[]>;
  private colours = palette();
  private frame: number | undefined;

  constructor(
    lossCanvas: HTMLCanvasElement,
    metricsCanvas: HTMLCanvasElement,
    private readonly onDrawn: (hasMetrics: boolean) => void,
  ) {
    this.loss = lineChart(lossCanvas, 'loss');
    this.metrics = lineChart(metricsCanvas, 'value');
    // VS Code swaps the body's theme class when the colour theme changes.
    new MutationObserver(() => {
      this.colours = palette();
      this.draw(this.series, this.epochs);
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  private series: RunSeries | undefined;
  private epochs: number | undefined;

  /** Redraws from `series` on the next animation frame (many messages, one draw). */
  show(series: RunSeries, epochs: number | undefined): void {
    this.series = series;
    this.epochs = epochs;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.draw(this.series, this.epochs);
    });
  }

  private draw(series: RunSeries | undefined, epochs: number | undefined): void {
    const { foreground, grid, series: colours } = this.colours;
    const epochLoss = series?.epochMetrics.get('loss') ?? [];
    const valLoss = series?.epochMetrics.get('val_loss') ?? [];
    const lossSets: LineDataset[] = [
      {
        label: 'loss (batch)',
        data: series?.batchLoss ?? [],
        borderColor: withAlpha(colours[0], 0.35),
        backgroundColor: withAlpha(colours[0], 0.35),
        borderWidth: 1,
        pointRadius: 0,
        // Drawn first, so the epoch curves stay visible on top of the batch noise.
        order: 2,
      },
      {
        label: 'loss (epoch)',
        data: epochLoss,
        borderColor: colours[0],
        backgroundColor: colours[0],
        borderWidth: 2.5,
        pointRadius: 3.5,
        order: 0,
      },
    ];
    if (valLoss.length > 0) {
      lossSets.push({
        label: 'val_loss (epoch)',
        data: valLoss,
        borderColor: colours[1],
        backgroundColor: colours[1],
        borderWidth: 2.5,
        pointRadius: 3.5,
        order: 1,
      });
    }
    const metricSets: LineDataset[] = [...(series?.epochMetrics ?? [])]
      .filter(([name]) => name !== 'loss' && name !== 'val_loss')
      .map(([name, data], i) => ({
        label: name,
        data,
        borderColor: colours[(i + 2) % colours.length],
        backgroundColor: colours[(i + 2) % colours.length],
        borderWidth: 2,
        pointRadius: 3,
        ...(name.startsWith('val_') ? { borderDash: [6, 3] } : {}),
      }));
    for (const [chart, datasets] of [
      [this.loss, lossSets],
      [this.metrics, metricSets],
    ] as const) {
      chart.data.datasets = datasets;
      const { x, y } = chart.options.scales ?? {};
      if (x) {
        x.max = epochs;
        x.ticks = { color: foreground, precision: 0 };
        x.grid = { color: grid };
        if (x.title) x.title.color = foreground;
      }
      if (y) {
        y.ticks = { color: foreground };
        y.grid = { color: grid };
        if (y.title) y.title.color = foreground;
      }
      const legend = chart.options.plugins?.legend?.labels;
      if (legend) legend.color = foreground;
      chart.update('none');
    }
    this.onDrawn(metricSets.length > 0);
  }
}
