// @ts-check
/**
 * An application's detail: risk and why, ids and Entra links, credentials, owners, permissions, its alerts and
 * findings, and its timeline with alerts overlaid.
 */
import { html } from './html.js';
import { Part } from './detail.js';
import { EntraLink, Name, SeverityBadge, Text } from './text.js';
import { credentialFlags, daysFrom, itemsOfApp, riskBand, utc } from './data.js';
import { bySeverityThenTime } from './configs.js';
import { Timeline } from './timeline.js';
import { entraAppLink, entraEnterpriseAppLink } from '../text.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./data.js').ReportApplication} ReportApplication */
/** @typedef {import('./data.js').ReportAlert} ReportAlert */

/**
 * @param {{ model: Model, app: ReportApplication, onOpen: (kind: 'alert' | 'finding', id: string) => void }} props
 */
export function AppDetail({ model, app, onOpen }) {
  const alerts = itemsOfApp(model.alerts, app).sort(bySeverityThenTime);
  const findings = itemsOfApp(model.findings, app).sort(bySeverityThenTime);
  const timeline = model.data.timelines[app.appId] ?? model.data.timelines[app.appId.toLowerCase()] ?? [];
  const flags = credentialFlags(app, model.now);
  return html`<article class="app-detail">
    <h2 class="detail-title"><${Name} value=${app.displayName} /></h2>
    <p class="detail-meta">
      <span class=${`risk risk-${riskBand(app.risk).replace(' ', '-')}`}>risk ${app.risk}</span>
      <span class=${`tier tier-${app.permissionTier}`}>${app.permissionTier} permissions</span>
      ${app.multiTenant ? html`<span class="chip">multi-tenant</span>` : null}
      ${app.firstParty ? html`<span class="chip">Microsoft first-party</span>` : null}
      ${flags.map((f) => html`<span class="chip chip-warn">${f}</span>`)}
    </p>
    <${Part} title="Why this risk" when=${app.riskReasons.length > 0}><ul>${app.riskReasons.map((r) => html`<li><${Text} value=${r} /></li>`)}</ul></${Part}>
    <${Part} title="Identifiers">
      <dl class="kv">
        <div><dt>appId</dt><dd><code><${Text} value=${app.appId} /></code></dd></div>
        ${app.objectId ? html`<div><dt>Application object</dt><dd><code><${Text} value=${app.objectId} /></code></dd></div>` : null}
        ${app.servicePrincipalId ? html`<div><dt>Service principal</dt><dd><code><${Text} value=${app.servicePrincipalId} /></code></dd></div>` : null}
        ${app.signInAudience ? html`<div><dt>Sign-in audience</dt><dd><${Text} value=${app.signInAudience} /></dd></div>` : null}
      </dl>
      <p class="links">
        <${EntraLink} href=${app.objectId ? entraAppLink(app.appId) : undefined} label="App registration in Entra" />
        <${EntraLink} href=${entraEnterpriseAppLink(app.servicePrincipalId, app.appId)} label="Enterprise application in Entra" />
      </p>
    </${Part}>
    <${Part} title=${`Alerts (${alerts.length}) and findings (${findings.length})`} when=${alerts.length + findings.length > 0}>
      <ul class="item-list">${[...alerts.map((r) => /** @type {const} */ (['alert', r])), ...findings.map((r) => /** @type {const} */ (['finding', r]))].map(([kind, r]) => html`<li>
        <button type="button" class="link-button" onClick=${() => onOpen(kind, r.alert.id)}><${SeverityBadge} severity=${r.alert.severity} /> ${kind}: <${Text} value=${r.alert.rule.title} /></button>
        <span class="muted"> ${utc(r.alert.time)}${r.state !== 'new' ? ` · ${r.state}` : ''}</span></li>`)}</ul>
    </${Part}>
    <${Part} title=${`Credentials (${app.credentials.length})`}>
      ${app.credentials.length === 0 ? html`<p class="muted">None.</p>` : html`<table class="mini"><thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">Start</th><th scope="col">End</th><th scope="col" class="num">Lifetime</th></tr></thead>
      <tbody>${app.credentials.map((c) => {
        const days = daysFrom(c.end, model.now);
        return html`<tr><td>${c.type}</td><td><${Name} value=${c.displayName} fallback=${c.keyId ?? ''} /></td><td>${(c.start ?? '').slice(0, 10)}</td>
          <td class=${days !== undefined && days < 0 ? 'warn-text' : days !== undefined && days <= 30 ? 'warn-text' : ''}>${(c.end ?? '').slice(0, 10)}${days !== undefined ? html` <span class="muted">(${days < 0 ? `expired ${-days} d ago` : `in ${days} d`})</span>` : null}</td>
          <td class=${`num${(c.lifetimeDays ?? 0) > 365 ? ' warn-text' : ''}`}>${c.lifetimeDays !== undefined ? `${c.lifetimeDays} d` : ''}</td></tr>`;
      })}</tbody></table>`}
      ${app.nearestExpiry || app.longestLifetimeDays !== undefined ? html`<p class="muted">Nearest expiry ${app.nearestExpiry ? utc(app.nearestExpiry) : '—'}; longest lifetime ${app.longestLifetimeDays ?? '—'} days.</p>` : null}
    </${Part}>
    <${Part} title=${`Owners (${app.owners.length})`}>
      ${app.owners.length === 0 ? html`<p class="muted">No owners recorded.</p>` : html`<ul>${app.owners.map((o) => html`<li><${Name} value=${o.displayName ?? o.userPrincipalName} fallback=${o.id} />
        ${o.userPrincipalName && o.displayName ? html` <span class="muted"><${Text} value=${o.userPrincipalName} /></span>` : null} <span class="chip">${o.type}</span></li>`)}</ul>`}
    </${Part}>
    <${Part} title=${`Permissions and consent (${app.permissions.length})`}>
      ${app.permissions.length === 0 ? html`<p class="muted">None granted.</p>` : html`<table class="mini"><thead><tr><th scope="col">Permission</th><th scope="col">Type</th><th scope="col">Class</th><th scope="col">Consent</th></tr></thead>
      <tbody>${app.permissions.map((p) => html`<tr><td><code><${Text} value=${p.value} /></code></td><td>${p.type}</td><td><span class=${`tier tier-${/^[a-z]+$/.test(p.class) ? p.class : 'none'}`}>${p.class}</span></td><td><${Text} value=${p.consentType ?? ''} /></td></tr>`)}</tbody></table>`}
    </${Part}>
    <${Part} title=${`Timeline (${timeline.length} events)`} when=${timeline.length > 0}>
      <${Timeline} model=${model} entries=${timeline} onOpen=${onOpen} />
    </${Part}>
  </article>`;
}
