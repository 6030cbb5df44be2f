/**
 * @module export/kql/wildcards
 * A Sigma string value as the scan engine reads it (detect/match.ts `wildcardTest`): literal runs and the
 * wildcards `*` and `?`, with backslash escaping `*`, `?` and itself and standing for itself before anything
 * else. Then the plainest KQL test with the same meaning: equality, startswith, endswith, contains, or an
 * anchored regular expression (dot-all, case-insensitive unless cased) when wildcards sit inside the value.
 */
import { re2Escape } from './escape.js';

export type PatternPart = { literal: string } | { wildcard: '*' | '?' };

export function parsePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else literal += '\\';
    } else if (c === '*' || c === '?') {
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ wildcard: c });
    } else literal += c;
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** The same wrapping as the scan engine: contains → `*v*`, startswith → `v*`, endswith → `*v`. */
export function comparatorPattern(value: string, comparator: string | undefined): string {
  if (comparator === 'contains') return `*${value}*`;
  if (comparator === 'startswith') return `${value}*`;
  if (comparator === 'endswith') return `*${value}`;
  return value;
}

export type PatternTest =
  | { op: 'any' }
  | { op: 'equals' | 'startswith' | 'endswith' | 'contains'; literal: string }
  | { op: 'regex'; source: string };

/**
 * The simplest test for a parsed pattern. With `separator` (keyword search over the event's values joined by
 * it), the test is a search in the joined text: wildcards never cross a separator, and an unstarred end of
 * the pattern is anchored at a value's end.
 */
export function patternTest(parts: PatternPart[], separator?: string): PatternTest {
  const onlyStars = parts.every((p) => !('wildcard' in p) || p.wildcard === '*');
  const literals = parts.filter((p): p is { literal: string } => 'literal' in p);
  const leading = parts.length > 0 && 'wildcard' in parts[0]!;
  const trailing = parts.length > 0 && 'wildcard' in parts[parts.length - 1]!;
  if (onlyStars && literals.length === 0 && parts.length > 0) return { op: 'any' };
  if (onlyStars && literals.length === 1) {
    const literal = literals[0]!.literal;
    if (leading && trailing) return { op: 'contains', literal };
    if (separator === undefined) {
      if (!leading && !trailing) return { op: 'equals', literal };
      return trailing ? { op: 'startswith', literal } : { op: 'endswith', literal };
    }
  }
  if (separator === undefined && parts.length === 0) return { op: 'equals', literal: '' };
  const any = separator === undefined ? '.' : `[^${re2Escape(separator)}]`;
  const body = parts.map((p) => ('literal' in p ? re2Escape(p.literal) : p.wildcard === '*' ? `${any}*` : any)).join('');
  if (separator === undefined) return { op: 'regex', source: `^${body}$` };
  const sep = re2Escape(separator);
  return { op: 'regex', source: `${leading ? '' : `(?:^|${sep})`}${body}${trailing ? '' : `(?:${sep}|$)`}` };
}
