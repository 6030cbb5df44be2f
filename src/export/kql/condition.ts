/**
 * @module export/kql/condition
 * Searches and conditions (detect/match.ts compileMap, compileSearch, compileCondition) in KQL: the items of an
 * AND-map that share a leading path are tested on the same element under it; `not` flips which way a dropped
 * test falls (see items.ts).
 */
import { groupMapItems, sharedPrefix } from '../../detect/map-groups.js';
import { namesMatching } from '../../sigma/condition.js';
import { SigmaError } from '../../sigma/diagnostics.js';
import type { ConditionNode, SigmaFieldItem, SigmaSearch } from '../../sigma/types.js';
import { walk } from './arrays.js';
import { locateEnrichment } from './enrichment.js';
import { and, FALSE, not, or, type Bool } from './expr.js';
import { locate, recase, type Location } from './fields.js';
import { compileItemAt, keywordItem } from './items.js';
import type { Scope } from './scope.js';

export function locateField(scope: Scope, field: string): Location {
  return field.toLowerCase().startsWith('appwatch.') && field.toLowerCase() !== 'appwatch.time' ? locateEnrichment(scope, field) : locate(scope.table, field);
}

/** An AND-map; items sharing a leading path are tested on the same element under it (detect/match.ts compileMap). */
export function compileMap(scope: Scope, items: SigmaFieldItem[], positive: boolean): Bool {
  const { loose, byHead } = groupMapItems(items);
  const tests: Bool[] = loose.map((item) => (item.field === null ? keywordItem(scope, item) : compileItemAt(scope, item, locateField(scope, item.field), positive)));
  for (const [head, group] of byHead) {
    if (group.length === 1 || head === 'appwatch') {
      for (const item of group) tests.push(compileItemAt(scope, item, locateField(scope, item.field!), positive));
      continue;
    }
    const { prefix, rests } = sharedPrefix(group);
    const location = locate(scope.table, prefix);
    if (location.k !== 'node') {
      // No element to test (the scan engine finds none either) unless the table answers the field itself.
      tests.push(location.k === 'constant' ? and(group.map((item) => compileItemAt(scope, item, locate(scope.table, item.field!), positive))) : FALSE);
      continue;
    }
    const key = location.key + location.segments.map((s) => `.${s.toLowerCase()}`).join('');
    tests.push(walk(scope, location, (inner, element) => and(group.map((item, n) => {
      const rest = rests[n]!;
      // The element is already one value under the prefix: its own path continues from there.
      const sub: Location = { k: 'node', expr: element.expr, type: element.type, key, ...recase(rest), expanded: true };
      return compileItemAt(inner, item, sub, positive);
    }))));
  }
  return and(tests);
}

export function compileSearch(scope: Scope, search: SigmaSearch, positive: boolean): Bool {
  return or(search.alternatives.map((items) => compileMap(scope, items, positive)));
}

export function compileCondition(scope: Scope, node: ConditionNode, searches: ReadonlyMap<string, SigmaSearch>, positive = true): Bool {
  switch (node.type) {
    case 'id': {
      const search = searches.get(node.name);
      if (!search) throw new SigmaError('APPW-E005', `unknown search identifier "${node.name}"`);
      return compileSearch(scope, search, positive);
    }
    case 'not': return not(compileCondition(scope, node.child, searches, !positive));
    case 'and': return and(node.children.map((c) => compileCondition(scope, c, searches, positive)));
    case 'or': return or(node.children.map((c) => compileCondition(scope, c, searches, positive)));
    case 'of': {
      const names = namesMatching(node.pattern, [...searches.keys()]);
      if (names.length === 0) throw new SigmaError('APPW-E005', `"${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern}" matches no search identifier`);
      const parts = names.map((n) => compileSearch(scope, searches.get(n)!, positive));
      return node.quantifier === 'all' ? and(parts) : or(parts);
    }
  }
}
