/**
 * @module detect/match
 * Compiles Sigma searches and conditions into predicates over canonical events. Each rule compiles once;
 * evaluation allocates little.
 *
 * Semantics (Sigma v2.1, with pySigma where the spec is silent):
 * - values compare case-insensitively unless `cased`; `*` and `?` are wildcards, backslash escapes them;
 * - numbers and booleans compare by their text (`0` matches "0", `'false'` matches false);
 * - `null` matches a missing or null field, `''` only an empty string;
 * - a field path through arrays matches when any element matches; the items of one map that share a path
 *   prefix are tested on the same element (no cross-matching between two modifiedProperties);
 * - structured values (objects) compare as their JSON text, as Log Analytics' dynamic columns do;
 * - keywords search every string value of the event (`appwatch` excluded), as substrings.
 */
import ipaddr from 'ipaddr.js';
import { groupMapItems, sharedPrefix } from './map-groups.js';
import { comparatorPattern, parsePattern } from './wildcard-pattern.js';
import { RE2JS } from 're2js';
import type { CanonicalEvent } from '../model/event.js';
import { fieldAccessor, hasField, resolveField } from '../model/field-resolver.js';
import { toIsoUtc } from '../model/time.js';
import { namesMatching } from '../sigma/condition.js';
import { SigmaError } from '../sigma/diagnostics.js';
import { parseModifierChain, type ModifierChain } from '../sigma/modifiers.js';
import type { ConditionNode, SigmaFieldItem, SigmaScalar, SigmaSearch } from '../sigma/types.js';
import { transformValue, type Placeholders } from './value-transforms.js';

type Json = Record<string, unknown>;
/** A test on an event, or on one element of an array inside it. */
export type Predicate = (target: CanonicalEvent | Json) => boolean;
type ValueTest = (value: unknown) => boolean;

export interface CompileOptions {
  placeholders: Placeholders;
}

const jsonText = new WeakMap<object, string>();

/** The text a value is compared as (objects as their JSON text, computed once per object). */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    let text = jsonText.get(value);
    if (text === undefined) {
      try {
        text = JSON.stringify(value);
      } catch {
        return null;
      }
      jsonText.set(value, text);
    }
    return text;
  }
  return String(value);
}

const STAR = Symbol('*');
const ONE = Symbol('?');

