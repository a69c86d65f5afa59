import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import type { MetricRecord } from '../../src/protocol/runTypes';
import type {
  ChartSettings,
  ComparedRun,
  HostToTrainingPanel,
  PanelRun,
  TrainingPanelState,
  TrainingPanelToHost,
} from '../../src/protocol/trainingPanelMessages';
import { MetricCharts, type DrawnRun } from './charts';
import { assertNever } from '../../src/protocol/assertNever';
import { isHostMessage, isSavedState } from './guards';
import { learningRateLast, LEARNING_RATE, RunSeries } from './series';
import { clock, eta, rate, samplesPerSecond } from './stats';
import { latestMetrics, progressAnnouncement, resultLines, shown } from './headerText';
import { connect, element, vscodeApi } from '../common/page';

const vscode = vscodeApi<TrainingPanelToHost, TrainingPanelState>();
/** setState serialises what it is given: at most this often while a run streams. */
const SAVE_MS = 1000;
/** Above this many records only epoch records are saved; the host sends the rest on `ready`. */
const SAVE_ALL_BELOW = 20_000;
const DEFAULT_SETTINGS: ChartSettings = { view: 'batch', smoothing: 0.6, yScale: 'linear' };

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
      <vscode-button id="open-run-folder" secondary title="Reveal this run's folder (run.json, metrics.jsonl, model)">Open Run Folder</vscode-button>
      <vscode-button id="continue" secondary hidden title="A new run from this run's last checkpoint (weights and optimizer state) with the model file's current training settings">Continue with Changes</vscode-button>
    </div>
  </header>
  <dl id="facts" class="facts"></dl>
  <dl id="results" class="facts" hidden></dl>
  <p id="parent-note" hidden></p>
  <p id="announce" class="visually-hidden" aria-live="polite"></p>
  <vscode-progress-bar id="progress" hidden></vscode-progress-bar>
  <p id="error" role="alert" hidden></p>
  <p id="file-changed" role="status" hidden title="The run trains on its own copy of the spec (spec.json in its folder); Train starts a run with the file as it is now.">model file changed since this run started</p>
  <p id="hint" hidden></p>
  <p id="cross-validation" role="status" hidden></p>
  <div id="toolbar" hidden>
    <vscode-radio-group id="view" aria-label="Points per">
      <vscode-radio name="view" value="batch" label="Batches">Batches</vscode-radio>
      <vscode-radio name="view" value="epoch" label="Epochs">Epochs</vscode-radio>
    </vscode-radio-group>
    <label class="smoothing" title="Exponential moving average, as in TensorBoard; the raw curve stays faint behind">
      Smoothing <input id="smoothing" type="range" min="0" max="0.99" step="0.01"> <output id="smoothing-value"></output>
    </label>
    <vscode-checkbox id="log" label="Log scale">Log scale</vscode-checkbox>
    <vscode-button id="reset-zoom" secondary disabled title="Also: double-click a chart. Drag across a chart (or Alt+wheel) to zoom.">Reset zoom</vscode-button>
  </div>
  <p id="compared" hidden></p>
  <div id="charts"></div>`;

type Toggle = HTMLElement & { disabled: boolean };
const ui = {
  name: element('name'),
  status: element('status'),
  facts: element('facts'),
  progress: element<HTMLElement & { value: number }>('progress'),
  error: element('error'),
  fileChanged: element('file-changed'),
  train: element<Toggle>('train'),
  stop: element<Toggle>('stop'),
  openRunFolder: element<Toggle>('open-run-folder'),
  continueRun: element<Toggle>('continue'),
  results: element('results'),
  parentNote: element('parent-note'),
  announce: element('announce'),
  hint: element('hint'),
  crossValidation: element('cross-validation'),
  toolbar: element('toolbar'),
  view: element('view'),
  smoothing: element<HTMLInputElement>('smoothing'),
  smoothingValue: element<HTMLOutputElement>('smoothing-value'),
  log: element<HTMLElement & { checked: boolean }>('log'),
  resetZoom: element<Toggle>('reset-zoom'),
  compared: element('compared'),
  charts: element('charts'),
};

type Drawn = { run: ComparedRun; series: RunSeries };
let view: { modelFile: string; modelName: string; run: PanelRun; series: RunSeries; folds: Drawn[]; lineage: Drawn[] } | undefined;
let compared: { run: ComparedRun; series: RunSeries }[] = [];
let settings: ChartSettings = DEFAULT_SETTINGS;
let saveTimer: number | undefined;

const charts = new MetricCharts(
  ui.charts,
  (zoomed) => {
    ui.resetZoom.disabled = !zoomed;
  },
  () => {
    // The loss values the panel's own run has, whether drawn per batch or per epoch (the e2e suite counts them).
    const lossChart = document.getElementById('loss-chart');
    if (lossChart && view) lossChart.dataset.points = String(view.series.lossPointCount);
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
ui.openRunFolder.addEventListener('click', () => vscode.postMessage({ type: 'openRunFolder' }));
ui.continueRun.addEventListener('click', () => {
  ui.continueRun.disabled = true;
  vscode.postMessage({ type: 'continue' });
});
ui.view.addEventListener('change', () => {
  const value = radios().find((r) => r.checked)?.value;
  if ((value === 'batch' || value === 'epoch') && value !== settings.view) updateSettings({ view: value });
});
ui.smoothing.addEventListener('input', () => updateSettings({ smoothing: Number(ui.smoothing.value) }));
ui.log.addEventListener('change', () => updateSettings({ yScale: ui.log.checked ? 'log' : 'linear' }));
ui.resetZoom.addEventListener('click', () => charts.resetZoom());

function radios(): (HTMLElement & { checked: boolean; value: string })[] {
  return [...ui.view.querySelectorAll<HTMLElement & { checked: boolean; value: string }>('vscode-radio')];
}

function updateSettings(change: Partial<ChartSettings>): void {
  settings = { ...settings, ...change };
  render();
}

function onMessage(msg: HostToTrainingPanel): void {
  switch (msg.type) {
    case 'reset':
      show(msg.modelFile, msg.modelName, msg.run, msg.records, msg.folds, msg.lineage);
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
    case 'fileChanged':
      ui.fileChanged.hidden = !msg.changed;
      document.body.dataset.fileChanged = String(msg.changed);
      return;
    case 'compare':
      compared = msg.runs.map(withSeries);
      render();
      return;
    default:
      assertNever(msg);
  }
}

function show(
  modelFile: string,
  modelName: string,
  run: PanelRun,
  records: readonly MetricRecord[],
  folds: readonly ComparedRun[] = [],
  lineage: readonly ComparedRun[] = [],
): void {
  const series = new RunSeries(run.batchesPerEpoch, run.parent?.epochsBefore ?? 0);
  series.add(records);
  view = { modelFile, modelName, run, series, folds: folds.map(withSeries), lineage: lineage.map(withSeries) };
  render();
}

function withSeries(run: ComparedRun): Drawn {
  const series = new RunSeries(run.batchesPerEpoch, run.epochOffset ?? 0);
  series.add(run.records);
  return { run, series };
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
  ui.openRunFolder.disabled = !run.runId;
  const ended = run.status === 'completed' || run.status === 'stopped';
  ui.continueRun.hidden = !(ended && run.runId && !run.crossValidation);
  ui.continueRun.disabled = false;
  renderResults(run);
  ui.parentNote.hidden = !run.parent;
  ui.parentNote.textContent = run.parent
    ? `Continues run ${run.parent.label} (${run.parent.id}): its curves, in grey, end at epoch ${run.parent.epochsBefore}; this run's epoch 1 is epoch ${run.parent.epochsBefore + 1} on the charts.`
    : '';
  announce(run, series);
  ui.error.hidden = !run.error;
  ui.error.textContent = run.error ?? '';
  const hint = series.last ? undefined : HINTS[run.status];
  ui.hint.hidden = !hint;
  ui.hint.textContent = hint ?? '';
  renderFacts(run, series);
  renderCrossValidation(run);
  const progress = series.progress(run.epochs);
  ui.progress.hidden = !going;
  if (progress !== undefined) ui.progress.value = progress * 100;

  // The toolbar reflects the settings (also after a restore).
  for (const radio of radios()) radio.checked = radio.value === settings.view;
  ui.smoothing.value = String(settings.smoothing);
  ui.smoothingValue.textContent = settings.smoothing.toFixed(2);
  ui.log.checked = settings.yScale === 'log';
  document.body.dataset.view = settings.view;
  document.body.dataset.smoothing = String(settings.smoothing);
  document.body.dataset.yScale = settings.yScale;

  const chosen = compared.filter((c) => c.run.runId !== run.runId);
  const own: DrawnRun = { id: run.runId ?? 'current', label: run.label ?? 'this run', series };
  // A cross-validated run's folds in fold order ("fold 1" … "fold k"), so each fold keeps its colour as the next one starts.
  const folds = view.folds.filter((f) => f.run.runId !== run.runId).map((f) => ({ id: f.run.runId, label: f.run.label, series: f.series }));
  const ancestors = view.lineage.map((a) => ({ id: a.run.runId, label: `${a.run.label} (continued from)`, series: a.series, muted: true }));
  const runs: DrawnRun[] = [
    ...ancestors,
    ...[own, ...folds].sort((a, b) => (folds.length === 0 ? 0 : a.label.localeCompare(b.label, undefined, { numeric: true }))),
    ...chosen.map((c) => ({ id: c.run.runId, label: c.run.label, series: c.series })),
  ];
  const metrics = new Set<string>(run.status === 'none' && !series.last ? [] : ['loss']);
  for (const r of runs) for (const name of r.series.metricNames()) metrics.add(name);
  ui.toolbar.hidden = metrics.size === 0;
  ui.compared.hidden = chosen.length === 0;
  ui.compared.textContent =
    chosen.length === 0
      ? ''
      : `Comparing ${chosen.length + 1} runs: ${[run.label ?? 'this run', ...chosen.map((c) => c.run.label)].join(', ')} (chosen in the Runs view)`;
  document.body.dataset.runs = String(runs.length);
  charts.show(runs, learningRateLast(metrics), settings);
  document.body.dataset.points = String(series.lossPointCount);
  scheduleSave();
}

