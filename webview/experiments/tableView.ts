import type { RunRow } from '../../src/protocol/runRow';
import { make } from '../common/page';
import { formatCell, type Column, type Sort } from './columns';

// The table's DOM: a real <table> with sortable headers (aria-sort), a
// checkbox per row, and rows that take the keyboard (one row in the tab
// order, arrows move, Space selects, Shift extends, Enter edits).

export interface TableCallbacks {
  readonly sortBy: (column: Column) => void;
  /** A row clicked or a key pressed: `mode` says how the selection changes. */
  readonly select: (index: number, mode: 'only' | 'toggle' | 'range') => void;
  readonly selectAll: (on: boolean) => void;
  readonly edit: (index: number) => void;
  readonly open: (index: number) => void;
}

/** Rows drawn at once; the rest behind "Show more" (filter and sort still see every run). */
export const PAGE_ROWS = 200;

export class TableView {
  private rows: readonly RunRow[] = [];
  private active = 0;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly callbacks: TableCallbacks,
  ) {
    table.tBodies[0].addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Draws the rows; `focused` is the run whose row takes the tab stop (and the focus, if the table had it). */
  render(
    columns: readonly Column[],
    rows: readonly RunRow[],
    sort: Sort | undefined,
    selected: ReadonlySet<string>,
    limit: number,
    focused: string | undefined,
  ): void {
    const hadFocus = this.table.contains(document.activeElement) && document.activeElement?.tagName === 'TR';
    this.rows = rows.slice(0, limit);
    this.renderHead(columns, sort, rows.length > 0 && rows.every((r) => selected.has(r.runDir)));
    const at = this.rows.findIndex((r) => r.runDir === focused);
    this.active = at >= 0 ? at : Math.min(this.active, Math.max(0, this.rows.length - 1));
    const body = this.table.tBodies[0];
    body.replaceChildren(...this.rows.map((row, index) => this.renderRow(row, index, columns, selected.has(row.runDir))));
    this.table.dataset.rows = String(rows.length);
    if (hadFocus) this.focusRow(this.active);
  }

  private renderHead(columns: readonly Column[], sort: Sort | undefined, allSelected: boolean): void {
    const tr = make('tr');
    const all = make('input');
    all.type = 'checkbox';
    all.checked = allSelected;
    all.setAttribute('aria-label', 'Select every run shown');
    all.addEventListener('change', () => this.callbacks.selectAll(all.checked));
    const pick = make('th', 'select-col');
    pick.scope = 'col';
    pick.append(all);
    tr.append(pick);
    for (const column of columns) {
      const th = make('th', `group-${column.group}`);
      th.scope = 'col';
      th.dataset.column = column.id;
      const active = sort?.column === column.id;
      th.setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
      const button = make('button', 'sort', column.title);
      button.type = 'button';
      button.title = `${column.id}: click to sort${column.group === 'hyperparameter' ? ' (a hyperparameter)' : ''}`;
      if (active) button.append(make('span', 'arrow', sort.descending ? ' ▾' : ' ▴'));
      button.addEventListener('click', () => this.callbacks.sortBy(column));
      th.append(button);
      tr.append(th);
    }
    (this.table.tHead as HTMLTableSectionElement).replaceChildren(tr);
  }

  private renderRow(row: RunRow, index: number, columns: readonly Column[], selected: boolean): HTMLTableRowElement {
    const tr = make('tr', `status-${row.status}${selected ? ' selected' : ''}`);
    tr.dataset.runDir = row.runDir;
    tr.dataset.status = row.status;
    tr.tabIndex = index === this.active ? 0 : -1;
    tr.setAttribute('aria-selected', String(selected));
    const pick = make('input');
    pick.type = 'checkbox';
    pick.checked = selected;
    pick.tabIndex = -1;
    pick.setAttribute('aria-label', `Select ${row.name}`);
    const pickCell = make('td', 'select-col');
    pickCell.append(pick);
    tr.append(pickCell);
    for (const column of columns) {
      const value = column.value(row);
      const td = make('td', typeof value === 'number' ? 'number' : undefined, formatCell(column, value));
      td.dataset.column = column.id;
      if (column.id === 'name') {
        td.classList.add('name');
        td.title = `${row.runDir}\nDouble-click to open in the training panel; Enter or F2 to rename, write notes and tags`;
        const edit = make('button', 'edit', '✎');
        edit.type = 'button';
        edit.tabIndex = -1;
        edit.title = 'Rename, notes and tags (Enter)';
        edit.setAttribute('aria-label', `Edit the name, notes and tags of ${row.name}`);
        edit.addEventListener('click', (event) => {
          event.stopPropagation();
          this.callbacks.edit(index);
        });
        td.append(edit);
      } else if (column.id === 'status') {
        td.classList.add('status');
      } else if (column.id === 'notes' && row.notes) {
        td.title = row.notes;
      }
      tr.append(td);
    }
    tr.addEventListener('click', (event) => {
      this.active = index;
      const onCheckbox = event.target === pick;
      this.callbacks.select(index, event.shiftKey ? 'range' : onCheckbox || event.ctrlKey || event.metaKey ? 'toggle' : 'only');
    });
    tr.addEventListener('dblclick', () => this.callbacks.open(index));
    return tr;
  }

  /** The runs' rows (not the inline editor's). */
  private dataRows(): HTMLTableRowElement[] {
    return [...this.table.tBodies[0].rows].filter((r) => r.dataset.runDir !== undefined);
  }

  private focusRow(index: number): void {
    const rows = this.dataRows();
    if (index < 0 || index >= rows.length) return;
    rows[this.active]?.setAttribute('tabindex', '-1');
    this.active = index;
    rows[index].tabIndex = 0;
    rows[index].focus();
  }

  private onKey(event: KeyboardEvent): void {
    if ((event.target as HTMLElement).tagName !== 'TR') return;
    const last = this.rows.length - 1;
    const move = (to: number) => {
      event.preventDefault();
      const index = Math.max(0, Math.min(last, to));
      this.focusRow(index);
      if (event.shiftKey) this.callbacks.select(index, 'range');
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(this.active + 1);
      case 'ArrowUp':
        return move(this.active - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(last);
      case 'PageDown':
        return move(this.active + 10);
      case 'PageUp':
        return move(this.active - 10);
      case ' ':
        event.preventDefault();
        this.callbacks.select(this.active, event.shiftKey ? 'range' : 'toggle');
        return;
      case 'Enter':
      case 'F2':
        event.preventDefault();
        this.callbacks.edit(this.active);
        return;
      case 'a':
        if (event.ctrlKey || event.metaKey) {
          event.preventDefault();
          this.callbacks.selectAll(true);
        }
        return;
    }
  }

  /** The row element of a run, to put the inline editor after it. */
  rowElement(index: number): HTMLTableRowElement | undefined {
    return this.dataRows()[index];
  }

  /** Gives the focus back to a row (after the editor closes). */
  focus(index: number): void {
    this.focusRow(index);
  }
}
