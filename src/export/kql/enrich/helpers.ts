/**
 * @module export/kql/enrich/helpers
 * KQL helper functions (`let`) the derived appwatch fields share: decoding Entra's JSON-encoded
 * modified-property values as enrich/audit-properties.ts does, and classifying a permission by name from
 * catalogues/permissions/classification.yaml (the exact lists first, then the whole-name families, else
 * medium), as enrich/catalogue.ts does.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { kqlString, re2Escape } from '../escape.js';
import type { QueryBuild, Scope } from '../scope.js';
import type { ColumnType } from '../tables.js';
import type { Location } from '../fields.js';

const JSON_START = kqlString('^\\s*["\\[{]');

/** `_aw_decode(v)`: a modified-property value parsed as JSON while it is JSON text (twice: some are encoded twice). */
export function decode(build: QueryBuild): string {
  return build.define('_aw_decode', `let _aw_decode = (v:dynamic) { let s = tostring(v); let once = iff(s matches regex ${JSON_START}, parse_json(s), v); let s2 = tostring(once); iff(gettype(once) == "string" and s2 matches regex ${JSON_START}, parse_json(s2), once) };`);
}

/** `_aw_text(v)`: the decoded value as text; a one-element list is its element, a longer list nothing. */
export function text(build: QueryBuild): string {
  const d = decode(build);
  return build.define('_aw_text', `let _aw_text = (v:dynamic) { let d = ${d}(v); iff(gettype(d) == "array", iff(array_length(d) == 1, tostring(d[0]), ""), tostring(d)) };`);
}

/** `_aw_words(s)`: the whitespace-separated words of a text, lower-cased (permission scopes). */
export function words(build: QueryBuild): string {
  return build.define('_aw_words', `let _aw_words = (s:string) { coalesce(extract_all(${kqlString('(\\S+)')}, tolower(s)), dynamic([])) };`);
}

interface ClassificationFile {
  critical: { value: string }[];
  high: { value: string }[];
  low: { value: string }[];
  families: { match: string; class: string }[];
  sensitiveResources: { appId: string; name: string }[];
}

let classification: ClassificationFile | undefined;

export function classificationData(): ClassificationFile {
  classification ??= parseYaml(readFileSync(new URL('../../../../catalogues/permissions/classification.yaml', import.meta.url), 'utf8')) as ClassificationFile;
  return classification;
}

export const CLASS_RANK: Readonly<Record<string, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** `_aw_rankOf(p)`: the class of a permission as a rank (0 low … 3 critical). */
export function rankOf(build: QueryBuild): string {
  const data = classificationData();
  const list = (entries: { value: string }[]): string => entries.map((e) => kqlString(e.value)).join(', ');
  const families = data.families.map((f) => {
    const source = `(?i)^${f.match.split('*').map(re2Escape).join('[^ ]+')}$`;
    return `p matches regex ${kqlString(source)}, ${CLASS_RANK[f.class]}`;
  });
  return build.define('_aw_rankOf', `let _aw_rankOf = (p:string) { case(p in~ (${list(data.critical)}), 3, p in~ (${list(data.high)}), 2, p in~ (${list(data.low)}), 0, ${families.join(', ')}, 1) };`);
}

/** `_aw_className(rank)`: a rank back to the class name. */
export function className(build: QueryBuild): string {
  return build.define('_aw_className', 'let _aw_className = (r:long) { case(r == 3, "critical", r == 2, "high", r == 1, "medium", r == 0, "low", "") };');
}

/** A per-row computed column at the table's top level, made once; the location tests read it from. */
export function computed(scope: Scope, name: string, type: ColumnType, make: (root: Scope) => void, isArray = false): Location {
  scope.root.ensure(name, () => {
    make(scope.root);
    return name;
  });
  return { k: 'node', expr: name, type, key: `appwatch.${name}`, segments: [], unsureKeys: [], deps: [name], ...(isArray ? { isArray: true } : {}) };
}

/** Adds computed columns once (an extend or mv-apply several fields share). */
export function step(scope: Scope, key: string, make: () => string): void {
  scope.root.ensure(key, () => {
    scope.root.steps.push(make());
    return key;
  });
}

export const GUID_SOURCE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
