// @ts-check
/**
 * The dashboard's browser entry (`appwatch serve`): the report's page — tiles, tables, detail pane, deep links,
 * keyboard — over live data from the server's API, plus what only the dashboard has: the header with the
 * baseline, zoomable charts, bulk actions, the triage panel, suppressions with an impact preview, the triage log.
 * Four Preact roots share two stores: the live data (live.js) and the tables' views (app.js).
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
  if (!state.model) return null;
  return html`<${TilesRoot} model=${state.model} store=${views} extra=${html`<${SinceTiles} state=${state} views=${views} />`} />`;
}

/** @param {{ live: Live, views: Views }} props */
function ChartsLive({ live, views }) {
  const state = useStore(live.store);
  return state.model ? html`<${LiveCharts} model=${state.model} views=${views} />` : null;
}

/** In-page navigation without touching the hash (it names the open item). @param {string} id */
const jump = (id) => (/** @type {Event} */ e) => {
  e.preventDefault();
  document.getElementById(`section-${id}`)?.scrollIntoView({ block: 'start' });
};

/** @param {{ live: Live, views: Views }} props */
function AppLive({ live, views }) {
  const state = useStore(live.store);
  if (!state.model) return null;
  const suppressions = state.model.live?.suppressions.length ?? 0;
  /** @type {import('./app.js').LiveHooks} */
  const hooks = {
    selection: { keys: state.selected, onChange: (keys) => live.select(keys) },
    bulk: (rows) => html`<${BulkBar} live=${live} state=${state} rows=${rows} />`,
    triage: (item) => html`<${TriagePanel} key=${item.alert.id} live=${live} state=${state} item=${item} />`,
    nav: html`<a href="#" onClick=${jump('suppressions')}>Suppressions <span class="count">${suppressions}</span></a>
      <a href="#" onClick=${jump('triage-log')}>Triage log</a>
      ${state.message ? html`<span class=${`status status-${state.message.kind}`} role="status"><${Text} value=${state.message.text} />
        <button type="button" class="link-button status-close" aria-label="Dismiss" onClick=${() => live.say(null)}>✕</button></span>` : html`<span class="status" role="status"></span>`}`,
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
  setInterval(() => {
    const typing = document.activeElement?.closest('input, textarea, select, .suppress-form');
    if (document.visibilityState === 'visible' && !typing && !live.store.get().busy) void live.load();
  }, REFRESH_MS);
});
