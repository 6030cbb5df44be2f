// @ts-check
/**
 * The page's data: ReportData from the JSON island (read with JSON.parse, never evaluated), checked for shape so a
 * hand-edited or older file degrades to empty sections instead of a blank page, and indexed for the views.
 */

/** @typedef {import('../model.js').ReportData} ReportData */
/** @typedef {import('../model.js').ReportAlert} ReportAlert */
/** @typedef {import('../model.js').ReportApplication} ReportApplication */
/** @typedef {import('../model.js').ReportTimelineEntry} ReportTimelineEntry */
/** @typedef {import('../../posture/consent-report.js').ConsentRow} ConsentRow */

/**
 * @typedef {object} Model
 * @property {ReportData} data
 * @property {Record<string, string>} guide  guide row → title
 * @property {ReportAlert[]} alerts
 * @property {ReportAlert[]} findings
 * @property {ReportApplication[]} apps
 * @property {ConsentRow[]} consent
 * @property {Map<string, ReportApplication>} appsById  by lower-case appId
 * @property {Map<string, ReportApplication>} appsBySp  by lower-case service principal id
 * @property {Map<string, ReportAlert>} alertsById
 * @property {Map<string, ReportAlert>} findingsById
 * @property {number} now  the report's time (generatedAt), for "expires in"
 * @property {LiveData} [live]  the dashboard's triage facts (assignee, close reason, baseline); absent in the report
 */

/** @typedef {import('../../serve/data.js').DashboardData['live']} LiveData */
/** @typedef {import('../../serve/data.js').LiveAlert} LiveAlert */

import { appIndex } from './filter.js';

// Which app and actor an alert is about: shared with the dashboard's server (filter.ts), so its exports match.
export { actorOf, appIdOf, appNameOf, appOf, ipOf } from './filter.js';

/** @param {unknown} v */
const array = (v) => (Array.isArray(v) ? v : []);
/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @param {Document} doc
 * @returns {Model}
 */
export function loadModel(doc) {
  const raw = JSON.parse(doc.getElementById('data')?.textContent ?? 'null');
  const guideRaw = JSON.parse(doc.getElementById('guide-rows')?.textContent ?? '{}');
  return buildModel(raw, isObject(guideRaw) ? guideRaw : {});
}

/** @param {unknown} v @returns {v is ReportAlert} */
const isReportAlert = (v) => isObject(v) && isObject(v.alert) && typeof v.alert.id === 'string' && isObject(v.alert.rule);

/**
 * @param {unknown} raw
 * @param {Record<string, string>} guide
 * @param {LiveData} [live]  the dashboard's facts beside the report data
 * @returns {Model}
 */
export function buildModel(raw, guide, live) {
  const d = isObject(raw) ? raw : {};
  /** @type {ReportData} */
  const data = /** @type {any} */ ({
    ...d,
    sources: array(d.sources), gaps: array(d.gaps),
    alerts: array(d.alerts).filter(isReportAlert).map(normalise),
    findings: array(d.findings).filter(isReportAlert).map(normalise),
    applications: array(d.applications).filter((a) => isObject(a) && typeof a.appId === 'string').map(normaliseApp),
    consent: array(d.consent).filter(isObject),
    timelines: isObject(d.timelines) ? d.timelines : {},
    guidance: isObject(d.guidance) ? d.guidance : {},
  });
  const { appsById, appsBySp } = appIndex(data.applications);
  const generated = Date.parse(String(d.generatedAt ?? ''));
  return {
    data, guide,
    alerts: data.alerts, findings: data.findings, apps: data.applications, consent: data.consent,
    appsById, appsBySp,
    alertsById: new Map(data.alerts.map((a) => [a.alert.id, a])),
    findingsById: new Map(data.findings.map((a) => [a.alert.id, a])),
    now: Number.isFinite(generated) ? generated : Date.now(),
    ...(live && isObject(live) ? { live: { ...live, alerts: isObject(live.alerts) ? live.alerts : {}, suppressions: array(live.suppressions) } } : {}),
  };
}

/**
 * The dashboard's facts of an alert (undefined in the report).
 * @param {Model} model
 * @param {ReportAlert} r
 * @returns {LiveAlert | undefined}
 */
export const liveOf = (model, r) => model.live?.alerts[r.alert.id];

/**
 * Fills the arrays an alert is expected to have, so components need not guard each one.
 * @param {ReportAlert} r
 * @returns {ReportAlert}
 */
function normalise(r) {
  const a = r.alert;
  const rule = { ...a.rule, references: array(a.rule.references), tags: array(a.rule.tags), guideRows: array(a.rule.guideRows), repairs: array(a.rule.repairs) };
  const alert = {
    ...a, rule,
    summary: String(a.summary ?? ''),
    entities: isObject(a.entities) ? a.entities : {},
    context: { flags: array(a.context?.flags), severityReasons: array(a.context?.severityReasons) },
    evidence: array(a.evidence),
    fields: isObject(a.fields) ? a.fields : {},
  };
  return { ...r, alert, state: r.state ?? 'new', changes: array(r.changes) };
}

/** @param {any} a @returns {ReportApplication} */
function normaliseApp(a) {
  return { ...a, displayName: String(a.displayName ?? a.appId), permissions: array(a.permissions), credentials: array(a.credentials), owners: array(a.owners), riskReasons: array(a.riskReasons), risk: Number(a.risk) || 0, openAlerts: Number(a.openAlerts) || 0, findings: Number(a.findings) || 0 };
}

/**
 * Alerts or findings about an application.
 * @param {readonly ReportAlert[]} items
 * @param {ReportApplication} app
 */
export function itemsOfApp(items, app) {
  const appId = app.appId.toLowerCase();
  const spId = app.servicePrincipalId?.toLowerCase();
  return items.filter((r) => {
    const e = r.alert.entities;
    return [e.application?.appId, e.servicePrincipal?.appId].some((x) => x?.toLowerCase() === appId)
      || (spId !== undefined && [e.servicePrincipal?.id, e.application?.id].some((x) => x?.toLowerCase() === spId));
  });
}

/** Apps whose risk is at least this are "at risk" (the tile and the risk facet). */
export const AT_RISK = 50;

/** @param {number} risk */
export const riskBand = (risk) => (risk >= AT_RISK ? 'at risk' : risk >= 20 ? 'elevated' : 'low');

const DAY = 86_400_000;

/**
 * Credential facts for the inventory: expired, expiring within 30 days, valid over a year.
 * @param {ReportApplication} app
 * @param {number} now
 */
export function credentialFlags(app, now) {
  /** @type {string[]} */
  const flags = [];
  const ends = app.credentials.map((c) => Date.parse(c.end ?? '')).filter((t) => Number.isFinite(t));
  if (ends.some((t) => t < now)) flags.push('expired credential');
  if (ends.some((t) => t >= now && t - now <= 30 * DAY)) flags.push('expires within 30 days');
  if ((app.longestLifetimeDays ?? 0) > 365) flags.push('credential valid over a year');
  return flags;
}

/** @param {string | undefined} iso */
export const utc = (iso) => (iso ? iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC') : '');

/** Date and minute, for table cells (the column says UTC). @param {string | undefined} iso */
export const utcShort = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) : '');

/** @param {string | undefined} iso @param {number} now */
export function daysFrom(iso, now) {
  const t = Date.parse(iso ?? '');
  return Number.isFinite(t) ? Math.round((t - now) / DAY) : undefined;
}
