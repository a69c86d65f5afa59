import * as vscode from 'vscode';

/**
 * True in a trusted workspace. In Restricted Mode, false after saying why
 * `what` (Training, Evaluating, Exporting) is disabled there and offering
 * Manage Workspace Trust: it runs TensorFlow.js on the data files the
 * workspace names. `then` finishes "Trust the workspace to …".
 */
export async function trustedFor(what: string, then: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(restrictedModeMessage(what, then), 'Manage Workspace Trust');
  if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** Why `what` is refused in Restricted Mode, for a notification or a panel. */
export function restrictedModeMessage(what: string, then: string): string {
  return `${what} is disabled in Restricted Mode: it runs TensorFlow.js on the data files this workspace names. Trust the workspace to ${then}.`;
}
