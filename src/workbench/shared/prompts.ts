import * as vscode from 'vscode';

/** A modal question: resolves to the chosen button's text, undefined for Cancel (or Escape). */
export type Ask = (message: string, detail: string, ...choices: string[]) => Thenable<string | undefined>;

const askPerson: Ask = (message, detail, ...choices) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...choices);

/**
 * The questions commands put to the user, in one place so that the
 * integration suite can answer them (a modal dialog cannot be clicked from
 * an extension host test): activate() returns `setAsk` to tests.
 */
export class Prompts {
  private answer: Ask | undefined;

  readonly ask: Ask = (message, detail, ...choices) => (this.answer ?? askPerson)(message, detail, ...choices);

  /** A non-modal error with buttons (Train's refusal): resolves to the chosen button; tests answer it as they answer `ask`. */
  readonly offer = (message: string, ...choices: string[]): Thenable<string | undefined> =>
    this.answer ? this.answer(message, '', ...choices) : vscode.window.showErrorMessage(message, ...choices);

  /** Answers questions with `answer` instead of asking; undefined asks the person again. */
  setAsk(answer: Ask | undefined): void {
    this.answer = answer;
  }
}
