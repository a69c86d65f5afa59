import '@vscode-elements/elements/dist/vscode-button/index.js';
import type {
  ColumnChoices,
  ExperimentsPanelState,
  ExperimentsScope,
  ExperimentsToHost,
  HostToExperiments,
  RunDiff,
} from '../../src/protocol/experimentsMessages';
import type { RunRow } from '../../src/protocol/runRow';
import { assertNever } from '../../src/protocol/assertNever';
import { MetricCharts, type DrawnRun } from '../training/charts';
import { learningRateLast, RunSeries } from '../training/series';
import { connect, element, make, vscodeApi } from '../common/page';
import { renderColumnPicker } from './columnPicker';
import { columnsOf, sortRows, visibleColumns, type Column, type Sort } from './columns';
import { toCsv } from './csv';
import { diffNames, renderDiff } from './diffView';
import { compileFilter, filterRows, type FilterError } from './filter';
import { isHostMessage, isSavedState } from './guards';
import { openRunEditor } from './runEditor';
import { PAGE_ROWS, TableView } from './tableView';

const vscode = vscodeApi<ExperimentsToHost, ExperimentsPanelState>();

type Button = HTMLElement & { disabled: boolean };

const app = element('app');
app.innerHTML = `
  <header>
    <div class="title"><h1 id="name">Experiments</h1></div>
    <div class="actions">
      <vscode-button id="compare" disabled title="Overlay the selected runs' curves">Compare</vscode-button>
      <vscode-button id="diff" disabled title="What changed between two selected runs">Diff</vscode-button>
      <vscode-button id="export" secondary title="The rows and columns shown, as a CSV file">Export CSV</vscode-button>
    </div>
  </header>
  <p id="count" class="facts" aria-live="polite"></p>
  <div class="filter-bar">
    <label for="filter">Filter</label>
    <input id="filter" type="text" spellcheck="false" autocomplete="off" placeholder="val_accuracy > 0.9 &amp;&amp; batchSize == 32"
      aria-describedby="filter-help filter-error">
    <button id="columns-toggle" type="button" class="secondary" aria-expanded="false" aria-controls="columns">Columns…</button>
  </div>
  <div id="filter-error" class="filter-error" role="alert" hidden></div>
  <p id="filter-help" class="hint">Name a column by its key or its last part (<code>batchSize</code> for <code>training.batchSize</code>).
    A metric's name is its last epoch's value; <code>best_</code> before it is its best epoch's (<code>best_val_accuracy</code>),
    <code>test_</code> its value on the test split. <code>== != &lt; &lt;= &gt; &gt;=</code>, <code>&amp;&amp; || !</code>, parentheses;
    <code>contains</code> or <code>~</code> for text; text in quotes (<code>status == "completed"</code>).</p>
  <div id="columns" class="column-picker" hidden></div>
  <div id="notice" role="status" hidden></div>
  <div class="table-wrap"><table id="runs" aria-label="Runs"><thead></thead><tbody></tbody></table></div>
  <button id="more" type="button" class="secondary" hidden></button>
  <section id="diff-section" aria-labelledby="diff-title" hidden>
    <h2 id="diff-title">Diff</h2>
    <label class="toggle"><input id="show-unchanged" type="checkbox"> Show unchanged</label>
    <div id="diff-body"></div>
  </section>
  <section id="curves-section" aria-labelledby="curves-title" hidden>
    <h2 id="curves-title">Curves of the selected runs</h2>
    <div id="charts"></div>
  </section>`;

const ui = {
  name: element('name'),
  count: element('count'),
  compare: element<Button>('compare'),
  diff: element<Button>('diff'),
  exportCsv: element<Button>('export'),
  filter: element<HTMLInputElement>('filter'),
  filterError: element('filter-error'),
  columnsToggle: element<HTMLButtonElement>('columns-toggle'),
  columns: element('columns'),
  notice: element('notice'),
  more: element<HTMLButtonElement>('more'),
  diffSection: element('diff-section'),
  diffTitle: element('diff-title'),
  diffBody: element('diff-body'),
  showUnchanged: element<HTMLInputElement>('show-unchanged'),
  curvesSection: element('curves-section'),
  charts: element('charts'),
};

