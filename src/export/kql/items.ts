/**
 * @module export/kql/items
 * One Sigma field item (or keyword item) as a KQL predicate, with the scan engine's meaning (detect/match.ts
 * compileItem): every value its path reaches is tested (arrays.ts), `null` means missing, `exists` presence,
 * `fieldref` another field, `appwatch.flags` flag by flag. A test KQL cannot express is dropped towards matching
 * more (true where the rule wants it, false under a `not`) and named in `lost`, so a query never silently means
 * less than the rule.
 */
import { compileItem as engineItem, wildcardTest } from '../../detect/match.js';
import { transformValue } from '../../detect/value-transforms.js';
import { parseModifierChain, type ModifierChain } from '../../sigma/modifiers.js';
import type { SigmaFieldItem, SigmaScalar } from '../../sigma/types.js';
import { throughArray, walk } from './arrays.js';
import { enrichmentFlag, flagNames } from './enrichment.js';
import { kqlName, kqlString } from './escape.js';
import { and, atom, FALSE, not, or, TRUE, type Bool } from './expr.js';
import { locate, type Location } from './fields.js';
import type { Scope } from './scope.js';
import { anyValue, textOf, type Value } from './values.js';
import { comparatorPattern, parsePattern, patternTest } from './wildcards.js';

/** The outcome of a test KQL cannot express: the value that lets the query match more, plus a note. */
function relaxed(scope: Scope, positive: boolean, what: string): Bool {
  scope.build.note(`${what}; the test is left out${positive ? '' : ' of the exclusion'}, so the query matches more than the rule`);
  return positive ? TRUE : FALSE;
}

function variantsOf(scope: Scope, item: SigmaFieldItem, chain: ModifierChain): SigmaScalar[][] {
  return item.values.map((value) => transformValue(value, chain.transforms, scope.build.options.placeholders));
}

function presence(scope: Scope, location: Location, positive: boolean, field: string): Bool {
  switch (location.k) {
    case 'absent': return FALSE;
    case 'constant': return TRUE;
    case 'unsupported': return relaxed(scope, positive, `${field}: ${location.reason}`);
    case 'flags': return relaxed(scope, positive, 'whether appwatch.flags exists at all');
    case 'node': return walk(scope, location, (_s, v) => atom(v.type === 'string' ? `isnotempty(${v.expr})` : `isnotnull(${v.expr})`, false, v.deps));
  }
}

/** A scalar view of a field for `fieldref` (no arrays: KQL compares one value with one value). */
function scalarValue(scope: Scope, location: Location): Value | undefined {
  if (location.k !== 'node' || throughArray(scope, location)) return undefined;
  let value: Value | undefined;
  walk(scope, location, (_s, v) => {
    value = v;
    return TRUE;
  });
  return value;
}

function flagsTest(scope: Scope, item: SigmaFieldItem, chain: ModifierChain, positive: boolean): Bool {
  const groups = variantsOf(scope, item, chain).map((variants) => or(variants.map((variant) => {
    if (typeof variant !== 'string' || chain.comparator && !['contains', 'startswith', 'endswith'].includes(chain.comparator)) {
      return relaxed(scope, positive, `appwatch.flags|${item.modifiers.join('|')}: ${JSON.stringify(variant)}`);
    }
    const matches = wildcardTest(comparatorPattern(variant, chain.comparator), chain.cased);
    return or(flagNames().filter(matches).map((name) => {
      const flag = enrichmentFlag(scope, name);
      return 'unsupported' in flag ? relaxed(scope, positive, `flag ${name}: ${flag.unsupported}`) : flag;
    }));
  })));
  return chain.all ? and(groups) : or(groups);
}

