// @ts-check
/**
 * The dashboard's header (the report's writer renders its header on the server; here the data is live): tenant,
 * store, time window, who is triaging, when the data was read, the baseline for new / still open / fixed, and the
 * data gaps stated plainly. Also the tiles for new / still open / fixed since the baseline.
 */
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Name, Text } from './text.js';
import { utc } from './data.js';
import { emptyView } from './view.js';
import { SINCE_LABELS } from './configs.js';
import { useStore } from './store.js';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {import('./live.js').LiveState} LiveState */

const GAP_LABEL = /** @type {Record<string, string>} */ ({
  'not-licensed': 'Not licensed', 'no-data': 'No data', throttled: 'Throttled', truncated: 'Truncated', skipped: 'Skipped records', forbidden: 'Forbidden', other: 'Gap',
});

/** @param {{ live: Live, state: LiveState }} props */
export function DashboardHeader({ live, state }) {
  const model = state.model;
  if (state.signedOut) return html`<${SessionEnded} why=${state.signedOut} />`;
  if (!model) {
    return html`<header class="report-header"><h1>appwatch dashboard</h1>
      ${state.error ? html`<p class="load-error">The alert store could not be read: <${Text} value=${state.error} /></p>` : html`<p class="muted">Loading…</p>`}</header>`;
  }
  const d = model.data;
  const l = model.live;
  const tenant = d.tenant?.name || d.tenant?.id;
  return html`<header class="report-header dashboard-header">
    <h1>appwatch dashboard${tenant ? html` <span class="tenant name"><${Text} value=${tenant} /></span>` : null}</h1>
    <dl class="facts">
      <div><dt>Alert store</dt><dd><code><${Text} value=${l?.store ?? ''} /></code></dd></div>
      <div><dt>Time window</dt><dd>${d.window ? `${utc(d.window.from)} → ${utc(d.window.to)}` : html`<span class="muted">no alerts yet</span>`}</dd></div>
      <div><dt>Triaging as</dt><dd><${Name} value=${l?.user} />${state.session?.idleMinutes ? html`<div class="muted session-limits">session ends after ${hours(state.session.idleMinutes)} without activity${state.session.lifetimeMinutes ? `, ${hours(state.session.lifetimeMinutes)} at most` : ''}</div>` : null}</dd></div>
      <div><dt>Read</dt><dd><span class="loaded-at">${utc(state.loadedAt ?? undefined)}</span> <button type="button" class="refresh" disabled=${state.busy} onClick=${() => live.load()}>Refresh</button></dd></div>
      <div><dt>appwatch</dt><dd>${d.generator.version} · ${d.generator.rulePack.rules} rules</dd></div>
    </dl>
    <${Baseline} live=${live} state=${state} />
    ${d.gaps.length > 0 ? html`<div class="gaps" role="note"><h3>Data gaps (${d.gaps.length})</h3><p>What watch could not see; absence of alerts there means nothing.</p>
      <ul>${d.gaps.map((g) => html`<li><span class="gap-kind">${GAP_LABEL[g.kind] ?? 'Gap'}</span> <span class="name"><${Text} value=${g.source} /></span>: <${Text} value=${g.message} /></li>`)}</ul></div>` : null}
  </header>`;
}

/** @param {number} minutes */
const hours = (minutes) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

/**
 * What the page shows once the session is over (the server answered 401): no data, and how to get back in.
 * @param {{ why: { message: string, expired: boolean } }} props
 */
function SessionEnded({ why }) {
  return html`<header class="report-header dashboard-header">
    <h1>appwatch dashboard</h1>
    <div class="session-ended" role="alert" data-expired=${why.expired ? 'true' : 'false'}>
      <h2>${why.expired ? 'Session expired' : 'No session'}</h2>
      <p class="session-ended-what"><strong>${why.expired ? 'Session expired' : 'Not signed in'} — open the link printed by appwatch serve again.</strong></p>
      <p>It is the address with <code>?token=…</code> on the terminal where <code>appwatch serve</code> runs; opening it starts a new session. The alerts were cleared from this page.</p>
      <p class="muted">The server said: <${Text} value=${why.message} />.</p>
    </div>
  </header>`;
}

