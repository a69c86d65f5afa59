import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostToHyperparameters, HyperparametersState, HyperparametersToHost } from '../../src/protocol/hyperparametersMessages';
import type { FieldProblem, FormField, FormGroup, FormLayer, HyperparameterForm } from '../../src/modelFile/formModel';
import { assertNever } from '../../src/protocol/assertNever';
import { isHostMessage, isSavedState } from './guards';
import { connect, element, make, vscodeApi } from '../common/page';

const vscode = vscodeApi<HyperparametersToHost, HyperparametersState>();

/** The parts of @vscode-elements components this form uses. */
type TextField = HTMLElement & { value: string; type: string; placeholder?: string; min?: number; max?: number; step?: number; label: string; invalid: boolean };
type SingleSelect = HTMLElement & { value: string; combobox: boolean; creatable: boolean; label: string; invalid: boolean };
type MultiSelect = HTMLElement & { value: string[]; label: string; invalid: boolean };
type Checkbox = HTMLElement & { checked: boolean; label: string; invalid: boolean };
type Button = HTMLElement & { disabled: boolean };

const app = document.getElementById('app') as HTMLElement;
app.innerHTML = `
  <header>
    <div class="title">
      <h1 id="name"></h1>
      <span id="dirty" hidden>unsaved changes</span>
    </div>
    <div class="actions">
      <vscode-button id="train">▶ Train with these values</vscode-button>
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

// ---------------------------------------------------------------- keyed DOM updates

/** Puts `children` into `container` in order, moving only what is out of place (a focused input that stays put keeps its focus). */
function reconcile(container: HTMLElement, children: readonly HTMLElement[]): void {
  children.forEach((child, i) => {
    const at = container.children[i];
    if (at !== child) container.insertBefore(child, at ?? null);
  });
  while (container.children.length > children.length) container.lastElementChild?.remove();
}

function isFocused(el: Element): boolean {
  const active = document.activeElement;
  return active !== null && (active === el || el.contains(active));
}


function domId(fieldId: string): string {
  return `f-${fieldId.replace(/[^\w-]/g, '_')}`;
}

// ---------------------------------------------------------------- fields

interface FieldView {
  readonly row: HTMLElement;
  readonly control: HTMLElement;
  readonly problem: HTMLElement;
  /** Control kind and options: a different signature needs a new control. */
  readonly signature: string;
  /** The latest field data, applied when the control loses focus. */
  field: FormField;
}

const fieldViews = new Map<string, FieldView>();

function signatureOf(field: FormField): string {
  return JSON.stringify(field.control);
}

function send(field: FormField, input: string | boolean | readonly string[]): void {
  vscode.postMessage({ type: 'change', fieldId: field.id, path: field.path, input });
}

function defaultText(field: FormField): string {
  return field.default === undefined ? '' : `default ${typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default)}`;
}

function options(field: FormField & { control: { kind: 'select' | 'multiselect' } }): string[] {
  const list = [...field.control.options];
  const values = Array.isArray(field.value) ? field.value : field.value === undefined ? [] : [field.value];
  // A value the file has but the list lacks (a typo, a newer TF.js name) is shown as it is.
  for (const v of values) if (typeof v === 'string' && !list.includes(v)) list.push(v);
  return list;
}

function createControl(field: FormField): HTMLElement {
  const id = domId(field.id);
  const control = field.control;
  switch (control.kind) {
    case 'number':
    case 'numberList':
    case 'text':
    case 'json': {
      const input = document.createElement('vscode-textfield') as TextField;
      input.type = control.kind === 'number' ? 'number' : 'text';
      if (control.kind === 'number') {
        if (control.min !== undefined) input.min = control.min;
        if (control.max !== undefined) input.max = control.max;
        input.step = control.step;
      }
      input.addEventListener('change', () => send(fieldViews.get(field.id)?.field ?? field, input.value));
      input.id = id;
      input.label = field.label;
      return input;
    }
    case 'select': {
      const select = document.createElement('vscode-single-select') as SingleSelect;
      if (control.allowOther) {
        select.combobox = true;
        select.creatable = true;
      }
      select.addEventListener('change', () => send(fieldViews.get(field.id)?.field ?? field, select.value));
      select.id = id;
      select.label = field.label;
      return select;
    }
    case 'checkbox': {
      const checkbox = document.createElement('vscode-checkbox') as Checkbox;
      checkbox.addEventListener('change', () => send(fieldViews.get(field.id)?.field ?? field, checkbox.checked));
      checkbox.id = id;
      checkbox.setAttribute('aria-label', field.label);
      return checkbox;
    }
    case 'multiselect': {
      const multi = document.createElement('vscode-multi-select') as MultiSelect;
      multi.addEventListener('change', () => send(fieldViews.get(field.id)?.field ?? field, multi.value));
      multi.id = id;
      multi.label = field.label;
      return multi;
    }
    default:
      return assertNever(control);
  }
}

/** Sets the control to the field's value (never called while the user is in it). */
function setValue(view: FieldView, field: FormField): void {
  const control = field.control;
  switch (control.kind) {
    case 'number':
    case 'numberList':
    case 'text':
    case 'json': {
      const input = view.control as TextField;
      if (input.value !== field.text) input.value = field.text;
      input.placeholder = defaultText(field);
      return;
    }
    case 'select': {
      const select = view.control as SingleSelect;
      const list = options(field as FormField & { control: typeof control });
      const wanted = JSON.stringify([field.required, list, field.default]);
      if (select.dataset.options !== wanted) {
        select.dataset.options = wanted;
        const children = list.map((value, i) => {
          const option = document.createElement('vscode-option') as HTMLElement & { value: string; description?: string };
          option.value = value;
          option.textContent = value;
          if (control.descriptions?.[i]) option.description = control.descriptions[i];
          return option;
        });
        if (!field.required) {
          // Not set: the key is left out and the default applies.
          const unset = document.createElement('vscode-option') as HTMLElement & { value: string };
          unset.value = '';
          unset.textContent = field.default === undefined ? '(not set)' : `(not set: ${String(field.default)})`;
          children.unshift(unset);
        }
        select.replaceChildren(...children);
      }
      const value = typeof field.value === 'string' ? field.value : '';
      if (select.value !== value) select.value = value;
      return;
    }
    case 'checkbox': {
      const checkbox = view.control as Checkbox;
      checkbox.checked = typeof field.value === 'boolean' ? field.value : field.default === true;
      // The visible text beside the box; the row's <label> names it.
      checkbox.label = field.value === undefined ? '(default)' : '';
      return;
    }
    case 'multiselect': {
      const multi = view.control as MultiSelect;
      const list = options(field as FormField & { control: typeof control });
      if (multi.dataset.options !== JSON.stringify(list)) {
        multi.dataset.options = JSON.stringify(list);
        multi.replaceChildren(
          ...list.map((value) => {
            const option = document.createElement('vscode-option') as HTMLElement & { value: string };
            option.value = value;
            option.textContent = value;
            return option;
          }),
        );
      }
      const value = Array.isArray(field.value) ? field.value.map(String) : [];
      if (JSON.stringify(multi.value) !== JSON.stringify(value)) multi.value = value;
      // The closed list says only "1 Selected": the choices are spelled out below it.
      let chosen = view.row.querySelector<HTMLElement>('.chosen');
      if (chosen === null) {
        chosen = make('div', 'chosen');
        view.control.after(chosen);
      }
      chosen.textContent = value.length === 0 ? 'none' : value.join(', ');
      return;
    }
    default:
      assertNever(control);
  }
}

function showProblems(view: FieldView, problems: readonly FieldProblem[]): void {
  view.problem.replaceChildren(...problems.map((p) => make('div', `problem ${p.severity}`, p.message)));
  view.problem.hidden = problems.length === 0;
  view.row.classList.toggle('invalid', problems.some((p) => p.severity === 'error'));
  (view.control as HTMLElement & { invalid: boolean }).invalid = problems.some((p) => p.severity === 'error');
}

function createFieldView(field: FormField): FieldView {
  const row = make('div', 'field');
  row.dataset.fieldId = field.id;
  const label = make('label', 'label', field.label);
  label.htmlFor = domId(field.id);
  if (field.description) label.title = field.description;
  const control = createControl(field);
  const problem = make('div', 'problems');
  problem.setAttribute('role', 'alert');
  row.append(label, control, problem);
  if (field.description) row.append(make('div', 'description', field.description));
  const view: FieldView = { row, control, problem, signature: signatureOf(field), field };
  // What changed while the user was typing here is shown when they leave.
  control.addEventListener('focusout', () => {
    // After the focus has settled: moving within the component is not leaving it.
    setTimeout(() => {
      if (!isFocused(control)) setValue(view, view.field);
    });
  });
  return view;
}

/** The row for a field: patched in place, or new when the control kind changed. */
function fieldRow(field: FormField): HTMLElement {
  let view = fieldViews.get(field.id);
  if (view !== undefined && view.signature !== signatureOf(field) && !isFocused(view.control)) view = undefined;
  if (view === undefined) {
    view = createFieldView(field);
    fieldViews.set(field.id, view);
    setValue(view, field);
  } else if (!isFocused(view.control)) {
    setValue(view, field);
  }
  view.field = field;
  showProblems(view, field.problems);
  return view.row;
}

// ---------------------------------------------------------------- groups and layers

const groupViews = new Map<string, { section: HTMLElement; fields: HTMLElement }>();

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
  reconcile(view.fields, group.fields.map(fieldRow));
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
  reconcile(view.fields, layer.fields.map(fieldRow));
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
    form.errorCount === 0 ? '' : `${form.errorCount} problem${form.errorCount === 1 ? '' : 's'} in the file: training cannot start until ${form.errorCount === 1 ? 'it is' : 'they are'} fixed.`;
  ui.problems.replaceChildren(...form.problems.map((p) => make('li', `problem ${p.severity}`, p.message)));
  ui.problems.hidden = form.problems.length === 0;
  if (versionChanged) ui.notice.hidden = true;

  reconcile(ui.groups, form.groups.map(groupSection));
  reconcile(ui.layers, form.layers.map((layer) => layerItem(layer, form.layers.length)));

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
    default:
      assertNever(msg);
  }
}

ui.train.addEventListener('click', () => vscode.postMessage({ type: 'train' }));
ui.revert.addEventListener('click', () => vscode.postMessage({ type: 'revert' }));
ui.addLayer.addEventListener('click', () => {
  const type = ui.newLayerType.value || 'dense';
  vscode.postMessage({ type: 'addLayer', layerType: type });
});

const saved = vscode.getState();
if (isSavedState(saved)) vscode.setState(saved);
connect(vscode, 'hyperparameters', isHostMessage, onMessage);