const saved = vscode.getState();
let scope: ExperimentsScope | undefined = isSavedState(saved) ? saved.scope : undefined;
let rows: readonly RunRow[] = [];
let columns: Column[] = [];
let choices: ColumnChoices = {};
let sort: Sort | undefined = isSavedState(saved) ? saved.sort : undefined;
let shown: RunRow[] = [];
let limit = PAGE_ROWS;
/** Runs of the list still being posted after its first rows (the host's first message of a long list). */
let loading = 0;
const selected = new Set<string>();
let anchor: string | undefined;
let focused: string | undefined;
let editing: string | undefined;
let diff: RunDiff | undefined;
ui.filter.value = isSavedState(saved) ? (saved.filter ?? '') : '';

const charts = new MetricCharts(
  ui.charts,
  () => undefined,
  () => undefined,
);

function saveState(): void {
  if (scope) vscode.setState({ scope, filter: ui.filter.value, ...(sort ? { sort } : {}) });
}

const table = new TableView(element<HTMLTableElement>('runs'), {
  sortBy: (column) => {
    // Metrics people want high (accuracy) start from the top; the rest ascending.
    const high = column.group !== 'run' && column.group !== 'hyperparameter' && !/loss|error/.test(column.id);
    sort = { column: column.id, descending: sort?.column === column.id ? !sort.descending : high };
    saveState();
    render();
    (document.querySelector(`th[data-column="${CSS.escape(column.id)}"] button`) as HTMLElement | null)?.focus();
  },
  select: (index, mode) => {
    const row = shown[index];
    if (!row) return;
    if (mode === 'only') {
      selected.clear();
      selected.add(row.runDir);
    } else if (mode === 'toggle') {
      if (selected.has(row.runDir)) selected.delete(row.runDir);
      else selected.add(row.runDir);
    } else {
      const from = Math.max(
        0,
        shown.findIndex((r) => r.runDir === anchor),
      );
      for (let i = Math.min(from, index); i <= Math.max(from, index); i++) selected.add(shown[i].runDir);
    }
    if (mode !== 'range') anchor = row.runDir;
    focused = row.runDir;
    render();
  },
  selectAll: (on) => {
    selected.clear();
    if (on) for (const row of shown) selected.add(row.runDir);
    render();
  },
  edit: (index) => editRun(index),
  open: (index) => shown[index] && vscode.postMessage({ type: 'openRun', runDir: shown[index].runDir }),
});

function editRun(index: number): void {
  const row = shown[index];
  const after = table.rowElement(index);
  if (!row || !after || editing) return;
  editing = row.runDir;
  openRunEditor(after, after.cells.length, row, (edits) => {
    editing = undefined;
    if (edits && edits.length > 0) vscode.postMessage({ type: 'edit', runDir: row.runDir, edits });
    focused = row.runDir;
    render();
    table.focus(shown.findIndex((r) => r.runDir === row.runDir));
  });
}

function showFilterError(text: string, error: FilterError | undefined): void {
  ui.filterError.hidden = error === undefined;
  ui.filter.setAttribute('aria-invalid', String(error !== undefined));
  if (!error) return;
  const code = make('code', 'filter-echo');
  const mark = make('mark', undefined, text.slice(error.at, error.at + error.length) || ' ');
  code.append(text.slice(0, error.at), mark, text.slice(error.at + error.length));
  ui.filterError.replaceChildren(make('span', undefined, `Column ${error.at + 1}: ${error.message}. `), code);
}

function render(): void {
  if (editing) return; // a live update waits until the editor closes
  const compiled = compileFilter(ui.filter.value, columns);
  showFilterError(ui.filter.value, compiled.ok ? undefined : compiled.error);
  // A bad expression keeps the rows of the last good one out of the way: every run shows.
  const filtered = filterRows(rows, compiled.ok ? compiled.expr : undefined);
  shown = sortRows(
    filtered,
    columns.find((c) => c.id === sort?.column),
    sort?.descending ?? false,
  );
  const visible = visibleColumns(columns, choices);
  table.render(visible, shown, sort, selected, limit, focused);
  const selectedShown = shown.filter((r) => selected.has(r.runDir));
  ui.count.textContent =
    `${rows.length} run${rows.length === 1 ? '' : 's'}` +
    (shown.length !== rows.length ? `, ${shown.length} match the filter` : '') +
    (selectedShown.length > 0 ? `, ${selectedShown.length} selected` : '') +
    (loading > 0 ? ` (the newest; ${loading} more loading…)` : '');
  ui.more.hidden = shown.length <= limit;
  ui.more.textContent = `Show ${Math.min(PAGE_ROWS, shown.length - limit)} more of ${shown.length - limit}`;
  ui.compare.disabled = selectedShown.length === 0;
  ui.diff.disabled = selectedShown.length !== 2;
  ui.diff.title = selectedShown.length === 2 ? 'What changed between the two selected runs' : 'Select exactly two runs';
  if (!ui.columns.hidden) renderPicker();
  renderDiffSection();
}

