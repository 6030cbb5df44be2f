// @ts-check
/**
 * The report page: tiles, the tables (alerts, findings, applications, consent grants, suppressed), and the detail
 * pane, with the open item kept in the URL's hash (#alert/<id>, #finding/<id>, #app/<appId>).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { Table } from './table.js';
import { Tiles } from './tiles.js';
import { ThemeToggle } from './theme.js';
import { DetailPane } from './detail.js';
import { AlertDetail } from './alert-detail.js';
import { AppDetail } from './app-detail.js';
import { alertConfig, appConfig, consentConfig, suppressedConfig } from './configs.js';
import { applyView, emptyView, PAGE } from './view.js';
import { formatHash, parseHash } from './hash.js';
import { createStore, useStore } from './store.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./view.js').View} View */
/** @typedef {import('./hash.js').Selection} Selection */
/** @typedef {'alerts' | 'findings' | 'apps' | 'consent' | 'suppressed'} TableId */
/** @typedef {Selection & { list: TableId }} Open */

const LIST_OF_KIND = /** @type {const} */ ({ alert: 'alerts', finding: 'findings', app: 'apps' });

/**
 * @param {Model} model
 * @param {Selection | null} s
 * @returns {Open | null}
 */
function resolve(model, s) {
  if (!s) return null;
  if (s.kind === 'app') return model.appsById.has(s.id.toLowerCase()) ? { ...s, id: /** @type {any} */ (model.appsById.get(s.id.toLowerCase())).appId, list: 'apps' } : null;
  const item = (s.kind === 'alert' ? model.alertsById : model.findingsById).get(s.id);
  if (!item) return null;
  return { ...s, list: LIST_OF_KIND[s.kind] };
}

/** @typedef {Record<TableId, View>} Views */

/**
 * The tables' views, shared with the tiles; a deep link to a suppressed item shows suppressed items in its table,
 * so the item is there to step from.
 * @param {Model} model
 * @returns {import('./store.js').Store<Views>}
 */
export function createViews(model) {
  /** @type {Views} */
  const v = { alerts: emptyView(), findings: emptyView(), apps: emptyView(), consent: emptyView(), suppressed: emptyView() };
  const initial = resolve(model, parseHash(location.hash));
  if (initial && initial.kind !== 'app' && isSuppressed(model, initial)) v[initial.list] = { ...v[initial.list], showSuppressed: true };
  return createStore(v);
}

/**
 * The tiles, in their own root above the charts; a click filters a table and scrolls to it (keeping the
 * dashboard's time zoom, which the chart above shows).
 * @param {{ model: Model, store: import('./store.js').Store<Views>, extra?: any }} props
 */
export function TilesRoot({ model, store, extra }) {
  const views = useStore(store);
  /** @param {import('./tiles.js').TileFilter} f */
  const onTile = (f) => {
    const id = /** @type {TableId} */ (f.table);
    const view = views[id];
    const same = (view.facets[f.facet] ?? []).join('\u0000') === f.values.join('\u0000');
    store.set((all) => ({ ...all, [id]: { ...emptyView(), showSuppressed: view.showSuppressed, range: view.range ?? null, facets: same ? {} : { [f.facet]: f.values } } }));
    document.getElementById(`section-${id}`)?.scrollIntoView({ block: 'start' });
  };
  return html`<${Tiles} model=${model} views=${views} onTile=${onTile} extra=${extra} onSuppressed=${() => document.getElementById('section-suppressed')?.scrollIntoView({ block: 'start' })} />`;
}

/**
 * What the dashboard adds to the report's page; the report passes none of it.
 * @typedef {object} LiveHooks
 * @property {import('./table.js').Selection} [selection]  checkboxes on the alerts table
 * @property {(rows: import('./data.js').ReportAlert[]) => any} [bulk]  the bulk bar for the alerts the filters show
 * @property {(item: import('./data.js').ReportAlert) => any} [triage]  the triage panel in an alert's detail
 * @property {any} [alertsToolbar]  more controls in the alerts table's toolbar (the export link)
 * @property {any} [afterAlerts]  a section right after the alerts table (the export view)
 * @property {any} [nav]  more links in the section navigation
 * @property {any} [sections]  more sections after the tables
 */

