/**
 * PostgresStore: the AlertStore contract on a fresh database per test (reopening = a new pool on the same
 * database), then what only PostgreSQL has: migration records and concurrent migration, newer schemas refused,
 * the audit append-only for any client, pool settings, several workers committing overlapping alerts at once,
 * the lease fence (a stale worker writes nothing), bulk speed, and store URLs whose password is never shown.
 *
 * Needs the cluster of tests/setup/postgres.ts; without PostgreSQL 15 installed the file is skipped, saying why.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/store/migrations/postgres.js';
import { isPostgresUrl, openStore, redactStoreLocation } from '../../src/store/open.js';
import { openPostgresStore, PostgresStore, StoreError, withTransaction } from '../../src/store/postgres.js';
import { LeaseLostError, type AlertStore, type CommitResult } from '../../src/store/types.js';
import { freshDatabase, postgresSkip, rawQuery } from '../helpers/postgres.js';
import { batchOf, makeAlert, storeContract, T0 } from './contract.js';

if (postgresSkip !== '') console.warn(`tests/store/postgres.test.ts: ${postgresSkip}`);

/** The URL each store was opened with, to reopen the same database (the store itself shows only a redacted one). */
const urls = new WeakMap<AlertStore, string>();
async function openAt(url: string): Promise<PostgresStore> {
  const store = await openPostgresStore(url);
  urls.set(store, url);
  return store;
}

/** The same URL with a password (the test cluster trusts every connection, so any password connects). */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

const count = async (url: string, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await rawQuery<{ n: string }>(url, sql, params)).rows[0]!.n);

describe('store locations', () => {
  it('tells PostgreSQL URLs from file paths', () => {
    for (const url of ['postgres://h/db', 'postgresql://u:p@h:5432/db?sslmode=require', 'POSTGRES://h']) expect(isPostgresUrl(url), url).toBe(true);
    for (const path of ['./.appwatch/appwatch.db', '/var/lib/appwatch/store.db', 'postgres.db', 'mysql://h/db', 'C:\\store\\postgres://x']) expect(isPostgresUrl(path), path).toBe(false);
  });

  it('replaces a URL\'s password with *** and leaves paths alone', () => {
    expect(redactStoreLocation('postgres://appwatch:hunter2@db.contoso.com:5432/appwatch')).toBe('postgres://appwatch:***@db.contoso.com:5432/appwatch');
    expect(redactStoreLocation('postgresql://appwatch:p%40ss%2Fw0rd@db/appwatch?sslmode=require')).toBe('postgresql://appwatch:***@db/appwatch?sslmode=require');
    expect(redactStoreLocation('postgres://db/appwatch?user=x&password=hunter2')).toBe('postgres://db/appwatch?user=x&password=***');
    expect(redactStoreLocation('postgres://appwatch@db/appwatch')).toBe('postgres://appwatch@db/appwatch');
    // Not a WHATWG URL (an unencoded space, a bad port): still no password.
    expect(redactStoreLocation('postgres://appwatch:hunter 2@db:99999/appwatch')).not.toContain('hunter');
    expect(redactStoreLocation('./.appwatch/appwatch.db')).toBe('./.appwatch/appwatch.db');
    expect(redactStoreLocation('/tmp/user:pass@x/appwatch.db')).toBe('/tmp/user:pass@x/appwatch.db');
  });
});

