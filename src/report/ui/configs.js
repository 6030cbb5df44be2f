// @ts-check
/**
 * What each table shows: columns, facets, search text and default order, for alerts, findings, applications and
 * consent grants.
 */
import { html } from './html.js';
import { Name, SeverityBadge, StateBadge, Text } from './text.js';
import { actorOf, appNameOf, credentialFlags, liveOf, riskBand, utc, utcShort } from './data.js';
import { findingCategory, SEVERITY_ORDER, severityRankOf } from '../charts.js';
import { alertFacets, alertHaystack, alertTime, bySeverityThenTime, closeReasonLabel, SINCE_LABELS, STATES } from './filter.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./data.js').ReportAlert} ReportAlert */
/** @typedef {import('./data.js').ReportApplication} ReportApplication */
/** @typedef {import('./data.js').ConsentRow} ConsentRow */

// The alerts table's facets and search, and these labels, are shared with the dashboard's server (filter.ts).
export { bySeverityThenTime, CLOSE_REASON_LABELS, closeReasonLabel, SINCE_LABELS } from './filter.js';
const TIERS = ['critical', 'high', 'medium', 'low', 'none'];
const PRIVILEGES = ['critical', 'high', 'medium', 'low'];

/** @param {...(string | undefined | null)} parts */
const hay = (...parts) => parts.filter(Boolean).join('\u0000').toLowerCase();

/**
 * @param {Model} model
 * @param {'alert' | 'finding'} noun
 * @returns {import('./view.js').TableConfig<ReportAlert>}
 */
export function alertConfig(model, noun) {
  // The dashboard's triage facts: assignee column, close reason beside the state, and facets for them.
  const live = noun === 'alert' && model.live !== undefined;
  const assignee = (/** @type {ReportAlert} */ r) => liveOf(model, r)?.assignee ?? '';
  const reason = (/** @type {ReportAlert} */ r) => closeReasonLabel(liveOf(model, r)?.closeReason);
  const since = (/** @type {ReportAlert} */ r) => {
    const s = liveOf(model, r)?.since;
    return s ? SINCE_LABELS[s] : '';
  };
  return {
    id: `${noun}s`, noun,
    key: (r) => r.alert.id,
    haystack: alertHaystack(model),
    defaultOrder: bySeverityThenTime,
    time: alertTime,
    columns: [
      { id: 'severity', label: 'Severity', width: '96', sortValue: (r) => -severityRankOf(r.alert.severity), text: (r) => r.alert.severity, render: (r) => html`<${SeverityBadge} severity=${r.alert.severity} />` },
      { id: 'time', label: 'Time (UTC)', width: live ? '146' : '150', sortValue: (r) => r.alert.time, text: (r) => utc(r.alert.time), render: (r) => html`<time datetime=${r.alert.time} title=${utc(r.alert.time)}>${utcShort(r.alert.time)}</time>` },
      // The dashboard's extra columns (checkbox, assignee) come out of the rule's share, so names keep their room.
      { id: 'rule', label: noun === 'finding' ? 'Check and summary' : 'Rule and summary', width: live ? '26%' : '40%', sortValue: (r) => r.alert.rule.title.toLowerCase(), text: (r) => r.alert.rule.title,
        render: (r) => html`<div class="cell-title"><${Text} value=${r.alert.rule.title} /></div><div class="cell-sub"><${Text} value=${r.alert.summary} max=${300} /></div>` },
      { id: 'app', label: 'Application', sortValue: (r) => appNameOf(r, model).toLowerCase(), text: (r) => appNameOf(r, model), render: (r) => html`<${Name} value=${appNameOf(r, model)} fallback="—" max=${60} />` },
      ...(noun === 'alert'
        ? [{ id: 'actor', label: 'Actor', sortValue: (/** @type {ReportAlert} */ r) => actorOf(r).toLowerCase(), text: actorOf, render: (/** @type {ReportAlert} */ r) => html`<${Name} value=${actorOf(r)} fallback="—" max=${60} />` }]
        : [{ id: 'category', label: 'Category', width: '150', sortValue: (/** @type {ReportAlert} */ r) => findingCategory(r.alert), text: (/** @type {ReportAlert} */ r) => findingCategory(r.alert) }]),
      { id: 'summary', label: 'Summary', csvOnly: true, sortValue: (r) => r.alert.summary, text: (r) => r.alert.summary },
      ...(live ? [{ id: 'assignee', label: 'Assignee', width: '100', sortValue: (/** @type {ReportAlert} */ r) => assignee(r).toLowerCase() || '\uffff', text: assignee, render: (/** @type {ReportAlert} */ r) => html`<${Name} value=${assignee(r)} fallback="—" max=${40} />` }] : []),
      { id: 'state', label: 'Status', width: live ? '120' : '110', sortValue: (r) => STATES.indexOf(r.state), text: (r) => (live && reason(r) ? `${r.state} (${reason(r)})` : r.state),
        render: (r) => html`<${StateBadge} state=${r.state} />${live && reason(r) ? html` <span class="close-reason">${reason(r)}</span>` : null}${live && since(r) === 'new' ? html` <span class="chip chip-new" title="Recorded after the baseline">new</span>` : null}` },
    ],
    facets: alertFacets(model, noun),
  };
}