/**
 * The baseline T for new / still open / fixed: the person's previous visit (the default), a day or a week ago, or
 * a time they choose (in their local time).
 * @param {{ live: Live, state: LiveState }} props
 */
function Baseline({ live, state }) {
  const l = state.model?.live;
  const [choice, setChoice] = useState(state.since ? 'custom' : 'default');
  const [custom, setCustom] = useState('');
  if (!l) return null;
  const defaultLabel = l.previousVisit ? `your last visit (${utc(l.previousVisit)})` : '24 hours ago (first visit)';
  /** @param {string} value */
  const pick = (value) => {
    setChoice(value);
    if (value === 'default') void live.setSince(null);
    else if (value === '24h' || value === '7d') void live.setSince(new Date(Date.now() - (value === '24h' ? 1 : 7) * 86_400_000).toISOString());
  };
  const applyCustom = () => {
    const t = Date.parse(custom);
    if (Number.isFinite(t)) void live.setSince(new Date(t).toISOString());
    else live.say({ text: 'Choose a date and time first.', kind: 'error' });
  };
  return html`<div class="baseline" role="group" aria-label="Baseline for new, still open and fixed">
    <label class="inline-label">New, still open and fixed since
      <select class="baseline-select" value=${choice} onChange=${(/** @type {any} */ e) => pick(e.currentTarget.value)}>
        <option value="default">${defaultLabel}</option>
        <option value="24h">24 hours ago</option>
        <option value="7d">7 days ago</option>
        <option value="custom">a time you choose…</option>
      </select></label>
    ${choice === 'custom' ? html`<input type="datetime-local" class="baseline-input" aria-label="Baseline (your local time)" value=${custom}
        onInput=${(/** @type {any} */ e) => setCustom(e.currentTarget.value)} /> <button type="button" class="baseline-apply" onClick=${applyCustom}>Apply</button>` : null}
    <span class="muted baseline-at">= ${utc(l.baseline.at)}</span>
  </div>`;
}

/**
 * Tiles: new, still open and fixed since the baseline; a click shows them in the alerts table (fixed ones include
 * suppressed alerts, so the table includes those for it).
 * @param {{ state: LiveState, views: import('./store.js').Store<Record<string, import('./view.js').View>> }} props
 */
export function SinceTiles({ state, views }) {
  const model = state.model;
  const all = useStore(views);
  if (!model?.live) return null;
  const counts = { new: 0, open: 0, fixed: 0 };
  for (const a of Object.values(model.live.alerts)) if (a.since) counts[a.since] += 1;
  const current = all.alerts?.facets.since ?? [];
  /** @param {'new' | 'open' | 'fixed'} k */
  const onClick = (k) => {
    const value = SINCE_LABELS[k];
    const same = current.length === 1 && current[0] === value;
    views.set((v) => ({ ...v, alerts: { ...emptyView(), range: v.alerts?.range ?? null, showSuppressed: k === 'fixed' || Boolean(v.alerts?.showSuppressed), facets: /** @type {Record<string, string[]>} */ (same ? {} : { since: [value] }) } }));
    document.getElementById('section-alerts')?.scrollIntoView({ block: 'start' });
  };
  const hints = { new: 'Recorded after the baseline', open: 'Recorded before the baseline and still open', fixed: 'Recorded before the baseline, resolved or suppressed since' };
  return html`<div class="tile-group" data-group="since"><h2 class="tile-heading">Since ${utc(model.live.baseline.at)}</h2><div class="tile-row">
    ${(/** @type {const} */ (['new', 'open', 'fixed'])).map((k) => html`<button type="button" class=${`tile tile-since-${k}${counts[k] === 0 ? ' tile-zero' : ''}`} data-tile=${`since:${k}`}
      aria-pressed=${current.length === 1 && current[0] === SINCE_LABELS[k]} title=${hints[k]} onClick=${() => onClick(k)}>
      <span class="tile-count">${counts[k]}</span><span class="tile-label">${SINCE_LABELS[k].charAt(0).toUpperCase()}${SINCE_LABELS[k].slice(1)}</span></button>`)}
  </div></div>`;
}
