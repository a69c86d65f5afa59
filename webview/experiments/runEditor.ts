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
  form.innerHTML = `
    <label for="${id}-name">Name</label>
    <input id="${id}-name" class="edit-name" type="text" maxlength="200">
    <label for="${id}-tags">Tags</label>
    <input id="${id}-tags" class="edit-tags" type="text" placeholder="comma, separated" aria-describedby="${id}-hint">
    <label for="${id}-notes">Notes</label>
    <textarea id="${id}-notes" class="edit-notes" rows="3" maxlength="10000" aria-describedby="${id}-hint"></textarea>
    <div class="editor-actions">
      <span id="${id}-hint" class="hint">Kept in the run's run.json. Enter (Ctrl+Enter in the notes) saves, Escape cancels; an empty name gives the run its own name back.</span>
      <button type="button" class="save">Save</button>
      <button type="button" class="cancel secondary">Cancel</button>
    </div>`;
  td.append(form);
  tr.append(td);
  after.after(tr);
  const name = form.querySelector('.edit-name') as HTMLInputElement;
  const tags = form.querySelector('.edit-tags') as HTMLInputElement;
  const notes = form.querySelector('.edit-notes') as HTMLTextAreaElement;
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
  (form.querySelector('.save') as HTMLButtonElement).addEventListener('click', save);
  (form.querySelector('.cancel') as HTMLButtonElement).addEventListener('click', () => close(undefined));
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
