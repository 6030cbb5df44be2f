/**
 * @module export/kql/expr
 * Boolean KQL expressions as a small tree, so the compiler can fold constants (a test that can never hold, a
 * condition dropped on purpose), know which computed columns a predicate needs, and negate safely: KQL
 * comparisons on numbers, booleans and dynamic values are null when a value is missing, `not(null)` is null
 * and `where` drops the row, so a negation over anything that can be null is written `not(coalesce(x, false))`.
 */

export type Bool =
  | { k: 'const'; value: boolean }
  | { k: 'atom'; text: string; nullable: boolean; deps: ReadonlySet<string> }
  | { k: 'and' | 'or'; items: Bool[] }
  | { k: 'not'; item: Bool };

const NO_DEPS: ReadonlySet<string> = new Set();
export const TRUE: Bool = { k: 'const', value: true };
export const FALSE: Bool = { k: 'const', value: false };

/** A predicate in KQL text; `nullable` when it can evaluate to null; `deps` the computed columns it reads. */
export function atom(text: string, nullable = false, deps: Iterable<string> = NO_DEPS): Bool {
  return { k: 'atom', text, nullable, deps: deps instanceof Set ? deps : new Set(deps) };
}

export function and(items: Bool[]): Bool {
  const flat: Bool[] = [];
  for (const item of items) {
    if (item.k === 'const') {
      if (!item.value) return FALSE;
      continue;
    }
    if (item.k === 'and') flat.push(...item.items);
    else flat.push(item);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0]! : { k: 'and', items: flat };
}

export function or(items: Bool[]): Bool {
  const flat: Bool[] = [];
  for (const item of items) {
    if (item.k === 'const') {
      if (item.value) return TRUE;
      continue;
    }
    if (item.k === 'or') flat.push(...item.items);
    else flat.push(item);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0]! : { k: 'or', items: flat };
}

export function not(item: Bool): Bool {
  if (item.k === 'const') return { k: 'const', value: !item.value };
  if (item.k === 'not') return item.item;
  return { k: 'not', item };
}

/** Whether the expression can evaluate to null (then a negation must coalesce it). */
export function nullable(e: Bool): boolean {
  switch (e.k) {
    case 'const': return false;
    case 'atom': return e.nullable;
    case 'not': return false; // printed with coalesce when its operand is nullable
    case 'and': case 'or': return e.items.some(nullable);
  }
}

export function depsOf(e: Bool, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'const': break;
    case 'atom': for (const d of e.deps) out.add(d); break;
    case 'not': depsOf(e.item, out); break;
    case 'and': case 'or': for (const i of e.items) depsOf(i, out); break;
  }
  return out;
}

/** KQL text; `and` binds tighter than `or`, so only `or` inside `and` needs parentheses. */
export function print(e: Bool): string {
  switch (e.k) {
    case 'const': return e.value ? 'true' : 'false';
    case 'atom': return e.text;
    case 'not': return nullable(e.item) ? `not(coalesce(${print(e.item)}, false))` : `not(${print(e.item)})`;
    case 'and': return e.items.map((i) => (i.k === 'or' ? `(${print(i)})` : print(i))).join(' and ');
    case 'or': return e.items.map(print).join(' or ');
  }
}
