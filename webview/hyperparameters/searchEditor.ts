import type { FieldSearch } from '../../src/modelFile/formModel';
import type { SearchParameter } from '../../src/modelFile/modelSpec';
import { make } from '../common/page';

// A field's "search" toggle and, while it is on, the range or the values a sweep tries (the `search.parameters` entry).

type TextField = HTMLElement & { value: string; type: string; label: string; placeholder?: string; invalid: boolean };
type Checkbox = HTMLElement & { checked: boolean; label: string };
type Select = HTMLElement & { value: string; label: string };

/** Posts the field's new entry; null turns its search off. */
export type SendSearch = (entry: SearchParameter | null) => void;

/** The parts of a row the search needs: the toggle beside the label, the editor under the control. */
export interface SearchView {
  readonly toggle: HTMLButtonElement;
  readonly editor: HTMLElement;
  search: FieldSearch;
}

function describe(search: FieldSearch): string {
  return search.entry === undefined
    ? `Search ${search.key} in a sweep: try a range or a list of values (Run Sweep)`
    : `Searched in the sweep: ${'values' in search.entry ? search.entry.values.join(', ') : `${search.entry.min} to ${search.entry.max}${search.entry.scale === 'log' ? ', log scale' : ''}`}. Click to stop searching it.`;
}

function isFocused(el: Element): boolean {
  const active = document.activeElement;
  return active !== null && (active === el || el.contains(active));
}

function numbers(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  const values = parts.map(Number);
  return values.length > 0 && values.every(Number.isFinite) ? values : undefined;
}

function textField(label: string, value: string, onChange: (value: string) => void): TextField {
  const input = document.createElement('vscode-textfield') as TextField;
  input.label = label;
  input.setAttribute('aria-label', label);
  input.value = value;
  input.addEventListener('change', () => onChange(input.value));
  return input;
}

function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): Checkbox {
  const box = document.createElement('vscode-checkbox') as Checkbox;
  box.label = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

/** Rebuilds the editor's inputs for the entry (not while the user is in one of them). */
function fillEditor(view: SearchView, send: SendSearch): void {
  const { search, editor } = view;
  const entry = search.entry;
  editor.hidden = entry === undefined;
  if (entry === undefined || isFocused(editor)) return;
  const signature = JSON.stringify(entry);
  if (editor.dataset.entry === signature) return;
  editor.dataset.entry = signature;
  const parts: HTMLElement[] = [];
  const control = search.control;
  if (control.kind === 'choice') {
    const chosen = new Set('values' in entry ? entry.values.map(String) : []);
    const boxes = control.options.map((option) =>
      checkbox(option, chosen.has(option), () => {
        const values = boxes.filter((b) => b.checked).map((b) => b.label);
        if (values.length === 0) return; // at least one: the last box stays as it was
        send({ values: control.options.length === 2 && control.options.includes('true') ? values.map((v) => v === 'true') : values });
      }),
    );
    const group = make('div', 'search-choices');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', `Values of ${search.key} to try`);
    group.append(...boxes);
    parts.push(group);
  } else {
    const mode = document.createElement('vscode-single-select') as Select;
    mode.setAttribute('aria-label', `How ${search.key} is searched`);
    for (const [value, text] of [
      ['range', 'range'],
      ['values', 'list of values'],
    ]) {
      const option = document.createElement('vscode-option') as HTMLElement & { value: string };
      option.value = value;
      option.textContent = text;
      mode.append(option);
    }
    mode.value = 'values' in entry ? 'values' : 'range';
    mode.className = 'search-mode';
    mode.addEventListener('change', () => {
      if (mode.value === ('values' in entry ? 'values' : 'range')) return;
      if (mode.value === 'values') {
        const values = 'values' in entry ? entry.values : [entry.min, entry.max];
        send({ values });
      } else {
        const values = ('values' in entry ? entry.values : []).filter((v): v is number => typeof v === 'number');
        const min = values.length > 0 ? Math.min(...values) : 0;
        const max = values.length > 1 ? Math.max(...values) : min + 1;
        send({ min, max, ...(control.integer ? { type: 'int' as const } : {}) });
      }
    });
    parts.push(mode);
    if ('values' in entry) {
      const list = textField('Values', entry.values.join(', '), (text) => {
        const values = numbers(text);
        if (values) send({ values: control.integer ? values.map(Math.round) : values });
        else list.invalid = true;
      });
      list.placeholder = 'e.g. 16, 32, 64';
      list.className = 'search-values';
      parts.push(list);
    } else {
      const range = entry;
      const sendRange = (change: Partial<{ min: number; max: number; scale: 'linear' | 'log' }>) => {
        const next = { ...range, ...change };
        if (next.scale !== 'log') delete (next as { scale?: string }).scale;
        send(next);
      };
      const min = textField('Min', String(range.min), (text) =>
        Number.isFinite(Number(text)) && text.trim() !== '' ? sendRange({ min: Number(text) }) : (min.invalid = true),
      );
      const max = textField('Max', String(range.max), (text) =>
        Number.isFinite(Number(text)) && text.trim() !== '' ? sendRange({ max: Number(text) }) : (max.invalid = true),
      );
      min.className = max.className = 'search-bound';
      const log = checkbox('log scale', range.scale === 'log', (checked) => sendRange({ scale: checked ? 'log' : 'linear' }));
      log.title = 'Sample evenly in log space: for rates and sizes spanning decades';
      parts.push(min, make('span', 'search-to', 'to'), max, log);
      if (control.integer) parts.push(make('span', 'search-note', 'whole numbers'));
    }
  }
  editor.replaceChildren(...parts);
}

/** The toggle and editor of a row, made once per field view. */
export function createSearchView(
  search: FieldSearch,
  label: string,
  send: (view: SearchView, entry: SearchParameter | null) => void,
): SearchView {
  const toggle = make('button', 'search-toggle', 'search');
  toggle.type = 'button';
  const editor = make('div', 'search-editor');
  const view: SearchView = { toggle, editor, search };
  toggle.setAttribute('aria-label', `Search ${label} in a sweep`);
  toggle.addEventListener('click', () => send(view, view.search.entry === undefined ? view.search.initial : null));
  return view;
}

/** Shows the field's search state: the toggle pressed or not, the editor with its entry. */
export function updateSearchView(view: SearchView, search: FieldSearch, send: SendSearch): void {
  view.search = search;
  const on = search.entry !== undefined;
  view.toggle.setAttribute('aria-pressed', String(on));
  view.toggle.classList.toggle('on', on);
  view.toggle.title = describe(search);
  fillEditor(view, send);
}
