/**
 * @module sinks/formats
 * Renders alerts as JSON Lines, CSV, OCSF 1.3 Detection Findings and a terminal table. Log content is
 * attacker-controlled: CSV cells that a spreadsheet would run as a formula are neutralised, and the table
 * shows control characters as escapes.
 */
import { inertLine } from '../cli/terminal.js';
import type { Alert } from '../alerts/types.js';

const sharedJson = new WeakMap<object, string>();

/** For objects that live long and are shared across many alerts (a rule's metadata). */
function jsonOnce(value: object): string {
  let text = sharedJson.get(value);
  if (text === undefined) sharedJson.set(value, (text = JSON.stringify(value)));
  return text;
}

/**
 * For objects shared by the alerts of one event (its entities, evidence, context): those alerts are written one
 * after another, so remembering the last object is enough, without a WeakMap entry per event for the GC to sweep.
 */
function jsonOfLast(): (value: object) => string {
  let last: object | undefined;
  let text = '';
  return (value) => {
    if (value !== last) {
      text = JSON.stringify(value);
      last = value;
    }
    return text;
  };
}
const entitiesJson = jsonOfLast();
const contextJson = jsonOfLast();
const evidenceJson = jsonOfLast();

/**
 * One alert as a JSON line: the same text as `JSON.stringify(alert)`, with the parts alerts share (a rule's
 * metadata and context; an event's entities and evidence) serialised once. Alerts are never mutated.
 */
export function alertJson(alert: Alert): string {
  return `{"id":${JSON.stringify(alert.id)},"time":${JSON.stringify(alert.time)},"detectedAt":${JSON.stringify(alert.detectedAt)},"severity":${JSON.stringify(alert.severity)},"rule":${jsonOnce(alert.rule)},"summary":${JSON.stringify(alert.summary)},"entities":${entitiesJson(alert.entities)},"context":${contextJson(alert.context)},"evidence":${evidenceJson(alert.evidence)},"fields":${JSON.stringify(alert.fields)}}`;
}

export const CSV_COLUMNS = [
  'time', 'severity', 'rule_id', 'rule_title', 'guide_rows', 'summary', 'application', 'app_id', 'actor', 'actor_ip', 'evidence_ids',
] as const;

/** A CSV cell, quoted, with formula triggers (`=`, `+`, `-`, `@`, tab, CR) neutralised by a leading quote. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvRow(alert: Alert): string {
  const app = alert.entities.application ?? alert.entities.servicePrincipal;
  const actor = alert.entities.actor;
  const cells = [
    alert.time,
    alert.severity,
    alert.rule.id,
    alert.rule.title,
    alert.rule.guideRows.join(' '),
    alert.summary,
    app?.displayName ?? '',
    app?.appId ?? '',
    actor?.userPrincipalName ?? actor?.displayName ?? actor?.appId ?? actor?.id ?? '',
    actor?.ip ?? '',
    alert.evidence.map((e) => e.id ?? '').filter(Boolean).join(' '),
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}

const OCSF_SEVERITY: Record<Alert['severity'], number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** OCSF 1.3 Detection Finding (class_uid 2004). */
export function ocsfFinding(alert: Alert, version: string): Record<string, unknown> {
  const times = alert.evidence.map((e) => Date.parse(e.time));
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    severity_id: OCSF_SEVERITY[alert.severity],
    severity: alert.severity.charAt(0).toUpperCase() + alert.severity.slice(1),
    status_id: 1,
    status: 'New',
    time: Date.parse(alert.detectedAt),
    message: alert.summary,
    metadata: {
      version: '1.3.0',
      product: { name: 'appwatch', vendor_name: 'appwatch', version },
      uid: alert.id,
    },
    finding_info: {
      uid: alert.id,
      title: alert.rule.title,
      analytic: { uid: alert.rule.id, name: alert.rule.title, type_id: 1, type: 'Rule' },
      first_seen_time: Math.min(...times),
      last_seen_time: Math.max(...times),
      types: alert.rule.tags,
      src_url: alert.rule.references[0],
    },
    resources: [alert.entities.application, alert.entities.servicePrincipal, alert.entities.keyVault, alert.entities.resource]
      .filter((r) => r !== undefined)
      .map((r) => ({ uid: r!.appId ?? r!.id, name: r!.displayName })),
    actor: alert.entities.actor
      ? { user: { uid: alert.entities.actor.id, name: alert.entities.actor.userPrincipalName ?? alert.entities.actor.displayName, type: alert.entities.actor.type } }
      : undefined,
    src_endpoint: alert.entities.actor?.ip ? { ip: alert.entities.actor.ip } : undefined,
    evidences: alert.evidence.map((e) => ({ data: { kind: e.kind, id: e.id, time: e.time, origin: e.origin } })),
    unmapped: { appwatch: { rule: alert.rule, entities: alert.entities, fields: alert.fields, context: alert.context } },
  };
}

function pad(text: string, width: number): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return t.padEnd(width);
}

/** A table for people, one alert a line; cells truncated unless `full`. */
export function renderTable(alerts: readonly Alert[], full: boolean): string {
  if (alerts.length === 0) return 'No alerts.\n';
  const rows = alerts.map((a) => [
    a.time.slice(0, 19).replace('T', ' '),
    a.severity,
    inertLine(a.rule.title),
    inertLine(a.summary),
  ]);
  const widths = full ? [19, 13, Math.max(...rows.map((r) => r[2]!.length)), Math.max(...rows.map((r) => r[3]!.length))] : [19, 13, 44, 100];
  const header = ['time (UTC)', 'severity', 'rule', 'summary'];
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
  return `${[line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}
