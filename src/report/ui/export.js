// @ts-check
/**
 * The dashboard's export view: the alerts the alerts table's filters show (facets, search, time zoom, suppressed
 * or not), as a CSV file (formula-safe) or JSON Lines, downloaded from the server (GET /api/export/alerts.csv and
 * .jsonl). The address carries the filter; the server reads the store again and applies it with the same
 * functions the table uses (filter.ts), so the count shown here is the file's.
 */
import { useMemo } from 'preact/hooks';
import { html } from './html.js';
import { Text } from './text.js';
import { utc } from './data.js';
import { count } from './live.js';
import { useStore } from './store.js';
import { alertFacets, alertQueryParams, filterAlerts } from './filter.js';

/** @typedef {import('./live.js').LiveState} LiveState */
/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./view.js').View} View */
/** @typedef {import('./filter.js').AlertQuery} AlertQuery */

/**
 * The alerts table's view as an export filter (the baseline is the one the page's data was read against).
 * @param {View} view
 * @param {Model} model
 * @returns {AlertQuery}
 */
export function exportQuery(view, model) {
  /** @type {Record<string, string[]>} */
  const facets = {};
  for (const [id, values] of Object.entries(view.facets)) if (values.length > 0) facets[id] = values;
  return {
    search: view.search.trim(), facets, range: view.range ?? null, showSuppressed: view.showSuppressed,
    ...(model.live ? { baseline: model.live.baseline.at } : {}),
  };
}

/**
 * @param {AlertQuery} query
 * @param {'csv' | 'jsonl'} format
 */
export function exportHref(query, format) {
  const qs = new URLSearchParams(alertQueryParams(query)).toString();
  return `/api/export/alerts.${format}${qs ? `?${qs}` : ''}`;
}

/**
 * @param {{ state: LiveState, views: import('./store.js').Store<import('./app.js').Views> }} props
 */
export function ExportSection({ state, views }) {
  const all = useStore(views);
  const model = /** @type {Model} */ (state.model);
  const view = all.alerts;
  const query = useMemo(() => exportQuery(view, model), [view, model]);
  const rows = useMemo(() => filterAlerts(model.alerts, model, query), [model, query]);
  const labels = useMemo(() => new Map(alertFacets(model, 'alert').map((f) => [f.id, f.label])), [model]);
  const facets = Object.entries(query.facets);
  const filtered = facets.length > 0 || query.search !== '' || query.range;
  const suppressed = model.alerts.filter((r) => r.state === 'suppressed').length;
  return html`<section class="table-section" id="section-export" aria-labelledby="h-export">
    <h2 id="h-export">Export</h2>
    <p class="section-note">The alerts the alerts table shows, with its filters, as a file: CSV for a spreadsheet, JSON Lines for scripts. The server reads the store again when you download, and records the export (who, when, which filter) in the dashboard's log.</p>
    <div class="export-box">
      <div class="export-summary">
        <p><strong class="export-count" data-count=${rows.length}>${count(rows.length, 'alert')}</strong>${filtered ? ' match the alerts table\'s filters:' : ': every alert in the table, no filter.'}</p>
        ${filtered ? html`<ul class="export-filters">
          ${facets.map(([id, values]) => html`<li data-facet=${id}><span class="muted">${labels.get(id) ?? id}</span> ${values.map((v, i) => html`${i > 0 ? html`<span class="muted"> or </span>` : null}<span class="chip"><${Text} value=${v || '(none)'} max=${80} /></span>`)}</li>`)}
          ${query.search !== '' ? html`<li data-facet="search"><span class="muted">Search</span> <span class="chip"><${Text} value=${query.search} max=${80} /></span></li>` : null}
          ${query.range ? html`<li data-facet="time"><span class="muted">Time</span> ${utc(new Date(Math.ceil(query.range.from)).toISOString())} → ${utc(new Date(Math.ceil(query.range.to)).toISOString())}</li>` : null}
        </ul>` : null}
        <p class="muted">${suppressed === 0 ? 'No alert is suppressed.' : query.showSuppressed ? `The ${count(suppressed, 'suppressed alert')} are included where the filters match.` : `${count(suppressed, 'suppressed alert')} left out, as in the table (tick "Include ${suppressed} suppressed" there to add them).`}
          ${' '}Order: severity, then newest first.</p>
      </div>
      <div class="export-actions">
        <a class="button-link primary export-csv" href=${exportHref(query, 'csv')} download="" aria-disabled=${rows.length === 0 ? 'true' : undefined}>Download CSV</a>
        <a class="button-link export-jsonl" href=${exportHref(query, 'jsonl')} download="" aria-disabled=${rows.length === 0 ? 'true' : undefined}>Download JSON Lines</a>
      </div>
    </div>
    <dl class="export-formats">
      <div><dt>CSV</dt><dd>id, state, close reason, assignee and first seen, then the columns of <code>appwatch scan --format csv</code>. Every cell is quoted; a cell that a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe.</dd></div>
      <div><dt>JSON Lines</dt><dd>one alert a line: its triage facts (state, close reason, assignee, suppression, first seen, since the baseline) and the alert as <code>appwatch scan --format jsonl</code> writes it.</dd></div>
    </dl>
  </section>`;
}
