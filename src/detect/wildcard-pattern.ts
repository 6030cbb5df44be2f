/**
 * @module detect/wildcard-pattern
 * A Sigma string value read as the specification says: literal runs and the wildcards `*` and `?`, a backslash
 * escaping `*`, `?` and itself and standing for itself before anything else. The one reading shared by the scan
 * engine (detect/match.ts) and the KQL export, so the two cannot drift apart.
 */

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

/** The modifier as a pattern: contains → `*v*`, startswith → `v*`, endswith → `*v`. */
export function comparatorPattern(value: string, comparator: string | undefined): string {
  if (comparator === 'contains') return `*${value}*`;
  if (comparator === 'startswith') return `${value}*`;
  if (comparator === 'endswith') return `*${value}`;
  return value;
}
