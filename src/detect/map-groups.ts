/**
 * @module detect/map-groups
 * How an AND-map's items are tested: alone, or together on each element under a leading path they share (e.g. two
 * conditions on `targetResources.modifiedProperties.` must hold for the same modified property). One reading for
 * the scan engine (detect/match.ts) and the KQL export (export/kql/condition.ts), so the two cannot drift apart.
 */
import type { SigmaFieldItem } from '../sigma/types.js';

/** Lower-cased dotted path without the diagnostic export's `properties.` prefix, for prefix grouping. */
function groupingPath(field: string): string[] {
  const lower = field.toLowerCase();
  return (lower.startsWith('properties.') ? lower.slice('properties.'.length) : lower).split('.');
}

const prefixSegments = (field: string): number => (field.toLowerCase().startsWith('properties.') ? 1 : 0);

export interface MapGroups {
  /** Items tested on their own: keywords, top-level fields, `exists` and `fieldref`. */
  loose: SigmaFieldItem[];
  /** Items with a dotted field, by their first path segment (lower case). */
  byHead: Map<string, SigmaFieldItem[]>;
}

export function groupMapItems(items: readonly SigmaFieldItem[]): MapGroups {
  const byHead = new Map<string, SigmaFieldItem[]>();
  const loose: SigmaFieldItem[] = [];
  for (const item of items) {
    if (item.field === null || groupingPath(item.field).length < 2 || item.modifiers.some((m) => ['exists', 'fieldref'].includes(m.toLowerCase()))) loose.push(item);
    else {
      const head = groupingPath(item.field)[0]!;
      byHead.set(head, [...(byHead.get(head) ?? []), item]);
    }
  }
  return { loose, byHead };
}

/**
 * A group's longest shared leading path, as written in the first item's field (a `properties.` prefix kept), and
 * each item's own path after it (segments as written).
 */
export function sharedPrefix(group: readonly SigmaFieldItem[]): { prefix: string; rests: string[][] } {
  const paths = group.map((i) => groupingPath(i.field!));
  let common = 0;
  while (paths.every((p) => p.length > common + 1 && p[common] === paths[0]![common])) common++;
  const first = group[0]!.field!;
  return {
    prefix: first.split('.').slice(0, prefixSegments(first) + common).join('.'),
    rests: group.map((i) => i.field!.split('.').slice(prefixSegments(i.field!) + common)),
  };
}
