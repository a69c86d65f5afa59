import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type {
  HostToTrainingPanel,
  PanelRun,
  TrainingPanelState,
  TrainingPanelToHost,
} from '../../src/protocol/trainingPanelMessages';
import { RunCharts } from './charts';
import { assertNever, isHostMessage, isSavedState } from './guards';
import { RunSeries } from './series';

interface VsCodeApi {
  postMessage(message: TrainingPanelToHost): void;
  getState(): unknown;
  setState(state: TrainingPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** setState serialises every record: at most this often while a run streams. */
const SAVE_MS = 1000;

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <div class="title">
      <h1 id="name"></h1>
      <vscode-badge id="status" variant="counter"></vscode-badge>
    </div>
    <div class="actions">
      <vscode-button id="train">Train</vscode-button>
      <vscode-button id="stop" secondary>Stop</vscode-button>
    </div>
  </header>
  <dl id="facts"></dl>
  <vscode-progress-bar id="progress" hidden></vscode-progress-bar>
  <p id="error" role="alert" hidden></p>
  <p id="hint" hidden></p>
  <section id="loss-section">
    <h2>Loss</h2>
    <div id="loss-chart" class="chart" data-points="0"><canvas aria-label="Loss per batch and per epoch"></canvas></div>
  </section>
  <section id="metrics-section" hidden>
    <h2>Metrics</h2>
    <div id="metrics-chart" class="chart"><canvas aria-label="Metrics per epoch"></canvas></div>
  </section>`;

function element<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const ui = {
  name: element('name'),
  status: element('status'),
  facts: element('facts'),
  progress: element<HTMLElement & { value: number }>('progress'),
  error: element('error'),
  train: element<HTMLElement & { disabled: boolean }>('train'),
  stop: element<HTMLElement & { disabled: boolean }>('stop'),
  hint: element('hint'),
  lossSection: element('loss-section'),
  lossChart: element('loss-chart'),
  metricsSection: element('metrics-section'),
};

let view: { modelFile: string; modelName: string; run: PanelRun; series: RunSeries } | undefined;
let saveTimer: number | undefined;

const charts = new RunCharts(
  ui.lossChart.querySelector('canvas') as HTMLCanvasElement,
  element('metrics-chart').querySelector('canvas') as HTMLCanvasElement,
  (hasMetrics) => {
    ui.metricsSection.hidden = !hasMetrics;
  },
);

ui.train.addEventListener('click', () => {
  ui.train.disabled = true;
  vscode.postMessage({ type: 'train' });
});
ui.stop.addEventListener('click', () => {
  ui.stop.disabled = true;
  vscode.postMessage({ type: 'stop' });
});

function onMessage(msg: HostToTrainingPanel): void {
  switch (msg.type) {
    case 'reset':
      show(msg.modelFile, msg.modelName, msg.run, msg.records);
      return;
    case 'run':
      if (!view) return;
      view.run = msg.run;
      render();
      return;
    case 'metrics':
      if (!view || view.run.runId !== msg.runId) return;
      if (view.series.add(msg.records) > 0) render();
      return;
    default:
      assertNever(msg);
  }
}

function show(modelFile: string, modelName: string, run: PanelRun, records: readonly MetricRecord[]): void {
  const series = new RunSeries(run.batchesPerEpoch);
  series.add(records);
  view = { modelFile, modelName, run, series };
  render();
}

const STATUS_TEXT: Record<PanelRun['status'], string> = {
  none: 'no runs yet',
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping…',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
};

/** What an empty panel says, by status. */
const HINTS: Partial<Record<PanelRun['status'], string>> = {
  none: 'This model has not been trained yet. Train starts a run; its curves appear here as it goes.',
  starting: 'Loading TensorFlow.js and the data…',
};

function render(): void {
  if (!view) return;
  const { run, series } = view;
  const going = run.status === 'starting' || run.status === 'running' || run.status === 'stopping';
  document.body.dataset.status = run.status;
  ui.name.textContent = view.modelName;
  ui.status.textContent = STATUS_TEXT[run.status];
  ui.train.disabled = going;
  ui.stop.disabled = !going || run.status === 'stopping';
  ui.error.hidden = !run.error;
  ui.error.textContent = run.error ?? '';
  const hint = series.last ? undefined : HINTS[run.status];
  ui.hint.hidden = !hint;
  ui.hint.textContent = hint ?? '';
  ui.lossSection.hidden = !series.last && run.status === 'none';

  const last = series.last;
  const facts: [string, string][] = [];
  if (run.epochs) facts.push(['epoch', `${last?.epoch ?? 0}/${run.epochs}`]);
  if (last && last.batch !== null && run.batchesPerEpoch) {
    facts.push(['batch', `${last.batch + 1}/${run.batchesPerEpoch}`]);
  }
  if (last && Number.isFinite(last.loss)) facts.push(['loss', last.loss.toPrecision(4)]);
  const valLoss = series.epochMetrics.get('val_loss');
  if (valLoss?.length) facts.push(['val_loss', valLoss[valLoss.length - 1].y.toPrecision(4)]);
  if (run.backend) facts.push(['backend', run.backend]);
  const progress = series.progress(run.epochs);
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const until = run.endedAt ? Date.parse(run.endedAt) : (last?.time ?? NaN);
  if (Number.isFinite(started) && Number.isFinite(until)) {
    facts.push(['elapsed', duration(until - started)]);
    if (run.status === 'running' && progress && progress > 0 && progress < 1) {
      facts.push(['ETA', duration(((until - started) * (1 - progress)) / progress)]);
    }
  }
  ui.facts.replaceChildren(
    ...facts.map(([term, value]) => {
      const group = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dd.dataset.fact = term;
      group.append(dt, dd);
      return group;
    }),
  );
  ui.progress.hidden = !going;
  if (progress !== undefined) ui.progress.value = progress * 100;

  ui.lossChart.dataset.points = String(series.lossPointCount);
  charts.show(series, run.epochs);
  scheduleSave();
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function scheduleSave(): void {
  saveTimer ??= window.setTimeout(() => {
    saveTimer = undefined;
    if (!view) return;
    vscode.setState({ modelFile: view.modelFile, modelName: view.modelName, run: view.run, records: view.series.records });
  }, SAVE_MS);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) {
    console.warn('training panel: dropped an unknown message', event.data);
    return;
  }
  onMessage(event.data);
});

// Draw what the panel showed before it was hidden or the window reloaded;
// the host then sends the run folder's current contents.
const saved = vscode.getState();
if (isSavedState(saved)) show(saved.modelFile, saved.modelName, saved.run, saved.records);
vscode.postMessage({ type: 'ready' });
