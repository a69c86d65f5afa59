import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Range } from '../../modelFile/diagnostic';

/** Scripts may come from the bundle folder only, styles and icons from media/ too. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * The page of a panel: CSP `default-src 'none'`, its script by nonce,
 * styles from the webview's own origin (media/common.css, then the
 * panel's own); data travels by postMessage only.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, stylesheet: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('media', 'common.css')}">
  <link rel="stylesheet" href="${asset('media', stylesheet)}">
  <title>${title}</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${nonce}" src="${asset('dist', 'webview', bundle)}"></script>
</body>
</html>`;
}

export function toVscodeRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/**
 * Shows the model file in the editor it is open in (or the first column)
 * with the cursor at the start of `range` and the range selected.
 */
export async function revealInEditor(uri: vscode.Uri, range: Range): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = await vscode.window.showTextDocument(document, {
    viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
    preserveFocus: false,
    preview: false,
  });
  const target = toVscodeRange(range);
  // Anchor at the end, cursor at the start: the cursor line is the entry's first line.
  editor.selection = new vscode.Selection(target.end, target.start);
  editor.revealRange(target, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
