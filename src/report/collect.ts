/**
 * @module report/collect
 * What a scan keeps for its HTML report while events stream past: each application's timeline (bounded, so a
 * 2 GB scan stays flat in memory: the cut is reported as a gap), and for each alert the record it came from and
 * the properties that record changed (old → new) for the detail pane.
 */
import type { Alert } from '../alerts/types.js';
import type { CanonicalEvent } from '../model/event.js';
import type { ReportAlert, ReportGap, ReportTimelineEntry } from './model.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const MAX_VALUE = 2000;

export interface CollectorLimits { perApp: number; total: number }

function what(event: CanonicalEvent): string {
  const kind = event.appwatch.kind;
  if (kind === 'audit') return str(event.activityDisplayName) ?? 'audit event';
  if (kind === 'signin') {
    const types = Array.isArray(event.signInEventTypes) ? (event.signInEventTypes as string[]).join(', ') : 'sign-in';
    const protocol = str(event.authenticationProtocol);
    return `sign-in (${types}${protocol && protocol !== 'none' ? `, ${protocol}` : ''})`;
  }
  return str(event.operationName) ?? `${kind} event`;
}

function actorOf(event: CanonicalEvent): string | undefined {
  const by = event.initiatedBy as { user?: Json | null; app?: Json | null } | undefined;
  return str(by?.user?.userPrincipalName) ?? str(by?.app?.displayName) ?? str(event.userPrincipalName) ?? str(event.servicePrincipalName)
    ?? event.appwatch.caller?.upn ?? event.appwatch.caller?.appId;
}

function resultOf(event: CanonicalEvent): string | undefined {
  const status = event.status as { errorCode?: unknown; failureReason?: unknown } | undefined;
  if (status && typeof status === 'object') return status.errorCode === 0 ? 'success' : `failure ${String(status.errorCode ?? '')}${str(status.failureReason) ? `: ${str(status.failureReason)}` : ''}`;
  return str(event.result) ?? str(event.resultType) ?? str(event.resultSignature);
}

/** An event's identity as alert evidence names it: its id, else its correlation id. */
const evidenceKey = (event: CanonicalEvent): string | undefined => str(event.id) ?? str(event.correlationId);

const cut = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}… (${text.length} characters)` : text;
};

/** Modified properties of an audit record's targets, old → new. */
export function changesOf(event: CanonicalEvent): ReportAlert['changes'] {
  const targets = Array.isArray(event.targetResources) ? (event.targetResources as Json[]) : [];
  const changes = targets.flatMap((t) => (Array.isArray(t?.modifiedProperties) ? (t.modifiedProperties as Json[]) : []))
    .map((p) => ({ name: String(p.displayName ?? ''), oldValue: cut(p.oldValue), newValue: cut(p.newValue) }));
  return changes.length > 0 ? changes : undefined;
}

export class ReportCollector {
  private readonly timelines = new Map<string, (ReportTimelineEntry & { key?: string })[]>();
  private readonly details = new Map<string, { raw: unknown; changes?: ReportAlert['changes'] }>();
  private entries = 0;
  private dropped = 0;

  constructor(private readonly limits: CollectorLimits = { perApp: 500, total: 50_000 }) {}

  /** Events after the pipeline has enriched them (appwatch.appId is known), with the alerts they raised. */
  observe(events: readonly CanonicalEvent[], alerts: readonly Alert[]): void {
    const byKey = new Map<string, CanonicalEvent>();
    for (const event of events) {
      const key = evidenceKey(event);
      if (key) byKey.set(key, event);
      const appId = typeof event.appwatch.appId === 'string' ? event.appwatch.appId.toLowerCase() : undefined;
      if (!appId) continue;
      const line = this.timelines.get(appId) ?? [];
      if (line.length >= this.limits.perApp || this.entries >= this.limits.total) {
        this.dropped++;
        continue;
      }
      const actor = actorOf(event);
      const result = resultOf(event);
      line.push({ time: event.appwatch.time, kind: event.appwatch.kind === 'event' ? 'activity' : event.appwatch.kind, what: what(event), ...(actor ? { actor } : {}), ...(result ? { result } : {}), alertIds: [], ...(key ? { key } : {}) });
      this.timelines.set(appId, line);
      this.entries++;
    }
    for (const alert of alerts) {
      const first = alert.evidence.find((e) => e.id && byKey.has(e.id));
      const event = first?.id ? byKey.get(first.id) : undefined;
      if (!event) continue;
      const changes = changesOf(event);
      this.details.set(alert.id, { raw: event, ...(changes ? { changes } : {}) });
    }
  }

  /** The alerts with their records, and the timelines with each entry's alerts overlaid. */
  finish(alerts: readonly Alert[]): { alerts: ReportAlert[]; timelines: Record<string, ReportTimelineEntry[]>; gaps: ReportGap[] } {
    const alertsByKey = new Map<string, Alert[]>();
    for (const alert of alerts) for (const e of alert.evidence) if (e.id) alertsByKey.set(e.id, [...(alertsByKey.get(e.id) ?? []), alert]);
    const rank = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
    const timelines: Record<string, ReportTimelineEntry[]> = {};
    for (const [appId, line] of this.timelines) {
      timelines[appId] = line.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)).map(({ key, ...entry }) => {
        const hits = key ? alertsByKey.get(key) ?? [] : [];
        const worst = hits.reduce<Alert | undefined>((w, a) => (!w || rank[a.severity] > rank[w.severity] ? a : w), undefined);
        return { ...entry, alertIds: hits.map((a) => a.id), ...(worst ? { severity: worst.severity } : {}) };
      });
    }
    return {
      alerts: alerts.map((alert) => {
        const d = this.details.get(alert.id);
        return { alert, state: 'new' as const, ...(d ? { raw: d.raw, ...(d.changes ? { changes: d.changes } : {}) } : {}) };
      }),
      timelines,
      gaps: this.dropped > 0 ? [{ source: 'timelines', kind: 'truncated', message: `${this.dropped.toLocaleString('en-US')} events left out of the application timelines (at most ${this.limits.perApp} per application and ${this.limits.total.toLocaleString('en-US')} in all); alerts are complete` }] : [],
    };
  }
}
