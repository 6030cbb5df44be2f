// @ts-check
/**
 * The one table component behind alerts, findings, applications and consent grants: a search box, facet filters
 * with counts, sortable headers, rows that open the detail pane (click, Enter; arrows move between rows), and
 * "show more" paging so large reports stay quick.
 */
import { useRef } from 'preact/hooks';
import { html } from './html.js';
import { facetCounts, isFiltered, PAGE, toggleFacet, emptyView } from './view.js';
import { CopyButton } from './text.js';
import { csvCell, visibleString } from '../text.js';

/** @template T @typedef {import('./view.js').TableConfig<T>} TableConfig */
/** @typedef {import('./view.js').View} View */

/**
 * @template T
 * @typedef {object} TableProps
 * @property {TableConfig<T>} config
 * @property {readonly T[]} items  what the view filters
 * @property {T[]} rows  the view's rows, in order
 * @property {View} view
 * @property {(view: View) => void} onView
 * @property {string | undefined} selected  the key of the item open in the detail pane
 * @property {((key: string) => void) | undefined} onOpen
 * @property {any} [toolbar]  extra controls (the suppressed toggle)
 * @property {Selection} [selection]  checkboxes for bulk actions (the dashboard's alerts)
 * @property {any} [above]  a bar between the toolbar and the rows (the dashboard's bulk actions)
 */

/**
 * @typedef {object} Selection
 * @property {ReadonlySet<string>} keys  the selected items' keys
 * @property {(keys: Set<string>) => void} onChange
 */

/**
 * @template T
 * @param {TableProps<T>} props
 */
export function Table({ config, items, rows, view, onView, selected, onOpen, toolbar, selection, above }) {
  const columns = config.columns.filter((c) => !c.csvOnly);
  const counts = facetCounts(items, config, view);
  const shown = rows.slice(0, view.limit);
  const searchId = `${config.id}-search`;
  return html`<div class="table-layout">
    <${Facets} config=${config} counts=${counts} view=${view} onView=${onView} />
    <div class="table-main">
      <div class="toolbar" role="search">
        <label class="search-label" for=${searchId}>Search ${config.noun}s</label>
        <input id=${searchId} class="search" type="search" placeholder=${`Search ${config.noun}s…`} value=${view.search}
          onInput=${(/** @type {any} */ e) => onView({ ...view, search: e.currentTarget.value, limit: PAGE })} />
        <span class="result-count" aria-live="polite">${rows.length === items.length ? `${items.length} ${plural(config.noun, items.length)}` : `${rows.length} of ${items.length} ${plural(config.noun, items.length)}`}</span>
        ${isFiltered(view) ? html`<button type="button" class="link-button" onClick=${() => onView({ ...emptyView(), showSuppressed: view.showSuppressed })}>Clear filters</button>` : null}
        <span class="toolbar-spacer"></span>
        ${toolbar}
        <${CopyButton} text=${() => toCsv(config, rows)} label="Copy CSV" />
      </div>
      ${above}
      ${rows.length === 0
        ? html`<p class="empty">${items.length === 0 ? `No ${config.noun}s in this report.` : `No ${config.noun}s match these filters.`}</p>`
        : html`<${Rows} config=${config} columns=${columns} rows=${shown} all=${rows} view=${view} onView=${onView} selected=${selected} onOpen=${onOpen} selection=${selection} />`}
      ${rows.length > shown.length ? html`<div class="more">
        <span>Showing ${shown.length} of ${rows.length}.</span>
        <button type="button" onClick=${() => onView({ ...view, limit: view.limit + PAGE })}>Show ${Math.min(PAGE, rows.length - shown.length)} more</button>
        <button type="button" onClick=${() => onView({ ...view, limit: rows.length })}>Show all</button>
      </div>` : null}
    </div>
  </div>`;
}

/** @param {string} noun @param {number} n */
const plural = (noun, n) => (n === 1 ? noun : `${noun}s`);

/**
 * The table proper.
 * @template T
 * @param {{ config: TableConfig<T>, columns: import('./view.js').Column<T>[], rows: T[], all: T[], view: View, onView: (v: View) => void, selected: string | undefined, onOpen: ((key: string) => void) | undefined, selection?: Selection }} props
 */