/** One field item at a location (a field of the table, or a path inside an array element). */
export function compileItemAt(scope: Scope, item: SigmaFieldItem, location: Location, positive: boolean): Bool {
  const chain = parseModifierChain(item.modifiers);
  const field = item.field!;
  if (chain.comparator === 'exists') {
    const want = item.values[0] === true || String(item.values[0]).toLowerCase() === 'true';
    const present = presence(scope, location, want ? positive : !positive, field);
    return want ? present : not(present);
  }
  const basePositive = chain.negate ? !positive : positive;
  let base: Bool;
  if (chain.comparator === 'fieldref') {
    const mine = scalarValue(scope, location);
    const tests = item.values.map((other) => {
      const theirs = scalarValue(scope, locate(scope.table, String(other)));
      if (!mine || !theirs) return relaxed(scope, basePositive, `${field}|fieldref ${String(other)}: KQL compares two single values, and one of these fields is missing from ${scope.table.name} or inside an array`);
      return atom(`${textOf(mine)} ${chain.cased ? '==' : '=~'} ${textOf(theirs)}`, false, [...mine.deps, ...theirs.deps]);
    });
    base = chain.all ? and(tests) : or(tests);
  } else if (location.k === 'flags') {
    base = flagsTest(scope, item, chain, basePositive);
  } else if (location.k === 'unsupported') {
    base = relaxed(scope, basePositive, `${field}: ${location.reason}`);
  } else if (location.k === 'constant') {
    // The table answers it: run the scan engine's own test on that value.
    const predicate = engineItem({ ...item, field: location.canonical, modifiers: item.modifiers.filter((m) => m.toLowerCase() !== 'neq') }, { placeholders: scope.build.options.placeholders });
    base = predicate({ [location.canonical]: location.value }) ? TRUE : FALSE;
  } else {
    const groups = variantsOf(scope, item, chain);
    const hasNull = item.values.includes(null) && !chain.comparator;
    if (location.k === 'absent') {
      const nullOnly = item.values.every((v) => v === null) && !chain.comparator;
      base = nullOnly || (!chain.all && hasNull) ? TRUE : FALSE;
      if (!nullOnly) scope.build.inform(`${location.reason}: a test of a value there never holds (nor in a scan)`);
    } else {
      if (hasNull && throughArray(scope, location)) {
        scope.build.note(`${field}: null through an array holds in KQL when any element lacks the field; appwatch needs no element to have a value`);
      }
      if (location.unsureKeys.length > 0) {
        scope.build.note(`${field}: KQL compares the key${location.unsureKeys.length > 1 ? 's' : ''} ${location.unsureKeys.join(', ')} case-sensitively (appwatch does not); written as in the rule`);
      }
      const leaf = (variants: SigmaScalar[]) => (s: Scope, v: Value): Bool => anyValue(s.build, v, variants, chain);
      base = chain.all ? and(groups.map((variants) => walk(scope, location, leaf(variants)))) : walk(scope, location, leaf(groups.flat()));
    }
  }
  return chain.negate ? not(base) : base;
}

/** Keywords: any value of the event contains the keyword (every keyword with `|all`). */
export function keywordItem(scope: Scope, item: SigmaFieldItem): Bool {
  const chain = parseModifierChain(item.modifiers);
  const separator = '\u0001';
  const text = scope.ensure('keywords', () => {
    const columns = [...scope.table.columns.values()].filter((c) => !scope.table.keywordsSkip.has(c.name.toLowerCase()));
    const parts = columns.map((c) => (c.type === 'string' ? kqlName(c.name) : `tostring(${kqlName(c.name)})`));
    scope.steps.push(`extend _aw_keywords = strcat_delim(${kqlString(separator)}, ${parts.join(', ')})`);
    return '_aw_keywords';
  });
  scope.build.note(`keywords are searched in every column of ${scope.table.name}, dynamic columns as their JSON text, where a keyword can also match a key name`);
  const groups = variantsOf(scope, item, chain).map((variants) => or(variants.map((variant) => {
    const test = patternTest(parsePattern(comparatorPattern(String(variant), chain.comparator ?? 'contains')), separator);
    if (test.op === 'any') return TRUE;
    if (test.op === 'contains') return atom(`${text} contains${chain.cased ? '_cs' : ''} ${kqlString(test.literal)}`, false, [text]);
    if (test.op === 'regex') return atom(`${text} matches regex ${kqlString(`(?${chain.cased ? '' : 'i'}s)${test.source}`)}`, false, [text]);
    throw new Error(`unexpected keyword test ${test.op}`);
  })));
  const base = chain.all ? and(groups) : or(groups);
  return chain.negate ? not(base) : base;
}

