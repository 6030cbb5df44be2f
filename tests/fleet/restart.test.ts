/**
 * The database goes away and comes back: two `appwatch watch` workers share ten tenants on a PostgreSQL cluster of
 * this test's own (the run's shared cluster serves the other files), which is shut down mid-run for longer than a
 * lease and started again on the same port, as a restart or a failover to the same address would.
 *
 * Proven: the workers live through it (no crash, no exit) and carry on once the server is back; while it is down
 * no Graph request is sent (every request takes a token from the buckets in the database: none can be had, so the
 * fleet's limits hold even then); afterwards no event is missed and no alert duplicated — the stored ids are exactly
 * those the detections raise over every record, and the webhook received each; SIGTERM still ends them cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { expectedAlertIds, pushRound, startFleetTenants, startWorker, waitForCatchUp, writeFleetConfig, type FleetTenant } from '../helpers/fleet.js';
import { postgresSkip, rawQuery } from '../helpers/postgres.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receivers.js';

const TENANTS = 10;
const ROUNDS = 3;
const LEASE_S = 6;
const HEARTBEAT_S = 2;
const INTERVAL_S = 2;
const DOWN_S = LEASE_S + 4;

let work: string;
let simDir: string;
let cluster: PostgresCluster | undefined;
let webhook: WebhookReceiver;
let tenants: FleetTenant[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(postgresSkip !== '')('a worker fleet when PostgreSQL restarts', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'appwatch-fleet-restart-'));
    simDir = join(work, 'sim');
    tenants = await startFleetTenants(simDir, TENANTS, { seed: 43, latencyMs: 50 });
    webhook = await startWebhookReceiver();
    cluster = await startPostgresCluster();
    await rawQuery(cluster.url, 'CREATE DATABASE fleet');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(tenants.map((t) => t.server.close()));
    await webhook?.close();
    await cluster?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('keeps its workers through the outage, sends Graph nothing while the database is down, and misses and repeats nothing', async () => {
    const storeUrl = cluster!.url.replace(/\/postgres$/, '/fleet');
    const config = join(work, 'appwatch.yaml');
    await writeFleetConfig(config, simDir, tenants, { store: storeUrl, intervalSeconds: INTERVAL_S, leaseSeconds: LEASE_S, heartbeatSeconds: HEARTBEAT_S, appRequestsPer10Seconds: 240, webhookUrl: webhook.url });

    pushRound(tenants, 0, ROUNDS);
    const workers = [startWorker(config, 'r1'), startWorker(config, 'r2')];
    const logs = (): string => workers.map((w, i) => `r${i + 1}: ${w.stderr().slice(-2500)}`).join('\n');
    let downFrom = 0;
    let downTo = 0;
    try {
      await sleep(5000);
      pushRound(tenants, 1, ROUNDS);
      await sleep(2000);

      await cluster!.shutdown();
      downFrom = Date.now();
      pushRound(tenants, 2, ROUNDS);
      await sleep(DOWN_S * 1000);
      // Alive through the outage.
      for (const w of workers) expect(w.child.exitCode, logs()).toBe(null);
      downTo = Date.now();
      await cluster!.start();

      const expected = await expectedAlertIds(simDir, tenants);
      expect(expected.size).toBeGreaterThan(TENANTS * 3);
      const store = await openPostgresStore(storeUrl);
      try {
        const stored = await waitForCatchUp(store, expected.size, 90_000, logs);
        expect(stored.length).toBe(new Set(stored).size);
        expect([...stored].sort()).toEqual([...expected].sort());
        const live = (await store.listAlerts({})).filter((a) => a.state !== 'suppressed').map((a) => a.alert.id);
        const hooked = new Set(webhook.accepted().map((r) => r.headers['idempotency-key'] as string));
        expect(live.filter((id) => !hooked.has(id))).toEqual([]);
      } finally {
        await store.close();
      }
      // The last round, pushed while the server was down, was read after it came back.
      for (const t of tenants) expect(t.server.requests.some((r) => r.at > downTo), t.key).toBe(true);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
    }
    for (const w of workers) expect(await w.exited, logs()).toBe(0);

    // Nothing asked of Graph while the database was down: no token can be taken from the buckets there. A request
    // already on its way when the server went (answers take 50 ms) is excused.
    const during = tenants.flatMap((t) => t.server.requests.filter((r) => r.at > downFrom + 500 && r.at < downTo).map((r) => `${t.key} +${r.at - downFrom} ms ${r.userAgent}`));
    expect(during).toEqual([]);
    // And each worker said what happened once, not once per attempt: when the store went, and when it came back.
    for (const w of workers) {
      const text = w.stderr();
      expect(text.match(/store unreachable \(/g), text.slice(-3000)).toHaveLength(1);
      expect(text, text.slice(-3000)).toMatch(/store reachable again after \d+ s \(\d+ failed attempts\)/);
      // A poll in flight when the server went reports its own failure (at most one per tenant held: 4 at a time),
      // but the retries are not a line each (about 20 per worker in 10 s).
      expect(text.split('\n').filter((l) => /ECONNREFUSED|ECONNRESET|terminating connection/.test(l)).length, text.slice(-3000)).toBeLessThanOrEqual(5);
    }
  }, 240_000);
});
