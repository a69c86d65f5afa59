import * as path from 'node:path';
import * as vscode from 'vscode';

/** The sample the walkthrough starts from, as packed in the extension: the model file and its data. */
const SAMPLE_FILES = ['iris.model.yaml', 'data/iris.csv'];

/**
 * Open Sample: copies the iris sample (a model file and its CSV) into the
 * workspace folder, leaving files of the same name alone, and opens it.
 * The walkthrough's first step.
 */
export async function openSample(samplesDir: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    const open = 'Open Folder…';
    const answer = await vscode.window.showInformationMessage('Open a folder first: the sample is copied into it.', open);
    if (answer === open) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  for (const file of SAMPLE_FILES) {
    const target = vscode.Uri.joinPath(folder.uri, file);
    if (await exists(target)) continue;
    await vscode.workspace.fs.copy(vscode.Uri.file(path.join(samplesDir, file)), target);
  }
  const modelFile = vscode.Uri.joinPath(folder.uri, SAMPLE_FILES[0] as string);
  await vscode.window.showTextDocument(modelFile, { preview: false });
  return modelFile;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(
    () => true,
    () => false,
  );
}
