/**
 * @module export/kql/values
 * One value of a Sigma field item as a KQL test of one value expression, with the scan engine's meaning
 * (detect/match.ts `valueTest`) and typed by the column's real type: strings compare case-insensitively
 * (`=~`, `in~`, `contains` …; the `_cs` forms under `|cased`), numbers and booleans as their text unless the
 * column holds numbers or booleans, wildcards inside a value become an anchored regular expression, `re` is
 * RE2 in both engines, `cidr` uses the IPv4 or IPv6 functions by the network's family.
 */
import ipaddr from 'ipaddr.js';
import { SigmaError } from '../../sigma/diagnostics.js';
import type { ModifierChain } from '../../sigma/modifiers.js';
import type { SigmaScalar } from '../../sigma/types.js';
import { and, atom, or, TRUE, type Bool } from './expr.js';
import { kqlString } from './escape.js';
import type { QueryBuild } from './scope.js';
import type { ColumnType } from './tables.js';
import { comparatorPattern, parsePattern, patternTest } from './wildcards.js';

/** A value expression with its type and the computed columns it reads. */
export interface Value {
  expr: string;
  type: ColumnType;
  deps: readonly string[];
}

const NUMERIC: ReadonlySet<ColumnType> = new Set(['int', 'long', 'real']);

/** The expression as text: strings as they are, everything else through tostring(). */
export function textOf(v: Value): string {
  return v.type === 'string' ? v.expr : `tostring(${v.expr})`;
}

/** Whether a rule string is the canonical text of a number (what a numeric column's value prints as). */
function numberText(s: string): number | undefined {
  if (s.trim() !== s || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) && String(n) === s ? n : undefined;
}

/** Null (or missing) for the value's type: strings cannot be null in KQL, so empty stands for missing. */
export function nullTest(v: Value): Bool {
  return atom(v.type === 'string' ? `isempty(${v.expr})` : `isnull(${v.expr})`, false, v.deps);
}

const TIME_PARTS: Record<string, (x: string) => string> = {
  minute: (x) => `datetime_part("minute", ${x})`,
  hour: (x) => `hourofday(${x})`,
  day: (x) => `dayofmonth(${x})`,
  week: (x) => `week_of_year(${x})`,
  month: (x) => `getmonth(${x})`,
  year: (x) => `getyear(${x})`,
};

/** A test, or an equality to merge with others on the same value (`exact`: no case to fold, as for digits). */
/** Characters that end a term in every Kusto tokenisation (kept to unambiguous punctuation and space). */
const TERM_EDGE = /[\s./,:;()="'\\[\]{}]/;

/**
 * The terms of a `contains` literal that any matching text must hold as whole terms: runs of ASCII letters
 * and digits with a term-ending character on both sides inside the literal (at least 4 long, what the term
 * index covers). `has` on them lets the index cut rows before the `contains` scan; it never replaces it.
 */
export function wholeTerms(literal: string): string[] {
  const terms: string[] = [];
  for (const m of literal.matchAll(/[A-Za-z0-9]+/g)) {
    const before = literal[m.index - 1];
    const after = literal[m.index + m[0].length];
    if (m[0].length >= 4 && before !== undefined && after !== undefined && TERM_EDGE.test(before) && TERM_EDGE.test(after)) terms.push(m[0]);
  }
  return [...new Set(terms)];
}

type Leaf = Bool | { eqText: string; exact?: boolean } | { eqNumber: number };

function stringTest(v: Value, pattern: string, cased: boolean): Leaf {
  const test = patternTest(parsePattern(pattern));
  const text = textOf(v);
  switch (test.op) {
    case 'any':
      return v.type === 'string' ? TRUE : atom(`isnotnull(${v.expr})`, false, v.deps);
    case 'equals': {
      if (!cased && NUMERIC.has(v.type)) {
        const n = numberText(test.literal);
        if (n !== undefined) return { eqNumber: n };
      }
      if (!cased && v.type === 'bool' && /^(true|false)$/i.test(test.literal)) return atom(`${v.expr} == ${test.literal.toLowerCase()}`, true, v.deps);
      return { eqText: test.literal };
    }
    case 'contains': {
      const terms = wholeTerms(test.literal).map((t) => atom(`${text} has${cased ? '_cs' : ''} ${kqlString(t)}`, false, v.deps));
      return and([...terms, atom(`${text} contains${cased ? '_cs' : ''} ${kqlString(test.literal)}`, false, v.deps)]);
    }
    case 'startswith': case 'endswith':
      return atom(`${text} ${test.op}${cased ? '_cs' : ''} ${kqlString(test.literal)}`, false, v.deps);
    case 'regex':
      return atom(`${text} matches regex ${kqlString(`(?${cased ? '' : 'i'}s)${test.source}`)}`, false, v.deps);
  }
}

function cidrTest(build: QueryBuild, v: Value, value: SigmaScalar): Bool {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    range = ipaddr.parseCIDR(String(value));
  } catch {
    throw new SigmaError('APPW-E007', `cidr: ${JSON.stringify(value)} is not an IPv4 or IPv6 network`);
  }
  const network = `${range[0].toString()}/${range[1]}`;
  const text = textOf(v);
  if (range[0].kind() === 'ipv4') {
    // An IPv4-mapped IPv6 address is in an IPv4 network, as in the scan engine.
    const ip = build.define('_aw_ipv4', 'let _aw_ipv4 = (ip:string) { iff(ip startswith "::ffff:" and ip contains ".", substring(ip, 7), ip) };');
    return atom(`ipv4_is_in_range(${ip}(${text}), ${kqlString(network)})`, true, v.deps);
  }
  // KQL's IPv6 functions also accept IPv4 text; the scan engine never puts an IPv4 address in an IPv6 network.
  return atom(`(${text} contains ":" and ipv6_is_in_range(${text}, ${kqlString(network)}))`, true, v.deps);
}

