// @ts-check
/**
 * Tiles: alerts and findings by severity (and status, when triage states are in the report), applications at
 * risk, suppressed items. A tile filters its table when clicked, and shows as pressed while its filter is on.
 */
import { html } from './html.js';
import { AT_RISK, credentialFlags } from './data.js';
import { SEVERITY_ORDER } from '../charts.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./view.js').View} View */
/** @typedef {{ table: string, facet: string, values: string[] }} TileFilter */

/**
 * @param {{ model: Model, views: Record<string, View>, onTile: (f: TileFilter) => void, onSuppressed: () => void, extra?: any }} props
 */
export function Tiles({ model, views, onTile, onSuppressed, extra }) {
  const open = (/** @type {import('./data.js').ReportAlert[]} */ items) => items.filter((r) => r.state !== 'suppressed');
  const alerts = open(model.alerts);
  const findings = open(model.findings);
  const suppressed = model.alerts.length + model.findings.length - alerts.length - findings.length;
  /** @param {TileFilter} f */
  const pressed = (f) => {
    const sel = views[f.table]?.facets[f.facet] ?? [];
    return sel.length === f.values.length && f.values.every((v) => sel.includes(v));
  };
  /** @param {{ label: string, count: number, filter?: TileFilter, tone?: string, onClick?: () => void, hint?: string }} t */
  const tile = (t) => html`<button type="button" class=${`tile${t.tone ? ` tile-${t.tone}` : ''}${t.count === 0 ? ' tile-zero' : ''}`}
      aria-pressed=${t.filter ? pressed(t.filter) : undefined} title=${t.hint ?? (t.filter ? `Show only these in the table below` : '')}
      data-tile=${t.filter ? `${t.filter.table}:${t.filter.facet}:${t.filter.values.join('+')}` : t.label}
      onClick=${t.onClick ?? (() => t.filter && onTile(t.filter))}>
    <span class="tile-count">${t.count}</span><span class="tile-label">${t.label.charAt(0).toUpperCase()}${t.label.slice(1)}</span>
  </button>`;
  const states = (/** @type {import('./data.js').ReportAlert[]} */ items, /** @type {string} */ table) => {
    const present = [...new Set(items.map((r) => r.state))];
    if (present.length < 2 && !(present.length === 1 && present[0] !== 'new')) return null;
    return ['new', 'acknowledged', 'resolved'].filter((s) => present.includes(/** @type {any} */ (s)))
      .map((s) => tile({ label: s, count: items.filter((r) => r.state === s).length, filter: { table, facet: 'state', values: [s] }, tone: `state-${s}` }));
  };
  const bySeverity = (/** @type {import('./data.js').ReportAlert[]} */ items, /** @type {string} */ table) => SEVERITY_ORDER.map((s) => tile({
    label: s, count: items.filter((r) => r.alert.severity === s).length, filter: { table, facet: 'severity', values: [s] }, tone: `sev-${s}`,
  }));
  const apps = model.apps;
  const showAlerts = model.data.kind !== 'posture' || model.alerts.length > 0;
  const showFindings = model.findings.length > 0 || model.data.kind === 'posture';
  return html`<section class="tiles" aria-label="Summary">
    ${extra}
    ${showAlerts ? html`<div class="tile-group" data-group="alerts"><h2 class="tile-heading">Alerts <span class="muted">${alerts.length}</span></h2><div class="tile-row">${bySeverity(alerts, 'alerts')}${states(alerts, 'alerts')}</div></div>` : null}
    ${showFindings ? html`<div class="tile-group" data-group="findings"><h2 class="tile-heading">Findings <span class="muted">${findings.length}</span></h2><div class="tile-row">${bySeverity(findings, 'findings')}${states(findings, 'findings')}</div></div>` : null}
    ${apps.length > 0 ? html`<div class="tile-group" data-group="apps"><h2 class="tile-heading">Applications <span class="muted">${apps.length}</span></h2><div class="tile-row">
      ${tile({ label: 'at risk', count: apps.filter((a) => a.risk >= AT_RISK).length, filter: { table: 'apps', facet: 'risk', values: ['at risk'] }, tone: 'risk', hint: `Risk ${AT_RISK} or more` })}
      ${tile({ label: 'critical or high permissions', count: apps.filter((a) => a.permissionTier === 'critical' || a.permissionTier === 'high').length, filter: { table: 'apps', facet: 'tier', values: ['critical', 'high'] } })}
      ${tile({ label: 'with alerts', count: apps.filter((a) => a.openAlerts > 0).length, filter: { table: 'apps', facet: 'flag', values: ['has alerts'] } })}
      ${tile({ label: 'credential expiring ≤ 30 d', count: apps.filter((a) => credentialFlags(a, model.now).includes('expires within 30 days')).length, filter: { table: 'apps', facet: 'flag', values: ['expires within 30 days'] } })}
    </div></div>` : null}
    <div class="tile-group" data-group="suppressed"><h2 class="tile-heading">Suppressed</h2><div class="tile-row">
      ${tile({ label: 'suppressed or muted', count: suppressed, tone: 'suppressed', onClick: onSuppressed, hint: 'Counted apart, never dropped: see the Suppressed section' })}
    </div></div>
  </section>`;
}
