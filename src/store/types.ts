/**
 * @module store/types
 * The durable store behind `appwatch watch` (issue 7): alerts with triage state, suppressions, source checkpoints,
 * engine state (correlation windows, baselines) and the delivery outbox. One interface, several implementations
 * (SQLite now, PostgreSQL later), all held to one contract test suite (tests/store/contract.ts).
 *
 * Crash safety rests on `commitBatch`: the alerts a batch of events raised, the checkpoint after those events, the
 * engine state and the outbox entries are written in ONE transaction. A crash before it re-reads the same events
 * (same alert ids, deduplicated); a crash after it resumes past them. Delivery then works from the outbox.
 */
import type { Alert } from '../alerts/types.js';
import type { Severity } from '../model/severity.js';

export const TRIAGE_STATES = ['new', 'acknowledged', 'resolved', 'suppressed'] as const;
export type TriageState = (typeof TRIAGE_STATES)[number];

export interface StoredAlert {
  alert: Alert;
  /** Tenant the alert belongs to ('' for single-tenant use). */
  tenant: string;
  state: TriageState;
  /** Suppression that matched when the alert was recorded (state 'suppressed'). */
  suppressionId?: string;
  firstSeen: string;
  updatedAt: string;
  /** Triage history, oldest first. */
  history: { at: string; state: TriageState; by?: string; note?: string }[];
}

/** Which alerts a suppression covers: every given field must match (rule id, application appId/id/name, actor, resource). */
export interface SuppressionScope {
  ruleId?: string;
  application?: string;
  actor?: string;
  resource?: string;
  tenant?: string;
}

export interface Suppression {
  id: string;
  scope: SuppressionScope;
  reason: string;
  author: string;
  createdAt: string;
  /** ISO time after which it no longer applies; absent = until removed. */
  expiresAt?: string;
  /** How many alerts it has suppressed. */
  hits: number;
}

export interface AlertFilter {
  tenant?: string;
  states?: TriageState[];
  minSeverity?: Severity;
  ruleId?: string;
  since?: string;
  limit?: number;
}

/** One sink's pending delivery of one alert. */
export interface OutboxEntry {
  sink: string;
  alertId: string;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
}

export interface CommitBatch {
  tenant: string;
  alerts: Alert[];
  /** Source checkpoints after this batch, by source key (e.g. `contoso/audit`). Opaque JSON to the store. */
  checkpoints: Record<string, unknown>;
  /** Engine state after this batch, by key (e.g. `contoso/correlation`). Opaque JSON to the store. */
  state: Record<string, unknown>;
  /** The sinks an alert goes to: its new (not duplicate, not suppressed) alerts are queued for each. */
  sinksFor: (alert: Alert) => string[];
  now: string;
}

export interface CommitResult {
  /** Alerts recorded for the first time and not suppressed (these were queued for delivery). */
  inserted: Alert[];
  /** Alerts recorded for the first time but matched by a live suppression (stored, counted, never delivered). */
  suppressed: Alert[];
  /** Alerts whose id was already stored (re-read after a restart, or raised twice): not stored or queued again. */
  duplicates: number;
}

export interface AlertStore {
  /** Creates or upgrades the schema (idempotent); returns the schema version. */
  migrate(): Promise<number>;
  close(): Promise<void>;

  commitBatch(batch: CommitBatch): Promise<CommitResult>;

  getCheckpoint(source: string): Promise<unknown | undefined>;
  getState(key: string): Promise<unknown | undefined>;

  getAlert(id: string): Promise<StoredAlert | undefined>;
  listAlerts(filter?: AlertFilter): Promise<StoredAlert[]>;
  /** Triage; returns false when there is no such alert. */
  setAlertState(id: string, state: Exclude<TriageState, 'suppressed'>, by?: string, note?: string, now?: string): Promise<boolean>;
  countAlerts(filter?: AlertFilter): Promise<Record<TriageState, number>>;

  addSuppression(s: Omit<Suppression, 'id' | 'hits' | 'createdAt'> & { createdAt?: string }): Promise<Suppression>;
  listSuppressions(includeExpired?: boolean, now?: string): Promise<Suppression[]>;
  removeSuppression(id: string): Promise<boolean>;

  /** Outbox entries of a sink due at `now`, oldest first. */
  dueDeliveries(sink: string, now: string, limit: number): Promise<(OutboxEntry & { alert: Alert })[]>;
  markDelivered(sink: string, alertId: string, now: string): Promise<void>;
  markFailed(sink: string, alertId: string, error: string, nextAttemptAt: string): Promise<void>;
  /** Pending entries per sink (for `appwatch status`). */
  outboxDepth(): Promise<Record<string, number>>;

  /** Health of each source, for `appwatch status`. */
  recordSourceHealth(source: string, health: SourceHealth): Promise<void>;
  sourceHealth(): Promise<Record<string, SourceHealth>>;
}

export interface SourceHealth {
  lastSuccess?: string;
  lastAttempt: string;
  /** Newest event time read, for lag. */
  newestEvent?: string;
  throttled: number;
  lastError?: string;
  /** e.g. "not licensed (Entra ID P1/P2 needed)" */
  gap?: string;
}
