/**
 * Text from a user's file, made safe to show: in a terminal an escape
 * sequence can clear the screen or retitle the window, a NUL or a newline
 * breaks a one-line message, and bidirectional overrides make text read
 * other than it is. Every message that quotes a data file passes through
 * here (DataError, diagnostics, userMessage), so these show escaped, as
 * `\u001b`, and long text is cut.
 */

/** C0 and C1 controls, DEL, line/paragraph separators and the bidirectional marks, embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is what this module is for
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** What a whole message may hold; pieces quoted inside it are cut much shorter. */
const MAX_MESSAGE_LENGTH = 1000;

/** The unsafe characters but tab, line feed and carriage return, which a quoted CSV field may hold harmlessly. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_IN_NAMES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * True when a name (a column, a class) holds a control character that
 * could act on a terminal or reorder text: those are refused in names
 * rather than shown escaped everywhere a name goes. Tabs and line breaks
 * are not: they do no harm, and messages escape them anyway.
 */
export function hasControlCharacter(name: string): boolean {
  return UNSAFE_IN_NAMES.test(name);
}

/** `\t`, `\u001b`: how an unsafe character is shown. */
function escapeCharacter(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` cut to `maxLength` characters (with `…`) and with unsafe characters escaped. */
export function showText(text: string, maxLength = MAX_MESSAGE_LENGTH): string {
  return cut(text, maxLength).replace(UNSAFE_ALL, escapeCharacter);
}

/**
 * A piece of a file in double quotes, cut short when long: written as
 * JSON would write it (`"a \"b\""`), unsafe characters escaped.
 */
export function quote(text: string, maxLength = 40): string {
  return `"${cut(text, maxLength).replace(/["\\]/g, '\\$&').replace(UNSAFE_ALL, escapeCharacter)}"`;
}

/** Names (columns, classes) for a message, comma-separated: at most `max` of them, each cut short, then how many in all. */
export function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map((name) => showText(name, 40));
  return names.length > max ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}

function cut(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  // Not between the two halves of a surrogate pair.
  if (/[\ud800-\udbff]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}
