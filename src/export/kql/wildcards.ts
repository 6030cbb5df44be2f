/**
 * @module export/kql/wildcards
 * A Sigma string value as the scan engine reads it (detect/match.ts `wildcardTest`): literal runs and the
 * wildcards `*` and `?`, with backslash escaping `*`, `?` and itself and standing for itself before anything
 * else. Then the plainest KQL test with the same meaning: equality, startswith, endswith, contains, or an
 * anchored regular expression (dot-all, case-insensitive unless cased) when wildcards sit inside the value.
 */
import { re2Escape } from './escape.js';

import type { PatternPart } from '../../detect/wildcard-pattern.js';

export { comparatorPattern, parsePattern, type PatternPart } from '../../detect/wildcard-pattern.js';

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