/**
 * @param {Model} model
 * @returns {import('./view.js').TableConfig<ReportApplication>}
 */
export function appConfig(model) {
  const flags = (/** @type {ReportApplication} */ a) => [
    ...(a.multiTenant ? ['multi-tenant'] : []), ...(a.firstParty ? ['Microsoft first-party'] : []),
    ...(a.openAlerts > 0 ? ['has alerts'] : []), ...(a.findings > 0 ? ['has findings'] : []),
    ...(a.owners.length === 0 ? ['no owners'] : []), ...credentialFlags(a, model.now),
  ];
  return {
    id: 'apps', noun: 'application',
    key: (a) => a.appId,
    haystack: (a) => hay(a.displayName, a.appId, a.objectId, a.servicePrincipalId, a.signInAudience, ...a.owners.map((o) => `${o.displayName ?? ''} ${o.userPrincipalName ?? ''}`), ...a.permissions.map((p) => p.value), ...a.riskReasons),
    defaultOrder: (a, b) => b.risk - a.risk || TIERS.indexOf(a.permissionTier) - TIERS.indexOf(b.permissionTier) || a.displayName.localeCompare(b.displayName),
    columns: [
      { id: 'name', label: 'Application', sortValue: (a) => a.displayName.toLowerCase(), text: (a) => a.displayName, render: (a) => html`<${Name} value=${a.displayName} max=${60} />${a.firstParty ? html` <span class="chip">first-party</span>` : null}${a.multiTenant ? html` <span class="chip">multi-tenant</span>` : null}` },
      { id: 'risk', label: 'Risk', width: '64', numeric: true, sortValue: (a) => a.risk, text: (a) => String(a.risk), render: (a) => html`<span class=${`risk risk-${riskBand(a.risk).replace(' ', '-')}`}>${a.risk}</span>` },
      { id: 'tier', label: 'Permission tier', width: '112', sortValue: (a) => -TIERS.indexOf(a.permissionTier), text: (a) => a.permissionTier, render: (a) => html`<span class=${`tier tier-${a.permissionTier}`}>${a.permissionTier}</span>` },
      { id: 'credentials', label: 'Credentials', width: '96', numeric: true, sortValue: (a) => a.credentials.length, text: (a) => String(a.credentials.length) },
      { id: 'expiry', label: 'Nearest expiry', width: '108', sortValue: (a) => a.nearestExpiry ?? '9999', text: (a) => (a.nearestExpiry ?? '').slice(0, 10) },
      { id: 'lifetime', label: 'Longest lifetime', width: '96', numeric: true, sortValue: (a) => a.longestLifetimeDays ?? -1, text: (a) => (a.longestLifetimeDays !== undefined ? `${a.longestLifetimeDays} d` : ''), render: (a) => (a.longestLifetimeDays !== undefined ? html`<span class=${a.longestLifetimeDays > 365 ? 'warn-text' : ''}>${a.longestLifetimeDays} d</span>` : null) },
      { id: 'owners', label: 'Owners', width: '76', numeric: true, sortValue: (a) => a.owners.length, text: (a) => String(a.owners.length) },
      { id: 'consent', label: 'Permissions', width: '100', numeric: true, sortValue: (a) => a.permissions.length, text: (a) => String(a.permissions.length) },
      { id: 'alerts', label: 'Open alerts', width: '80', numeric: true, sortValue: (a) => a.openAlerts, text: (a) => String(a.openAlerts), render: (a) => (a.openAlerts > 0 ? html`<strong>${a.openAlerts}</strong>` : '0') },
      { id: 'findings', label: 'Findings', width: '80', numeric: true, sortValue: (a) => a.findings, text: (a) => String(a.findings) },
    ],
    facets: [
      { id: 'risk', label: 'Risk', values: (a) => [riskBand(a.risk)], order: ['at risk', 'elevated', 'low'] },
      { id: 'tier', label: 'Permission tier', values: (a) => [a.permissionTier], order: TIERS },
      { id: 'flag', label: 'Flags', values: flags },
      { id: 'credential', label: 'Credential type', values: (a) => (a.credentials.length > 0 ? a.credentials.map((c) => c.type) : ['none']) },
      { id: 'audience', label: 'Sign-in audience', values: (a) => [a.signInAudience ?? 'unknown'] },
    ],
  };
}

/**
 * @param {Model} _model
 * @returns {import('./view.js').TableConfig<ConsentRow & { key: string }>}
 */
