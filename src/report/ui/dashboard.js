// @ts-check
/**
 * The dashboard's browser entry (`appwatch serve`): the report's page — tiles, tables, detail pane, deep links,
 * keyboard — over live data from the server's API, plus what only the dashboard has: the header with the
 * baseline, zoomable charts, bulk actions, the triage panel, suppressions with an impact preview (and removal), the
 * export of the filtered alerts, the triage log. Four Preact roots share two stores: the live data (live.js) and
 * the tables' views (app.js). When the session ends (the server answers 401), the data goes from the page and the
 * header says how to sign in again.
 */
import { render } from 'preact';
import { html } from './html.js';
import { App, TilesRoot, createViews } from './app.js';
import { createLive } from './live.js';
import { useStore } from './store.js';
import { DashboardHeader, SinceTiles } from './dashboard-header.js';
import { LiveCharts } from './zoom-chart.js';
import { BulkBar } from './bulk.js';
import { TriagePanel } from './triage.js';
import { SuppressionsSection } from './suppress.js';
import { TriageLog } from './triage-log.js';
import { ExportSection } from './export.js';
import { Text } from './text.js';
import './report.css';
import './dashboard.css';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {ReturnType<typeof createViews>} Views */

/** Re-reads the store this often while the page is visible and nobody is typing. */
const REFRESH_MS = 60_000;

/** @param {{ live: Live }} props */
function HeaderRoot({ live }) {
  return html`<${DashboardHeader} live=${live} state=${useStore(live.store)} />`;
}

/** @param {{ live: Live, views: Views }} props */
function TilesLive({ live, views }) {
  const state = useStore(live.store);
  if (!state.model || state.signedOut) return null;
  return html`<${TilesRoot} model=${state.model} store=${views} extra=${html`<${SinceTiles} state=${state} views=${views} />`} />`;
}

/** @param {{ live: Live, views: Views }} props */
function ChartsLive({ live, views }) {
  const state = useStore(live.store);
  return state.model && !state.signedOut ? html`<${LiveCharts} model=${state.model} views=${views} />` : null;
}

/** In-page navigation without touching the hash (it names the open item). @param {string} id */
const jump = (id) => (/** @type {Event} */ e) => {
  e.preventDefault();
  document.getElementById(`section-${id}`)?.scrollIntoView({ block: 'start' });
};

/** @param {{ live: Live, views: Views }} props */
function AppLive({ live, views }) {
  const state = useStore(live.store);
  if (!state.model || state.signedOut) return null;
  const suppressions = state.model.live?.suppressions.length ?? 0;
  /** @type {import('./app.js').LiveHooks} */
  const hooks = {
    selection: { keys: state.selected, onChange: (keys) => live.select(keys) },
    bulk: (rows) => html`<${BulkBar} live=${live} state=${state} rows=${rows} />`,
    triage: (item) => html`<${TriagePanel} key=${item.alert.id} live=${live} state=${state} item=${item} />`,
    alertsToolbar: html`<button type="button" class="link-button act-export" title="Download the alerts these filters show (CSV, JSON Lines)" onClick=${jump('export')}>Export…</button>`,
    nav: html`<a href="#" onClick=${jump('export')}>Export</a>
      <a href="#" onClick=${jump('suppressions')}>Suppressions <span class="count">${suppressions}</span></a>
      <a href="#" onClick=${jump('triage-log')}>Triage log</a>
      ${state.message ? html`<span class=${`status status-${state.message.kind}`} role="status"><${Text} value=${state.message.text} />
        <button type="button" class="link-button status-close" aria-label="Dismiss" onClick=${() => live.say(null)}>✕</button></span>` : html`<span class="status" role="status"></span>`}`,
    afterAlerts: html`<${ExportSection} state=${state} views=${views} />`,
    sections: html`<${SuppressionsSection} live=${live} state=${state} /><${TriageLog} live=${live} state=${state} />`,
  };
  return html`<${App} model=${state.model} store=${views} live=${hooks} />`;
}

const live = createLive();
const header = document.getElementById('header');
if (header) {
  // Preact renders beside what is there: the shell's "Loading…" goes first.
  header.replaceChildren();
  render(html`<${HeaderRoot} live=${live} />`, header);
}
void live.load().then(() => {
  const model = live.store.get().model;
  if (!model) return;
  // Created once, from the first data and the address's deep link; later loads keep the person's filters.
  const views = createViews(model);
  const tiles = document.getElementById('tiles');
  const charts = document.getElementById('charts');
  const app = document.getElementById('app');
  if (tiles) render(html`<${TilesLive} live=${live} views=${views} />`, tiles);
  if (charts) render(html`<${ChartsLive} live=${live} views=${views} />`, charts);
  if (app) render(html`<${AppLive} live=${live} views=${views} />`, app);
  const refresh = () => {
    const typing = document.activeElement?.closest('input, textarea, select, .suppress-form');
    if (document.visibilityState === 'visible' && !typing && !live.store.get().busy) void live.load();
  };
  const timer = setInterval(refresh, REFRESH_MS);
  // Back to the tab: read now, so an ended session or new alerts show at once rather than within the minute.
  document.addEventListener('visibilitychange', refresh);
  const stop = live.store.subscribe(() => {
    if (!live.store.get().signedOut) return;
    clearInterval(timer);
    document.removeEventListener('visibilitychange', refresh);
    stop();
  });
});

// Once the session is over, the tab's title says so too (the page may be in a background tab).
const untitle = live.store.subscribe(() => {
  const ended = live.store.get().signedOut;
  if (!ended) return;
  document.title = `${ended.expired ? 'Session expired' : 'No session'} · appwatch dashboard`;
  untitle();
});
