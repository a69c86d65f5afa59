import type { GraphState, GraphToHost, HostToGraph } from '../../src/protocol/graphMessages';
import type { LayerSummary, MemoryEstimate, ModelSummary } from '../../src/protocol/inspectorMessages';
import type { SpecDiagnostic } from '../../src/modelFile/diagnostic';
import { assertNever } from '../../src/protocol/assertNever';
import { isHostMessage, isSavedState } from './guards';
import { connect, element, make, vscodeApi } from '../common/page';

const vscode = vscodeApi<GraphToHost, GraphState>();

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <h1 id="name"></h1>
    <dl id="totals" class="facts" hidden></dl>
  </header>
  <section id="problems" hidden aria-labelledby="problems-title">
    <h2 id="problems-title"></h2>
    <ul id="problem-list"></ul>
  </section>
  <ol id="graph" aria-label="Layers, input first"></ol>`;

const ui = {
  name: element('name'),
  totals: element('totals'),
  problems: element('problems'),
  problemsTitle: element('problems-title'),
  problemList: element('problem-list'),
  graph: element('graph'),
};

let highlighted: number | null = null;

function shape(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function node(layer: LayerSummary): HTMLElement {
  const item = make('li', 'step');
  const button = make('button', 'node');
  button.type = 'button';
  button.dataset.index = String(layer.index);
  button.title = 'Show this layer in the model file';
  const head = make('span', 'node-head');
  head.append(make('span', 'type', layer.type), make('span', 'name', layer.name));
  const facts = make('span', 'node-facts');
  facts.append(make('span', 'shape', shape(layer.outputShape)), make('span', 'params', `${count(layer.params)} params`));
  if (layer.params !== layer.trainableParams)
    facts.append(make('span', 'frozen', `${count(layer.params - layer.trainableParams)} non-trainable`));
  button.append(head, facts);
  button.addEventListener('click', () => vscode.postMessage({ type: 'revealLayer', index: layer.index }));
  item.append(button);
  return item;
}

function memoryText(memory: MemoryEstimate): string {
  return (
    `weights ${bytes(memory.weightsBytes)} + optimizer slots ${bytes(memory.optimizerBytes)} (${memory.optimizerSlots} per weight) + ` +
    `gradients ${bytes(memory.gradientsBytes)} + activations of a batch of ${memory.batchSize} ${bytes(memory.activationsBytes)}`
  );
}

function showSummary(summary: ModelSummary): void {
  const input = make('li', 'step input');
  const inputBox = make('div', 'node input-node');
  inputBox.append(make('span', 'type', 'input'), make('span', 'shape', shape(summary.inputShape)));
  input.append(inputBox);
  ui.graph.replaceChildren(input, ...summary.layers.map(node));
  const facts: [string, string, string?][] = [
    ['Total params', count(summary.totalParams)],
    ['Trainable', count(summary.trainableParams)],
    ['Non-trainable', count(summary.nonTrainableParams)],
    ['Estimated training memory', bytes(summary.memory.totalBytes), memoryText(summary.memory)],
  ];
  ui.totals.replaceChildren(
    ...facts.map(([term, value, title]) => {
      const group = make('div');
      const dd = make('dd', undefined, value);
      dd.dataset.fact = term;
      if (title) dd.title = title;
      group.append(make('dt', undefined, term), dd);
      return group;
    }),
  );
  ui.totals.hidden = false;
  ui.problems.hidden = true;
  applyHighlight();
}

function showProblems(title: string, diagnostics: readonly SpecDiagnostic[], message?: string): void {
  ui.graph.replaceChildren();
  ui.totals.hidden = true;
  ui.problems.hidden = false;
  ui.problemsTitle.textContent = title;
  const items = diagnostics.map((d) => {
    const li = make('li');
    const button = make('button', 'problem');
    button.type = 'button';
    button.textContent = `${d.range.start.line + 1}:${d.range.start.character + 1}  ${d.message}`;
    button.addEventListener('click', () => vscode.postMessage({ type: 'revealRange', range: d.range }));
    li.append(button);
    return li;
  });
  if (message !== undefined) items.push(make('li', 'message', message));
  ui.problemList.replaceChildren(...items);
}

function applyHighlight(): void {
  for (const button of ui.graph.querySelectorAll<HTMLButtonElement>('button.node')) {
    const current = Number(button.dataset.index) === highlighted;
    button.classList.toggle('current', current);
    if (current) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  document.body.dataset.highlight = highlighted === null ? '' : String(highlighted);
}

function onMessage(msg: HostToGraph): void {
  switch (msg.type) {
    case 'inspection':
      ui.name.textContent = `${msg.modelName} — layer graph`;
      document.body.dataset.version = String(msg.version);
      document.body.dataset.state = msg.inspection.kind;
      if (msg.inspection.kind === 'ok') showSummary(msg.inspection.summary);
      else showProblems('The model file has problems; the graph returns once they are fixed:', msg.inspection.diagnostics);
      vscode.setState({ modelFile: msg.modelFile });
      return;
    case 'unavailable':
      ui.name.textContent = `${msg.modelName} — layer graph`;
      document.body.dataset.state = 'unavailable';
      showProblems('The layer graph cannot be computed:', [], msg.message);
      vscode.setState({ modelFile: msg.modelFile });
      return;
    case 'highlight':
      highlighted = msg.index;
      applyHighlight();
      return;
    default:
      assertNever(msg);
  }
}

const saved = vscode.getState();
if (isSavedState(saved)) vscode.setState(saved);
connect(vscode, 'graph', isHostMessage, onMessage);
