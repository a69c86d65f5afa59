import type { FieldProblem, FormField } from '../../src/modelFile/formModel';
import { assertNever } from '../../src/protocol/assertNever';
import type { SearchParameter } from '../../src/modelFile/modelSpec';
import { make } from '../common/page';
import { createSearchView, updateSearchView, type SearchView } from './searchEditor';

// The form's fields: one @vscode-elements control per field, patched in place (a focused control keeps its text and focus).

/** The parts of @vscode-elements components this form uses. */
type TextField = HTMLElement & {
  value: string;
  type: string;
  placeholder?: string;
  min?: number;
  max?: number;
  step?: number;
  label: string;
  invalid: boolean;
};
export type SingleSelect = HTMLElement & { value: string; combobox: boolean; creatable: boolean; label: string; invalid: boolean };
type MultiSelect = HTMLElement & { value: string[]; label: string; invalid: boolean };
type Checkbox = HTMLElement & { checked: boolean; label: string; invalid: boolean };
export type Button = HTMLElement & { disabled: boolean };

// ---------------------------------------------------------------- keyed DOM updates

/** Puts `children` into `container` in order, moving only what is out of place (a focused input that stays put keeps its focus). */
export function reconcile(container: HTMLElement, children: readonly HTMLElement[]): void {
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
  /** The search toggle and its range, on fields that can be searched. */
  readonly search?: SearchView;
}

export const fieldViews = new Map<string, FieldView>();

function signatureOf(field: FormField): string {
  return JSON.stringify(field.control);
}

/** Posts what the user entered in a field's control. */
export type SendInput = (field: FormField, input: string | boolean | readonly string[]) => void;
/** Posts a field's new search entry (null: not searched). */
export type SendSearch = (field: FormField, entry: SearchParameter | null) => void;

function defaultText(field: FormField): string {
  return field.default === undefined
    ? ''
    : `default ${typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default)}`;
}

function options(field: FormField & { control: { kind: 'select' | 'multiselect' } }): string[] {
  const list = [...field.control.options];
  const values = Array.isArray(field.value) ? field.value : field.value === undefined ? [] : [field.value];
  // A value the file has but the list lacks (a typo, a newer TF.js name) is shown as it is.
  for (const v of values) if (typeof v === 'string' && !list.includes(v)) list.push(v);
  return list;
}

function createControl(field: FormField, send: SendInput): HTMLElement {
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
      // The step follows the value's magnitude: one fixed at the first value marks a smaller one (0.002 after 0.01) invalid.
      if (control.kind === 'number') input.step = control.step;
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
      // The visible text beside the box; the control is named by the field's label (nameInner), not by this.
      checkbox.label = field.value === undefined ? '(default)' : '';
      checkbox.removeAttribute('aria-label');
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

export function showProblems(view: FieldView, problems: readonly FieldProblem[]): void {
  view.problem.replaceChildren(...problems.map((p) => make('div', `problem ${p.severity}`, p.message)));
  view.problem.hidden = problems.length === 0;
  view.row.classList.toggle(
    'invalid',
    problems.some((p) => p.severity === 'error'),
  );
  (view.control as HTMLElement & { invalid: boolean }).invalid = problems.some((p) => p.severity === 'error');
}

function createFieldView(field: FormField, send: SendInput, sendSearch: SendSearch): FieldView {
  const row = make('div', 'field');
  row.dataset.fieldId = field.id;
  const label = make('label', 'label', field.label);
  label.htmlFor = domId(field.id);
  if (field.description) label.title = field.description;
  const control = createControl(field, send);
  const problem = make('div', 'problems');
  problem.setAttribute('role', 'alert');
  const search = field.search && createSearchView(field.search, field.label, (_, entry) => sendSearch(view.field, entry));
  const labelCell = make('div', 'label-cell');
  labelCell.append(label);
  if (search) labelCell.append(search.toggle);
  row.append(labelCell, control, problem);
  if (search) row.append(search.editor);
  if (field.description) {
    const description = make('div', 'description', field.description);
    description.id = `${domId(field.id)}-description`;
    // Light DOM readers follow the id; the inner element gets the text itself (nameInner).
    control.setAttribute('aria-describedby', description.id);
    row.append(description);
  }
  nameInner(control, field.label, field.description);
  const view: FieldView = { row, control, problem, signature: signatureOf(field), field, ...(search ? { search } : {}) };
  // What changed while the user was typing here is shown when they leave.
  control.addEventListener('focusout', () => {
    // After the focus has settled: moving within the component is not leaving it.
    setTimeout(() => {
      if (!isFocused(control)) setValue(view, view.field);
    });
  });
  return view;
}

/**
 * Names and describes the focusable element inside the control's shadow
 * root: a <label for> or aria-describedby outside cannot reach it (ids do
 * not cross shadow roots), and a checkbox would otherwise be named by its
 * visible "(default)". Attributes its template does not bind stay put.
 */
function nameInner(control: HTMLElement, name: string, description: string | undefined): void {
  const rendered = (control as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete ?? Promise.resolve();
  void rendered.then(() => {
    const inner = control.shadowRoot?.querySelector('input, [role="combobox"], [tabindex="0"]');
    if (!inner) return;
    inner.setAttribute('aria-label', name);
    if (description) inner.setAttribute('aria-description', description);
  });
}

/** The row for a field: patched in place, or new when the control kind changed. */
export function fieldRow(field: FormField, send: SendInput, sendSearch: SendSearch): HTMLElement {
  let view = fieldViews.get(field.id);
  if (view !== undefined && view.signature !== signatureOf(field) && !isFocused(view.control)) view = undefined;
  if (view === undefined) {
    view = createFieldView(field, send, sendSearch);
    fieldViews.set(field.id, view);
    setValue(view, field);
  } else if (!isFocused(view.control)) {
    setValue(view, field);
  }
  view.field = field;
  const current = view;
  if (current.search && field.search) updateSearchView(current.search, field.search, (entry) => sendSearch(current.field, entry));
  showProblems(view, field.problems);
  return view.row;
}
