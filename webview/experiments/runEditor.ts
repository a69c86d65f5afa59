import type { RunEdit } from '../../src/protocol/experimentsMessages';
import type { RunRow } from '../../src/protocol/runRow';
import { make } from '../common/page';

// The inline editor of one run's name, tags and notes: a table row under the
// run's row. Save (or Ctrl+Enter) sends the fields that changed; Escape or
// Cancel closes it with nothing written.

let counter = 0;

/** Tags as typed: separated by commas. */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The edits that differ from what the run has (an emptied name: the run's own name again). */
export function changedFields(row: RunRow, label: string, tags: readonly string[], notes: string): RunEdit[] {
  const edits: RunEdit[] = [];
  const name = label.trim();
  if (name !== row.name) edits.push({ field: 'label', value: name });
  if (tags.join('\n') !== row.tags.join('\n')) edits.push({ field: 'tags', value: tags });
  if (notes.trim() !== row.notes.trim()) edits.push({ field: 'notes', value: notes });
  return edits;
}

/**
 * Opens the editor under `after` (spanning `span` columns); `onClose` gets
 * the edits when saved, undefined when cancelled.
 */
export function openRunEditor(
  after: HTMLTableRowElement,
  span: number,
  row: RunRow,
  onClose: (edits: RunEdit[] | undefined) => void,
): void {
  const id = `edit-${++counter}`;
  const tr = make('tr', 'editor');
  const td = make('td');
  td.colSpan = span;
  // Not a <form>: the webview's sandbox blocks form submission.
  const form = make('div', 'run-editor');
  form.setAttribute('role', 'group');
  form.setAttribute('aria-label', `Edit ${row.name}`);
  const field = <T extends HTMLInputElement | HTMLTextAreaElement>(label: string, control: T, key: string): T => {
    const caption = make('label');
    caption.htmlFor = control.id = `${id}-${key}`;
    caption.textContent = label;
    control.className = `edit-${key}`;
    form.append(caption, control);
    return control;
  };
  const name = field('Name', make('input'), 'name');
  name.type = 'text';
  name.maxLength = 200;
  const tags = field('Tags', make('input'), 'tags');
  tags.type = 'text';
  tags.placeholder = 'comma, separated';
  const notes = field('Notes', make('textarea'), 'notes');
  notes.rows = 3;
  notes.maxLength = 10000;
  const hint = make(
    'span',
    'hint',
    "Kept in the run's run.json. Enter (Ctrl+Enter in the notes) saves, Escape cancels; an empty name gives the run its own name back.",
  );
  hint.id = `${id}-hint`;
  for (const control of [tags, notes]) control.setAttribute('aria-describedby', hint.id);
  const saveButton = make('button', 'save', 'Save');
  saveButton.type = 'button';
  const cancelButton = make('button', 'cancel secondary', 'Cancel');
  cancelButton.type = 'button';
  const actions = make('div', 'editor-actions');
  actions.append(hint, saveButton, cancelButton);
  form.append(actions);
  td.append(form);
  tr.append(td);
  after.after(tr);
  name.value = row.name;
  tags.value = row.tags.join(', ');
  notes.value = row.notes;
  let closed = false;
  const close = (edits: RunEdit[] | undefined) => {
    if (closed) return;
    closed = true;
    tr.remove();
    onClose(edits);
  };
  const save = () => close(changedFields(row, name.value, parseTags(tags.value), notes.value));
  saveButton.addEventListener('click', save);
  cancelButton.addEventListener('click', () => close(undefined));
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close(undefined);
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey || event.target !== notes)) {
      event.preventDefault();
      save();
    }
  });
  name.focus();
  name.select();
}
