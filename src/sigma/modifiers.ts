/**
 * @module sigma/modifiers
 * Every value modifier of Sigma v2.1, with its role. A chain is checked when the rule is read: value
 * encodings first (base64, utf16…), then at most one comparator, with `expand`, `windash` and flags anywhere. The registry is data;
 * the matcher in `detect/` gives each comparator its meaning.
 */
import { SigmaError } from './diagnostics.js';

export type ModifierRole = 'transform' | 'comparator' | 'flag' | 'regex-flag';

export const MODIFIERS = {
  // Value transforms: rewrite the rule's value(s) before comparison.
  base64: 'transform',
  base64offset: 'transform',
  utf16le: 'transform',
  utf16be: 'transform',
  utf16: 'transform',
  wide: 'transform',
  windash: 'transform',
  expand: 'transform',
  // Comparators: how an event value is compared with the rule value (default: equality with wildcards).
  contains: 'comparator',
  startswith: 'comparator',
  endswith: 'comparator',
  re: 'comparator',
  cidr: 'comparator',
  lt: 'comparator',
  lte: 'comparator',
  gt: 'comparator',
  gte: 'comparator',
  exists: 'comparator',
  fieldref: 'comparator',
  minute: 'comparator',
  hour: 'comparator',
  day: 'comparator',
  week: 'comparator',
  month: 'comparator',
  year: 'comparator',
  // Flags: change how values combine or compare.
  all: 'flag',
  cased: 'flag',
  neq: 'flag',
  // Regular-expression flags (only after `re`).
  i: 'regex-flag',
  m: 'regex-flag',
  s: 'regex-flag',
  ignorecase: 'regex-flag',
  multiline: 'regex-flag',
  dotall: 'regex-flag',
} as const satisfies Record<string, ModifierRole>;

export type ModifierName = keyof typeof MODIFIERS;

/** The checked form of a modifier chain. */
export interface ModifierChain {
  transforms: ModifierName[];
  comparator?: ModifierName;
  all: boolean;
  cased: boolean;
  negate: boolean;
  regexFlags: { i: boolean; m: boolean; s: boolean };
}

export function parseModifierChain(modifiers: readonly string[]): ModifierChain {
  const chain: ModifierChain = { transforms: [], all: false, cased: false, negate: false, regexFlags: { i: false, m: false, s: false } };
  for (const raw of modifiers) {
    const lower = raw.toLowerCase();
    const name = lower as ModifierName;
    const role = (MODIFIERS as Record<string, ModifierRole>)[lower];
    if (role === undefined) {
      const hint = lower === 'not' ? ' (negate with "not" in the condition, or use |neq)' : lower === 'regex' ? ' (did you mean |re?)' : '';
      throw new SigmaError('APPW-E006', `unknown modifier "${raw}"${hint}; known: ${Object.keys(MODIFIERS).join(', ')}`);
    }
    if (role === 'transform') {
      // Placeholders and dash variants rewrite the value whatever the comparison (`contains|expand`,
      // `contains|windash` are common); encodings must come first because they change the bytes compared.
      if (chain.comparator && name !== 'expand' && name !== 'windash') throw new SigmaError('APPW-E006', `"${raw}" transforms the value, so it must come before the comparison "${chain.comparator}"`);
      chain.transforms.push(name);
    } else if (role === 'comparator') {
      if (chain.comparator) throw new SigmaError('APPW-E006', `two comparisons in one chain: "${chain.comparator}" and "${raw}"`);
      if ((name === 're' || name === 'cidr') && chain.transforms.length > 0) {
        throw new SigmaError('APPW-E006', `"${raw}" compares the raw value and cannot follow "${chain.transforms.join('|')}"`);
      }
      chain.comparator = name;
    } else if (role === 'regex-flag') {
      if (chain.comparator !== 're') throw new SigmaError('APPW-E006', `regular-expression flag "${raw}" is only allowed after "re"`);
      const flag = name === 'ignorecase' ? 'i' : name === 'multiline' ? 'm' : name === 'dotall' ? 's' : name;
      chain.regexFlags[flag as 'i' | 'm' | 's'] = true;
    } else if (name === 'all') chain.all = true;
    else if (name === 'cased') chain.cased = true;
    else chain.negate = true;
  }
  if (chain.comparator === 'fieldref' && chain.transforms.length > 0) {
    throw new SigmaError('APPW-E006', '"fieldref" names another field and cannot follow a value transform');
  }
  return chain;
}
