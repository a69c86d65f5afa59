import * as vscode from 'vscode';
import type { ColumnSample } from '../../data/dataSample';
import type { Task } from '../../modelFile/modelSpec';

// The questions New Model from Data… asks: which data, which column is the label, which task. Escape answers undefined.

/** Data files New Model from Data… reads, for the file picker. */
const DATA_FILTERS = { 'Data files': ['csv', 'json', 'jsonl', 'ndjson', 'gz', 'ubyte'] };

/** A data file or an image folder, picked in the file dialog; undefined when cancelled. */
export async function pickData(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'New Model from Data: pick a table (CSV, JSON, JSON Lines), IDX images, or a folder of class folders of images',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: DATA_FILTERS,
    openLabel: 'Use as Training Data',
    ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
  });
  return picked?.[0];
}

/** The label column, picked from the header; `suggested` first. */
export async function pickLabelColumn(
  file: string,
  columns: readonly ColumnSample[],
  suggested: string | undefined,
): Promise<string | undefined> {
  const describe = (c: ColumnSample): string =>
    !c.numeric
      ? `text, ${c.distinct.length}${c.distinctCapped ? '+' : ''} distinct`
      : c.integer
        ? `whole numbers, ${c.distinct.length}${c.distinctCapped ? '+' : ''} distinct`
        : 'numbers';
  const ordered = [...columns].sort((a, b) => Number(b.name === suggested) - Number(a.name === suggested));
  const picked = await vscode.window.showQuickPick(
    ordered.map((c) => ({ label: c.name, description: c.name === suggested ? `${describe(c)} · the last column` : describe(c) })),
    {
      title: `Which column of ${file} is the label (what the model predicts)?`,
      placeHolder: 'Every other column is a numeric feature',
      ignoreFocusOut: true,
    },
  );
  return picked?.label;
}

/** Classification or regression, for whole-number labels that could be either. */
export async function pickTask(label: string, classes: readonly string[]): Promise<Task | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Classification', description: `${classes.length} classes: ${classes.join(', ')}`, task: 'classification' as const },
      { label: 'Regression', description: `predict "${label}" as a number`, task: 'regression' as const },
    ],
    { title: `"${label}" holds a few whole numbers: are they classes or a number to predict?`, ignoreFocusOut: true },
  );
  return picked?.task;
}