export function consentConfig(_model) {
  return {
    id: 'consent', noun: 'grant',
    key: (r) => r.key,
    haystack: (r) => hay(r.ClientDisplayName, r.ClientObjectId, r.ResourceDisplayName, r.Permission, r.PrincipalDisplayName, r.PrincipalObjectId, r.PrivilegeReason),
    defaultOrder: (a, b) => PRIVILEGES.indexOf(a.Privilege) - PRIVILEGES.indexOf(b.Privilege) || a.ClientDisplayName.localeCompare(b.ClientDisplayName) || a.Permission.localeCompare(b.Permission),
    columns: [
      { id: 'privilege', label: 'Privilege', width: '100', sortValue: (r) => -PRIVILEGES.indexOf(r.Privilege), text: (r) => r.Privilege, render: (r) => html`<span class=${`tier tier-${/^[a-z]+$/.test(r.Privilege) ? r.Privilege : 'none'}`}>${r.Privilege}</span>` },
      { id: 'client', label: 'Client', sortValue: (r) => r.ClientDisplayName.toLowerCase(), text: (r) => r.ClientDisplayName, render: (r) => html`<${Name} value=${r.ClientDisplayName} fallback=${r.ClientObjectId} max=${50} />` },
      { id: 'type', label: 'Type', width: '110', sortValue: (r) => r.PermissionType, text: (r) => r.PermissionType },
      { id: 'resource', label: 'Resource', sortValue: (r) => r.ResourceDisplayName.toLowerCase(), text: (r) => r.ResourceDisplayName, render: (r) => html`<${Name} value=${r.ResourceDisplayName} fallback=${r.ResourceObjectId} max=${40} />` },
      { id: 'permission', label: 'Permission', sortValue: (r) => r.Permission, text: (r) => r.Permission, render: (r) => html`<code><${Text} value=${r.Permission} /></code>` },
      { id: 'consentType', label: 'Consent', width: '130', sortValue: (r) => r.ConsentType, text: (r) => r.ConsentType },
      { id: 'principal', label: 'Principal', sortValue: (r) => r.PrincipalDisplayName.toLowerCase(), text: (r) => r.PrincipalDisplayName, render: (r) => html`<${Name} value=${r.PrincipalDisplayName} fallback=${r.PrincipalObjectId || '—'} max=${40} />` },
      { id: 'reason', label: 'Why', sortValue: (r) => r.PrivilegeReason, text: (r) => r.PrivilegeReason, render: (r) => html`<${Text} value=${r.PrivilegeReason} max=${120} />` },
    ],
    facets: [
      { id: 'privilege', label: 'Privilege', values: (r) => [r.Privilege], order: PRIVILEGES },
      { id: 'type', label: 'Permission type', values: (r) => [r.PermissionType] },
      { id: 'consentType', label: 'Consent type', values: (r) => [r.ConsentType || 'none'] },
      { id: 'resource', label: 'Resource', values: (r) => [r.ResourceDisplayName] },
      { id: 'client', label: 'Client', values: (r) => [r.ClientDisplayName] },
    ],
  };
}

/** @typedef {{ kind: 'alert' | 'finding', r: ReportAlert }} SuppressedRow */

/**
 * Suppressed and muted alerts and findings, together, with why.
 * @param {Model} model
 * @returns {import('./view.js').TableConfig<SuppressedRow>}
 */
export function suppressedConfig(model) {
  return {
    id: 'suppressed', noun: 'suppressed item',
    key: (x) => `${x.kind}:${x.r.alert.id}`,
    haystack: (x) => hay(x.r.alert.summary, x.r.alert.rule.title, appNameOf(x.r, model), actorOf(x.r), x.r.suppressedBy, x.r.alert.id),
    defaultOrder: (a, b) => bySeverityThenTime(a.r, b.r),
    columns: [
      { id: 'severity', label: 'Severity', width: '96', sortValue: (x) => -severityRankOf(x.r.alert.severity), text: (x) => x.r.alert.severity, render: (x) => html`<${SeverityBadge} severity=${x.r.alert.severity} />` },
      { id: 'kind', label: 'Kind', width: '90', sortValue: (x) => x.kind, text: (x) => x.kind },
      { id: 'time', label: 'Time (UTC)', width: '150', sortValue: (x) => x.r.alert.time, text: (x) => utc(x.r.alert.time), render: (x) => html`<time datetime=${x.r.alert.time}>${utcShort(x.r.alert.time)}</time>` },
      { id: 'rule', label: 'Rule or check', sortValue: (x) => x.r.alert.rule.title.toLowerCase(), text: (x) => x.r.alert.rule.title, render: (x) => html`<${Text} value=${x.r.alert.rule.title} />` },
      { id: 'app', label: 'Application', sortValue: (x) => appNameOf(x.r, model).toLowerCase(), text: (x) => appNameOf(x.r, model), render: (x) => html`<${Name} value=${appNameOf(x.r, model)} fallback="—" max=${60} />` },
      { id: 'by', label: 'Suppressed by', sortValue: (x) => x.r.suppressedBy ?? '', text: (x) => x.r.suppressedBy ?? '', render: (x) => (x.r.suppressedBy ? html`<${Text} value=${x.r.suppressedBy} max=${120} />` : html`<span class="muted">no reason recorded</span>`) },
    ],
    facets: [
      { id: 'kind', label: 'Kind', values: (x) => [x.kind] },
      { id: 'severity', label: 'Severity', values: (x) => [x.r.alert.severity], order: [...SEVERITY_ORDER] },
      { id: 'by', label: 'Suppressed by', values: (x) => [x.r.suppressedBy ?? 'no reason recorded'] },
    ],
  };
}
