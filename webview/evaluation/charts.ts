import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import type { Point } from '../../src/protocol/evaluationTypes';

// Scatter and line for curves, bars for the residual histogram: nothing else is bundled.
Chart.register(
  ScatterController,
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Theme colours, read from the `--vscode-*` variables VS Code sets on the webview. */
function palette(): { foreground: string; grid: string; font: string; primary: string; secondary: string } {
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
    primary: cssVar('--vscode-charts-blue', '#3794ff'),
    secondary: cssVar('--vscode-charts-orange', '#d18616'),
  };
}

function axis(title: string, colors: ReturnType<typeof palette>, range?: { min: number; max: number }) {
  return {
    type: 'linear' as const,
    title: { display: true, text: title, color: colors.foreground },
    ticks: { color: colors.foreground },
    grid: { color: colors.grid },
    ...(range ?? {}),
  };
}

/** A curve from (0,0) to (1,1) with a dashed diagonal reference: ROC (x FPR, y TPR) or PR (x recall, y precision). */
export function curveChart(
  canvas: HTMLCanvasElement,
  points: readonly Point[],
  x: string,
  y: string,
  label: string,
  diagonal: boolean,
): Chart {
  const colors = palette();
  Chart.defaults.font.family = colors.font;
  return new Chart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        {
          label,
          data: points.map((p) => ({ x: p.x, y: p.y })),
          showLine: true,
          borderColor: colors.primary,
          backgroundColor: colors.primary,
          pointRadius: 0,
          borderWidth: 2,
        },
        ...(diagonal
          ? [
              {
                label: 'chance',
                data: [
                  { x: 0, y: 0 },
                  { x: 1, y: 1 },
                ],
                showLine: true,
                borderColor: colors.grid,
                borderDash: [4, 4],
                pointRadius: 0,
                borderWidth: 1,
              },
            ]
          : []),
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: axis(x, colors, { min: 0, max: 1 }), y: axis(y, colors, { min: 0, max: 1 }) },
      plugins: { legend: { labels: { color: colors.foreground } } },
    },
  });
}

/** Predicted against actual values, with the line y = x where a perfect model's points lie. */
export function scatterChart(canvas: HTMLCanvasElement, points: readonly Point[]): Chart {
  const colors = palette();
  const values = points.flatMap((p) => [p.x, p.y]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return new Chart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'examples',
          data: points.map((p) => ({ x: p.x, y: p.y })),
          borderColor: colors.primary,
          backgroundColor: colors.primary,
          pointRadius: 2,
        },
        {
          label: 'predicted = actual',
          data: [
            { x: lo, y: lo },
            { x: hi, y: hi },
          ],
          showLine: true,
          borderColor: colors.secondary,
          borderDash: [4, 4],
          pointRadius: 0,
          borderWidth: 1,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: axis('actual', colors), y: axis('predicted', colors) },
      plugins: { legend: { labels: { color: colors.foreground } } },
    },
  });
}

/** Residual counts per bin, labelled by each bin's lower edge. */
export function histogramChart(canvas: HTMLCanvasElement, edges: readonly number[], counts: readonly number[]): Chart {
  const colors = palette();
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: edges.map((e) => String(Number(e.toPrecision(3)))),
      datasets: [
        { label: 'examples', data: [...counts], backgroundColor: colors.primary, borderWidth: 0, barPercentage: 1, categoryPercentage: 1 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'category',
          title: { display: true, text: 'residual (predicted − actual), bin start', color: colors.foreground },
          ticks: { color: colors.foreground },
          grid: { color: colors.grid },
        },
        y: axis('examples', colors),
      },
      plugins: { legend: { display: false } },
    },
  });
}
