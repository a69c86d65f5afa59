import type { ParamValue, RunRow } from '../../src/protocol/runRow';
import { compareValues, type CellValue, type Column } from './columns';

// The table's filter expressions, e.g. `val_accuracy > 0.9 && batchSize == 32`:
// a tokenizer, a recursive-descent parser and an evaluator (never eval: the
// text is the person's, and a mistake must be an inline error, not a throw).
//
//   expr       := or
//   or         := and ( ("||" | "or") and )*
//   and        := not ( ("&&" | "and") not )*
//   not        := ("!" | "not") not | comparison
//   comparison := operand ( ("==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "contains") operand )?
//   operand    := number | "text" | 'text' | true | false | null | identifier | "(" expr ")"
//
// An identifier names a column by its full id (`training.batchSize`,
// `val_accuracy`, `best_val_accuracy`, `test_accuracy`, `status`) or by a
// unique ending after a dot (`batchSize`, `layers[0].units`).

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export type Expr =
  | { readonly kind: 'literal'; readonly value: ParamValue }
  | { readonly kind: 'column'; readonly column: Column }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'compare'; readonly op: Comparison; readonly left: Expr; readonly right: Expr };

/** A mistake in the expression: what is wrong, and where (0-based offset and length in the text). */
export interface FilterError {
  readonly message: string;
  readonly at: number;
  readonly length: number;
}

export type Compiled = { readonly ok: true; readonly expr: Expr | undefined } | { readonly ok: false; readonly error: FilterError };

interface Token {
  readonly kind: 'number' | 'string' | 'ident' | 'op' | 'paren' | 'end';
  readonly text: string;
  readonly at: number;
  readonly value?: number | string;
}

