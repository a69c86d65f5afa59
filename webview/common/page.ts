// What every panel page shares: the VS Code API object, the message
// handshake with its controller (src/workbench/panels/panelController.ts),
// and two DOM helpers.

/** What acquireVsCodeApi() gives a page, typed by the panel's messages and saved state. */
export interface VsCodeApi<ToHost, State> {
  postMessage(message: ToHost): void;
  getState(): unknown;
  setState(state: State): void;
}
declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** The page's VS Code API object (VS Code allows one acquireVsCodeApi() call per page). */
export function vscodeApi<ToHost, State>(): VsCodeApi<ToHost, State> {
  return acquireVsCodeApi() as VsCodeApi<ToHost, State>;
}

/**
 * Hands the host's messages that pass `isMessage` to `onMessage` (a
 * message that does not is logged and dropped), then says `ready`: the
 * controller answers with everything the page shows, also when the page
 * is rebuilt after being hidden or restored after a reload.
 */
export function connect<FromHost>(
  api: VsCodeApi<{ readonly type: 'ready' }, unknown>,
  name: string,
  isMessage: (msg: unknown) => msg is FromHost,
  onMessage: (msg: FromHost) => void,
): void {
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isMessage(event.data)) onMessage(event.data);
    else console.warn(`${name}: dropped a message that does not fit the protocol`, event.data);
  });
  api.postMessage({ type: 'ready' });
}

export function element<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
