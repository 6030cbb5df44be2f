// @ts-check
/**
 * A table's view: search, facet selections, sort and how many rows are shown. Pure functions, so the page can
 * compute the rows a table shows (for previous/next in the detail pane) apart from drawing them. Whether a view
 * admits a row is filter.ts's `passes`, which the dashboard's server uses too (its exports).
 */
import { passes } from './filter.js';

/**
 * @template T
 * @typedef {object} Column
 * @property {string} id
 * @property {string} label
 * @property {(item: T) => string | number} sortValue
 * @property {(item: T) => string} text  plain text of the cell (CSV copy, titles)
 * @property {(item: T) => any} [render]  the cell's content (defaults to text)
 * @property {string} [width]  a CSS length for the column
 * @property {boolean} [numeric]
 * @property {boolean} [csvOnly]  not drawn, only copied (the full text of something a drawn cell shortens)
 */

/**
 * @template T
 * @typedef {object} Facet
 * @property {string} id
 * @property {string} label
 * @property {(item: T) => string[]} values
 * @property {string[]} [order]  a fixed order of values (severity); otherwise by count
 * @property {boolean} [showZero]  list every value of `order`, even those no row has
 */

/**
 * @template T
 * @typedef {object} TableConfig
 * @property {string} id
 * @property {string} noun  "alert", "finding", … (singular)
 * @property {(item: T) => string} key
 * @property {Column<T>[]} columns
 * @property {Facet<T>[]} facets
 * @property {(item: T) => string} haystack  lower-case text that search looks in
 * @property {(a: T, b: T) => number} defaultOrder
 * @property {(item: T) => string} [time]  the item's ISO time, for a time-range filter (alerts)
 */

/**
 * @typedef {object} View
 * @property {string} search
 * @property {Record<string, string[]>} facets
 * @property {{ column: string, descending: boolean } | null} sort
 * @property {number} limit
 * @property {boolean} showSuppressed
 * @property {{ from: number, to: number } | null} [range]  only items whose time is in [from, to) (the dashboard's zoom)
 */

export const PAGE = 100;

/** @returns {View} */
export const emptyView = () => ({ search: '', facets: {}, sort: null, limit: PAGE, showSuppressed: false, range: null });

/**
 * The rows a view shows, in order (all of them: the limit applies when drawing).
 * @template T
 * @param {readonly T[]} items
 * @param {TableConfig<T>} config
 * @param {View} view
 * @returns {T[]}
 */
export function applyView(items, config, view) {
  const rows = items.filter((item) => passes(item, config, view));
  const column = view.sort ? config.columns.find((c) => c.id === view.sort?.column) : undefined;
  if (!column || !view.sort) return rows.sort(config.defaultOrder);
  const sign = view.sort.descending ? -1 : 1;
  return rows.sort((a, b) => {
    const x = column.sortValue(a);
    const y = column.sortValue(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : config.defaultOrder(a, b);
  });
}

/**
 * Each facet's values with the number of items that would show if it were selected, given the other facets and
 * the search (the usual faceted-search counts).
 * @template T
 * @param {readonly T[]} items
 * @param {TableConfig<T>} config
 * @param {View} view
 * @returns {Record<string, { value: string, count: number }[]>}
 */
export function facetCounts(items, config, view) {
  /** @type {Record<string, { value: string, count: number }[]>} */
  const out = {};
  for (const facet of config.facets) {
    /** @type {Map<string, number>} */
    const counts = new Map();
    if (facet.showZero) for (const v of facet.order ?? []) counts.set(v, 0);
    for (const item of items) {
      if (!passes(item, config, view, facet.id)) continue;
      for (const v of new Set(facet.values(item))) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    // Selected values stay listed even at zero, so they can be unselected.
    for (const v of view.facets[facet.id] ?? []) if (!counts.has(v)) counts.set(v, 0);
    const list = [...counts].map(([value, count]) => ({ value, count }));
    const order = facet.order;
    out[facet.id] = order
      ? list.sort((a, b) => rank(order, a.value) - rank(order, b.value))
      : list.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  }
  return out;
}

/** @param {string[]} order @param {string} value */
const rank = (order, value) => (order.includes(value) ? order.indexOf(value) : order.length);

/**
 * @param {View} view
 * @param {string} facet
 * @param {string} value
 * @returns {View}
 */
export function toggleFacet(view, facet, value) {
  const selected = view.facets[facet] ?? [];
  const next = selected.includes(value) ? selected.filter((v) => v !== value) : [...selected, value];
  return { ...view, facets: { ...view.facets, [facet]: next }, limit: PAGE };
}

/** @param {View} view */
export const isFiltered = (view) => view.search.trim() !== '' || Object.values(view.facets).some((v) => v.length > 0) || Boolean(view.range);
