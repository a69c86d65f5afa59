import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostToHyperparameters, HyperparametersState, HyperparametersToHost } from '../../src/protocol/hyperparametersMessages';
import type { FormGroup, FormLayer, HyperparameterForm } from '../../src/modelFile/formModel';
import { assertNever } from '../../src/protocol/assertNever';
import { fieldRow, fieldViews, reconcile, showProblems, type Button, type SendInput, type SendSearch, type SingleSelect } from './fields';
import { isHostMessage, isSavedState } from './guards';
import { AugmentPreviewView } from './augmentPreview';
import { connect, element, make, vscodeApi } from '../common/page';

const vscode = vscodeApi<HyperparametersToHost, HyperparametersState>();

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <div class="title">
      <h1 id="name"></h1>
      <span id="dirty" hidden>unsaved changes</span>
    </div>
    <div class="actions">
      <vscode-button id="train">▶ Train with these values</vscode-button>
      <vscode-button id="run-sweep" secondary hidden title="Train a trial per sampled configuration of the searched fields">Run Sweep</vscode-button>
      <vscode-button id="revert" secondary>Reset to file on disk</vscode-button>
    </div>
  </header>
  <p id="status" hidden></p>
  <div id="notice" role="status" hidden><p id="notice-text"></p><ul id="notice-details"></ul></div>
  <ul id="problems" class="problems" aria-label="Problems in the file" hidden></ul>
  <div id="groups"></div>
  <section id="layers-section" aria-labelledby="layers-title">
    <h2 id="layers-title">Layers</h2>
    <ol id="layers"></ol>
    <div class="add-layer">
      <vscode-single-select id="new-layer-type" combobox aria-label="Type of the new layer"></vscode-single-select>
      <vscode-button id="add-layer" secondary>Add layer</vscode-button>
    </div>
  </section>`;

const ui = {
  name: element('name'),
  dirty: element('dirty'),
  train: element<Button>('train'),
  runSweep: element<Button>('run-sweep'),
  revert: element<Button>('revert'),
  status: element('status'),
  notice: element('notice'),
  noticeText: element('notice-text'),
  noticeDetails: element('notice-details'),
  problems: element('problems'),
  groups: element('groups'),
  layers: element('layers'),
  newLayerType: element<SingleSelect>('new-layer-type'),
  addLayer: element<Button>('add-layer'),
};

let current: { modelFile: string; version: number; form: HyperparameterForm } | undefined;

const sendInput: SendInput = (field, input) => vscode.postMessage({ type: 'change', fieldId: field.id, path: field.path, input });
const sendSearch: SendSearch = (field, entry) => vscode.postMessage({ type: 'search', path: field.path, entry });

// ---------------------------------------------------------------- groups and layers

const groupViews = new Map<string, { section: HTMLElement; fields: HTMLElement }>();
const augmentPreview = new AugmentPreviewView();

function groupSection(group: FormGroup): HTMLElement {
  let view = groupViews.get(group.id);
  if (view === undefined) {
    const section = make('section', 'group');
    section.dataset.groupId = group.id;
    const heading = make('h2', undefined, group.title);
    heading.id = `g-${group.id.replace(/\W/g, '_')}`;
    section.setAttribute('aria-labelledby', heading.id);
    section.append(heading);
    if (group.description) section.append(make('p', 'group-description', group.description));
    const fields = make('div', 'fields');
    section.append(fields);
    view = { section, fields };
    groupViews.set(group.id, view);
  }
  reconcile(
    view.fields,
    group.fields.map((field) => fieldRow(field, sendInput, sendSearch)),
  );
  return view.section;
}

interface LayerView {
  readonly item: HTMLElement;
  readonly title: HTMLElement;
  readonly up: Button;
  readonly down: Button;
  readonly remove: Button;
  readonly fields: HTMLElement;
  readonly problems: HTMLElement;
}

const layerViews = new Map<number, LayerView>();

function layerButton(text: string, onClick: () => void): Button {
  const button = document.createElement('vscode-button') as Button;
  button.setAttribute('secondary', '');
  button.textContent = text;
  button.addEventListener('click', onClick);
  return button;
}

function layerItem(layer: FormLayer, count: number): HTMLElement {
  let view = layerViews.get(layer.index);
  if (view === undefined) {
    const index = layer.index;
    const item = make('li', 'layer');
    const head = make('div', 'layer-head');
    const title = make('h3', 'layer-title');
    const buttons = make('div', 'layer-buttons');
    const up = layerButton('↑', () => vscode.postMessage({ type: 'moveLayer', from: index, to: index - 1 }));
    const down = layerButton('↓', () => vscode.postMessage({ type: 'moveLayer', from: index, to: index + 1 }));
    const goTo = layerButton('Go to', () => vscode.postMessage({ type: 'reveal', path: ['model', 'layers', index] }));
    const remove = layerButton('Remove', () => vscode.postMessage({ type: 'removeLayer', index }));
    up.setAttribute('aria-label', `Move layer ${index + 1} up`);
    down.setAttribute('aria-label', `Move layer ${index + 1} down`);
    goTo.setAttribute('aria-label', `Show layer ${index + 1} in the file`);
    remove.setAttribute('aria-label', `Remove layer ${index + 1}`);
    buttons.append(up, down, goTo, remove);
    head.append(title, buttons);
    const fields = make('div', 'fields');
    const problems = make('ul', 'problems');
    problems.setAttribute('role', 'alert');
    item.append(head, problems, fields);
    view = { item, title, up, down, remove, fields, problems };
    layerViews.set(index, view);
  }
  view.item.dataset.index = String(layer.index);
  view.item.dataset.type = layer.type;
  view.title.textContent = `${layer.index + 1} · ${layer.type || '(no type)'}`;
  view.up.disabled = layer.index === 0;
  view.down.disabled = layer.index === count - 1;
  view.problems.replaceChildren(...layer.problems.map((p) => make('li', `problem ${p.severity}`, p.message)));
  view.problems.hidden = layer.problems.length === 0;
  reconcile(
    view.fields,
    layer.fields.map((field) => fieldRow(field, sendInput, sendSearch)),
  );
  return view.item;
}

// ---------------------------------------------------------------- the whole form

function render(modelFile: string, modelName: string, version: number, dirty: boolean, form: HyperparameterForm): void {
  const versionChanged = current?.version !== version;
  current = { modelFile, version, form };
  document.body.dataset.version = String(version);
  ui.name.textContent = `${modelName} — hyperparameters`;
  ui.dirty.hidden = !dirty;
  ui.revert.disabled = !dirty;

  ui.status.hidden = form.errorCount === 0;
  ui.status.textContent =
    form.errorCount === 0
      ? ''
      : `${form.errorCount} problem${form.errorCount === 1 ? '' : 's'} in the file: training cannot start until ${form.errorCount === 1 ? 'it is' : 'they are'} fixed.`;
  ui.problems.replaceChildren(...form.problems.map((p) => make('li', `problem ${p.severity}`, p.message)));
  ui.problems.hidden = form.problems.length === 0;
  if (versionChanged) ui.notice.hidden = true;

  reconcile(ui.groups, form.groups.map(groupSection));
  // The preview sits under the Augmentation group's fields, while the file has that group.
  groupViews.get('data.augment')?.section.append(augmentPreview.element);
  // Run Sweep once a field is searched (the file has a search block).
  ui.runSweep.hidden = !form.groups.some((g) => g.id === 'search');
  reconcile(
    ui.layers,
    form.layers.map((layer) => layerItem(layer, form.layers.length)),
  );

  // Views of fields, groups and layers that are gone.
  const shown = new Set([...form.groups.flatMap((g) => g.fields), ...form.layers.flatMap((l) => l.fields)].map((f) => f.id));
  for (const id of [...fieldViews.keys()]) if (!shown.has(id)) fieldViews.delete(id);
  for (const index of [...layerViews.keys()]) if (index >= form.layers.length) layerViews.delete(index);

  if (ui.newLayerType.dataset.options !== String(form.layerTypes.length)) {
    ui.newLayerType.dataset.options = String(form.layerTypes.length);
    ui.newLayerType.replaceChildren(
      ...form.layerTypes.map((type) => {
        const option = document.createElement('vscode-option') as HTMLElement & { value: string; selected: boolean };
        option.value = type;
        option.textContent = type;
        option.selected = type === 'dense';
        return option;
      }),
    );
  }
  vscode.setState({ modelFile });
}

function showNotice(level: 'info' | 'error', message: string, details: readonly string[] = []): void {
  ui.notice.hidden = false;
  ui.notice.className = level;
  ui.noticeText.textContent = message;
  ui.noticeDetails.replaceChildren(...details.map((d) => make('li', undefined, d)));
}

function onMessage(msg: HostToHyperparameters): void {
  switch (msg.type) {
    case 'form':
      render(msg.modelFile, msg.modelName, msg.version, msg.dirty, msg.form);
      return;
    case 'notice':
      showNotice(msg.level, msg.message, msg.details);
      return;
    case 'inputError': {
      const view = fieldViews.get(msg.fieldId);
      if (view) showProblems(view, [...view.field.problems, { severity: 'error', message: msg.message }]);
      return;
    }
    case 'augmentPreviewDrawing':
      augmentPreview.drawing();
      return;
    case 'augmentPreview':
      augmentPreview.show(msg.preview);
      return;
    case 'augmentPreviewFailed':
      augmentPreview.failed(msg.message);
      return;
    default:
      assertNever(msg);
  }
}

ui.train.addEventListener('click', () => vscode.postMessage({ type: 'train' }));
ui.runSweep.addEventListener('click', () => vscode.postMessage({ type: 'runSweep' }));
ui.revert.addEventListener('click', () => vscode.postMessage({ type: 'revert' }));
ui.addLayer.addEventListener('click', () => {
  const type = ui.newLayerType.value || 'dense';
  vscode.postMessage({ type: 'addLayer', layerType: type });
});

const saved = vscode.getState();
if (isSavedState(saved)) vscode.setState(saved);
connect(vscode, 'hyperparameters', isHostMessage, onMessage);
