/**
 * @module store/sqlite
 * The AlertStore on one SQLite file (better-sqlite3). WAL with `synchronous=FULL`: a committed batch survives a
 * killed process and a power loss. better-sqlite3 is synchronous; the methods still return Promises because the
 * interface is shared with stores that are not (PostgreSQL).
 *
 * Times are written as ISO-8601 UTC with milliseconds (normalised on the way in) so SQL compares them as text.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Alert } from '../alerts/types.js';
import { severityRank } from '../model/severity.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './migrations/sqlite.js';
import {
  alertTime, checkedChange, checkSettableState, iso, isoNow, newSuppression, planTriage, previewMatcher, stateChangeAudit,
  StoreError, suppressionValues, tallyPreview, toAuditEntry, toDelivery, toDueDelivery, toStoredAlert, toSuppression, zeroCounts,
  type AlertRow, type AuditInput, type AuditRow, type DeliveryRow, type DueRow, type HistoryInput, type HistoryRow,
  type SuppressionRow, type TriageRow,
} from './rows.js';
import { firstMatch, scopeMatcher } from './suppression.js';
import {
  TRIAGE_STATES, type AlertFilter, type AlertStore, type AuditFilter, type CommitBatch, type CommitResult, type OutboxEntry,
  type SourceHealth, type StoredAlert, type Suppression, type SuppressionPreview, type SuppressionScope, type TriageAuditEntry,
  type TriageChange, type TriageResult, type TriageState,
} from './types.js';

export { StoreError } from './rows.js';

export const DEFAULT_STORE_PATH = './.appwatch/appwatch.db';

const BUSY_TIMEOUT_MS = 10_000;

/** An alert row as SQLite returns it: the history is JSON text. */
type SqliteAlertRow = Omit<AlertRow, 'history'> & { history: string };

const ALERT_COLUMNS = `a.id, a.tenant, a.state, a.suppression_id, a.first_seen, a.updated_at, a.alert, a.assignee, a.close_reason,
  (SELECT json_group_array(json_object('at', h.at, 'state', h.state, 'by', h.by, 'note', h.note) ORDER BY h.seq)
     FROM alert_history h WHERE h.alert_id = a.id) AS history`;

function toStored(row: SqliteAlertRow): StoredAlert {
  return toStoredAlert({ ...row, history: JSON.parse(row.history) as HistoryRow[] });
}

