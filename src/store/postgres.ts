/**
 * @module store/postgres
 * The AlertStore on PostgreSQL (`pg` pool), for several `watch` workers sharing one store (the fleet). The same
 * observable behaviour as store/sqlite, held to the same contract (tests/store/contract.ts); what differs is
 * concurrency, which SQLite never had to face:
 *
 * - `commitBatch` is one transaction that may run at the same time in other processes. Alert ids are inserted in
 *   one statement, `ON CONFLICT (id) DO NOTHING RETURNING id`, in sorted id order, so two workers raising the same
 *   ids wait on each other instead of deadlocking, and each id is stored (and queued) once.
 * - In fleet mode a batch carries the lease it was read under: the commit first locks the tenant's `fleet_leases`
 *   row and checks owner and fencing token, so a worker whose lease was taken over writes nothing (LeaseLostError).
 * - Other methods lock the rows they read-then-write (`FOR UPDATE`, in id order).
 *
 * Times are the caller's (`now` arguments), normalised to ISO-8601 UTC text, never the database clock, so both
 * stores answer the same; only the fleet tables use `now()`. The connection URL carries a password: it is shown
 * only through redactStoreLocation, and error messages are scrubbed of it.
 */
import { inspect } from 'node:util';
import pg from 'pg';
import type { Alert } from '../alerts/types.js';
import { severityRank } from '../model/severity.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './migrations/postgres.js';
import {
  alertTime, checkedChange, checkSettableState, iso, isoNow, newSuppression, planTriage, previewMatcher, stateChangeAudit,
  StoreError, suppressionValues, tallyPreview, toAuditEntry, toDelivery, toDueDelivery, toStoredAlert, toSuppression, zeroCounts,
  type AlertRow, type AuditInput, type AuditRow, type DeliveryRow, type DueRow, type HistoryInput, type SuppressionRow, type TriageRow,
} from './rows.js';
import { firstMatch, scopeMatcher } from './suppression.js';
import {
  LeaseLostError, TRIAGE_STATES, type AlertFilter, type AlertStore, type AuditFilter, type CommitBatch, type CommitResult,
  type OutboxEntry, type SourceHealth, type StoredAlert, type Suppression, type SuppressionPreview, type SuppressionScope,
  type TriageAuditEntry, type TriageChange, type TriageResult, type TriageState,
} from './types.js';

export { StoreError } from './rows.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 5). */
  max?: number;
  /** Server-side limit on a session idle inside a transaction (default 60 s): a stuck worker releases its locks. */
  idleInTransactionTimeoutMs?: number;
  /** How long to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity (default 'appwatch'). */
  applicationName?: string;
}

/** Serialises migrations of one database across processes (two workers starting together). Arbitrary, fixed. */
const MIGRATION_LOCK = [0x61707077, 1] as const; // 'appw'

/** Deadlock and serialisation failures: the transaction was rolled back whole and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const COMMIT_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------------------------
// Locations: URLs with passwords.

/** True for a PostgreSQL connection URL (postgres:// or postgresql://). */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(s);
}

/**
 * A store location fit to print: a URL with its password (in the user part or a `password=` parameter) replaced by
 * `***`; anything else (a file path) unchanged.
 */
export function redactStoreLocation(location: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    // Not a URL the WHATWG parser takes (pg may still): cut everything between "user:" and the last "@".
    return location.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):.*@/i, '$1:***@').replace(/([?&][^=&]*pass[^=&]*=)[^&]*/gi, '$1***');
  }
}

/** The secrets a URL carries, as written and decoded, for scrubbing messages. */
function secretsOf(location: string): string[] {
  const found = new Set<string>();
  const add = (s: string): void => {
    if (s === '') return;
    found.add(s);
    try {
      found.add(decodeURIComponent(s));
    } catch {
      // Not percent-encoded validly: the raw form is enough.
    }
  };
  try {
    const url = new URL(location);
    add(url.password);
    for (const [key, value] of url.searchParams) if (/pass/i.test(key)) add(value);
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:(.*)@/i.exec(location);
    if (m?.[1]) add(m[1]);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** An error's message; Node's AggregateError (every address refused) has an empty one. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const inner = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(inner) && inner.length > 0) return inner.map(describe).join('; ');
  return (error as { code?: string }).code ?? error.name;
}

