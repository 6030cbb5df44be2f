/**
 * @module export/kql/escape
 * Writing values and names into KQL text safely: string literals (control characters escaped, never raw),
 * column and property names (bracket-quoted when not plain identifiers; never 'quoted', which KQL reads as a
 * string), and RE2 regular-expression literals.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** KQL keywords that cannot stand as bare names. */
const RESERVED = new Set(['and', 'or', 'not', 'in', 'has', 'contains', 'between', 'true', 'false', 'null', 'let', 'on', 'by', 'with', 'of', 'to', 'kind', 'where', 'project', 'extend', 'summarize', 'join', 'union', 'typeof', 'dynamic', 'datatable']);

/** A double-quoted KQL string literal: backslash and quote escaped, control and line-separator characters as escapes. */
export function kqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A column (or extended column) name: bare when it is a plain identifier, else `['name']`. */
export function kqlName(name: string): string {
  if (IDENTIFIER.test(name) && !RESERVED.has(name.toLowerCase())) return name;
  return `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** A property step inside a dynamic value: `.key`, or `['key']` for keys with dots, dashes or spaces (claim URIs). */
export function kqlMember(key: string): string {
  return IDENTIFIER.test(key) && !RESERVED.has(key.toLowerCase()) ? `.${key}` : `[${kqlString(key)}]`;
}

/** A literal made safe inside an RE2 regular expression. */
export function re2Escape(literal: string): string {
  return literal.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A duration as a KQL timespan literal (1d, 2h, 10m, 30s). */
export function kqlTimespan(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
