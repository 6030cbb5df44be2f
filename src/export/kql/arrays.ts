/**
 * @module export/kql/arrays
 * Walking a field's path in KQL as the scan engine walks it (model/field-resolver.ts): through arrays (a test
 * holds when any element passes: an mv-apply counting the elements that do, so a row with an empty array is
 * kept with a count of 0), into JSON text (parse_json), a missing step reading as null.
 */
import { kqlMember } from './escape.js';
import { atom, FALSE, print, type Bool } from './expr.js';
import type { Location } from './fields.js';
import type { Scope } from './scope.js';
import type { Value } from './values.js';

export type Node = Extract<Location, { k: 'node' }>;

/** "Some element of the array satisfies `body`": an mv-apply counting the elements that do. */
export function exists(scope: Scope, array: string, body: (inner: Scope, element: string) => Bool): Bool {
  const element = scope.build.fresh('_aw_e');
  const count = scope.build.fresh('_aw_n');
  const inner = scope.child();
  const predicate = body(inner, element);
  if (predicate.k === 'const' && !predicate.value) return FALSE;
  const sub = [...inner.steps, `summarize ${count} = countif(${print(predicate)})`].join(' | ');
  scope.steps.push(`mv-apply ${element} = ${array} on (${sub})`);
  return atom(`${count} > 0`, false, [count]);
}

/** Tests every value a path reaches: arrays by any element, JSON text parsed, a missing step as null. */
export function walk(scope: Scope, node: Node, leaf: (scope: Scope, value: Value) => Bool): Bool {
  const deps = node.deps ?? [];
  const isArray = node.isArray === true || scope.table.arrays.has(node.key);
  if (isArray && !node.expanded && node.type === 'dynamic') {
    return exists(scope, node.expr, (inner, element) => walk(inner, { ...node, expr: element, deps: [], isArray: false, expanded: true }, leaf));
  }
  if (node.segments.length === 0) return leaf(scope, { expr: node.expr, type: node.type, deps });
  let expr = node.expr;
  if (node.type === 'string') expr = `parse_json(${expr})`;
  else if (scope.table.jsonText.has(node.key)) expr = `parse_json(tostring(${expr}))`;
  else if (node.type !== 'dynamic') expr = 'dynamic(null)';
  const [next, ...rest] = node.segments;
  return walk(scope, { ...node, expr: `${expr}${kqlMember(next!)}`, type: 'dynamic', key: `${node.key}.${next!.toLowerCase()}`, segments: rest, isArray: false, expanded: false }, leaf);
}

/** Whether a walk from this node passes through an array (for notes about null through arrays). */
export function throughArray(scope: Scope, node: Node): boolean {
  if (node.isArray) return true;
  let key = node.key;
  if (scope.table.arrays.has(key)) return true;
  for (const s of node.segments) {
    key = `${key}.${s.toLowerCase()}`;
    if (scope.table.arrays.has(key)) return true;
  }
  return false;
}
