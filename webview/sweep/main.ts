import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { HostToSweepPanel, SweepPanelState, SweepPanelToHost, SweepView } from '../../src/protocol/sweepPanelMessages';
import type { TrialInfo } from '../../src/protocol/sweepTypes';
import { assertNever } from '../../src/protocol/assertNever';
import { MetricCharts, type DrawnRun } from '../training/charts';
import { RunSeries } from '../training/series';
import { connect, element, make, vscodeApi } from '../common/page';
import { isHostMessage, isSavedState } from './guards';
import { drawParallelCoordinates, drawScatter } from './plots';
import { formatValue } from './scales';
import { cellValue, filterTrials, sortTrials, type Column, type Sort } from './trialTable';

const vscode = vscodeApi<SweepPanelToHost, SweepPanelState>();

type Button = HTMLElement & { disabled: boolean };
type Select = HTMLElement & { value: string };

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <div class="title">
      <h1 id="name"></h1>
      <vscode-badge id="status" variant="counter"></vscode-badge>
    </div>
    <div class="actions">
      <vscode-button id="apply-best" disabled title="Write the best trial's values into the model file (one edit: Undo takes it back)">Apply best values</vscode-button>
      <vscode-button id="stop" secondary hidden>Stop Sweep</vscode-button>
      <vscode-button id="resume" secondary hidden title="Continue the sweep: finished trials are kept, interrupted ones run again">Resume Sweep</vscode-button>
    </div>
  </header>
  <dl id="facts" class="facts"></dl>
  <div id="notice" role="status" hidden></div>
  <section id="best" aria-labelledby="best-title" hidden>
    <h2 id="best-title">Best trial</h2>
    <dl id="best-facts" class="facts"></dl>
  </section>
  <section aria-labelledby="table-title">
    <h2 id="table-title">Trials</h2>
    <p class="hint">Click a header to sort; type in the boxes under it to filter (<code>&gt;0.01</code>, <code>16..64</code>, text); select trials to draw their curves.</p>
    <div class="table-wrap"><table id="trials"><thead></thead><tbody></tbody></table></div>
  </section>
  <div class="plots">
    <section aria-labelledby="pc-title">
      <h2 id="pc-title">Parallel coordinates</h2>
      <div id="parallel" class="plot"></div>
    </section>
    <section aria-labelledby="scatter-title">
      <h2 id="scatter-title"><span id="scatter-metric"></span> against <vscode-single-select id="scatter-param" aria-label="Parameter on the x axis"></vscode-single-select></h2>
      <div id="scatter" class="plot"></div>
    </section>
  </div>
  <section aria-labelledby="curves-title">
    <h2 id="curves-title">Curves of the selected trials</h2>
    <p id="curves-hint" class="hint">Select trials in the table or the plots.</p>
    <div id="charts"></div>
  </section>`;

const ui = {
  name: element('name'),
  status: element('status'),
  facts: element('facts'),
  notice: element('notice'),
  applyBest: element<Button>('apply-best'),
  stop: element<Button>('stop'),
  resume: element<Button>('resume'),
  best: element('best'),
  bestFacts: element('best-facts'),
  table: element<HTMLTableElement>('trials'),
  parallel: element('parallel'),
  scatter: element('scatter'),
  scatterMetric: element('scatter-metric'),
  scatterParam: element<Select>('scatter-param'),
  curvesHint: element('curves-hint'),
  charts: element('charts'),
};

let view: SweepView | undefined;
let sort: Sort = { column: { kind: 'index' }, descending: false };
const filters = new Map<string, string>();
const selected = new Set<number>();
let scatterKey: string | undefined;
const curves = new Map<number, RunSeries>();

const charts = new MetricCharts(
  ui.charts,
  () => undefined,
  () => undefined,
);

ui.applyBest.addEventListener('click', () => vscode.postMessage({ type: 'applyBest' }));
ui.stop.addEventListener('click', () => {
  ui.stop.disabled = true;
  vscode.postMessage({ type: 'stop' });
});
ui.resume.addEventListener('click', () => {
  ui.resume.disabled = true;
  vscode.postMessage({ type: 'resume' });
});
ui.scatterParam.addEventListener('change', () => {
  scatterKey = ui.scatterParam.value;
  drawPlots();
});
// The plots take the panel's width.
new ResizeObserver(() => drawPlots()).observe(ui.parallel);

function paramKeys(v: SweepView): string[] {
  const keys = Object.keys(v.sweep.search.parameters);
  for (const t of v.sweep.trials) for (const k of Object.keys(t.params)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

function shortName(key: string): string {
  return key.replace(/^(training|model)\./, '');
}

function toggleSelected(index: number): void {
  if (selected.has(index)) selected.delete(index);
  else selected.add(index);
  vscode.postMessage({ type: 'select', trials: [...selected] });
  render();
}

// ---------------------------------------------------------------- header and best trial

function renderHeader(v: SweepView): void {
  const { sweep } = v;
  ui.name.textContent = `${v.modelName} — sweep ${sweep.id}`;
  const label = v.state === 'interrupted' ? 'interrupted' : v.state === 'stopping' ? 'stopping' : sweep.status;
  ui.status.textContent = label;
  document.body.dataset.status = label;
  const done = sweep.trials.filter((t) => t.status === 'completed' || t.status === 'pruned' || t.status === 'failed').length;
  const planned = Math.max(sweep.search.trials ?? sweep.trials.length, sweep.trials.length);
  const count = (status: TrialInfo['status']) => sweep.trials.filter((t) => t.status === status).length;
  const stale = v.state === 'interrupted';
  const facts: [string, string][] = [
    ['trials', `${done} of ${planned} done`],
    [stale ? 'interrupted' : 'running', String(count('running'))],
    ['pruned', String(count('pruned'))],
    ['failed', String(count('failed'))],
    ['metric', `${sweep.metric} (${sweep.goal})`],
    ['method', sweep.search.method ?? 'random'],
  ];
  if (sweep.search.prune) facts.push(['pruning', sweep.search.prune.type]);
  ui.facts.replaceChildren(...facts.map(([term, value]) => fact(term, value)));
  ui.stop.hidden = v.state !== 'running' && v.state !== 'stopping';
  ui.stop.disabled = v.state === 'stopping';
  ui.resume.hidden = v.state !== 'interrupted' && !(v.state === 'ended' && sweep.status === 'stopped');
  ui.resume.disabled = false;

  const best = v.best === undefined ? undefined : sweep.trials.find((t) => t.index === v.best);
  ui.best.hidden = best === undefined;
  ui.applyBest.disabled = best === undefined;
  if (best) {
    ui.bestFacts.replaceChildren(
      fact('trial', String(best.index + 1)),
      fact(sweep.metric, formatValue(best.metrics?.[sweep.metric])),
      ...Object.entries(best.params).map(([k, value]) => fact(shortName(k), formatValue(value))),
    );
  }
}

function fact(term: string, value: string): HTMLElement {
  const div = make('div');
  div.append(make('dt', undefined, term), make('dd', undefined, value));
  div.dataset.fact = term;
  return div;
}

// ---------------------------------------------------------------- the table

function columns(v: SweepView): { column: Column; title: string; filterKey?: string }[] {
  return [
    { column: { kind: 'index' }, title: '#' },
    { column: { kind: 'status' }, title: 'status', filterKey: 'status' },
    ...paramKeys(v).map((key) => ({ column: { kind: 'param', key } as Column, title: shortName(key), filterKey: key })),
    { column: { kind: 'metric' }, title: v.sweep.metric, filterKey: v.sweep.metric },
    { column: { kind: 'epochs' }, title: 'epochs' },
  ];
}

function sameColumn(a: Column, b: Column): boolean {
  return a.kind === b.kind && (a.kind !== 'param' || (b.kind === 'param' && a.key === b.key));
}

function renderTableHead(v: SweepView): void {
  const cols = columns(v);
  const signature = JSON.stringify([cols.map((c) => c.title), sort]);
  const head = ui.table.tHead as HTMLTableSectionElement;
  if (head.dataset.signature === signature) return;
  head.dataset.signature = signature;
  const titles = make('tr');
  const filterRow = make('tr', 'filters');
  titles.append(make('th', 'select-col', ''));
  filterRow.append(make('th'));
  for (const c of cols) {
    const th = make('th');
    const active = sameColumn(sort.column, c.column);
    th.setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
    const button = make('button', 'sort', `${c.title}${active ? (sort.descending ? ' ▾' : ' ▴') : ''}`);
    button.type = 'button';
    button.title = `Sort by ${c.title}`;
    button.addEventListener('click', () => {
      sort = { column: c.column, descending: active ? !sort.descending : c.column.kind === 'metric' && v.sweep.goal === 'maximize' };
      render();
    });
    th.append(button);
    titles.append(th);
    const cell = make('th');
    if (c.filterKey !== undefined) {
      const key = c.filterKey;
      const input = make('input', 'filter');
      input.type = 'text';
      input.value = filters.get(key) ?? '';
      input.placeholder = 'filter';
      input.setAttribute('aria-label', `Filter by ${c.title}`);
      input.dataset.key = key;
      input.addEventListener('input', () => {
        if (input.value.trim() === '') filters.delete(key);
        else filters.set(key, input.value);
        render();
      });
      cell.append(input);
    }
    filterRow.append(cell);
  }
  head.replaceChildren(titles, filterRow);
}

function renderTable(v: SweepView): Set<number> {
  renderTableHead(v);
  const { sweep } = v;
  const cols = columns(v);
  const shown = filterTrials(sweep.trials, filters, sweep.metric);
  const ordered = sortTrials(shown, sort, sweep.metric);
  // The best trial first, whatever the sort.
  const bestAt = ordered.findIndex((t) => t.index === v.best);
  if (bestAt > 0) ordered.unshift(...ordered.splice(bestAt, 1));
  const body = ui.table.tBodies[0];
  body.replaceChildren(
    ...ordered.map((trial) => {
      // A trial sweep.json says is running, of a sweep whose runner is gone, is not running.
      const status = trial.status === 'running' && v.state === 'interrupted' ? 'interrupted' : trial.status;
      const row = make('tr', `status-${status}`);
      row.dataset.index = String(trial.index);
      row.dataset.status = status;
      if (trial.index === v.best) row.classList.add('best');
      if (selected.has(trial.index)) row.classList.add('selected');
      const pick = make('input');
      pick.type = 'checkbox';
      pick.checked = selected.has(trial.index);
      pick.setAttribute('aria-label', `Draw the curves of trial ${trial.index + 1}`);
      pick.addEventListener('change', () => toggleSelected(trial.index));
      const pickCell = make('td', 'select-col');
      pickCell.append(pick);
      row.append(pickCell);
      for (const c of cols) {
        const value = cellValue(trial, c.column, sweep.metric);
        const td = make('td', c.column.kind === 'status' ? 'status' : typeof value === 'number' ? 'number' : undefined);
        if (c.column.kind === 'index') {
          td.textContent = `${trial.index === v.best ? '★ ' : ''}${trial.index + 1}`;
          if (trial.runDir) {
            td.title = 'Double-click the row to open this trial in the training panel';
          }
        } else if (c.column.kind === 'status') {
          td.append(make('span', 'status-label', status));
          if (trial.reason) {
            td.append(make('div', 'reason', trial.reason));
            td.title = trial.reason;
          }
        } else {
          td.textContent = formatValue(value);
        }
        row.append(td);
      }
      row.addEventListener('click', (event) => {
        if ((event.target as HTMLElement).tagName !== 'INPUT') toggleSelected(trial.index);
      });
      row.addEventListener('dblclick', () => vscode.postMessage({ type: 'openTrial', index: trial.index }));
      return row;
    }),
  );
  ui.table.dataset.rows = String(ordered.length);
  return new Set(shown.map((t) => t.index));
}

// ---------------------------------------------------------------- plots and curves

let shownTrials = new Set<number>();

function drawPlots(): void {
  if (!view) return;
  const input = { sweep: view.sweep, best: view.best, selected, shown: shownTrials, onSelect: toggleSelected };
  drawParallelCoordinates(ui.parallel, input);
  const keys = paramKeys(view);
  if (ui.scatterParam.dataset.keys !== JSON.stringify(keys)) {
    ui.scatterParam.dataset.keys = JSON.stringify(keys);
    ui.scatterParam.replaceChildren(
      ...keys.map((key) => {
        const option = document.createElement('vscode-option') as HTMLElement & { value: string };
        option.value = key;
        option.textContent = shortName(key);
        return option;
      }),
    );
  }
  if (scatterKey === undefined || !keys.includes(scatterKey)) scatterKey = keys[0];
  if (scatterKey !== undefined && ui.scatterParam.value !== scatterKey) ui.scatterParam.value = scatterKey;
  ui.scatterMetric.textContent = view.sweep.metric;
  if (scatterKey !== undefined) drawScatter(ui.scatter, input, scatterKey);
}

function drawCurves(): void {
  if (!view) return;
  const runs: DrawnRun[] = [...selected]
    .filter((i) => curves.has(i))
    .sort((a, b) => a - b)
    .map((i) => ({ id: `trial-${i}`, label: `trial ${i + 1}`, series: curves.get(i) as RunSeries }));
  ui.curvesHint.hidden = runs.length > 0;
  const base = view.sweep.metric.replace(/^val_/, '');
  charts.show(runs, runs.length === 0 ? [] : base === 'loss' ? ['loss'] : ['loss', base], {
    view: 'epoch',
    smoothing: 0,
    yScale: 'linear',
  });
}

function render(): void {
  if (!view) return;
  renderHeader(view);
  shownTrials = renderTable(view);
  drawPlots();
  drawCurves();
}

function onMessage(msg: HostToSweepPanel): void {
  switch (msg.type) {
    case 'sweep': {
      const changedSweep = view?.sweep.id !== msg.view.sweep.id;
      view = msg.view;
      if (changedSweep) {
        selected.clear();
        curves.clear();
      }
      vscode.setState({ modelFile: msg.view.sweep.modelFile, sweepDir: msg.view.sweepDir });
      render();
      return;
    }
    case 'curves':
      curves.clear();
      for (const trial of msg.trials) {
        const series = new RunSeries(undefined);
        series.add(trial.records);
        curves.set(trial.index, series);
      }
      drawCurves();
      return;
    case 'notice':
      ui.notice.hidden = false;
      ui.notice.className = msg.level;
      ui.notice.textContent = msg.message;
      return;
    default:
      assertNever(msg);
  }
}

const saved = vscode.getState();
if (isSavedState(saved)) vscode.setState(saved);
connect(vscode, 'sweep', isHostMessage, onMessage);