/** "Cross-validation: fold 2 of 5", then the mean ± std of each final metric once every fold completed. */
function renderCrossValidation(run: PanelRun): void {
  const cv = run.crossValidation;
  ui.crossValidation.hidden = !cv;
  if (!cv) return;
  const { mean, std } = cv;
  ui.crossValidation.textContent =
    mean && std
      ? `Cross-validation, ${cv.foldCount} folds (mean ± std): ${Object.entries(mean)
          .map(([name, value]) => `${name} ${value.toPrecision(4)} ± ${(std[name] ?? 0).toPrecision(2)}`)
          .join(' · ')}`
      : `Cross-validation: fold ${cv.fold} of ${cv.foldCount}`;
}

function renderFacts(run: PanelRun, series: RunSeries): void {
  const last = series.last;
  const facts: { term: string; value: string; title?: string }[] = [];
  if (run.epochs) facts.push({ term: 'epoch', value: `${last?.epoch ?? 0}/${run.epochs}` });
  if (last && last.batch !== null && run.batchesPerEpoch) {
    facts.push({ term: 'batch', value: `${last.batch + 1}/${run.batchesPerEpoch}` });
  }
  for (const [name, value] of latestMetrics(series)) facts.push({ term: name, value: shown(value) });
  const lr = series.epochMetrics.get(LEARNING_RATE);
  if (lr?.length)
    facts.push({ term: 'lr', value: String(Number(lr[lr.length - 1].y.toPrecision(3))), title: 'learning rate of the latest epoch' });
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const until = run.endedAt ? Date.parse(run.endedAt) : (last?.time ?? NaN);
  if (Number.isFinite(started) && Number.isFinite(until)) {
    facts.push({ term: 'elapsed', value: clock(until - started) });
    const left = run.status === 'running' ? eta(until - started, series.progress(run.epochs)) : undefined;
    if (left !== undefined) facts.push({ term: 'ETA', value: clock(left) });
  }
  const speed = samplesPerSecond(series.records, run);
  if (speed !== undefined) facts.push({ term: 'samples/s', value: rate(speed) });
  if (run.backend) {
    const skipped = run.backendSkipped ?? [];
    const backend = run.threads === undefined ? run.backend : `${run.backend} · ${run.threads} thread${run.threads === 1 ? '' : 's'}`;
    facts.push({
      term: 'backend',
      value: skipped.length > 0 ? `${backend} (skipped: ${skipped.map((s) => s.backend).join(', ')})` : backend,
      title:
        skipped.length > 0
          ? `Skipped before ${run.backend}:\n${skipped.map((s) => `• ${s.backend}: ${s.reason}`).join('\n')}`
          : `${run.backend}: the first backend in the order of preference that loaded`,
    });
  }
  ui.facts.replaceChildren(
    ...facts.map(({ term, value, title }) => {
      const group = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dd.dataset.fact = term;
      if (title) group.title = title;
      group.append(dt, dd);
      return group;
    }),
  );
}