// ---------------------------------------------------------------------------------------------------------------
// Transactions.

async function runInTransaction<T>(client: pg.PoolClient, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The rollback doubles as a health check: a connection that cannot even roll back is dropped from the pool
    // rather than handed out again mid-transaction.
    await client.query('ROLLBACK').catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error(String(e));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Runs `fn` in one transaction on a connection of the pool: COMMIT when it resolves, ROLLBACK when it throws (the
 * error is rethrown). For code that shares the store's database (the fleet's lease SQL).
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return runInTransaction(await pool.connect(), fn);
}

// ---------------------------------------------------------------------------------------------------------------
// Rows (their shapes and mapping are store/rows', shared with SQLite) and statements.

/** The history comes back as a json array (parsed by pg), oldest first. */
const ALERT_COLUMNS = `a.id, a.tenant, a.state, a.suppression_id, a.first_seen, a.updated_at, a.alert, a.assignee, a.close_reason,
  COALESCE((SELECT json_agg(json_build_object('at', h.at, 'state', h.state, 'by', h.by, 'note', h.note) ORDER BY h.seq)
     FROM alert_history h WHERE h.alert_id = a.id), '[]'::json) AS history`;

/** Numbered placeholders for a statement built from optional clauses. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** WHERE clause for an alert filter (shared by list and count). */
function whereOf(filter: AlertFilter, p: Params): string {
  const clauses: string[] = [];
  if (filter.tenant !== undefined) clauses.push(`a.tenant = ${p.add(filter.tenant)}`);
  if (filter.states !== undefined) {
    const states = filter.states.filter((s) => (TRIAGE_STATES as readonly string[]).includes(s));
    clauses.push(`a.state = ANY(${p.add(states)}::text[])`);
  }
  if (filter.minSeverity !== undefined) clauses.push(`a.severity_rank >= ${p.add(severityRank(filter.minSeverity))}`);
  if (filter.ruleId !== undefined) clauses.push(`a.rule_id = ${p.add(filter.ruleId)}`);
  if (filter.since !== undefined) clauses.push(`a.time >= ${p.add(iso(filter.since, 'since'))}`);
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

/** A LIMIT parameter: null is no limit in PostgreSQL. */
function limitOf(limit: number | undefined): number | null {
  return limit !== undefined && limit >= 0 ? Math.floor(limit) : null;
}

/** Appends audit entries in the given order (seq follows it) in one statement. */
async function appendAudit(client: pg.PoolClient, rows: readonly AuditInput[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO triage_audit (alert_id, at, by, action, from_value, to_value, note, suppression_id)
     SELECT alert_id, at, by, action, from_value, to_value, note, suppression_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS t(alert_id, at, by, action, from_value, to_value, note, suppression_id, ord)
      ORDER BY ord`,
    [
      rows.map((r) => r.alertId), rows.map((r) => r.at), rows.map((r) => r.by ?? null), rows.map((r) => r.action),
      rows.map((r) => r.from ?? null), rows.map((r) => r.to ?? null), rows.map((r) => r.note ?? null), rows.map((r) => r.suppressionId ?? null),
    ],
  );
}

async function appendHistory(client: pg.PoolClient, rows: readonly HistoryInput[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO alert_history (alert_id, at, state, by, note)
     SELECT alert_id, at, state, by, note FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       WITH ORDINALITY AS t(alert_id, at, state, by, note, ord)
      ORDER BY ord`,
    [rows.map((r) => r.alertId), rows.map((r) => r.at), rows.map((r) => r.state), rows.map((r) => r.by ?? null), rows.map((r) => r.note ?? null)],
  );
}

/** Upserts (in key order, a fixed lock order across workers) and deletes (`undefined` values) of opaque JSON. */
async function saveJson(client: pg.PoolClient, table: 'checkpoints' | 'engine_state', keyColumn: 'source' | 'key', values: Record<string, unknown>, now: string): Promise<void> {
  const entries = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const drop = entries.filter(([, v]) => v === undefined).map(([k]) => k);
  const keep = entries.filter(([, v]) => v !== undefined);
  if (keep.length > 0) {
    await client.query(
      `INSERT INTO ${table} (${keyColumn}, value, updated_at)
       SELECT k, v, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, v, ord) ORDER BY ord
       ON CONFLICT (${keyColumn}) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [keep.map(([k]) => k), keep.map(([, v]) => JSON.stringify(v)), now],
    );
  }
  if (drop.length > 0) await client.query(`DELETE FROM ${table} WHERE ${keyColumn} = ANY($1::text[])`, [drop]);
}

// ---------------------------------------------------------------------------------------------------------------

export class PostgresStore implements AlertStore {
  /** Where the store is, fit to print (password replaced by ***). */
  readonly location: string;
  /** The pool every method uses; shared with the fleet module (leases, workers, buckets). */
  readonly pool: pg.Pool;
  readonly #secrets: string[];
  #closed = false;

  /** Creates the pool (connecting lazily); call migrate() before use, or use openPostgresStore. */
  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.location = redactStoreLocation(url);
    this.#secrets = secretsOf(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 5,
      // TCP keepalives and a server-side limit on idle transactions (scale-out.md §4.1): a worker that vanished
      // or hangs mid-transaction does not hold lease and alert locks for ever.
      keepAlive: true,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'appwatch',
    });
    // The pool keeps the URL (with its password) in its options: hidden from inspection and logs of the pool.
    Object.defineProperty(this.pool.options, 'connectionString', { enumerable: false });
    // An idle connection dropped by the server (restart, network) is an 'error' event: without a listener it
    // would end the process. The pool discards that connection; the next query opens another.
    this.pool.on('error', () => undefined);
    // A connection in use that the server drops (pg_terminate_backend, a failover) emits 'error' on its client too,
    // besides failing the query in flight: that query's caller handles the failure, so the event itself must not
    // end the process (a fleet worker would die on a database restart).
    this.pool.on('connect', (client) => { client.on('error', () => undefined); });
  }

  /** Printing the store prints its redacted location, never the pool's options. */
  [inspect.custom](): string {
    return `PostgresStore { location: ${JSON.stringify(this.location)} }`;
  }

  toJSON(): { location: string } {
    return { location: this.location };
  }

  private fail(what: string, error: unknown): StoreError {
    const code = (error as { code?: unknown } | null)?.code;
    return new StoreError(`${what} ${this.location}: ${scrub(describe(error), this.#secrets)}`, typeof code === 'string' ? code : undefined);
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.fail('cannot reach the store', error);
    }
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      return await client.query<R>(sql, params);
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Runs `fn` in one transaction on a pooled connection (see the exported withTransaction). */
  async withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return runInTransaction(await this.connect(), fn);
  }

  private async schemaVersion(client?: pg.PoolClient): Promise<number> {
    const run = async (sql: string): Promise<pg.QueryResult> => (client ? client.query(sql) : this.query(sql));
    const present = await run("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (present.rows[0]?.present !== true) return 0;
    const row = await run('SELECT COALESCE(max(version), 0)::int AS v FROM schema_migrations');
    return (row.rows[0]?.v as number | undefined) ?? 0;
  }

  private newer(current: number): StoreError {
    return new StoreError(`the store ${this.location} has schema version ${current}, newer than this appwatch knows (${POSTGRES_SCHEMA_VERSION}): upgrade appwatch, or use another --store`);
  }

  async migrate(): Promise<number> {
    try {
      // Up to date: no lock, no DDL (a role without CREATE can use a migrated database).
      const current = await this.schemaVersion();
      if (current > POSTGRES_SCHEMA_VERSION) throw this.newer(current);
      if (current === POSTGRES_SCHEMA_VERSION) return current;
      for (const m of POSTGRES_MIGRATIONS) {
        if (m.version <= current) continue;
        await this.withTransaction(async (client) => {
          // Two processes migrating one database take turns; the second sees the first's steps applied.
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
          await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
          const now = await this.schemaVersion(client);
          if (now > POSTGRES_SCHEMA_VERSION) throw this.newer(now);
          if (now >= m.version) return;
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        });
      }
      return await this.schemaVersion();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw this.fail('cannot use the store', error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  async commitBatch(batch: CommitBatch): Promise<CommitResult> {
    const now = iso(batch.now, 'now');
    const lease = batch.lease;
    if (lease && !Number.isSafeInteger(lease.fence)) throw new StoreError(`lease fence is not an integer: ${String(lease.fence)}`);
    // Serialised before the transaction, so locks are held for less time.
    const batchTexts = batch.alerts.map((a) => JSON.stringify(a));

    const attempt = (): Promise<CommitResult> => this.withTransaction(async (client) => {
      if (lease) {
        // The row lock serialises with a concurrent claim of the same tenant: either the claim moved the fence
        // first (no row here) or it waits until this batch is committed.
        const held = await client.query('SELECT 1 FROM fleet_leases WHERE tenant = $1 AND lease_owner = $2 AND fence = $3 FOR UPDATE', [lease.tenant, lease.owner, lease.fence]);
        if (held.rowCount === 0) throw new LeaseLostError(lease.tenant, lease.owner, lease.fence);
      }
      let alerts = batch.alerts;
      let texts = batchTexts;
      if (batch.correlate) {
        // One tenant's correlating commits take turns (a lock released at commit or rollback): whichever commits
        // second sees the first's inputs, so two partitions committing at once cannot both miss a correlation.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`appwatch correlate ${batch.tenant}`]);
        const { rows } = await client.query<{ key: string; value: string }>('SELECT key, value FROM engine_state WHERE starts_with(key, $1) ORDER BY key', [batch.correlate.statePrefix]);
        const correlated = batch.correlate.evaluate(rows.filter((r) => !(r.key in batch.state)).map((r) => JSON.parse(r.value) as unknown));
        if (correlated.length > 0) {
          alerts = [...alerts, ...correlated];
          texts = [...texts, ...correlated.map((a) => JSON.stringify(a))];
        }
      }
      // Within a batch the first occurrence of an id is the one stored (as SQLite); the others are duplicates.
      const first = new Map<string, number>();
      for (const [i, a] of alerts.entries()) if (!first.has(a.id)) first.set(a.id, i);
      // Sorted by id: every worker takes the unique-index locks in the same order, so two commits of overlapping ids
      // wait for each other instead of deadlocking.
      const order = [...first.values()].sort((i, j) => {
        const a = alerts[i]!.id;
        const b = alerts[j]!.id;
        return a < b ? -1 : a > b ? 1 : 0;
      });
      // Ids already stored (a batch re-read after a restart) are not sent again. A concurrent worker may still
      // store one of the others first: ON CONFLICT below settles that.
      const known = new Set<string>();
      if (order.length > 0) {
        const found = await client.query<{ id: string }>('SELECT id FROM alerts WHERE id = ANY($1::text[])', [order.map((i) => alerts[i]!.id)]);
        for (const r of found.rows) known.add(r.id);
      }
      const candidates = order.filter((i) => !known.has(alerts[i]!.id));
      // Read inside the transaction: a suppression added meanwhile is either in or out.
      const matchers = candidates.length > 0 ? (await this.liveSuppressions(now, client)).map(scopeMatcher) : [];
      const suppressionOf = new Map<number, Suppression>();
      if (matchers.length > 0) {
        for (const i of candidates) {
          const s = firstMatch(matchers, alerts[i]!, batch.tenant);
          if (s) suppressionOf.set(i, s);
        }
      }
      const stored = new Set<string>();
      if (candidates.length > 0) {
        const ids: string[] = [];
        const ranks: number[] = [];
        const rules: string[] = [];
        const times: string[] = [];
        const states: string[] = [];
        const suppressionIds: (string | null)[] = [];
        const bodies: string[] = [];
        for (const i of candidates) {
          const alert = alerts[i]!;
          const s = suppressionOf.get(i);
          ids.push(alert.id);
          ranks.push(severityRank(alert.severity));
          rules.push(alert.rule.id);
          times.push(alertTime(alert.time));
          states.push(s ? 'suppressed' : 'new');
          suppressionIds.push(s?.id ?? null);
          bodies.push(texts[i]!);
        }
        // The bodies travel as ONE json array, not a text[]: a text[] parameter escapes every quote of every alert
        // (client and server, seconds for 10,000 alerts). json_array_elements hands back each element's text
        // verbatim (json, unlike jsonb, is never re-serialised), so the stored text is JSON.stringify's exactly.
        const inserted = await client.query<{ id: string }>(
          `INSERT INTO alerts (id, tenant, severity_rank, rule_id, time, state, suppression_id, first_seen, updated_at, alert)
           SELECT id, $1, rank, rule_id, time, state, suppression_id, $2, $2, alert::text
             FROM ROWS FROM (unnest($3::text[]), unnest($4::int[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]),
                             unnest($8::text[]), json_array_elements($9::json))
               WITH ORDINALITY AS t(id, rank, rule_id, time, state, suppression_id, alert, ord)
            ORDER BY ord
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [batch.tenant, now, ids, ranks, rules, times, states, suppressionIds, `[${bodies.join(',')}]`],
        );
        for (const r of inserted.rows) stored.add(r.id);
      }

      const result: CommitResult = { inserted: [], suppressed: [], duplicates: 0 };
      const hits = new Map<string, number>();
      const outboxSinks: string[] = [];
      const outboxAlerts: string[] = [];
      for (const [i, alert] of alerts.entries()) {
        if (first.get(alert.id) !== i || !stored.has(alert.id)) {
          result.duplicates += 1;
          continue;
        }
        const s = suppressionOf.get(i);
        if (s) {
          result.suppressed.push(alert);
          hits.set(s.id, (hits.get(s.id) ?? 0) + 1);
        } else {
          result.inserted.push(alert);
          for (const sink of batch.sinksFor(alert)) {
            outboxSinks.push(sink);
            outboxAlerts.push(alert.id);
          }
        }
      }
      if (outboxSinks.length > 0) {
        await client.query(
          `INSERT INTO outbox (sink, alert_id, attempts, next_attempt_at, queued_at)
           SELECT sink, alert_id, 0, $3, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(sink, alert_id, ord)
            ORDER BY ord
           ON CONFLICT (sink, alert_id) DO NOTHING`,
          [outboxSinks, outboxAlerts, now],
        );
      }
      for (const id of [...hits.keys()].sort()) await client.query('UPDATE suppressions SET hits = hits + $1 WHERE id = $2', [hits.get(id), id]);
      // Opaque JSON; `undefined` (which JSON cannot hold) removes the key.
      await saveJson(client, 'checkpoints', 'source', batch.checkpoints, now);
      await saveJson(client, 'engine_state', 'key', batch.state, now);
      return result;
    });

    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (error instanceof LeaseLostError) {
          // After the rollback, on its own: the count of refused commits must survive the refusal.
          await this.query('UPDATE fleet_leases SET rejected_commits = rejected_commits + 1 WHERE tenant = $1', [error.tenant]).catch(() => undefined);
          throw error;
        }
        const code = (error as { code?: unknown }).code;
        if (n < COMMIT_ATTEMPTS && error instanceof pg.DatabaseError && typeof code === 'string' && RETRYABLE.has(code)) continue;
        throw error;
      }
    }
  }

  private async liveSuppressions(now: string, client?: pg.PoolClient): Promise<Suppression[]> {
    const sql = 'SELECT * FROM suppressions WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at, id';
    const { rows } = client ? await client.query<SuppressionRow>(sql, [now]) : await this.query<SuppressionRow>(sql, [now]);
    return rows.map(toSuppression);
  }

  async getCheckpoint(source: string): Promise<unknown | undefined> {
    const { rows } = await this.query<{ value: string }>('SELECT value FROM checkpoints WHERE source = $1', [source]);
    return rows[0] ? JSON.parse(rows[0].value) : undefined;
  }

  async getState(key: string): Promise<unknown | undefined> {
    const { rows } = await this.query<{ value: string }>('SELECT value FROM engine_state WHERE key = $1', [key]);
    return rows[0] ? JSON.parse(rows[0].value) : undefined;
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const { rows } = await this.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = $1`, [id]);
    return rows[0] ? toStoredAlert(rows[0]) : undefined;
  }

  async listAlerts(filter: AlertFilter = {}): Promise<StoredAlert[]> {
    const p = new Params();
    const where = whereOf(filter, p);
    const { rows } = await this.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a ${where} ORDER BY a.time DESC, a.id LIMIT ${p.add(limitOf(filter.limit))}`, p.values);
    return rows.map(toStoredAlert);
  }

  async setAlertState(id: string, state: Exclude<TriageState, 'suppressed'>, by?: string, note?: string, now?: string): Promise<boolean> {
    checkSettableState(state);
    const at = isoNow(now);
    return this.withTransaction(async (client) => {
      const { rows } = await client.query<Omit<TriageRow, 'assignee'>>('SELECT state, close_reason FROM alerts WHERE id = $1 FOR UPDATE', [id]);
      const before = rows[0];
      if (!before) return false;
      await client.query("UPDATE alerts SET state = $1, updated_at = $2, close_reason = CASE WHEN $1 = 'resolved' THEN close_reason END WHERE id = $3", [state, at, id]);
      await appendHistory(client, [{ alertId: id, at, state, by, note }]);
      await appendAudit(client, stateChangeAudit(id, before, state, at, by, note));
      return true;
    });
  }

  async triage(ids: readonly string[], change: TriageChange, by: string, now?: string): Promise<TriageResult> {
    const c = checkedChange(change, by);
    const at = isoNow(now);
    const unique = [...new Set(ids)];
    return this.withTransaction(async (client): Promise<TriageResult> => {
      // Locked in id order (one statement), so two bulk changes over overlapping alerts cannot deadlock.
      const { rows } = await client.query<TriageRow & { id: string }>(
        'SELECT id, state, assignee, close_reason FROM alerts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [unique]);
      const current = new Map(rows.map((r) => [r.id, r]));
      const { result, steps } = planTriage(unique, (id) => current.get(id), c, at, by);
      if (steps.length > 0) {
        await client.query(
          `UPDATE alerts a SET state = u.state, assignee = u.assignee, close_reason = u.close_reason, updated_at = $5
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, state, assignee, close_reason)
            WHERE a.id = u.id`,
          [steps.map((u) => u.id), steps.map((u) => u.state), steps.map((u) => u.assignee), steps.map((u) => u.closeReason), at],
        );
      }
      await appendHistory(client, steps.flatMap((s) => (s.history ? [s.history] : [])));
      await appendAudit(client, steps.flatMap((s) => s.audit));
      return result;
    });
  }

  async auditTrail(filter: AuditFilter = {}): Promise<TriageAuditEntry[]> {
    const p = new Params();
    const clauses: string[] = [];
    if (filter.alertId !== undefined) clauses.push(`alert_id = ${p.add(filter.alertId)}`);
    if (filter.since !== undefined) clauses.push(`at >= ${p.add(iso(filter.since, 'since'))}`);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    // The newest `limit`, returned oldest first (a trail reads forwards).
    const { rows } = await this.query<AuditRow>(
      `SELECT * FROM (SELECT * FROM triage_audit ${where} ORDER BY seq DESC LIMIT ${p.add(limitOf(filter.limit))}) t ORDER BY seq`, p.values);
    return rows.map(toAuditEntry);
  }

  async previewSuppression(scope: SuppressionScope, limit = 100): Promise<SuppressionPreview> {
    const matcher = previewMatcher(scope);
    // The rule narrows in SQL; names need the shared matcher (ASCII-only folding), so they are tested here.
    const p = new Params();
    const where = scope.ruleId !== undefined ? `WHERE a.rule_id = ${p.add(scope.ruleId)}` : '';
    const { rows } = await this.query<Omit<AlertRow, 'history'>>(
      `SELECT a.id, a.tenant, a.state, a.alert FROM alerts a ${where} ORDER BY a.time DESC, a.id`, p.values);
    const { total, byState, shown } = tallyPreview(rows, matcher, limit);
    // Whole stored alerts (with history) only for those shown.
    const alerts: StoredAlert[] = [];
    if (shown.length > 0) {
      const full = await this.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = ANY($1::text[]) ORDER BY a.time DESC, a.id`, [shown.map((r) => r.id)]);
      alerts.push(...full.rows.map(toStoredAlert));
    }
    return { total, byState, alerts };
  }

  async applySuppression(id: string, by: string, now?: string): Promise<string[]> {
    if (typeof by !== 'string' || by.trim() === '') throw new StoreError('applying a suppression needs who did it');
    const at = isoNow(now);
    return this.withTransaction(async (client): Promise<string[]> => {
      const found = await client.query<SuppressionRow>('SELECT * FROM suppressions WHERE id = $1 FOR UPDATE', [id]);
      if (!found.rows[0]) throw new StoreError(`no suppression ${id}`);
      const suppression = toSuppression(found.rows[0]);
      if (suppression.expiresAt !== undefined && suppression.expiresAt <= at) throw new StoreError(`suppression ${id} has expired`);
      const matcher = scopeMatcher(suppression);
      const open = await client.query<{ id: string; tenant: string; alert: string }>(
        "SELECT a.id, a.tenant, a.alert FROM alerts a WHERE a.state IN ('new', 'acknowledged') ORDER BY a.time DESC, a.id");
      const covered = open.rows.filter((a) => matcher.matches(JSON.parse(a.alert) as Alert, a.tenant)).map((a) => a.id);
      if (covered.length === 0) return [];
      // Lock them in id order and read their state again: triage may have changed one since the read above.
      const locked = await client.query<{ id: string; state: TriageState }>(
        "SELECT id, state FROM alerts WHERE id = ANY($1::text[]) AND state IN ('new', 'acknowledged') ORDER BY id FOR UPDATE", [covered]);
      const stateOf = new Map(locked.rows.map((r) => [r.id, r.state]));
      const hit = covered.filter((a) => stateOf.has(a));
      if (hit.length === 0) return [];
      await client.query("UPDATE alerts SET state = 'suppressed', suppression_id = $1, updated_at = $2 WHERE id = ANY($3::text[])", [id, at, hit]);
      await appendHistory(client, hit.map((a) => ({ alertId: a, at, state: 'suppressed' as const, by, note: suppression.reason })));
      await appendAudit(client, hit.map((a) => ({ alertId: a, at, by, action: 'state' as const, from: stateOf.get(a), to: 'suppressed', note: suppression.reason, suppressionId: id })));
      await client.query('UPDATE suppressions SET hits = hits + $1 WHERE id = $2', [hit.length, id]);
      return hit;
    });
  }

  async recordVisit(user: string, now?: string): Promise<string | undefined> {
    const at = isoNow(now);
    // The CTE reads the row as it was before this statement: the previous visit.
    const { rows } = await this.query<{ previous: string | null }>(
      `WITH before AS (SELECT at FROM dashboard_visits WHERE user_name = $1)
       INSERT INTO dashboard_visits (user_name, at) VALUES ($1, $2)
       ON CONFLICT (user_name) DO UPDATE SET at = excluded.at
       RETURNING (SELECT at FROM before) AS previous`, [user, at]);
    return rows[0]?.previous ?? undefined;
  }

  async countAlerts(filter: AlertFilter = {}): Promise<Record<TriageState, number>> {
    const p = new Params();
    const where = whereOf(filter, p);
    const { rows } = await this.query<{ state: TriageState; n: number }>(`SELECT a.state AS state, count(*)::int AS n FROM alerts a ${where} GROUP BY a.state`, p.values);
    const counts = zeroCounts();
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  async addSuppression(s: Omit<Suppression, 'id' | 'hits' | 'createdAt'> & { createdAt?: string }): Promise<Suppression> {
    const suppression = newSuppression(s);
    await this.query(
      `INSERT INTO suppressions (id, rule_id, application, actor, resource, tenant, reason, author, created_at, expires_at, hits)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)`,
      suppressionValues(suppression),
    );
    return suppression;
  }

  async listSuppressions(includeExpired = false, now?: string): Promise<Suppression[]> {
    if (includeExpired) return (await this.query<SuppressionRow>('SELECT * FROM suppressions ORDER BY created_at, id')).rows.map(toSuppression);
    return this.liveSuppressions(isoNow(now));
  }

  async removeSuppression(id: string): Promise<boolean> {
    return ((await this.query('DELETE FROM suppressions WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async dueDeliveries(sink: string, now: string, limit: number): Promise<(OutboxEntry & { alert: Alert })[]> {
    const { rows } = await this.query<DueRow>(
      `SELECT o.sink, o.alert_id, o.attempts, o.next_attempt_at, o.last_error, a.alert
         FROM outbox o JOIN alerts a ON a.id = o.alert_id
        WHERE o.sink = $1 AND o.next_attempt_at <= $2 ORDER BY o.next_attempt_at, o.seq LIMIT $3`,
      [sink, iso(now, 'now'), Math.max(0, Math.floor(limit))],
    );
    return rows.map(toDueDelivery);
  }

  async markDelivered(sink: string, alertId: string, now: string): Promise<void> {
    // One statement: the entry leaves the outbox and enters the log together. A second call (a retry after a
    // crash) finds no entry and changes nothing.
    await this.query(
      `WITH taken AS (DELETE FROM outbox WHERE sink = $1 AND alert_id = $2 RETURNING attempts)
       INSERT INTO deliveries (sink, alert_id, delivered_at, attempts)
       SELECT $1, $2, $3, attempts + 1 FROM taken
       ON CONFLICT (sink, alert_id) DO UPDATE SET delivered_at = excluded.delivered_at, attempts = excluded.attempts`,
      [sink, alertId, iso(now, 'now')],
    );
  }

  async claimDelivery(sink: string, alertId: string, seen: string, until: string): Promise<boolean> {
    const result = await this.query('UPDATE outbox SET next_attempt_at = $1 WHERE sink = $2 AND alert_id = $3 AND next_attempt_at = $4',
      [iso(until, 'until'), sink, alertId, seen]);
    return result.rowCount === 1;
  }

  async markFailed(sink: string, alertId: string, error: string, nextAttemptAt: string): Promise<void> {
    await this.query('UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE sink = $3 AND alert_id = $4',
      [error, iso(nextAttemptAt, 'nextAttemptAt'), sink, alertId]);
  }

  async outboxDepth(): Promise<Record<string, number>> {
    const { rows } = await this.query<{ sink: string; n: number }>('SELECT sink, count(*)::int AS n FROM outbox GROUP BY sink ORDER BY sink');
    return Object.fromEntries(rows.map((r) => [r.sink, r.n]));
  }

  /** Deliveries made to a sink, oldest first (not in AlertStore: for `appwatch status` and tests). */
  async deliveries(sink: string): Promise<{ alertId: string; deliveredAt: string; attempts: number }[]> {
    const { rows } = await this.query<DeliveryRow>(
      'SELECT alert_id, delivered_at, attempts FROM deliveries WHERE sink = $1 ORDER BY delivered_at, seq', [sink]);
    return rows.map(toDelivery);
  }

  async recordSourceHealth(source: string, health: SourceHealth): Promise<void> {
    await this.query(
      `INSERT INTO source_health (source, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [source, JSON.stringify(health), new Date().toISOString()],
    );
  }

  async sourceHealth(): Promise<Record<string, SourceHealth>> {
    const { rows } = await this.query<{ source: string; value: string }>('SELECT source, value FROM source_health ORDER BY source');
    return Object.fromEntries(rows.map((r) => [r.source, JSON.parse(r.value) as SourceHealth]));
  }
}

/** Connects to the database at `url` and brings its schema up to date; errors name the redacted location. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  if (!isPostgresUrl(url)) throw new StoreError(`not a PostgreSQL URL (postgres:// or postgresql://): ${redactStoreLocation(url)}`);
  const store = new PostgresStore(url, options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