/** Sigma wildcard string → matcher. Plain strings become equality/prefix/suffix/substring tests (no regex). */
export function wildcardTest(pattern: string, cased: boolean): (text: string) => boolean {
  // Wildcards become symbols, so an escaped `\*` (the literal text "*") is never taken for one.
  const parts = parsePattern(pattern).map((p) => ('literal' in p ? p.literal : p.wildcard === '*' ? STAR : ONE));
  const fold = (s: string): string => (cased ? s : s.toLowerCase());
  const lits = parts.map((p) => (typeof p === 'string' ? fold(p) : p));
  if (lits.every((p) => p !== ONE)) {
    const inner = lits.filter((p): p is string => typeof p === 'string');
    const leading = lits[0] === STAR;
    const trailing = lits[lits.length - 1] === STAR;
    if (inner.length === 0) return lits.length === 0 ? (t) => t === '' : () => true;
    if (inner.length === 1) {
      const s = inner[0]!;
      if (!leading && !trailing) return (t) => fold(t) === s;
      if (leading && trailing) return (t) => fold(t).includes(s);
      if (trailing) return (t) => fold(t).startsWith(s);
      return (t) => fold(t).endsWith(s);
    }
  }
  const source = lits.map((p) => (p === STAR ? '.*' : p === ONE ? '.' : (p as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, cased ? 's' : 'is');
  return (t) => re.test(t);
}


const TIME_PARTS: Record<string, (d: Date) => number> = {
  minute: (d) => d.getUTCMinutes(),
  hour: (d) => d.getUTCHours(),
  day: (d) => d.getUTCDate(),
  week: (d) => isoWeek(d),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7);
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** One rule value under a comparator → a test of one event value. */
function valueTest(value: SigmaScalar, chain: ModifierChain): ValueTest {
  const cmp = chain.comparator;
  if (cmp === 're') {
    if (typeof value !== 'string') throw new SigmaError('APPW-E007', `re needs a string pattern, not ${JSON.stringify(value)}`);
    let flags = 0;
    if (chain.regexFlags.i) flags |= RE2JS.CASE_INSENSITIVE;
    if (chain.regexFlags.m) flags |= RE2JS.MULTILINE;
    if (chain.regexFlags.s) flags |= RE2JS.DOTALL;
    let re: ReturnType<typeof RE2JS.compile>;
    try {
      // RE2 semantics: linear time whatever the pattern, so a hostile rule cannot hang a scan.
      re = RE2JS.compile(value, flags);
    } catch (error) {
      throw new SigmaError('APPW-E011', `re: ${(error as Error).message} (appwatch uses RE2 syntax: no back-references or look-arounds, so matching stays linear-time)`);
    }
    return (v) => {
      const t = textOf(v);
      return t !== null && re.matcher(t).find();
    };
  }
  if (cmp === 'cidr') {
    let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      range = ipaddr.parseCIDR(String(value));
    } catch {
      throw new SigmaError('APPW-E007', `cidr: ${JSON.stringify(value)} is not an IPv4 or IPv6 network`);
    }
    return (v) => {
      if (typeof v !== 'string' || !ipaddr.isValid(v)) return false;
      let ip = ipaddr.parse(v);
      if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() && range[0].kind() === 'ipv4') ip = (ip as ipaddr.IPv6).toIPv4Address();
      return ip.kind() === range[0].kind() && ip.match(range);
    };
  }
  if (cmp === 'lt' || cmp === 'lte' || cmp === 'gt' || cmp === 'gte') {
    const n = numberOf(value);
    if (n === undefined) throw new SigmaError('APPW-E007', `${cmp} needs a number, not ${JSON.stringify(value)}`);
    return (v) => {
      const x = numberOf(v);
      if (x === undefined) return false;
      return cmp === 'lt' ? x < n : cmp === 'lte' ? x <= n : cmp === 'gt' ? x > n : x >= n;
    };
  }
  if (cmp && cmp in TIME_PARTS) {
    const n = numberOf(value);
    if (n === undefined) throw new SigmaError('APPW-E007', `${cmp} needs a number, not ${JSON.stringify(value)}`);
    const part = TIME_PARTS[cmp]!;
    return (v) => {
      const iso = toIsoUtc(v);
      return iso !== undefined && part(new Date(iso)) === n;
    };
  }
  if (value === null) return (v) => v === null || v === undefined;
  if (typeof value === 'string') {
    const test = wildcardTest(comparatorPattern(value, cmp), chain.cased);
    return (v) => {
      const t = textOf(v);
      return t !== null && test(t);
    };
  }
  // Numbers and booleans: compare by text, case-insensitively ('false' in a rule matches false in a log).
  const expected = String(value).toLowerCase();
  return (v) => {
    const t = textOf(v);
    return t !== null && t.toLowerCase() === expected;
  };
}

/** The strings of an event, for keyword search (cached per event). */
const eventStrings = new WeakMap<object, string[]>();
function stringsOf(target: object): string[] {
  let cached = eventStrings.get(target);
  if (cached) return cached;
  cached = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string') cached!.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') cached!.push(String(v));
    else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'appwatch') walk(x, depth + 1);
  };
  walk(target, 0);
  eventStrings.set(target, cached);
  return cached;
}

