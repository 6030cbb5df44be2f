/**
 * @module report/model
 * What the HTML report shows, as one JSON-serialisable object: built by `scan --report`, `posture --report` and
 * `appwatch report` (from the store), written into the page as an escaped JSON island and read by the report's
 * script. Every string in it may be attacker-controlled (log content); the page renders them as text only.
 */
import type { Alert } from '../alerts/types.js';
import type { Severity } from '../model/severity.js';
import type { ConsentRow } from '../posture/consent-report.js';

export interface ReportData {
  version: 1;
  generator: { name: 'appwatch'; version: string; rulePack: { rules: number; sha256: string } };
  /** How the report was made: 'scan', 'posture' or 'store'. */
  kind: 'scan' | 'posture' | 'store';
  generatedAt: string;
  tenant?: { id?: string; name?: string };
  /** The time window the events span (first and last event time), or the snapshot's collection time. */
  window?: { from: string; to: string };
  /** What was read: files with their format and counts, Graph sources, the snapshot. */
  sources: ReportSource[];
  /** Data gaps stated plainly: not licensed, no data, throttled, truncated, skipped records. */
  gaps: ReportGap[];
  /** Alerts from the logs, each with its triage state when the report comes from the store. */
  alerts: ReportAlert[];
  /** Posture findings (alert shape, rule.source "posture"). */
  findings: ReportAlert[];
  /** The application inventory, when a snapshot was given. */
  applications: ReportApplication[];
  /** The consent grant report rows, when a snapshot was given. */
  consent: ConsentRow[];
  /** Per application (by appId), its events in time order, when logs were read: the timeline. */
  timelines: Record<string, ReportTimelineEntry[]>;
  /** What to look for and how to fix, per rule id (from the rule's description and the guide's rows). */
  guidance: Record<string, { description?: string; lookFor?: string; fix?: string; references: string[] }>;
}

export interface ReportSource { kind: 'file' | 'graph' | 'snapshot' | 'store'; name: string; format?: string; events?: number; skipped?: number; note?: string }

export interface ReportGap { source: string; kind: 'not-licensed' | 'no-data' | 'throttled' | 'truncated' | 'skipped' | 'forbidden' | 'other'; message: string }

export type TriageState = 'new' | 'acknowledged' | 'resolved' | 'suppressed';

export interface ReportAlert {
  alert: Alert;
  /** Triage state (store reports); scan and posture alerts are 'new'. */
  state: TriageState;
  /** Why it is suppressed or muted (shown apart, counted, never dropped). */
  suppressedBy?: string;
  /** The first evidence record as read (raw), for the detail pane; absent when not kept. */
  raw?: unknown;
  /** Modified properties of the audit record, old → new, for the diff view. */
  changes?: { name: string; oldValue: string | null; newValue: string | null }[];
}

export interface ReportApplication {
  appId: string;
  objectId?: string;
  servicePrincipalId?: string;
  displayName: string;
  /** Highest class of what it holds: critical | high | medium | low | none. */
  permissionTier: 'critical' | 'high' | 'medium' | 'low' | 'none';
  permissions: { value: string; type: 'Application' | 'Delegated'; class: string; consentType?: string }[];
  credentials: { type: 'password' | 'certificate' | 'federated'; displayName?: string; keyId?: string; start?: string; end?: string; lifetimeDays?: number }[];
  nearestExpiry?: string;
  longestLifetimeDays?: number;
  owners: { id: string; displayName?: string; userPrincipalName?: string; type: string }[];
  signInAudience?: string;
  multiTenant: boolean;
  firstParty: boolean;
  openAlerts: number;
  findings: number;
  /** 0–100, from tier, findings and open alerts (explained in `riskReasons`). */
  risk: number;
  riskReasons: string[];
}

export interface ReportTimelineEntry { time: string; kind: 'audit' | 'signin' | 'keyvault' | 'activity'; what: string; actor?: string; result?: string; alertIds: string[]; severity?: Severity }
