import type { Chart } from 'chart.js';
import type {
  EvaluationChoice,
  EvaluationPanelState,
  EvaluationRef,
  EvaluationToHost,
  HostToEvaluation,
} from '../../src/protocol/evaluationMessages';
import type { ClassificationResult, Evaluation, RegressionResult } from '../../src/protocol/evaluationTypes';
import { assertNever } from '../../src/protocol/assertNever';
import { attentionViewFor } from './attentionView';
import { curveChart, histogramChart, scatterChart } from './charts';
import { ExplainView } from './explainView';
import { fixed, percent } from './format';
import { isHostMessage } from './guards';
import { sourceName, worstTable } from './worstTable';
import { connect, element, make, vscodeApi } from '../common/page';

const vscode = vscodeApi<EvaluationToHost, EvaluationPanelState>();

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <h1 id="title">Evaluation</h1>
    <div class="pickers">
      <label>Evaluation <select id="primary"></select></label>
      <label>Compare with <select id="compare"></select></label>
    </div>
  </header>
  <p id="message" role="status" hidden></p>
  <div id="columns"></div>`;

const ui = {
  title: element('title'),
  primary: element<HTMLSelectElement>('primary'),
  compare: element<HTMLSelectElement>('compare'),
  message: element('message'),
  columns: element('columns'),
};

let charts: Chart[] = [];
/** Each side's Explanation section, by refKey of its evaluation. */
let explainViews = new Map<string, ExplainView>();

function refKey(ref: EvaluationRef): string {
  return JSON.stringify([ref.runDir, ref.evaluationId]);
}

function refOf(key: string): EvaluationRef | null {
  if (key === '') return null;
  const [runDir, evaluationId] = JSON.parse(key) as [string, string];
  return { runDir, evaluationId };
}

/** A card per headline figure; in the second column, the difference from the first. */
function cards(evaluation: Evaluation, other: Evaluation | undefined): HTMLElement {
  const box = make('div', 'cards');
  const figures = headline(evaluation);
  const base = other ? headline(other) : undefined;
  for (const [label, value, higherIsBetter] of figures) {
    const card = make('div', 'card');
    card.append(make('span', 'card-label', label), make('span', 'card-value', fixed(value)));
    const before = base?.find(([l]) => l === label)?.[1];
    if (base && value !== null && before !== undefined && before !== null) {
      const delta = value - before;
      const better = higherIsBetter ? delta > 0 : delta < 0;
      const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
      const note = make('span', `card-delta ${delta === 0 ? '' : better ? 'better' : 'worse'}`, `${sign}${Math.abs(delta).toFixed(4)}`);
      note.title = 'Difference from the evaluation on the left';
      card.append(note);
    }
    box.append(card);
  }
  return box;
}

function headline(evaluation: Evaluation): [string, number | null, boolean][] {
  const result = evaluation.result;
  const loss: [string, number | null, boolean] = [`loss (${evaluation.lossName})`, evaluation.loss, false];
  if (result.kind === 'regression') {
    return [loss, ['MSE', result.mse, false], ['RMSE', result.rmse, false], ['MAE', result.mae, false], ['R²', result.r2, true]];
  }
  return [
    ['accuracy', result.accuracy, true],
    loss,
    ['macro F1', result.macro.f1, true],
    ['weighted F1', result.weighted.f1, true],
    ...result.topK.map(({ k, accuracy }): [string, number, boolean] => [`top-${k} accuracy`, accuracy, true]),
    ...(result.binary
      ? [
          ['ROC AUC', result.binary.rocAuc, true] as [string, number, boolean],
          ['average precision', result.binary.averagePrecision, true] as [string, number, boolean],
        ]
      : []),
  ];
}

function perClassTable(result: ClassificationResult, count: number): HTMLTableElement {
  const table = make('table', 'per-class');
  table.createCaption().textContent = 'Precision, recall and F1 per class';
  const head = table.createTHead().insertRow();
  for (const name of ['class', 'precision', 'recall', 'F1', 'support']) head.append(make('th', undefined, name));
  const body = table.createTBody();
  const row = (name: string, values: (string | number)[], className?: string): void => {
    const tr = body.insertRow();
    if (className) tr.className = className;
    const th = make('th', undefined, name);
    th.scope = 'row';
    tr.append(th);
    for (const v of values) tr.append(make('td', 'num', typeof v === 'number' ? fixed(v) : v));
  };
  result.classes.forEach((name, c) => {
    const m = result.perClass[c];
    row(name, [m.precision, m.recall, m.f1, String(m.support)], m.support === 0 ? 'no-support' : undefined);
  });
  row('macro avg', [result.macro.precision, result.macro.recall, result.macro.f1, String(count)], 'average');
  row('weighted avg', [result.weighted.precision, result.weighted.recall, result.weighted.f1, String(count)], 'average');
  return table;
}

/** Counts with the share of their row (true class); colour intensity is that share, in the theme's chart blue. */
function confusionTable(result: ClassificationResult): HTMLTableElement {
  const table = make('table', 'confusion');
  table.createCaption().textContent = 'Rows: true class · columns: predicted class · count and share of the row';
  const head = table.createTHead().insertRow();
  head.append(make('th', 'corner', 'true ╲ predicted'));
  for (const name of result.classes) head.append(make('th', undefined, name));
  const body = table.createTBody();
  result.confusion.forEach((counts, t) => {
    const tr = body.insertRow();
    const th = make('th', undefined, result.classes[t]);
    th.scope = 'row';
    tr.append(th);
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((n, p) => {
      const rate = total === 0 ? 0 : n / total;
      const td = make('td', t === p ? 'cell diagonal' : 'cell');
      td.style.setProperty('--rate', String(Math.round(rate * 85)));
      if (rate > 0.5) td.classList.add('strong');
      td.append(make('span', 'count', String(n)), make('span', 'rate', total === 0 ? '' : percent(rate)));
      td.title = `true ${result.classes[t]}, predicted ${result.classes[p]}: ${n} of ${total} (${percent(rate)})`;
      td.setAttribute('aria-label', td.title);
      tr.append(td);
    });
  });
  return table;
}

function chartBox(label: string, draw: (canvas: HTMLCanvasElement) => Chart): HTMLElement {
  const figure = make('figure', 'chart');
  const caption = make('figcaption', undefined, label);
  const holder = make('div', 'chart-holder');
  const canvas = make('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  holder.append(canvas);
  figure.append(caption, holder);
  // Drawn once the canvas is in the page, so Chart.js can measure it.
  requestAnimationFrame(() => charts.push(draw(canvas)));
  return figure;
}

function section(title: string, ...content: HTMLElement[]): HTMLElement {
  const box = make('section', 'part');
  box.append(make('h3', undefined, title), ...content);
  return box;
}

function column(evaluation: Evaluation, other: Evaluation | undefined): HTMLElement {
  const box = make('article', 'column');
  box.dataset.evaluation = evaluation.id;
  const when = new Date(evaluation.createdAt).toLocaleString();
  box.append(
    make('h2', undefined, `Run ${evaluation.runId}`),
    make('p', 'meta', evaluation.dataset.description),
    make(
      'p',
      'meta',
      `${evaluation.count.toLocaleString('en-US')} examples · sha256 ${evaluation.dataset.sha256.slice(0, 12)}… · ${evaluation.backend} · ${(evaluation.durationMs / 1000).toFixed(1)} s · ${when}`,
    ),
    cards(evaluation, other),
  );
  const result = evaluation.result;
  if (result.kind === 'classification') {
    box.append(section('Per class', perClassTable(result, evaluation.count)), section('Confusion matrix', confusionTable(result)));
    const binary = result.binary;
    if (binary) {
      box.append(
        section(
          `ROC and precision–recall (positive class ${binary.positiveClass})`,
          chartBox(`ROC curve, AUC ${fixed(binary.rocAuc)}`, (c) =>
            curveChart(c, binary.roc, 'false-positive rate', 'true-positive rate', 'ROC', true),
          ),
          chartBox(`Precision–recall, average precision ${fixed(binary.averagePrecision)}`, (c) =>
            curveChart(c, binary.pr, 'recall', 'precision', 'PR', false),
          ),
        ),
      );
    }
  } else {
    box.append(regressionParts(result));
  }
  const attention = attentionViewFor(evaluation.worst);
  if (attention) box.append(section('Attention: what the model read', attention.element));
  const explain = explainViewFor(evaluation);
  if (explain) box.append(section(explain.kind === 'table' ? 'Feature importance' : 'Explanation', explain.view.element));
  const open = (w: Evaluation['worst'][number]): void =>
    vscode.postMessage({ type: 'openSource', file: w.source.file, ...(w.source.line === undefined ? {} : { line: w.source.line }) });
  const explainRow = (index: number): void => {
    const w = evaluation.worst[index];
    if (explain?.kind === 'image' && w.example !== undefined)
      explain.view.start({ kind: 'example', example: w.example }, `Worst prediction ${index + 1} (${sourceName(w)})`);
    else if (attention && w.attention) {
      attention.show(index);
      attention.element.scrollIntoView({ block: 'start' });
    }
  };
  const explainable = explain?.kind === 'image' || attention !== undefined;
  if (evaluation.worst.length > 0)
    box.append(section('Worst predictions', worstTable(evaluation, attention, { open, ...(explainable ? { explain: explainRow } : {}) })));
  return box;
}

/** The Explanation section of an image model's evaluation, or the Feature importance section of a table model's; none for text. */
function explainViewFor(evaluation: Evaluation): { kind: 'image' | 'table'; view: ExplainView } | undefined {
  const kind = evaluation.worst.some((w) => w.image !== undefined)
    ? 'image'
    : evaluation.worst.some((w) => w.text !== undefined)
      ? undefined
      : 'table';
  if (!kind) return undefined;
  const ref = { runDir: evaluation.runDir, evaluationId: evaluation.id };
  const view = new ExplainView(kind, {
    request: (target) => vscode.postMessage({ type: 'explain', ref, target }),
    cancel: () => vscode.postMessage({ type: 'cancelExplain' }),
  });
  explainViews.set(refKey(ref), view);
  return { kind, view };
}

function regressionParts(result: RegressionResult): HTMLElement {
  return section(
    'Predictions and residuals',
    chartBox('Predicted against actual', (c) => scatterChart(c, result.scatter)),
    chartBox('Residuals (predicted − actual)', (c) => histogramChart(c, result.residuals.edges, result.residuals.counts)),
  );
}

function fillPickers(choices: readonly EvaluationChoice[], primary: Evaluation, compare: Evaluation | undefined): void {
  const primaryKey = refKey({ runDir: primary.runDir, evaluationId: primary.id });
  const compareKey = compare ? refKey({ runDir: compare.runDir, evaluationId: compare.id }) : '';
  ui.primary.replaceChildren(
    ...choices.map((c) => {
      const option = make('option', undefined, c.label);
      option.value = refKey(c);
      option.selected = option.value === primaryKey;
      return option;
    }),
  );
  const none = make('option', undefined, '— none —');
  none.value = '';
  ui.compare.replaceChildren(
    none,
    ...choices
      .filter((c) => refKey(c) !== primaryKey)
      .map((c) => {
        const option = make('option', undefined, c.label);
        option.value = refKey(c);
        return option;
      }),
  );
  ui.compare.value = compareKey;
  ui.compare.disabled = choices.length < 2;
}

function show(msg: Extract<HostToEvaluation, { type: 'show' }>): void {
  for (const chart of charts) chart.destroy();
  charts = [];
  for (const view of explainViews.values()) view.destroy();
  explainViews = new Map();
  ui.title.textContent = `Evaluation: ${msg.modelName}`;
  ui.message.hidden = true;
  fillPickers(msg.choices, msg.primary, msg.compare);
  const parts = [column(msg.primary, undefined), ...(msg.compare ? [column(msg.compare, msg.primary)] : [])];
  ui.columns.className = msg.compare ? 'compare' : '';
  ui.columns.replaceChildren(...parts);
  vscode.setState({
    modelFile: msg.modelFile,
    primary: { runDir: msg.primary.runDir, evaluationId: msg.primary.id },
    ...(msg.compare ? { compare: { runDir: msg.compare.runDir, evaluationId: msg.compare.id } } : {}),
  });
}

ui.primary.addEventListener('change', () => {
  const ref = refOf(ui.primary.value);
  if (ref) vscode.postMessage({ type: 'select', ref });
});
ui.compare.addEventListener('change', () => vscode.postMessage({ type: 'compare', ref: refOf(ui.compare.value) }));

function onMessage(msg: HostToEvaluation): void {
  switch (msg.type) {
    case 'show':
      show(msg);
      return;
    case 'unavailable':
      ui.title.textContent = `Evaluation: ${msg.modelName}`;
      ui.message.textContent = msg.message;
      ui.message.hidden = false;
      return;
    case 'explainProgress':
      explainViews.get(refKey(msg.ref))?.progress(msg.target, msg.message);
      return;
    case 'explained':
      explainViews.get(refKey(msg.ref))?.explained(msg.target, msg.results, msg.notes ?? []);
      return;
    case 'explainFailed':
      explainViews.get(refKey(msg.ref))?.failed(msg.target, msg.message, msg.cancelled);
      return;
    default:
      assertNever(msg);
  }
}

// The host sends what to show after `ready` (a restored panel too: the serializer gave it the saved state).
connect(vscode, 'evaluation', isHostMessage, onMessage);