describe.skipIf(postgresSkip !== '')('PostgresStore', () => {
  storeContract('postgres', async (previous?: AlertStore) => openAt(previous ? urls.get(previous)! : await freshDatabase('contract')));

  it('records each migration step and refuses a database from a newer appwatch, naming the (redacted) location and both versions', async () => {
    const url = withPassword(await freshDatabase('newer'), 'hunter2-secret');
    const store = await openAt(url);
    expect(await store.migrate()).toBe(POSTGRES_SCHEMA_VERSION);
    await store.close();
    expect((await rawQuery(url, 'SELECT version, name FROM schema_migrations ORDER BY version')).rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    await rawQuery(url, 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [POSTGRES_SCHEMA_VERSION + 41, 'from the future']);
    const error = await openPostgresStore(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(redactStoreLocation(url));
    expect(message).toContain(`schema version ${POSTGRES_SCHEMA_VERSION + 41}`);
    expect(message).toContain(`(${POSTGRES_SCHEMA_VERSION})`);
    expect(message).not.toContain('hunter2');
  });

  it('migrates once when several processes open a new database at the same time', async () => {
    const url = await freshDatabase('race');
    const stores = await Promise.all(Array.from({ length: 4 }, () => openAt(url)));
    expect(await count(url, 'SELECT count(*) AS n FROM schema_migrations')).toBe(POSTGRES_MIGRATIONS.length);
    await stores[0]!.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
    expect((await stores[3]!.getAlert('a1'))?.alert.id).toBe('a1');
    for (const s of stores) await s.close();
  });

  it('keeps the triage audit append-only for every client of the database', async () => {
    const url = await freshDatabase('audit');
    const store = await openAt(url);
    await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
    await store.triage(['a1'], { state: 'acknowledged' }, 'bob', T0);
    await store.close();
    await expect(rawQuery(url, "UPDATE triage_audit SET by = 'mallory'")).rejects.toThrow(/append-only/);
    await expect(rawQuery(url, 'DELETE FROM triage_audit')).rejects.toThrow(/append-only/);
    await expect(rawQuery(url, 'TRUNCATE triage_audit')).rejects.toThrow(/append-only/);
    // Even a statement that would touch no row is refused (statement triggers).
    await expect(rawQuery(url, "DELETE FROM triage_audit WHERE alert_id = 'none'")).rejects.toThrow(/append-only/);
    expect(await count(url, 'SELECT count(*) AS n FROM triage_audit')).toBe(1);
  });

  it('sets the server-side idle-transaction limit and names itself on its connections', async () => {
    const store = await openAt(await freshDatabase('settings'));
    const { rows } = await store.pool.query("SELECT current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('application_name') AS app");
    expect(rows[0]).toEqual({ idle: '1min', app: 'appwatch' });
    expect(store.pool.options.max).toBe(5);
    await store.close();
    await store.close(); // twice is fine
  });

  it('runs withTransaction work atomically: committed when it resolves, rolled back when it throws', async () => {
    const url = await freshDatabase('tx');
    const store = await openAt(url);
    await store.withTransaction(async (c) => {
      await c.query("INSERT INTO fleet_leases (tenant, interval_s) VALUES ('contoso', 60)");
    });
    await expect(withTransaction(store.pool, async (c) => {
      await c.query("INSERT INTO fleet_leases (tenant, interval_s) VALUES ('fabrikam', 60)");
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect((await store.pool.query('SELECT tenant FROM fleet_leases')).rows).toEqual([{ tenant: 'contoso' }]);
    // The pool is still healthy afterwards.
    expect((await store.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await store.close();
  });

  it('logs deliveries with their time and attempts', async () => {
    const store = await openAt(await freshDatabase('deliveries'));
    await store.commitBatch(batchOf([makeAlert({ id: 'o1' }), makeAlert({ id: 'o2' })]));
    await store.markFailed('webhook', 'o2', 'HTTP 500', T0);
    await store.markDelivered('webhook', 'o2', '2026-10-02T00:01:00Z');
    await store.markDelivered('webhook', 'o1', '2026-10-02T00:02:00Z');
    await store.markDelivered('webhook', 'o1', '2026-10-02T00:03:00Z'); // a retry after a crash: nothing changes
    expect(await store.deliveries('webhook')).toEqual([
      { alertId: 'o2', deliveredAt: '2026-10-02T00:01:00.000Z', attempts: 2 },
      { alertId: 'o1', deliveredAt: '2026-10-02T00:02:00.000Z', attempts: 1 },
    ]);
    await store.close();
  });

  it('stores each alert once when two workers (two pools) commit overlapping alert ids at the same time', async () => {
    const url = await freshDatabase('concurrent');
    const a = await openAt(url);
    const b = await openAt(url);
    await a.addSuppression({ scope: { ruleId: 'f00dfeed-0000-4000-8000-000000000000' }, reason: 'noisy', author: 'ops' });
    const ids = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `c-${(from + i).toString().padStart(5, '0')}`);
    const alerts = (list: string[]): Alert[] => list.map((id, i) => makeAlert({ id, ...(i % 7 === 0 ? { ruleId: 'f00dfeed-0000-4000-8000-000000000000' } : {}) }));
    const sinksFor = (): string[] => ['webhook', 'syslog'];
    // Overlaps in opposite orders (the pattern that deadlocks without a fixed lock order), and many at once.
    const batches: [PostgresStore, string[]][] = [
      [a, ids(0, 1500)], [b, ids(500, 2000).reverse()],
      [a, ids(1800, 2600).reverse()], [b, ids(2200, 3000)],
      [b, [...ids(3000, 3300), ...ids(3000, 3300)]], [a, ids(2900, 3200)],
      [a, ids(0, 3300).filter((_, i) => i % 3 === 0)], [b, ids(0, 3300).filter((_, i) => i % 5 === 0)],
    ];
    const results: CommitResult[] = await Promise.all(batches.map(([store, list], n) =>
      store.commitBatch(batchOf(alerts(list), { sinksFor, checkpoints: { [`w/${n}`]: n }, now: T0 }))));
    const unique = new Set(batches.flatMap(([, list]) => list));
    const total = batches.reduce((n, [, list]) => n + list.length, 0);
    const newly = results.reduce((n, r) => n + r.inserted.length + r.suppressed.length, 0);
    expect(newly).toBe(unique.size);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(total - unique.size);
    const queued = results.reduce((n, r) => n + r.inserted.length, 0);
    expect(await count(url, 'SELECT count(*) AS n FROM alerts')).toBe(unique.size);
    expect(await count(url, 'SELECT count(DISTINCT id) AS n FROM alerts')).toBe(unique.size);
    expect(await a.outboxDepth()).toEqual({ syslog: queued, webhook: queued });
    expect(await count(url, 'SELECT count(*) AS n FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.state = $1', ['suppressed'])).toBe(0);
    const suppressed = results.reduce((n, r) => n + r.suppressed.length, 0);
    expect((await b.listSuppressions())[0]?.hits).toBe(suppressed);
    expect(suppressed).toBeGreaterThan(0);
    for (let n = 0; n < batches.length; n++) expect(await b.getCheckpoint(`w/${n}`)).toBe(n);
    await a.close();
    await b.close();
  });

  it('takes turns per tenant when two partitions correlate at once: the one that commits second sees the first', async () => {
    const url = await freshDatabase('correlate');
    const a = await openAt(url);
    const b = await openAt(url);
    // Round after round, both partitions commit an input at the same moment; the correlation needs one of each.
    // Unserialised, both would read the other's state from before the round and neither would raise it.
    const chain = (round: number, others: unknown[], own: string): Alert[] => {
      const inputs = new Set([own, ...others.flatMap((o) => (o as { inputs: string[] }).inputs)]);
      return inputs.has(`audit ${round}`) && inputs.has(`sign-in ${round}`) ? [makeAlert({ id: `chain-${round}` })] : [];
    };
    const commit = (store: PostgresStore, key: string, input: string, round: number): Promise<CommitResult> => store.commitBatch(batchOf([], {
      state: { [key]: { inputs: [input] } },
      correlate: { statePrefix: 'contoso/engine', evaluate: (others) => chain(round, others, input) },
    }));
    for (let round = 1; round <= 10; round++) {
      const [ra, rb] = await Promise.all([
        commit(a, 'contoso/engine/stream:insights-logs-auditlogs:0', `audit ${round}`, round),
        commit(b, 'contoso/engine/stream:insights-logs-signinlogs:0', `sign-in ${round}`, round),
      ]);
      expect([...ra.inserted, ...rb.inserted].map((x) => x.id), `round ${round}`).toEqual([`chain-${round}`]);
    }
    expect(await count(url, 'SELECT count(*) AS n FROM alerts')).toBe(10);
    await a.close();
    await b.close();
  });

  describe('the lease fence (fleet mode)', () => {
    const lease = { tenant: 'contoso', owner: 'worker-1', fence: 3 };
    const setup = async (): Promise<{ url: string; store: PostgresStore }> => {
      const url = await freshDatabase('lease');
      const store = await openAt(url);
      await store.pool.query("INSERT INTO fleet_leases (tenant, interval_s, lease_owner, lease_until, fence) VALUES ('contoso', 60, 'worker-1', now() + interval '1 minute', 3)");
      await store.commitBatch(batchOf([makeAlert({ id: 'before' })], { lease, checkpoints: { 'contoso/audit': 1 }, state: { 'contoso/correlation': { n: 1 } } }));
      return { url, store };
    };
    const rejected = async (store: PostgresStore, tenant = 'contoso'): Promise<number> =>
      Number((await store.pool.query('SELECT rejected_commits FROM fleet_leases WHERE tenant = $1', [tenant])).rows[0]?.rejected_commits);
    const expectNothingWritten = async (store: PostgresStore): Promise<void> => {
      expect((await store.listAlerts()).map((s) => s.alert.id)).toEqual(['before']);
      expect(await store.getCheckpoint('contoso/audit')).toBe(1);
      expect(await store.getState('contoso/correlation')).toEqual({ n: 1 });
      expect(await store.outboxDepth()).toEqual({ webhook: 1 });
    };
    const stale = (over: Partial<typeof lease>) => batchOf([makeAlert({ id: 'late-1' }), makeAlert({ id: 'late-2' })], {
      lease: { ...lease, ...over }, checkpoints: { 'contoso/audit': 2 }, state: { 'contoso/correlation': { n: 2 } }, now: '2026-10-02T00:05:00.000Z',
    });

    it('commits while the worker holds the lease with that fencing token', async () => {
      const { store } = await setup();
      const r = await store.commitBatch(batchOf([makeAlert({ id: 'next' })], { lease, checkpoints: { 'contoso/audit': 2 } }));
      expect(r.inserted.map((a) => a.id)).toEqual(['next']);
      expect(await store.getCheckpoint('contoso/audit')).toBe(2);
      expect(await rejected(store)).toBe(0);
      await store.close();
    });

    it('refuses a stale fence, another owner or an unknown tenant: LeaseLostError, nothing written, the refusal counted', async () => {
      const { store } = await setup();
      for (const [over, n] of [[{ fence: 2 }, 1], [{ owner: 'worker-2' }, 2], [{ fence: 4 }, 3]] as const) {
        const error = await store.commitBatch(stale(over)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LeaseLostError);
        expect(error).toMatchObject({ tenant: 'contoso', owner: over.owner ?? 'worker-1', fence: over.fence ?? 3 });
        await expectNothingWritten(store);
        expect(await rejected(store)).toBe(n);
      }
      await expect(store.commitBatch(stale({ tenant: 'fabrikam' }))).rejects.toBeInstanceOf(LeaseLostError);
      await expectNothingWritten(store);
      // The store is still usable by the worker that does hold the lease.
      expect((await store.commitBatch(stale({}))).inserted).toHaveLength(2);
      await store.close();
    });

    it('waits for a concurrent claim of the tenant, then refuses the batch of the worker it took the lease from', async () => {
      const { url, store } = await setup();
      const other = await openAt(url);
      const claimed = await other.pool.connect();
      try {
        await claimed.query('BEGIN');
        await claimed.query("UPDATE fleet_leases SET lease_owner = 'worker-2', fence = fence + 1, lease_until = now() + interval '1 minute' WHERE tenant = 'contoso'");
        let settled = false;
        const commit = store.commitBatch(stale({})).finally(() => (settled = true));
        commit.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        expect(settled, 'the commit waits on the lease row').toBe(false);
        await claimed.query('COMMIT');
        await expect(commit).rejects.toBeInstanceOf(LeaseLostError);
      } finally {
        claimed.release();
      }
      await expectNothingWritten(store);
      expect(await rejected(store)).toBe(1);
      // The new owner commits with its token.
      expect((await other.commitBatch(stale({ owner: 'worker-2', fence: 4 }))).inserted).toHaveLength(2);
      await other.close();
      await store.close();
    });
  });

  it('commits 10,000 alerts in one batch in well under a few seconds', async () => {
    const store = await openAt(await freshDatabase('bulk'));
    await store.addSuppression({ scope: { actor: 'svc-backup@contoso.com' }, reason: 'backup job', author: 'ops' });
    await store.addSuppression({ scope: { ruleId: 'f00dfeed-0000-4000-8000-000000000000', application: 'Legacy-HR' }, reason: 'legacy', author: 'ops' });
    const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;
    const batch = (prefix: string, n: number): Alert[] => Array.from({ length: n }, (_, i) => makeAlert({
      id: `${prefix}-${i.toString(16).padStart(8, '0')}`,
      severity: severities[i % 5],
      time: new Date(Date.parse(T0) - i * 1000).toISOString(),
    }));
    const sinksFor = (a: { severity: string }): string[] => (a.severity === 'critical' ? ['webhook', 'pager'] : ['webhook']);
    await store.commitBatch(batchOf(batch('warm', 500), { sinksFor }));
    const wall: number[] = [];
    let alerts: Alert[] = [];
    for (let round = 0; round < 2; round++) {
      alerts = batch(`bulk${round}`, 10_000);
      const started = performance.now();
      const result = await store.commitBatch(batchOf(alerts, { sinksFor, checkpoints: { 'contoso/audit': { round } } }));
      wall.push(performance.now() - started);
      expect(result.inserted).toHaveLength(10_000);
    }
    const again = performance.now();
    const dupes = await store.commitBatch(batchOf(alerts));
    const dupElapsed = performance.now() - again;
    console.log(`PostgresStore.commitBatch: 10,000 new alerts in ${wall.map((t) => t.toFixed(0)).join(', ')} ms; the same 10,000 again (duplicates) in ${dupElapsed.toFixed(0)} ms`);
    expect(dupes.duplicates).toBe(10_000);
    expect(await store.outboxDepth()).toEqual({ pager: 4100, webhook: 20_500 });
    // Generous: a guard against a row-at-a-time regression (tens of seconds), not a benchmark.
    expect(Math.min(...wall)).toBeLessThan(10_000);
    await store.close();
  });

  describe('a store URL\'s password is never shown', () => {
    const secret = 'hunter2-Sup3r/secret';
    const encoded = encodeURIComponent(secret);
    const leak = (text: string): boolean => text.includes(secret) || text.includes(encoded) || text.includes('hunter2');

    it('not when the server cannot be reached', async () => {
      const url = `postgres://appwatch:${encoded}@127.0.0.1:1/appwatch`;
      for (const open of [() => openPostgresStore(url, { connectionTimeoutMs: 2000 }), () => openStore(url)]) {
        const error = await open().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        const message = (error as Error).message;
        expect(message).toContain('postgres://appwatch:***@127.0.0.1:1/appwatch');
        expect(message).toMatch(/cannot reach the store/);
        expect(leak(message), message).toBe(false);
        expect(leak(inspect(error, { depth: 10 }))).toBe(false);
      }
    });

    it('not when the database does not exist, nor in a password= parameter', async () => {
      const base = new URL(await freshDatabase('pw'));
      base.pathname = '/no_such_database';
      const inUser = withPassword(base.toString(), secret);
      base.searchParams.set('password', secret);
      for (const url of [inUser, base.toString()]) {
        const error = await openPostgresStore(url).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toMatch(/no_such_database/);
        expect(leak((error as Error).message), (error as Error).message).toBe(false);
        expect(leak(inspect(error, { depth: 10 }))).toBe(false);
      }
    });

    it('not when the store or its pool is printed or serialised', async () => {
      const url = withPassword(await freshDatabase('pw'), secret);
      const store = await openAt(url);
      await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
      expect(store.location).toBe(redactStoreLocation(url));
      for (const text of [inspect(store, { depth: 10 }), String(JSON.stringify(store)), inspect(store.pool, { depth: 6 }), `${store.location}`]) {
        expect(leak(text), text.slice(0, 500)).toBe(false);
      }
      await store.close();
    });
  });
});
