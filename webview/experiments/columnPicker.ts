import type { ColumnChoices } from '../../src/protocol/experimentsMessages';
import { make } from '../common/page';
import type { Column, ColumnGroup } from './columns';

// The column picker: a checkbox per column, grouped; "Default columns"
// forgets the person's choices (hyperparameters that differ, metrics).

const GROUP_TITLES: Record<ColumnGroup, string> = {
  run: 'Run',
  hyperparameter: 'Hyperparameters (spec.json)',
  final: 'Final metrics (last epoch)',
  best: 'Best metrics (best epoch)',
  test: 'Test metrics',
};

export function renderColumnPicker(
  container: HTMLElement,
  columns: readonly Column[],
  shown: ReadonlySet<string>,
  onChange: (choices: ColumnChoices | ((old: ColumnChoices) => ColumnChoices)) => void,
): void {
  const groups = new Map<ColumnGroup, Column[]>();
  for (const column of columns) groups.set(column.group, [...(groups.get(column.group) ?? []), column]);
  const parts: HTMLElement[] = [];
  for (const [group, list] of groups) {
    const fieldset = make('fieldset');
    fieldset.append(make('legend', undefined, GROUP_TITLES[group]));
    for (const column of list) {
      const label = make('label');
      const box = make('input');
      box.type = 'checkbox';
      box.checked = shown.has(column.id);
      box.disabled = column.id === 'name';
      box.dataset.column = column.id;
      box.addEventListener('change', () => onChange((old) => ({ ...old, [column.id]: box.checked })));
      label.append(box, ` ${column.id}`);
      if (column.group === 'hyperparameter' && column.byDefault) label.append(make('span', 'differs', ' differs'));
      fieldset.append(label);
    }
    parts.push(fieldset);
  }
  const reset = make('button', 'secondary', 'Default columns');
  reset.type = 'button';
  reset.title = 'The run columns, the hyperparameters that differ among the runs, and the metrics';
  reset.addEventListener('click', () => onChange({}));
  parts.push(reset);
  container.replaceChildren(...parts);
}