/** @param {{ model: Model, store: import('./store.js').Store<Views>, live?: LiveHooks }} props */
export function App({ model, store, live }) {
  const configs = useMemo(() => ({
    alerts: alertConfig(model, 'alert'), findings: alertConfig(model, 'finding'), apps: appConfig(model),
    consent: consentConfig(model), suppressed: suppressedConfig(model),
  }), [model]);
  const consentRows = useMemo(() => model.consent.map((r, i) => ({ ...r, key: String(i) })), [model]);
  const suppressedRows = useMemo(() => [
    ...model.alerts.filter((r) => r.state === 'suppressed').map((r) => ({ kind: /** @type {const} */ ('alert'), r })),
    ...model.findings.filter((r) => r.state === 'suppressed').map((r) => ({ kind: /** @type {const} */ ('finding'), r })),
  ], [model]);

  const initial = useMemo(() => resolve(model, parseHash(location.hash)), [model]);
  const [open, setOpen] = useState(/** @type {Open | null} */ (initial));
  const views = useStore(store);
  const first = useRef(true);
  /** @param {TableId} id @param {View} view */
  const setView = (id, view) => store.set((all) => ({ ...all, [id]: view }));

  // The model is fixed in the report; the dashboard replaces it on each refresh, so everything depends on it.
  const items = {
    alerts: useMemo(() => (views.alerts.showSuppressed ? model.alerts : model.alerts.filter((r) => r.state !== 'suppressed')), [model, views.alerts.showSuppressed]),
    findings: useMemo(() => (views.findings.showSuppressed ? model.findings : model.findings.filter((r) => r.state !== 'suppressed')), [model, views.findings.showSuppressed]),
  };
  const rows = {
    alerts: useMemo(() => applyView(items.alerts, configs.alerts, views.alerts), [items.alerts, configs, views.alerts]),
    findings: useMemo(() => applyView(items.findings, configs.findings, views.findings), [items.findings, configs, views.findings]),
    apps: useMemo(() => applyView(model.apps, configs.apps, views.apps), [configs, views.apps]),
    consent: useMemo(() => applyView(consentRows, configs.consent, views.consent), [consentRows, views.consent]),
    suppressed: useMemo(() => applyView(suppressedRows, configs.suppressed, views.suppressed), [suppressedRows, views.suppressed]),
  };
  /**
   * Pivot: show only the alerts sharing this value (an app, actor or IP from the detail pane), in the alerts table.
   * @param {string} facet @param {string} value
   */
  const pivot = (facet, value) => {
    store.set((all) => ({ ...all, alerts: { ...emptyView(), showSuppressed: all.alerts.showSuppressed, range: all.alerts.range ?? null, facets: { [facet]: [value] } } }));
    document.getElementById('section-alerts')?.scrollIntoView({ block: 'start' });
  };

  /** The keys of the list the open item steps through, in the table's order. */
  const navKeys = (/** @type {Open} */ o) => {
    if (o.list === 'suppressed') return rows.suppressed.map((x) => `${x.kind}:${x.r.alert.id}`);
    if (o.list === 'apps') return rows.apps.map((a) => a.appId);
    return (o.list === 'alerts' ? rows.alerts : rows.findings).map((r) => r.alert.id);
  };
  const keyOf = (/** @type {Open} */ o) => (o.list === 'suppressed' ? `${o.kind}:${o.id}` : o.id);
  const keys = open ? navKeys(open) : [];
  const index = open ? keys.indexOf(keyOf(open)) : -1;

  /** @param {TableId} list @param {string} key */
  const openKey = (list, key) => {
    if (list === 'suppressed') {
      const [kind, ...id] = key.split(':');
      setOpen({ kind: kind === 'finding' ? 'finding' : 'alert', id: id.join(':'), list });
    } else if (list === 'apps') setOpen({ kind: 'app', id: key, list });
    else if (list === 'alerts' || list === 'findings') setOpen({ kind: list === 'alerts' ? 'alert' : 'finding', id: key, list });
  };
  /** @param {number} delta */
  const step = (delta) => {
    if (!open || keys.length === 0) return;
    const next = index === -1 ? 0 : (index + delta + keys.length) % keys.length;
    const view = views[open.list];
    // Stepping past the rows drawn so far draws more, so the open item's row is always on the page.
    if (next >= view.limit) setView(open.list, { ...view, limit: next + PAGE });
    openKey(open.list, /** @type {string} */ (keys[next]));
  };
  const close = () => {
    const was = open;
    setOpen(null);
    // Back to the row it was opened from (it is on the page already), so the keyboard carries on from there.
    if (was) rowOf(was.list, keyOf(was))?.focus({ preventScroll: true });
  };

  // The hash follows the open item (replaceState: stepping through items should not fill the history).
  useEffect(() => {
    const url = location.href.split('#')[0] ?? '';
    history.replaceState(null, '', open ? `${url}${formatHash(open)}` : url);
    // A deep link centres its row; stepping keeps the row just in view.
    if (open) rowOf(open.list, keyOf(open))?.scrollIntoView({ block: first.current ? 'center' : 'nearest' });
    first.current = false;
  }, [open?.kind, open?.id, open?.list]);

  useEffect(() => {
    // The event's own URL, not location.hash: the effect above may replaceState before this handler runs (closing
    // an item clears the hash), and reading location then would lose the item the user just linked to.
    /** @param {HashChangeEvent} e */
    const onHash = (e) => {
      const o = resolve(model, parseHash(new URL(e.newURL).hash));
      if (o && o.kind !== 'app' && isSuppressed(model, o)) store.set((all) => ({ ...all, [o.list]: { ...all[o.list], showSuppressed: true } }));
      setOpen(o);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [model]);

  // The key handler reads this render's state through a ref set during render: an effect re-registered after
  // paint would leave a window in which a fast second key press steps from the previous item.
  /** @type {{ current: (e: KeyboardEvent) => void }} */
  const keyHandler = useRef(/** @param {KeyboardEvent} _e */ (_e) => {});
  keyHandler.current = (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target instanceof HTMLElement ? e.target : null;
      if (target?.closest('input, textarea, select')) {
        if (e.key === 'Escape') target.blur();
        return;
      }
      if (e.key === '/') {
        e.preventDefault();
        const search = document.querySelector('input.search');
        if (search instanceof HTMLInputElement) search.focus();
        return;
      }
      if (!open) return;
      if (e.key === 'Escape') close();
      else if (e.key === 'j' || e.key === 'ArrowDown' || e.key === 'ArrowRight') step(1);
      else if (e.key === 'k' || e.key === 'ArrowUp' || e.key === 'ArrowLeft') step(-1);
      else return;
      e.preventDefault();
  };
  useEffect(() => {
    /** @param {KeyboardEvent} e */
    const onKey = (e) => keyHandler.current(e);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const counts = {
    alerts: model.alerts.length, findings: model.findings.length, apps: model.apps.length, consent: model.consent.length, suppressed: suppressedRows.length,
  };
  const showAlerts = model.data.kind !== 'posture' || counts.alerts > 0;
  const showFindings = counts.findings > 0 || model.data.kind === 'posture';
  const selectedIn = (/** @type {TableId} */ list) => (open && open.list === list ? keyOf(open) : undefined);
  /** @param {'alerts' | 'findings'} id */
  const suppressedToggle = (id) => {
    const n = (id === 'alerts' ? model.alerts : model.findings).filter((r) => r.state === 'suppressed').length;
    return n === 0 ? null : html`<label class="toggle"><input type="checkbox" checked=${views[id].showSuppressed}
      onChange=${() => setView(id, { ...views[id], showSuppressed: !views[id].showSuppressed })} /> Include ${n} suppressed</label>`;
  };

  return html`<div class=${`report${open ? ' has-detail' : ''}`}>
    <nav class="sections-nav" aria-label="Sections">
      ${showAlerts ? html`<a href="#" onClick=${jump('alerts')}>Alerts <span class="count">${counts.alerts - suppressedCount(model.alerts)}</span></a>` : null}
      ${showFindings ? html`<a href="#" onClick=${jump('findings')}>Findings <span class="count">${counts.findings - suppressedCount(model.findings)}</span></a>` : null}
      ${counts.apps > 0 ? html`<a href="#" onClick=${jump('apps')}>Applications <span class="count">${counts.apps}</span></a>` : null}
      ${counts.consent > 0 ? html`<a href="#" onClick=${jump('consent')}>Consent grants <span class="count">${counts.consent}</span></a>` : null}
      <a href="#" onClick=${jump('suppressed')}>Suppressed <span class="count">${counts.suppressed}</span></a>
      <span class="toolbar-spacer"></span>
      <span class="keys-hint" title="Keyboard: / search, ↑↓ rows, Enter open, j/k or arrows previous/next, Esc close">/ search · Enter open · j/k step · Esc close</span>
      ${live?.nav}
      <${ThemeToggle} />
    </nav>
    ${showAlerts ? html`<section class="table-section" id="section-alerts" aria-labelledby="h-alerts">
      <h2 id="h-alerts">Alerts</h2>
      <${Table} config=${configs.alerts} items=${items.alerts} rows=${rows.alerts} view=${views.alerts} onView=${(/** @type {View} */ v) => setView('alerts', v)}
        selected=${selectedIn('alerts')} onOpen=${(/** @type {string} */ k) => openKey('alerts', k)} toolbar=${[suppressedToggle('alerts'), live?.alertsToolbar ?? null]}
        selection=${live?.selection} above=${live?.bulk?.(rows.alerts)} />
    </section>` : null}
    ${showAlerts ? live?.afterAlerts : null}
    ${showFindings ? html`<section class="table-section" id="section-findings" aria-labelledby="h-findings">
      <h2 id="h-findings">Posture findings</h2>
      <${Table} config=${configs.findings} items=${items.findings} rows=${rows.findings} view=${views.findings} onView=${(/** @type {View} */ v) => setView('findings', v)}
        selected=${selectedIn('findings')} onOpen=${(/** @type {string} */ k) => openKey('findings', k)} toolbar=${suppressedToggle('findings')} />
    </section>` : null}
    ${counts.apps > 0 ? html`<section class="table-section" id="section-apps" aria-labelledby="h-apps">
      <h2 id="h-apps">Applications</h2>
      <${Table} config=${configs.apps} items=${model.apps} rows=${rows.apps} view=${views.apps} onView=${(/** @type {View} */ v) => setView('apps', v)}
        selected=${selectedIn('apps')} onOpen=${(/** @type {string} */ k) => openKey('apps', k)} />
    </section>` : null}
    ${counts.consent > 0 ? html`<section class="table-section" id="section-consent" aria-labelledby="h-consent">
      <h2 id="h-consent">Consent grants</h2>
      <p class="section-note">Every permission granted to an application: delegated (each scope of each grant) and application (each app role held), with appwatch's privilege class.</p>
      <${Table} config=${configs.consent} items=${consentRows} rows=${rows.consent} view=${views.consent} onView=${(/** @type {View} */ v) => setView('consent', v)}
        selected=${undefined} onOpen=${undefined} />
    </section>` : null}
    <section class="table-section" id="section-suppressed" aria-labelledby="h-suppressed">
      <h2 id="h-suppressed">Suppressed and muted <span class="count" data-count="suppressed">${counts.suppressed}</span></h2>
      <p class="section-note">Alerts and findings a suppression or mute covers: counted here and left out of the tiles, charts and tables above (each table can include them), never dropped.</p>
      <${Table} config=${configs.suppressed} items=${suppressedRows} rows=${rows.suppressed} view=${views.suppressed} onView=${(/** @type {View} */ v) => setView('suppressed', v)}
        selected=${selectedIn('suppressed')} onOpen=${(/** @type {string} */ k) => openKey('suppressed', k)} />
    </section>
    ${live?.sections}
    ${open ? html`<${Detail} model=${model} open=${open} position=${index + 1} total=${keys.length} onPrev=${() => step(-1)} onNext=${() => step(1)} onClose=${close}
      onOpen=${(/** @type {'alert' | 'finding' | 'app'} */ kind, /** @type {string} */ id) => setOpen(resolve(model, { kind, id }))} onPivot=${pivot} triage=${live?.triage} />` : null}
  </div>`;
}

/**
 * @param {{ model: Model, open: Open, position: number, total: number, onPrev: () => void, onNext: () => void, onClose: () => void, onOpen: (kind: 'alert' | 'finding' | 'app', id: string) => void,
 *   onPivot: (facet: string, value: string) => void, triage?: LiveHooks['triage'] }} props
 */
function Detail({ model, open, position, total, onPrev, onNext, onClose, onOpen, onPivot, triage }) {
  const label = open.kind === 'app' ? 'Application' : open.kind === 'alert' ? 'Alert' : 'Finding';
  let body = null;
  if (open.kind === 'app') {
    const app = model.appsById.get(open.id.toLowerCase());
    if (app) body = html`<${AppDetail} model=${model} app=${app} onOpen=${onOpen} />`;
  } else {
    const item = (open.kind === 'alert' ? model.alertsById : model.findingsById).get(open.id);
    if (item) body = html`<${AlertDetail} model=${model} item=${item} noun=${open.kind} onOpenApp=${(/** @type {string} */ appId) => onOpen('app', appId)}
      onPivot=${open.kind === 'alert' ? onPivot : undefined} extra=${open.kind === 'alert' ? triage?.(item) : null} />`;
  }
  return html`<${DetailPane} label=${label} position=${position} total=${total} onPrev=${onPrev} onNext=${onNext} onClose=${onClose} itemKey=${`${open.kind}/${open.id}`}>${body}</${DetailPane}>`;
}

/** @param {Model} model @param {Open} o */
const isSuppressed = (model, o) => (o.kind === 'alert' ? model.alertsById : model.findingsById).get(o.id)?.state === 'suppressed';

/** @param {import('./data.js').ReportAlert[]} items */
const suppressedCount = (items) => items.filter((r) => r.state === 'suppressed').length;

/** @param {string} list @param {string} key */
function rowOf(list, key) {
  const section = document.getElementById(`section-${list}`);
  for (const row of section?.querySelectorAll('tbody tr') ?? []) if (row instanceof HTMLElement && row.dataset.key === key) return row;
  return undefined;
}

/** In-page navigation without touching the hash (it names the open item). @param {string} id */
const jump = (id) => (/** @type {Event} */ e) => {
  e.preventDefault();
  document.getElementById(`section-${id}`)?.scrollIntoView({ block: 'start' });
};
