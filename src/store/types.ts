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
  /** Who is on it (set by `triage`); absent when nobody is. */
  assignee?: string;
  /** Why it was resolved (set by `triage` with state 'resolved'); cleared when it is reopened. */
  closeReason?: CloseReason;
}

/** Why an alert was closed: Elastic Security's close reasons, less `automated_closure`, which no person picks. */
export const CLOSE_REASONS = ['false_positive', 'duplicate', 'true_positive', 'benign_positive', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/**
 * One triage change applied to one or many alerts (bulk) in one transaction. Fields left out are not touched;
 * `assignee: null` (or '') unassigns. Resolving needs a close reason; any other state clears it.
 */
export interface TriageChange {
  state?: Exclude<TriageState, 'suppressed'>;
  closeReason?: CloseReason;
  assignee?: string | null;
  note?: string;
}

export interface TriageResult {
  /** Alerts something was changed on (an audit entry was written). */
  changed: string[];
  /** Alerts that already were as asked (acknowledging an acknowledged alert): nothing written. */
  unchanged: string[];
  /** Ids with no stored alert. */
  unknown: string[];
}

export const TRIAGE_ACTIONS = ['state', 'close_reason', 'assignee', 'note'] as const;
export type TriageAction = (typeof TRIAGE_ACTIONS)[number];

/** One entry of the append-only triage audit: who changed what on which alert, when, from what to what. */
export interface TriageAuditEntry {
  seq: number;
  alertId: string;
  at: string;
  by?: string;
  action: TriageAction;
  from?: string;
  to?: string;
  /** The note's text (action 'note'), or the note given with a state change. */
  note?: string;
  /** The suppression that set the state (action 'state', to 'suppressed'). */
  suppressionId?: string;
}

export interface AuditFilter {
  alertId?: string;
  /** Entries at or after this time. */
  since?: string;
  /** The newest this many (the result is still oldest first). */
  limit?: number;
}

/** What a suppression scope matches among the alerts already stored. */
export interface SuppressionPreview {
  total: number;
  byState: Record<TriageState, number>;
  /** The matching alerts, newest first, at most the limit asked for. */
  alerts: StoredAlert[];
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
  /**
   * Fleet mode (PostgreSQL): the lease this batch was read under. The commit first locks the tenant's lease row and
   * checks that this worker still holds it with this fencing token; if not (the lease expired and another worker
   * claimed it), nothing is written and the commit throws LeaseLostError. Stores without leases refuse a batch that
   * carries one.
   */
  lease?: { tenant: string; owner: string; fence: number };
  /**
   * Correlation across the writers of one tenant (a stream's partitions, each with its own engine): inside the
   * commit, under a lock that serialises these commits per tenant, `evaluate` is given the engine states stored
   * under `statePrefix` except those this batch writes, and the alerts it returns are committed with the batch
   * (deduplicated, suppressed and queued like the others). Serialised, two partitions committing at once cannot
   * both miss a correlation that needs both. `evaluate` must be pure: a retried commit calls it again.
   */
  correlate?: { statePrefix: string; evaluate: (otherStates: unknown[]) => Alert[] };
}

/** A commit refused because the worker's lease was taken over (its fencing token is stale): nothing was written. */
export class LeaseLostError extends Error {
  constructor(readonly tenant: string, readonly owner: string, readonly fence: number) {
    super(`lease on ${tenant} lost by ${owner} (fence ${fence} is stale): batch not committed`);
    this.name = 'LeaseLostError';
  }
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
  /**
   * Takes a due entry for one sender until `until`: true only for the caller whose `seen` (the entry's
   * `nextAttemptAt` as `dueDeliveries` gave it) is still current. Workers sharing a store thus never send the same
   * entry at the same time; a sender that dies after claiming leaves the entry due again at `until`.
   */
  claimDelivery(sink: string, alertId: string, seen: string, until: string): Promise<boolean>;
  markDelivered(sink: string, alertId: string, now: string): Promise<void>;
  markFailed(sink: string, alertId: string, error: string, nextAttemptAt: string): Promise<void>;
  /** Pending entries per sink (for `appwatch status`). */
  outboxDepth(): Promise<Record<string, number>>;

  /**
   * Triage by people (the dashboard): state with close reason, assignee and notes for one or many alerts, in one
   * transaction; every change appended to the audit with who, when, from and to. State changes also go to the
   * alert's history, as `setAlertState` writes them. `by` is required. Refuses (throws) a resolve without a close
   * reason, a close reason with any other state, and an empty change.
   */
  triage(ids: readonly string[], change: TriageChange, by: string, now?: string): Promise<TriageResult>;
  /** The append-only triage audit (also fed by `setAlertState` and `applySuppression`), oldest first. */
  auditTrail(filter?: AuditFilter): Promise<TriageAuditEntry[]>;
  /** Which stored alerts a scope covers (any state), before a suppression with it is saved. */
  previewSuppression(scope: SuppressionScope, limit?: number): Promise<SuppressionPreview>;
  /**
   * Applies a live suppression to alerts already stored: each open one (new, acknowledged) it covers becomes
   * suppressed with its id, audited and added to its history; hits count them. Returns their ids.
   */
  applySuppression(id: string, by: string, now?: string): Promise<string[]>;
  /** Records a person's visit (the dashboard's "since your last visit") and returns the previous one. */
  recordVisit(user: string, now?: string): Promise<string | undefined>;

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