function Rows({ config, columns, rows, all, view, onView, selected, onOpen, selection }) {
  const body = useRef(/** @type {HTMLTableSectionElement | null} */ (null));
  /** @param {string} column */
  const sortBy = (column) => {
    const descending = view.sort?.column === column ? !view.sort.descending : false;
    onView({ ...view, sort: { column, descending } });
  };
  /** @param {KeyboardEvent} e @param {string} key */
  const onKey = (e, key) => {
    const row = /** @type {HTMLElement} */ (e.currentTarget);
    if ((e.key === 'Enter' || e.key === ' ') && onOpen) {
      e.preventDefault();
      onOpen(key);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      e.stopPropagation();
      const next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    }
  };
  // The header box selects every row the filters show (not only those drawn so far): bulk acts on the filtered set.
  const allKeys = selection ? all.map((item) => config.key(item)) : [];
  const allSelected = selection !== undefined && allKeys.length > 0 && allKeys.every((k) => selection.keys.has(k));
  /** @param {string} key */
  const toggle = (key) => {
    if (!selection) return;
    const next = new Set(selection.keys);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    selection.onChange(next);
  };
  return html`<table class=${`data data-${config.id}`}>
    <colgroup>${selection ? html`<col class="col-select" width="34" />` : null}${columns.map((c) => html`<col class=${`col-${c.id}`} width=${c.width} />`)}</colgroup>
    <thead><tr>${selection ? html`<th scope="col" class="select-cell"><input type="checkbox" class="select-all" aria-label=${`Select all ${allKeys.length} ${config.noun}s the filters show`}
      title=${`Select all ${allKeys.length} the filters show`} checked=${allSelected}
      onChange=${() => selection.onChange(allSelected ? new Set([...selection.keys].filter((k) => !allKeys.includes(k))) : new Set([...selection.keys, ...allKeys]))} /></th>` : null}${columns.map((c) => {
      const active = view.sort?.column === c.id;
      const sort = active ? (view.sort?.descending ? 'descending' : 'ascending') : 'none';
      return html`<th scope="col" aria-sort=${sort} class=${c.numeric ? 'num' : ''}>
        <button type="button" class="sort" onClick=${() => sortBy(c.id)} title=${`Sort by ${c.label.toLowerCase()}`}>${c.label}<span class="sort-mark" aria-hidden="true">${active ? (view.sort?.descending ? ' ▼' : ' ▲') : ''}</span></button>
      </th>`;
    })}</tr></thead>
    <tbody ref=${body}>${rows.map((item) => {
      const key = config.key(item);
      return html`<tr key=${key} data-key=${key} tabindex=${onOpen ? 0 : undefined} class=${key === selected ? 'selected' : ''} aria-selected=${onOpen ? key === selected : undefined}
        onClick=${onOpen ? () => onOpen(key) : undefined} onKeyDown=${(/** @type {KeyboardEvent} */ e) => onKey(e, key)}>
        ${selection ? html`<td class="select-cell" onClick=${(/** @type {Event} */ e) => e.stopPropagation()}><input type="checkbox" class="select-row" aria-label="Select for bulk actions"
          checked=${selection.keys.has(key)} onChange=${() => toggle(key)} onKeyDown=${(/** @type {KeyboardEvent} */ e) => e.stopPropagation()} /></td>` : null}
        ${columns.map((c) => html`<td class=${`cell-${c.id}${c.numeric ? ' num' : ''}`} title=${visibleString(c.text(item))}>${c.render ? c.render(item) : c.text(item)}</td>`)}
      </tr>`;
    })}</tbody>
  </table>`;
}

/**
 * Facet filters: each value with how many rows it would show; checking values narrows the table.
 * @template T
 * @param {{ config: TableConfig<T>, counts: Record<string, { value: string, count: number }[]>, view: View, onView: (v: View) => void }} props
 */
function Facets({ config, counts, view, onView }) {
  return html`<aside class="facets" aria-label=${`Filter ${config.noun}s`}>
    ${config.facets.map((facet, i) => {
      const entries = counts[facet.id] ?? [];
      if (entries.length === 0) return null;
      const selected = view.facets[facet.id] ?? [];
      const list = html`<ul>${entries.map((e) => html`<li>
          <label class=${e.count === 0 ? 'facet-zero' : ''}>
            <input type="checkbox" checked=${selected.includes(e.value)} onChange=${() => onView(toggleFacet(view, facet.id, e.value))} />
            <span class="facet-value" title=${visibleString(e.value)}>${visibleString(e.value) || '(none)'}</span>
            <span class="facet-count">${e.count}</span>
          </label>
        </li>`)}</ul>`;
      // The first facets start open; the others (and long ones) start closed unless something in them is selected.
      return html`<details class="facet" data-facet=${facet.id} open=${(i < 3 && entries.length <= 12) || selected.length > 0}>
        <summary>${facet.label}${selected.length > 0 ? html` <span class="facet-active">(${selected.length})</span>` : null} <span class="facet-count">${entries.length}</span></summary>
        ${list}
      </details>`;
    })}
  </aside>`;
}

/**
 * The rows as CSV (formula-safe cells, hidden characters as markers) for a spreadsheet.
 * @template T
 * @param {TableConfig<T>} config
 * @param {readonly T[]} rows
 */
function toCsv(config, rows) {
  const line = (/** @type {string[]} */ cells) => cells.map((c) => csvCell(visibleString(c))).join(',');
  return [line(config.columns.map((c) => c.label)), ...rows.map((r) => line(config.columns.map((c) => c.text(r))))].join('\r\n');
}