/** Compiles one field item (`field|mods: values`). */
export function compileItem(item: SigmaFieldItem, options: CompileOptions): Predicate {
  const chain = parseModifierChain(item.modifiers);
  const field = item.field;
  if (chain.comparator === 'exists') {
    if (field === null) throw new SigmaError('APPW-E007', 'exists needs a field');
    const want = item.values[0] === true || String(item.values[0]).toLowerCase() === 'true';
    return (t) => hasField(t, field) === want;
  }
  if (chain.comparator === 'fieldref') {
    if (field === null) throw new SigmaError('APPW-E007', 'fieldref needs a field');
    const others = item.values.map(String);
    const one = (t: CanonicalEvent | Json, other: string): boolean => {
      const mine = resolveField(t, field).map(textOf);
      const theirs = new Set(resolveField(t, other).map((v) => (chain.cased ? textOf(v) : textOf(v)?.toLowerCase())));
      return mine.some((m) => m !== null && theirs.has(chain.cased ? m : m.toLowerCase()));
    };
    const base: Predicate = chain.all ? (t) => others.every((o) => one(t, o)) : (t) => others.some((o) => one(t, o));
    return chain.negate ? (t) => !base(t) : base;
  }
  // Each rule value becomes a group of variants (transforms may give several); groups OR, or AND with |all.
  let base: Predicate;
  if (field === null) {
    // Keywords: a value matches when any string of the event contains it (any of its transformed variants).
    const keywordGroups = item.values.map((value) => {
      const tests = transformValue(value, chain.transforms, options.placeholders)
        .map((v) => wildcardTest(comparatorPattern(String(v), chain.comparator ?? 'contains'), chain.cased));
      return (strings: string[]): boolean => strings.some((s) => tests.some((test) => test(s)));
    });
    base = chain.all ? (t) => keywordGroups.every((k) => k(stringsOf(t))) : (t) => keywordGroups.some((k) => k(stringsOf(t)));
  } else {
    const groups: ValueTest[] = item.values.map((value) => {
      const variants = transformValue(value, chain.transforms, options.placeholders);
      const tests = variants.map((v) => valueTest(v, chain));
      return tests.length === 1 ? tests[0]! : (v: unknown) => tests.some((t) => t(v));
    });
    const nullOnly = item.values.every((v) => v === null) && !chain.comparator;
    const access = fieldAccessor(field);
    base = (t) => {
      const values = access(t);
      if (values.length === 0) return nullOnly || (!chain.all && item.values.includes(null) && !chain.comparator);
      if (chain.all) return groups.every((g) => values.some(g));
      for (const g of groups) for (const v of values) if (g(v)) return true;
      return false;
    };
  }
  return chain.negate ? (t) => !base(t) : base;
}

/**
 * Compiles an AND-map. Items whose fields share a leading path (e.g. `targetResources.modifiedProperties.`)
 * are tested together on each element under that path, so two conditions about "a modified property" must
 * hold for the same one.
 */
export function compileMap(items: SigmaFieldItem[], options: CompileOptions): Predicate {
  const { loose, byHead } = groupMapItems(items);
  const predicates: Predicate[] = loose.map((i) => compileItem(i, options));
  for (const group of byHead.values()) {
    if (group.length === 1) {
      predicates.push(compileItem(group[0]!, options));
      continue;
    }
    const { prefix, rests } = sharedPrefix(group);
    const inner = group.map((i, n) => compileItem({ ...i, field: rests[n]!.join('.') }, options));
    const accessPrefix = fieldAccessor(prefix);
    predicates.push((t) => {
      for (const element of accessPrefix(t)) {
        if (element && typeof element === 'object' && !Array.isArray(element) && inner.every((p) => p(element as Json))) return true;
      }
      return false;
    });
  }
  return predicates.length === 1 ? predicates[0]! : (t) => predicates.every((p) => p(t));
}

export function compileSearch(search: SigmaSearch, options: CompileOptions): Predicate {
  const alternatives = search.alternatives.map((items) => compileMap(items, options));
  return alternatives.length === 1 ? alternatives[0]! : (t) => alternatives.some((a) => a(t));
}

export function compileCondition(node: ConditionNode, searches: ReadonlyMap<string, Predicate>): Predicate {
  switch (node.type) {
    case 'id': {
      const p = searches.get(node.name);
      if (!p) throw new SigmaError('APPW-E005', `unknown search identifier "${node.name}"`);
      return p;
    }
    case 'not': {
      const p = compileCondition(node.child, searches);
      return (t) => !p(t);
    }
    case 'and': {
      const ps = node.children.map((c) => compileCondition(c, searches));
      return (t) => ps.every((p) => p(t));
    }
    case 'or': {
      const ps = node.children.map((c) => compileCondition(c, searches));
      return (t) => ps.some((p) => p(t));
    }
    case 'of': {
      const names = namesMatching(node.pattern, [...searches.keys()]);
      if (names.length === 0) throw new SigmaError('APPW-E005', `"${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern}" matches no search identifier`);
      const ps = names.map((n) => searches.get(n)!);
      return node.quantifier === 'all' ? (t) => ps.every((p) => p(t)) : (t) => ps.some((p) => p(t));
    }
  }
}