class Mistake extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly length: number,
  ) {
    super(message);
  }
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '=', '!', '~'];
const WORD_OPERATORS: Readonly<Record<string, string>> = { and: '&&', or: '||', not: '!', contains: '~' };
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i;
const IDENT = /^[A-Za-z_][\w.[\]]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw new Mistake(`the text started here has no closing ${ch}`, i, text.length - i);
      tokens.push({ kind: 'string', text: text.slice(i, end + 1), at: i, value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', text: ch, at: i });
      i++;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i, value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op === '=' ? '==' : op, at: i });
      i += op.length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      const word = WORD_OPERATORS[ident[0].toLowerCase()];
      tokens.push(word ? { kind: 'op', text: word, at: i } : { kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    throw new Mistake(`unexpected "${ch}"`, i, 1);
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** The column an identifier names: its full id, else the one column whose id ends with `.<identifier>`. */
export function resolveColumn(name: string, columns: readonly Column[]): Column | Column[] {
  const exact = columns.find((c) => c.id === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const insensitive = columns.filter((c) => c.id.toLowerCase() === lower);
  if (insensitive.length === 1) return insensitive[0];
  const endings = columns.filter((c) => c.id.toLowerCase().endsWith(`.${lower}`));
  return endings.length === 1 ? endings[0] : endings;
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly columns: readonly Column[],
  ) {}

  parse(): Expr {
    const expr = this.or();
    const next = this.peek();
    if (next.kind !== 'end') {
      throw new Mistake(next.text === ')' ? 'this ) closes nothing' : `expected && or || before "${next.text}"`, next.at, next.text.length);
    }
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private take(): Token {
    return this.tokens[this.index++];
  }

  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.text);
  }

  private or(): Expr {
    let left = this.and();
    while (this.isOp('||')) {
      this.take();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isOp('&&')) {
      this.take();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isOp('!')) {
      this.take();
      return { kind: 'not', operand: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.operand();
    if (this.isOp('==', '!=', '<', '<=', '>', '>=', '~')) {
      const op = this.take().text as Comparison;
      return { kind: 'compare', op, left, right: this.operand() };
    }
    return left;
  }

  private operand(): Expr {
    const t = this.take();
    switch (t.kind) {
      case 'number':
        return { kind: 'literal', value: t.value as number };
      case 'string':
        return { kind: 'literal', value: t.value as string };
      case 'paren': {
        if (t.text === ')') throw new Mistake('expected a value before )', t.at, 1);
        const inner = this.or();
        const close = this.take();
        if (close.kind !== 'paren' || close.text !== ')') throw new Mistake('this ( is not closed', t.at, 1);
        return inner;
      }
      case 'ident':
        return this.identifier(t);
      case 'op':
        throw new Mistake(`expected a value before "${t.text}"`, t.at, t.text.length);
      case 'end':
        throw new Mistake('the expression ends too soon: expected a value', t.at, 0);
    }
  }

  private identifier(t: Token): Expr {
    const word = t.text.toLowerCase();
    if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
    if (word === 'null') return { kind: 'literal', value: null };
    const found = resolveColumn(t.text, this.columns);
    if (!Array.isArray(found)) return { kind: 'column', column: found };
    if (found.length === 0) {
      throw new Mistake(`no column is called "${t.text}" (write text in quotes: "${t.text}")`, t.at, t.text.length);
    }
    const names = found
      .slice(0, 3)
      .map((c) => c.id)
      .join(', ');
    throw new Mistake(`"${t.text}" could be ${names}${found.length > 3 ? ', …' : ''}: write more of the name`, t.at, t.text.length);
  }
}

/** Parses a filter against the table's columns; an empty text filters nothing out. Never throws. */
export function compileFilter(text: string, columns: readonly Column[]): Compiled {
  if (text.trim() === '') return { ok: true, expr: undefined };
  try {
    return { ok: true, expr: new Parser(tokenize(text), columns).parse() };
  } catch (error) {
    if (error instanceof Mistake) return { ok: false, error: { message: error.message, at: error.at, length: error.length } };
    throw error;
  }
}

function value(expr: Expr, row: RunRow): CellValue {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'column':
      return expr.column.value(row);
    default:
      return test(expr, row);
  }
}

function truthy(v: CellValue): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/** A number written as text (`"32"`) compares as the number. */
function asNumber(v: CellValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function compare(op: Comparison, a: CellValue, b: CellValue): boolean {
  if (op === '~')
    return (
      a !== undefined &&
      a !== null &&
      String(a)
        .toLowerCase()
        .includes(String(b ?? '').toLowerCase())
    );
  const missing = (v: CellValue) => v === undefined || v === null;
  if (missing(a) || missing(b)) {
    // `x == null` asks for rows without a value; ordering needs two values.
    if (op === '==') return missing(a) && missing(b);
    if (op === '!=') return missing(a) !== missing(b);
    return false;
  }
  const x = a as ParamValue;
  const y = b as ParamValue;
  const nx = asNumber(x);
  const ny = asNumber(y);
  const numeric = nx !== undefined && ny !== undefined && (typeof x === 'number' || typeof y === 'number');
  const order = numeric ? nx - ny : typeof x === typeof y ? compareValues(x, y) : undefined;
  switch (op) {
    case '==':
      return numeric ? order === 0 : typeof x === typeof y ? x === y || (typeof x === 'string' && order === 0) : false;
    case '!=':
      return !compare('==', a, b);
    case '<':
      return order !== undefined && order < 0;
    case '<=':
      return order !== undefined && order <= 0;
    case '>':
      return order !== undefined && order > 0;
    case '>=':
      return order !== undefined && order >= 0;
  }
}

/** Whether a row passes the filter. */
export function test(expr: Expr, row: RunRow): boolean {
  switch (expr.kind) {
    case 'literal':
    case 'column':
      return truthy(value(expr, row));
    case 'not':
      return !test(expr.operand, row);
    case 'and':
      return test(expr.left, row) && test(expr.right, row);
    case 'or':
      return test(expr.left, row) || test(expr.right, row);
    case 'compare':
      return compare(expr.op, value(expr.left, row), value(expr.right, row));
  }
}

/** The rows that pass `expr` (all of them without one). */
export function filterRows(rows: readonly RunRow[], expr: Expr | undefined): RunRow[] {
  return expr === undefined ? [...rows] : rows.filter((row) => test(expr, row));
}
