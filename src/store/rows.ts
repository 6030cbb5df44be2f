/**
 * @module store/rows
 * The row shapes both SQL stores (store/sqlite, store/postgres) read and their mapping to the store's types, with
 * what both check and decide around their SQL (times, triage changes, suppressions and their previews), so the two
 * cannot drift. Each store keeps its own SQL and driver. Where the drivers hand a column back differently, the shapes
 * here take the common form and the store converts its own: SQLite's history is JSON text (PostgreSQL's comes
 * parsed), and PostgreSQL's bigint `seq` is text (SQLite's a number).
 */
import { randomUUID } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import { scopeMatcher, validateSuppression, type ScopeMatcher } from './suppression.js';
import {
  CLOSE_REASONS,
  TRIAGE_STATES,
  type CloseReason,
  type OutboxEntry,
  type StoredAlert,
  type Suppression,
  type SuppressionScope,
  type TriageAction,
  type TriageAuditEntry,
  type TriageChange,
  type TriageResult,
  type TriageState,
} from './types.js';

/** A store that cannot be opened or used as asked (newer schema, not a database, bad time); the message names the store. */
export class StoreError extends Error {
  /** The driver's error code (ECONNREFUSED, a SQLSTATE), when there was one: callers tell outages from refusals by it. */
  readonly code: string | undefined;

  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Times: ISO-8601 UTC with milliseconds, so SQL compares them as text.

/** `value` normalised; StoreError naming `what` when it is not a time. */
export function iso(value: string, what: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new StoreError(`${what} is not a time: ${value}`);
  return new Date(t).toISOString();
}

/** The caller's `now`, normalised, or the clock's when there is none. */
export function isoNow(now: string | undefined): string {
  return now === undefined ? new Date().toISOString() : iso(now, 'now');
}

/** An alert's own time, normalised when it parses (alerts from the pipeline always do), else kept as written. */
export function alertTime(value: string): string {
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : value;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows read, and what they become.

/** `{ [key]: value }` for a column that holds a value, `{}` for NULL: the store's types leave absent fields out. */
function present<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return value !== null ? ({ [key]: value } as { [P in K]?: V }) : {};
}

/** One entry of an alert's history, as each store's history subquery builds it (a JSON object). */
export interface HistoryRow {
  at: string;
  state: TriageState;
  by: string | null;
  note: string | null;
}

/** An alert with its history, oldest first (each store's ALERT_COLUMNS), the history parsed. */
export interface AlertRow {
  id: string;
  tenant: string;
  state: TriageState;
  suppression_id: string | null;
  first_seen: string;
  updated_at: string;
  alert: string;
  history: HistoryRow[];
  assignee: string | null;
  close_reason: CloseReason | null;
}

export function toStoredAlert(row: AlertRow): StoredAlert {
  return {
    alert: JSON.parse(row.alert) as Alert,
    tenant: row.tenant,
    state: row.state,
    ...present('suppressionId', row.suppression_id),
    firstSeen: row.first_seen,
    updatedAt: row.updated_at,
    history: row.history.map((h) => ({ at: h.at, state: h.state, ...present('by', h.by), ...present('note', h.note) })),
    ...present('assignee', row.assignee),
    ...present('closeReason', row.close_reason),
  };
}

export interface SuppressionRow {
  id: string;
  rule_id: string | null;
  application: string | null;
  actor: string | null;
  resource: string | null;
  tenant: string | null;
  reason: string;
  author: string;
  created_at: string;
  expires_at: string | null;
  hits: number;
}

export function toSuppression(row: SuppressionRow): Suppression {
  const scope: Suppression['scope'] = {};
  if (row.rule_id !== null) scope.ruleId = row.rule_id;
  if (row.application !== null) scope.application = row.application;
  if (row.actor !== null) scope.actor = row.actor;
  if (row.resource !== null) scope.resource = row.resource;
  if (row.tenant !== null) scope.tenant = row.tenant;
  return {
    id: row.id,
    scope,
    reason: row.reason,
    author: row.author,
    createdAt: row.created_at,
    ...present('expiresAt', row.expires_at),
    hits: row.hits,
  };
}

export interface AuditRow {
  /** A number from SQLite; text from PostgreSQL (pg returns a bigint as text). */
  seq: number | string;
  alert_id: string;
  at: string;
  by: string | null;
  action: TriageAction;
  from_value: string | null;
  to_value: string | null;
  note: string | null;
  suppression_id: string | null;
}

export function toAuditEntry(row: AuditRow): TriageAuditEntry {
  return {
    seq: Number(row.seq),
    alertId: row.alert_id,
    at: row.at,
    ...present('by', row.by),
    action: row.action,
    ...present('from', row.from_value),
    ...present('to', row.to_value),
    ...present('note', row.note),
    ...present('suppressionId', row.suppression_id),
  };
}

/** An outbox entry due for delivery, joined with its alert. */
export interface DueRow {
  sink: string;
  alert_id: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  alert: string;
}

export function toDueDelivery(row: DueRow): OutboxEntry & { alert: Alert } {
  return {
    sink: row.sink,
    alertId: row.alert_id,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    ...present('lastError', row.last_error),
    alert: JSON.parse(row.alert) as Alert,
  };
}

export interface DeliveryRow {
  alert_id: string;
  delivered_at: string;
  attempts: number;
}

export function toDelivery(row: DeliveryRow): { alertId: string; deliveredAt: string; attempts: number } {
  return { alertId: row.alert_id, deliveredAt: row.delivered_at, attempts: row.attempts };
}

/** Every triage state at 0, for counts that name states with no alert too. */
export function zeroCounts(): Record<TriageState, number> {
  return Object.fromEntries(TRIAGE_STATES.map((s) => [s, 0])) as Record<TriageState, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows written.

/** An alert_history row to append (seq is the store's). */
export interface HistoryInput {
  alertId: string;
  at: string;
  state: TriageState;
  by: string | undefined;
  note: string | undefined;
}

/** A triage_audit row to append (seq is the store's); values left out are NULL. */
export interface AuditInput {
  alertId: string;
  at: string;
  by: string | undefined;
  action: TriageAction;
  from?: string | null | undefined;
  to?: string | null | undefined;
  note?: string | undefined;
  suppressionId?: string | undefined;
}

/** A new suppression, checked, with its id and its times normalised (StoreError for one that is not a time). */
export function newSuppression(s: Omit<Suppression, 'id' | 'hits' | 'createdAt'> & { createdAt?: string }): Suppression {
  validateSuppression(s);
  return {
    id: randomUUID(),
    scope: { ...s.scope },
    reason: s.reason,
    author: s.author,
    createdAt: s.createdAt === undefined ? new Date().toISOString() : iso(s.createdAt, 'createdAt'),
    ...(s.expiresAt !== undefined ? { expiresAt: iso(s.expiresAt, 'expiresAt') } : {}),
    hits: 0,
  };
}

/**
 * The matcher of a scope to preview, after the same checks as saving (with a stand-in reason): a preview of a scope
 * that cannot be saved is an error too.
 */
export function previewMatcher(scope: SuppressionScope): ScopeMatcher {
  validateSuppression({ scope, reason: 'preview', author: 'preview' });
  return scopeMatcher({ id: 'preview', scope, reason: '', author: '', createdAt: '', hits: 0 });
}

/** The alerts (rows newest first) a preview's matcher covers: how many, by state, and the first `limit` of them. */
export function tallyPreview<R extends Pick<AlertRow, 'tenant' | 'state' | 'alert'>>(rows: Iterable<R>, matcher: ScopeMatcher, limit: number): { total: number; byState: Record<TriageState, number>; shown: R[] } {
  const byState = zeroCounts();
  const shown: R[] = [];
  let total = 0;
  for (const row of rows) {
    if (!matcher.matches(JSON.parse(row.alert) as Alert, row.tenant)) continue;
    total += 1;
    byState[row.state] += 1;
    if (shown.length < Math.max(0, limit)) shown.push(row);
  }
  return { total, byState, shown };
}

/** The suppressions columns id, rule_id, application, actor, resource, tenant, reason, author, created_at, expires_at. */
export function suppressionValues(s: Suppression): unknown[] {
  const { ruleId, application, actor, resource, tenant } = s.scope;
  return [s.id, ruleId ?? null, application ?? null, actor ?? null, resource ?? null, tenant ?? null, s.reason, s.author, s.createdAt, s.expiresAt ?? null];
}

// ---------------------------------------------------------------------------------------------------------------
// Triage.

/** Bounds on what people type, so one request cannot bloat every later read of the alert. */
const MAX_NOTE = 10_000;
const MAX_ASSIGNEE = 200;

/** The states people set; 'suppressed' is only ever set by a suppression. */
const SETTABLE_STATES: readonly string[] = ['new', 'acknowledged', 'resolved'];

/** Refuses a state people cannot set (from JavaScript callers too, whatever the types say). */
export function checkSettableState(state: string): void {
  if (!SETTABLE_STATES.includes(state)) throw new StoreError(`cannot set triage state ${String(state)}`);
}

export interface CheckedChange {
  state?: TriageChange['state'];
  closeReason?: CloseReason;
  assignee?: string | null;
  note?: string;
}

/** A triage change checked once for a whole bulk request (throws StoreError, nothing written). */
export function checkedChange(change: TriageChange, by: string): CheckedChange {
  if (typeof by !== 'string' || by.trim() === '') throw new StoreError('a triage change needs who made it');
  const { state, closeReason } = change;
  if (state !== undefined) checkSettableState(state);
  if (closeReason !== undefined && !(CLOSE_REASONS as readonly string[]).includes(closeReason)) throw new StoreError(`unknown close reason ${String(closeReason)} (reasons: ${CLOSE_REASONS.join(', ')})`);
  if (state === 'resolved' && closeReason === undefined) throw new StoreError(`resolving needs a close reason (${CLOSE_REASONS.join(', ')})`);
  if (closeReason !== undefined && state !== 'resolved') throw new StoreError('a close reason goes with resolving');
  const assignee = change.assignee === undefined ? undefined : change.assignee === null || change.assignee.trim() === '' ? null : change.assignee.trim();
  if (typeof assignee === 'string' && assignee.length > MAX_ASSIGNEE) throw new StoreError(`an assignee is at most ${MAX_ASSIGNEE} characters`);
  const note = change.note === undefined || change.note.trim() === '' ? undefined : change.note;
  if (note !== undefined && note.length > MAX_NOTE) throw new StoreError(`a note is at most ${MAX_NOTE} characters`);
  if (state === undefined && assignee === undefined && note === undefined) throw new StoreError('a triage change needs a state, an assignee or a note');
  return { ...(state ? { state } : {}), ...(closeReason ? { closeReason } : {}), ...(assignee !== undefined ? { assignee } : {}), ...(note !== undefined ? { note } : {}) };
}

/** An alert's triage columns as read before a change. */
export interface TriageRow {
  state: TriageState;
  assignee: string | null;
  close_reason: CloseReason | null;
}

/** What one triage change does to one alert: its new columns, the history entry and the audit entries to append. */
export interface TriageStep {
  state: TriageState;
  assignee: string | null;
  closeReason: CloseReason | null;
  /** When the state changes. */
  history?: HistoryInput;
  /** In the order they are appended. */
  audit: AuditInput[];
}

/** What the checked change `c` does to alert `id` as it was (`before`); undefined when it already is as asked. */
function triageStep(id: string, before: TriageRow, c: CheckedChange, at: string, by: string): TriageStep | undefined {
  const state = c.state ?? before.state;
  const closeReason = c.state === undefined ? before.close_reason : c.state === 'resolved' ? c.closeReason ?? null : null;
  const assignee = c.assignee === undefined ? before.assignee : c.assignee;
  const stateChanged = state !== before.state;
  const changed = stateChanged || closeReason !== before.close_reason || assignee !== before.assignee || c.note !== undefined;
  if (!changed) return undefined;
  const audit: AuditInput[] = [];
  // A note given with a state change belongs to that change (as in the history); alone, it is its own entry.
  if (stateChanged) audit.push({ alertId: id, at, by, action: 'state', from: before.state, to: state, note: c.note });
  if (closeReason !== before.close_reason) audit.push({ alertId: id, at, by, action: 'close_reason', from: before.close_reason, to: closeReason });
  if (assignee !== before.assignee) audit.push({ alertId: id, at, by, action: 'assignee', from: before.assignee, to: assignee });
  if (c.note !== undefined && !stateChanged) audit.push({ alertId: id, at, by, action: 'note', note: c.note });
  return { state, assignee, closeReason, ...(stateChanged ? { history: { alertId: id, at, state, by, note: c.note } } : {}), audit };
}

/**
 * What a checked change does to each of `ids` (each once, in the order given), given each alert's triage columns as
 * read (`current`; undefined: no such alert): the result to return, and the steps to write in order.
 */
export function planTriage(ids: Iterable<string>, current: (id: string) => TriageRow | undefined, c: CheckedChange, at: string, by: string): { result: TriageResult; steps: (TriageStep & { id: string })[] } {
  const result: TriageResult = { changed: [], unchanged: [], unknown: [] };
  const steps: (TriageStep & { id: string })[] = [];
  for (const id of new Set(ids)) {
    const before = current(id);
    if (!before) {
      result.unknown.push(id);
      continue;
    }
    const step = triageStep(id, before, c, at, by);
    if (!step) {
      result.unchanged.push(id);
      continue;
    }
    steps.push({ id, ...step });
    result.changed.push(id);
  }
  return { result, steps };
}

/**
 * The audit of a plain state change (`setAlertState`: the CLI's ack/resolve are triage too): the change itself and,
 * when reopening, the close reason it drops.
 */
export function stateChangeAudit(id: string, before: Omit<TriageRow, 'assignee'>, state: TriageState, at: string, by: string | undefined, note: string | undefined): AuditInput[] {
  const audit: AuditInput[] = [{ alertId: id, at, by, action: 'state', from: before.state, to: state, note }];
  if (state !== 'resolved' && before.close_reason !== null) audit.push({ alertId: id, at, by, action: 'close_reason', from: before.close_reason });
  return audit;
}