function renderPicker(): void {
  const ids = new Set(visibleColumns(columns, choices).map((c) => c.id));
  renderColumnPicker(ui.columns, columns, ids, (change) => {
    choices = typeof change === 'function' ? change(choices) : change;
    vscode.postMessage({ type: 'columns', choices });
    render();
  });
}

function renderDiffSection(): void {
  const a = diff && rows.find((r) => r.runDir === diff?.a);
  const b = diff && rows.find((r) => r.runDir === diff?.b);
  ui.diffSection.hidden = !diff || !a || !b;
  if (!diff || !a || !b) return;
  ui.diffTitle.textContent = `Diff: ${diffNames(a, b).join(' ↔ ')}`;
  renderDiff(ui.diffBody, diff, a, b, ui.showUnchanged.checked);
}

function drawCurves(runs: readonly DrawnRun[]): void {
  const names = new Set<string>();
  for (const run of runs) for (const name of run.series.epochMetrics.keys()) names.add(name.replace(/^val_/, ''));
  ui.curvesSection.hidden = runs.length === 0;
  charts.show(runs, learningRateLast(names), { view: 'epoch', smoothing: 0, yScale: 'linear' });
  ui.charts.dataset.runs = String(runs.length);
}

ui.filter.addEventListener('input', () => {
  limit = PAGE_ROWS;
  saveState();
  render();
});
ui.columnsToggle.addEventListener('click', () => {
  ui.columns.hidden = !ui.columns.hidden;
  ui.columnsToggle.setAttribute('aria-expanded', String(!ui.columns.hidden));
  if (!ui.columns.hidden) renderPicker();
});
ui.more.addEventListener('click', () => {
  limit += PAGE_ROWS;
  render();
});
ui.showUnchanged.addEventListener('change', renderDiffSection);
ui.compare.addEventListener('click', () => {
  vscode.postMessage({ type: 'compare', runDirs: shown.filter((r) => selected.has(r.runDir)).map((r) => r.runDir) });
});
ui.diff.addEventListener('click', () => {
  const pair = shown.filter((r) => selected.has(r.runDir)).map((r) => r.runDir);
  if (pair.length === 2) vscode.postMessage({ type: 'diff', runDirs: [pair[0], pair[1]] });
});
ui.exportCsv.addEventListener('click', () => {
  const visible = visibleColumns(columns, choices);
  const csv = toCsv(
    visible.map((c) => c.id),
    shown.map((row) => visible.map((c) => c.value(row))),
  );
  vscode.postMessage({ type: 'exportCsv', csv, rows: shown.length });
});

function onMessage(msg: HostToExperiments): void {
  switch (msg.type) {
    case 'rows': {
      scope = msg.scope;
      rows = msg.rows;
      loading = msg.total - msg.rows.length;
      columns = columnsOf(rows, msg.constants, loading > 0);
      choices = msg.columns;
      const present = new Set(rows.map((r) => r.runDir));
      for (const dir of [...selected]) if (!present.has(dir)) selected.delete(dir);
      ui.name.textContent = `Experiments — ${msg.title}`;
      document.title = `Experiments — ${msg.title}`;
      saveState();
      render();
      return;
    }
    case 'curves': {
      // Runs of one name (every run of a file until renamed) are told apart by their folders.
      const names = msg.runs.map((run) => run.name);
      drawCurves(
        msg.runs.map((run) => {
          const series = new RunSeries(undefined);
          series.add(run.records);
          const folder = run.runDir.split(/[\\/]/).pop() ?? run.runDir;
          const label = names.filter((n) => n === run.name).length > 1 ? `${run.name} (${folder})` : run.name;
          return { id: run.runDir, label, series };
        }),
      );
      ui.curvesSection.scrollIntoView({ block: 'nearest' });
      return;
    }
    case 'diff':
      diff = msg.diff;
      renderDiffSection();
      ui.diffSection.scrollIntoView({ block: 'nearest' });
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

connect(vscode, 'experiments', isHostMessage, onMessage);
