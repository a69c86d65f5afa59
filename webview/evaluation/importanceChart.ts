import { Chart, type Plugin } from 'chart.js';
import type { FeatureImportance } from '../../src/protocol/explainTypes';
import { cssVar } from './charts';
import { importanceAxisTitle, importanceBars, type ImportanceBars } from './importanceBars';

/** Chart.js has no error bars: this draws each bar's ± std whisker over it. */
function whiskers(bars: ImportanceBars, color: string): Plugin<'bar'> {
  return {
    id: 'importanceWhiskers',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      const meta = chart.getDatasetMeta(0);
      const context = chart.ctx;
      context.save();
      context.strokeStyle = color;
      context.lineWidth = 1.5;
      meta.data.forEach((bar, i) => {
        const y = bar.y;
        const [from, to] = [x.getPixelForValue(bars.lows[i]), x.getPixelForValue(bars.highs[i])];
        const cap = 4;
        context.beginPath();
        context.moveTo(from, y);
        context.lineTo(to, y);
        context.moveTo(from, y - cap);
        context.lineTo(from, y + cap);
        context.moveTo(to, y - cap);
        context.lineTo(to, y + cap);
        context.stroke();
      });
      context.restore();
    },
  };
}

/** Horizontal bars of each column's mean importance, sorted, with ± std whiskers, in the theme's colours. */
export function importanceChart(canvas: HTMLCanvasElement, items: readonly FeatureImportance[], metric: string, repeats: number): Chart {
  const bars = importanceBars(items);
  const foreground = cssVar('--vscode-foreground', '#cccccc');
  const grid = cssVar('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)');
  const low = Math.min(0, ...bars.lows);
  const high = Math.max(0, ...bars.highs);
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: bars.labels,
      datasets: [{ label: `importance (${metric})`, data: bars.means, backgroundColor: cssVar('--vscode-charts-blue', '#3794ff') }],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'linear',
          // The whiskers reach past the bars; Chart.js rounds these to ticks.
          suggestedMin: low,
          suggestedMax: high,
          title: { display: true, text: importanceAxisTitle(metric, repeats), color: foreground },
          ticks: { color: foreground },
          grid: { color: grid },
        },
        y: { type: 'category', ticks: { color: foreground }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const i = item.dataIndex;
              return `${bars.means[i].toFixed(4)} ± ${(bars.highs[i] - bars.means[i]).toFixed(4)}`;
            },
          },
        },
      },
    },
    plugins: [whiskers(bars, foreground)],
  });
}