function leafTest(build: QueryBuild, v: Value, value: SigmaScalar, chain: ModifierChain): Leaf {
  const cmp = chain.comparator;
  if (cmp === 're') {
    if (typeof value !== 'string') throw new SigmaError('APPW-E007', `re needs a string pattern, not ${JSON.stringify(value)}`);
    const flags = `${chain.regexFlags.i ? 'i' : ''}${chain.regexFlags.m ? 'm' : ''}${chain.regexFlags.s ? 's' : ''}`;
    return atom(`${textOf(v)} matches regex ${kqlString(flags ? `(?${flags})${value}` : value)}`, false, v.deps);
  }
  if (cmp === 'cidr') return cidrTest(build, v, value);
  if (cmp === 'lt' || cmp === 'lte' || cmp === 'gt' || cmp === 'gte') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new SigmaError('APPW-E007', `${cmp} needs a number, not ${JSON.stringify(value)}`);
    const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[cmp];
    const x = NUMERIC.has(v.type) ? v.expr : `todouble(${textOf(v)})`;
    return atom(`${x} ${op} ${n}`, true, v.deps);
  }
  if (cmp && cmp in TIME_PARTS) {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n)) throw new SigmaError('APPW-E007', `${cmp} needs a number, not ${JSON.stringify(value)}`);
    const x = v.type === 'datetime' ? v.expr : `todatetime(${textOf(v)})`;
    return atom(`${TIME_PARTS[cmp]!(x)} == ${n}`, true, v.deps);
  }
  if (value === null) return nullTest(v);
  if (typeof value === 'string') return stringTest(v, comparatorPattern(value, cmp), chain.cased);
  // Numbers and booleans compare by their text, case-insensitively (any comparator aside), as in the scan engine.
  if (typeof value === 'number' && NUMERIC.has(v.type)) return { eqNumber: value };
  if (typeof value === 'boolean' && v.type === 'bool') return atom(`${v.expr} == ${value}`, true, v.deps);
  return { eqText: String(value), exact: typeof value === 'number' };
}

/**
 * The OR of several values (variants) tested on one value expression; equalities on the same expression are
 * merged into one `in~` (or `in` for numbers and `|cased`).
 */
export function anyValue(build: QueryBuild, v: Value, values: readonly SigmaScalar[], chain: ModifierChain): Bool {
  const tests: Bool[] = [];
  const texts: string[] = [];
  const exact: string[] = [];
  const numbers: number[] = [];
  for (const value of values) {
    const leaf = leafTest(build, v, value, chain);
    if ('eqText' in leaf) (leaf.exact || chain.cased ? exact : texts).push(leaf.eqText);
    else if ('eqNumber' in leaf) numbers.push(leaf.eqNumber);
    else tests.push(leaf);
  }
  const text = textOf(v);
  const equalities = (list: string[], cased: boolean): void => {
    const unique = [...new Set(list)];
    if (unique.includes('')) tests.push(atom(`isempty(${text})`, false, v.deps));
    const rest = unique.filter((u) => u !== '');
    if (rest.length === 1) tests.push(atom(`${text} ${cased ? '==' : '=~'} ${kqlString(rest[0]!)}`, false, v.deps));
    else if (rest.length > 1) tests.push(atom(`${text} ${cased ? 'in' : 'in~'} (${rest.map(kqlString).join(', ')})`, false, v.deps));
  };
  equalities(texts, false);
  equalities(exact, true);
  if (numbers.length > 0) {
    const unique = [...new Set(numbers)];
    tests.push(unique.length === 1 ? atom(`${v.expr} == ${unique[0]}`, true, v.deps) : atom(`${v.expr} in (${unique.join(', ')})`, true, v.deps));
  }
  return or(tests);
}