/** Test metrics and the saved model's validation metrics, once the run has them. */
function renderResults(run: PanelRun): void {
  const lines = resultLines(run);
  ui.results.hidden = lines.length === 0;
  ui.results.replaceChildren(
    ...lines.map(({ term, text, title }) => {
      const group = document.createElement('div');
      group.title = title;
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = text;
      dd.dataset.result = term;
      group.append(dt, dd);
      return group;
    }),
  );
}

/** The live region: set only when what it says changes (once per epoch, and at the end), so a run does not flood it. */
function announce(run: PanelRun, series: RunSeries): void {
  let lastEpoch: MetricRecord | undefined;
  for (let i = series.records.length - 1; i >= 0 && !lastEpoch; i--) if (series.records[i].batch === null) lastEpoch = series.records[i];
  const text = progressAnnouncement(run, lastEpoch);
  if (ui.announce.textContent !== text) ui.announce.textContent = text;
}

function scheduleSave(): void {
  saveTimer ??= window.setTimeout(() => {
    saveTimer = undefined;
    if (!view) return;
    const all = view.series.records;
    vscode.setState({
      modelFile: view.modelFile,
      modelName: view.modelName,
      run: view.run,
      records: all.length < SAVE_ALL_BELOW ? all : all.filter((r) => r.batch === null),
      settings,
      comparedRunDirs: compared.map((c) => c.run.runDir),
    });
  }, SAVE_MS);
}

// Draw what the panel showed before it was hidden or the window reloaded;
// the host then sends the run folder's current contents.
const saved = vscode.getState();
if (isSavedState(saved)) {
  if (saved.settings) settings = saved.settings;
  show(saved.modelFile, saved.modelName, saved.run, saved.records);
}
connect(vscode, 'training panel', isHostMessage, onMessage);