/** WHERE clause and parameters for an alert filter (shared by list and count). */
function whereOf(filter: AlertFilter, withStates: boolean): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.tenant !== undefined) {
    clauses.push('a.tenant = ?');
    params.push(filter.tenant);
  }
  if (withStates && filter.states !== undefined) {
    const states = filter.states.filter((s) => (TRIAGE_STATES as readonly string[]).includes(s));
    clauses.push(`a.state IN (${states.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...states);
  }
  if (filter.minSeverity !== undefined) {
    clauses.push('a.severity_rank >= ?');
    params.push(severityRank(filter.minSeverity));
  }
  if (filter.ruleId !== undefined) {
    clauses.push('a.rule_id = ?');
    params.push(filter.ruleId);
  }
  if (filter.since !== undefined) {
    clauses.push('a.time >= ?');
    params.push(iso(filter.since, 'since'));
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export class SqliteStore implements AlertStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** Opens (creating) the file; call migrate() before use, or use openSqliteStore. */
  constructor(path: string = DEFAULT_STORE_PATH) {
    this.path = path === ':memory:' ? path : resolve(path);
    if (path !== ':memory:') {
      // Alerts name people, apps and IP addresses: the folder and file are the owner's only. The file is created
      // here with its mode (an empty file is an empty database); SQLite gives the -wal and -shm files the same.
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      if (!existsSync(this.path)) closeSync(openSync(this.path, 'a', 0o600));
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(this.path, { timeout: BUSY_TIMEOUT_MS });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    } catch (error) {
      db?.close();
      throw new StoreError(`cannot open the store ${this.path}: ${(error as Error).message}`);
    }
    this.db = db;
  }

  /** The connection's durability settings (for `appwatch status` and tests). */
  pragmas(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeoutMs: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private version(): number {
    const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
    return row.v ?? 0;
  }

  async migrate(): Promise<number> {
    try {
      this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    } catch (error) {
      throw new StoreError(`cannot use the store ${this.path}: ${(error as Error).message}`);
    }
    // IMMEDIATE: two processes opening a new file at once take turns; the second sees the first's steps applied.
    const step = this.db.transaction((m: (typeof SQLITE_MIGRATIONS)[number]) => {
      if (this.version() >= m.version) return;
      this.db.exec(m.sql);
      this.db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    });
    const current = this.version();
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new StoreError(`the store ${this.path} has schema version ${current}, newer than this appwatch knows (${SQLITE_SCHEMA_VERSION}): upgrade appwatch, or use another --store`);
    }
    for (const m of SQLITE_MIGRATIONS) step.immediate(m);
    return this.version();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async commitBatch(batch: CommitBatch): Promise<CommitResult> {
    // One process owns a SQLite file: a batch read under a fleet lease has come to the wrong store.
    if (batch.lease) throw new StoreError(`${this.path}: leases (fleet workers) need a PostgreSQL store`);
    const now = iso(batch.now, 'now');
    const insertAlert = this.stmt(`INSERT INTO alerts (id, tenant, severity_rank, rule_id, time, state, suppression_id, first_seen, updated_at, alert)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`);
    const queue = this.stmt('INSERT INTO outbox (sink, alert_id, attempts, next_attempt_at, queued_at) VALUES (?, ?, 0, ?, ?) ON CONFLICT (sink, alert_id) DO NOTHING');
    const hit = this.stmt('UPDATE suppressions SET hits = hits + ? WHERE id = ?');
    const checkpoint = this.stmt('INSERT INTO checkpoints (source, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    const dropCheckpoint = this.stmt('DELETE FROM checkpoints WHERE source = ?');
    const state = this.stmt('INSERT INTO engine_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    const dropState = this.stmt('DELETE FROM engine_state WHERE key = ?');

    // Serialised before the write lock is taken, so other writers (the CLI) wait less.
    const texts = batch.alerts.map((a) => JSON.stringify(a));

    const run = this.db.transaction((): CommitResult => {
      // Under the write lock (BEGIN IMMEDIATE): the other partitions' states are as their last commits left them,
      // and none can commit until this one has.
      const correlated = batch.correlate ? batch.correlate.evaluate(this.otherStates(batch.correlate.statePrefix, batch.state)) : [];
      const alerts = correlated.length > 0 ? [...batch.alerts, ...correlated] : batch.alerts;
      const bodies = correlated.length > 0 ? [...texts, ...correlated.map((a) => JSON.stringify(a))] : texts;
      // Read inside the transaction: a suppression added by `appwatch alerts suppress` meanwhile is either in or out.
      const matchers = this.liveSuppressions(now).map(scopeMatcher);
      const result: CommitResult = { inserted: [], suppressed: [], duplicates: 0 };
      const hits = new Map<string, number>();
      for (const [i, alert] of alerts.entries()) {
        const suppression = matchers.length > 0 ? firstMatch(matchers, alert, batch.tenant) : undefined;
        const { changes } = insertAlert.run(
          alert.id, batch.tenant, severityRank(alert.severity), alert.rule.id, alertTime(alert.time),
          suppression ? 'suppressed' : 'new', suppression?.id ?? null, now, now, bodies[i],
        );
        if (changes === 0) {
          result.duplicates += 1;
        } else if (suppression) {
          result.suppressed.push(alert);
          hits.set(suppression.id, (hits.get(suppression.id) ?? 0) + 1);
        } else {
          result.inserted.push(alert);
          for (const sink of batch.sinksFor(alert)) queue.run(sink, alert.id, now, now);
        }
      }
      for (const [id, n] of hits) hit.run(n, id);
      // Opaque JSON; `undefined` (which JSON cannot hold) removes the key.
      for (const [source, value] of Object.entries(batch.checkpoints)) {
        if (value === undefined) dropCheckpoint.run(source);
        else checkpoint.run(source, JSON.stringify(value), now);
      }
      for (const [key, value] of Object.entries(batch.state)) {
        if (value === undefined) dropState.run(key);
        else state.run(key, JSON.stringify(value), now);
      }
      return result;
    });
    return run.immediate();
  }

  /** Engine states stored under `prefix`, except the keys `written` (this batch's own), in key order. */
  private otherStates(prefix: string, written: Record<string, unknown>): unknown[] {
    const rows = this.stmt('SELECT key, value FROM engine_state WHERE substr(key, 1, length(?)) = ? ORDER BY key').all(prefix, prefix) as { key: string; value: string }[];
    return rows.filter((r) => !(r.key in written)).map((r) => JSON.parse(r.value) as unknown);
  }

  private liveSuppressions(now: string): Suppression[] {
    const rows = this.stmt('SELECT * FROM suppressions WHERE expires_at IS NULL OR expires_at > ? ORDER BY created_at, id').all(now) as SuppressionRow[];
    return rows.map(toSuppression);
  }

  async getCheckpoint(source: string): Promise<unknown | undefined> {
    const row = this.stmt('SELECT value FROM checkpoints WHERE source = ?').get(source) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  }

  async getState(key: string): Promise<unknown | undefined> {
    const row = this.stmt('SELECT value FROM engine_state WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const row = this.stmt(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = ?`).get(id) as SqliteAlertRow | undefined;
    return row ? toStored(row) : undefined;
  }

  async listAlerts(filter: AlertFilter = {}): Promise<StoredAlert[]> {
    const where = whereOf(filter, true);
    // LIMIT -1 is no limit in SQLite; a parameter keeps one prepared statement per filter shape.
    const limit = filter.limit !== undefined && filter.limit >= 0 ? Math.floor(filter.limit) : -1;
    const rows = this.stmt(`SELECT ${ALERT_COLUMNS} FROM alerts a ${where.sql} ORDER BY a.time DESC, a.id LIMIT ?`).all(...where.params, limit) as SqliteAlertRow[];
    return rows.map(toStored);
  }

  async setAlertState(id: string, state: Exclude<TriageState, 'suppressed'>, by?: string, note?: string, now?: string): Promise<boolean> {
    checkSettableState(state);
    const at = isoNow(now);
    const current = this.stmt('SELECT state, close_reason FROM alerts WHERE id = ?');
    const update = this.stmt('UPDATE alerts SET state = ?, updated_at = ?, close_reason = CASE WHEN ? = \'resolved\' THEN close_reason END WHERE id = ?');
    return this.db.transaction(() => {
      const before = current.get(id) as Omit<TriageRow, 'assignee'> | undefined;
      if (!before) return false;
      update.run(state, at, state, id);
      this.appendHistory({ alertId: id, at, state, by, note });
      for (const entry of stateChangeAudit(id, before, state, at, by, note)) this.appendAudit(entry);
      return true;
    }).immediate();
  }

  private appendHistory(h: HistoryInput): void {
    this.stmt('INSERT INTO alert_history (alert_id, at, state, by, note) VALUES (?, ?, ?, ?, ?)').run(h.alertId, h.at, h.state, h.by ?? null, h.note ?? null);
  }

  private appendAudit(e: AuditInput): void {
    this.stmt('INSERT INTO triage_audit (alert_id, at, by, action, from_value, to_value, note, suppression_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.alertId, e.at, e.by ?? null, e.action, e.from ?? null, e.to ?? null, e.note ?? null, e.suppressionId ?? null);
  }

  async triage(ids: readonly string[], change: TriageChange, by: string, now?: string): Promise<TriageResult> {
    const c = checkedChange(change, by);
    const at = isoNow(now);
    const current = this.stmt('SELECT state, assignee, close_reason FROM alerts WHERE id = ?');
    const update = this.stmt('UPDATE alerts SET state = ?, assignee = ?, close_reason = ?, updated_at = ? WHERE id = ?');
    return this.db.transaction((): TriageResult => {
      const { result, steps } = planTriage(ids, (id) => current.get(id) as TriageRow | undefined, c, at, by);
      for (const step of steps) {
        update.run(step.state, step.assignee, step.closeReason, at, step.id);
        if (step.history) this.appendHistory(step.history);
        for (const entry of step.audit) this.appendAudit(entry);
      }
      return result;
    }).immediate();
  }

  async auditTrail(filter: AuditFilter = {}): Promise<TriageAuditEntry[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.alertId !== undefined) {
      clauses.push('alert_id = ?');
      params.push(filter.alertId);
    }
    if (filter.since !== undefined) {
      clauses.push('at >= ?');
      params.push(iso(filter.since, 'since'));
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const limit = filter.limit !== undefined && filter.limit >= 0 ? Math.floor(filter.limit) : -1;
    // The newest `limit`, returned oldest first (a trail reads forwards).
    const rows = this.stmt(`SELECT * FROM (SELECT * FROM triage_audit ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq`).all(...params, limit) as AuditRow[];
    return rows.map(toAuditEntry);
  }

  async previewSuppression(scope: SuppressionScope, limit = 100): Promise<SuppressionPreview> {
    const matcher = previewMatcher(scope);
    // Rule and tenant narrow in SQL; names need the shared matcher (ASCII-only folding), so they are tested here.
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (scope.ruleId !== undefined) {
      clauses.push('a.rule_id = ?');
      params.push(scope.ruleId);
    }
    const rows = this.stmt(`SELECT ${ALERT_COLUMNS} FROM alerts a ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY a.time DESC, a.id`).all(...params) as SqliteAlertRow[];
    const { total, byState, shown } = tallyPreview(rows, matcher, limit);
    return { total, byState, alerts: shown.map(toStored) };
  }

  async applySuppression(id: string, by: string, now?: string): Promise<string[]> {
    if (typeof by !== 'string' || by.trim() === '') throw new StoreError('applying a suppression needs who did it');
    const at = isoNow(now);
    const suppress = this.stmt('UPDATE alerts SET state = \'suppressed\', suppression_id = ?, updated_at = ? WHERE id = ?');
    return this.db.transaction((): string[] => {
      const row = this.stmt('SELECT * FROM suppressions WHERE id = ?').get(id) as SuppressionRow | undefined;
      if (!row) throw new StoreError(`no suppression ${id}`);
      const suppression = toSuppression(row);
      if (suppression.expiresAt !== undefined && suppression.expiresAt <= at) throw new StoreError(`suppression ${id} has expired`);
      const matcher = scopeMatcher(suppression);
      const open = this.stmt(`SELECT a.id, a.tenant, a.state, a.alert FROM alerts a WHERE a.state IN ('new', 'acknowledged') ORDER BY a.time DESC, a.id`).all() as { id: string; tenant: string; state: TriageState; alert: string }[];
      const hit: string[] = [];
      for (const a of open) {
        if (!matcher.matches(JSON.parse(a.alert) as Alert, a.tenant)) continue;
        suppress.run(id, at, a.id);
        this.appendHistory({ alertId: a.id, at, state: 'suppressed', by, note: suppression.reason });
        this.appendAudit({ alertId: a.id, at, by, action: 'state', from: a.state, to: 'suppressed', note: suppression.reason, suppressionId: id });
        hit.push(a.id);
      }
      if (hit.length > 0) this.stmt('UPDATE suppressions SET hits = hits + ? WHERE id = ?').run(hit.length, id);
      return hit;
    }).immediate();
  }

  async recordVisit(user: string, now?: string): Promise<string | undefined> {
    const at = isoNow(now);
    return this.db.transaction(() => {
      const before = this.stmt('SELECT at FROM dashboard_visits WHERE user = ?').get(user) as { at: string } | undefined;
      this.stmt('INSERT INTO dashboard_visits (user, at) VALUES (?, ?) ON CONFLICT (user) DO UPDATE SET at = excluded.at').run(user, at);
      return before?.at;
    }).immediate();
  }

  async countAlerts(filter: AlertFilter = {}): Promise<Record<TriageState, number>> {
    const where = whereOf(filter, true);
    const rows = this.stmt(`SELECT a.state AS state, count(*) AS n FROM alerts a ${where.sql} GROUP BY a.state`).all(...where.params) as { state: TriageState; n: number }[];
    const counts = zeroCounts();
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  async addSuppression(s: Omit<Suppression, 'id' | 'hits' | 'createdAt'> & { createdAt?: string }): Promise<Suppression> {
    const suppression = newSuppression(s);
    this.stmt(`INSERT INTO suppressions (id, rule_id, application, actor, resource, tenant, reason, author, created_at, expires_at, hits)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`).run(...suppressionValues(suppression));
    return suppression;
  }

  async listSuppressions(includeExpired = false, now?: string): Promise<Suppression[]> {
    if (includeExpired) return (this.stmt('SELECT * FROM suppressions ORDER BY created_at, id').all() as SuppressionRow[]).map(toSuppression);
    return this.liveSuppressions(isoNow(now));
  }

  async removeSuppression(id: string): Promise<boolean> {
    return this.stmt('DELETE FROM suppressions WHERE id = ?').run(id).changes > 0;
  }

  async dueDeliveries(sink: string, now: string, limit: number): Promise<(OutboxEntry & { alert: Alert })[]> {
    const rows = this.stmt(`SELECT o.sink, o.alert_id, o.attempts, o.next_attempt_at, o.last_error, a.alert
      FROM outbox o JOIN alerts a ON a.id = o.alert_id
      WHERE o.sink = ? AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.rowid LIMIT ?`)
      .all(sink, iso(now, 'now'), Math.max(0, Math.floor(limit))) as DueRow[];
    return rows.map(toDueDelivery);
  }

  async markDelivered(sink: string, alertId: string, now: string): Promise<void> {
    const at = iso(now, 'now');
    const take = this.stmt('DELETE FROM outbox WHERE sink = ? AND alert_id = ? RETURNING attempts');
    const log = this.stmt('INSERT INTO deliveries (sink, alert_id, delivered_at, attempts) VALUES (?, ?, ?, ?) ON CONFLICT (sink, alert_id) DO UPDATE SET delivered_at = excluded.delivered_at, attempts = excluded.attempts');
    this.db.transaction(() => {
      const row = take.get(sink, alertId) as { attempts: number } | undefined;
      // A second call for the same entry (a retry after a crash) changes nothing.
      if (row) log.run(sink, alertId, at, row.attempts + 1);
    }).immediate();
  }

  async claimDelivery(sink: string, alertId: string, seen: string, until: string): Promise<boolean> {
    const result = this.stmt('UPDATE outbox SET next_attempt_at = ? WHERE sink = ? AND alert_id = ? AND next_attempt_at = ?')
      .run(iso(until, 'until'), sink, alertId, seen);
    return result.changes === 1;
  }

  async markFailed(sink: string, alertId: string, error: string, nextAttemptAt: string): Promise<void> {
    this.stmt('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE sink = ? AND alert_id = ?')
      .run(error, iso(nextAttemptAt, 'nextAttemptAt'), sink, alertId);
  }

  async outboxDepth(): Promise<Record<string, number>> {
    const rows = this.stmt('SELECT sink, count(*) AS n FROM outbox GROUP BY sink ORDER BY sink').all() as { sink: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.sink, r.n]));
  }

  /** Deliveries made to a sink, oldest first (not in AlertStore: for `appwatch status` and tests). */
  async deliveries(sink: string): Promise<{ alertId: string; deliveredAt: string; attempts: number }[]> {
    const rows = this.stmt('SELECT alert_id, delivered_at, attempts FROM deliveries WHERE sink = ? ORDER BY delivered_at, rowid').all(sink) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async recordSourceHealth(source: string, health: SourceHealth): Promise<void> {
    this.stmt('INSERT INTO source_health (source, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(source, JSON.stringify(health), new Date().toISOString());
  }

  async sourceHealth(): Promise<Record<string, SourceHealth>> {
    const rows = this.stmt('SELECT source, value FROM source_health ORDER BY source').all() as { source: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.source, JSON.parse(r.value) as SourceHealth]));
  }
}

/** Opens the store at `path` (creating the file and its folder) and brings its schema up to date. */
export async function openSqliteStore(path: string = DEFAULT_STORE_PATH): Promise<SqliteStore> {
  const store = new SqliteStore(path);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
