/**
 * The fleet, for real: three `appwatch watch` processes share sixty tenants through one PostgreSQL store. Each
 * tenant is served by its own local Graph-speaking server (its audit log growing in rounds, answers taking 150 ms);
 * alerts go to a webhook. One worker is killed with SIGKILL; another is paused (SIGSTOP) past its lease and then
 * resumed, so that commits it had in flight arrive late; then the database drops every connection the workers hold.
 *
 * Proven afterwards, from the Graph servers' request logs and the store:
 * - the killed worker's tenants are polled by the others within the lease time;
 * - no tenant is polled by two leases at once (each request names its worker and fencing token in the User-Agent:
 *   per tenant, the spans of successive tokens never overlap), and the paused worker's late commits were refused;
 * - the workers reconnect after their connections were terminated;
 * - no event missed, no alert duplicated: the stored ids are exactly those the detection engine raises over every
 *   record of every tenant, and the webhook received every id;
 * - Graph's limits held for the whole fleet: at most 5 requests in any 10 s per tenant and the configured app limit
 *   across tenants;
 * - `appwatch status` shows the workers, the leases and every tenant's sources.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { runCli } from '../helpers/cli.js';
import { expectedAlertIds, pushRound, startFleetTenants, startWorker, waitForCatchUp, writeFleetConfig, type FleetTenant } from '../helpers/fleet.js';
import type { RecordedRequest } from '../helpers/graph-server.js';
import { freshDatabase, postgresSkip, rawQuery } from '../helpers/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receivers.js';

const TENANTS = 60;
const ROUNDS = 4;
const LEASE_S = 6;
const HEARTBEAT_S = 2;
const INTERVAL_S = 2;
const APP_LIMIT = 240;

let work: string;
let simDir: string;
let webhook: WebhookReceiver;
let storeUrl: string;
let tenants: FleetTenant[] = [];

/** "appwatch/1.2.3 (worker w1; lease 7)" → worker and fencing token. */
function leaseOf(r: RecordedRequest): { worker: string; fence: number } | undefined {
  const m = /\(worker ([^;]+); lease (\d+)\)/.exec(r.userAgent ?? '');
  return m ? { worker: m[1]!, fence: Number(m[2]) } : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(postgresSkip !== '')('a worker fleet on PostgreSQL', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'appwatch-fleet-'));
    simDir = join(work, 'sim');
    tenants = await startFleetTenants(simDir, TENANTS, { seed: 41, latencyMs: 150 });
    webhook = await startWebhookReceiver();
    storeUrl = await freshDatabase('fleet');
  }, 180_000);

  afterAll(async () => {
    await Promise.all(tenants.map((t) => t.server.close()));
    await webhook?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('moves a killed worker\'s tenants within the lease time, fences a paused one, misses and repeats nothing, and keeps to Graph\'s limits', async () => {
    const config = join(work, 'appwatch.yaml');
    await writeFleetConfig(config, simDir, tenants, { store: storeUrl, intervalSeconds: INTERVAL_S, leaseSeconds: LEASE_S, heartbeatSeconds: HEARTBEAT_S, appRequestsPer10Seconds: APP_LIMIT, webhookUrl: webhook.url });
    const push = (round: number): void => pushRound(tenants, round, ROUNDS);

    push(0);
    const workers = { w1: startWorker(config, 'w1'), w2: startWorker(config, 'w2'), w3: startWorker(config, 'w3') };
    let killedAt = 0;
    let stoppedAt = 0;
    let resumedAt = 0;
    let rejectedCommits = 0;
    try {
      await sleep(6000);
      push(1);
      await sleep(2000);
      workers.w3.child.kill('SIGKILL');
      killedAt = Date.now();
      expect(await workers.w3.exited).toBe(null);
      // Its tenants move (checked below from Graph's side) before the next fault begins.
      await sleep((LEASE_S + INTERVAL_S + HEARTBEAT_S + 2) * 1000);
      push(2);
      // Paused past its lease in the middle of a poll: just after Graph received one of its requests (answers take
      // 150 ms), so that it resumes with an answer to commit under a lease another worker has taken since.
      const inFlight = (): boolean => tenants.some((t) => t.server.requests.some((r) => r.doneAt === undefined && leaseOf(r)?.worker === 'w2'));
      for (const until = Date.now() + 10_000; !inFlight() && Date.now() < until;) await sleep(5);
      expect(inFlight()).toBe(true);
      workers.w2.child.kill('SIGSTOP');
      stoppedAt = Date.now();
      await sleep((LEASE_S + 3 * HEARTBEAT_S) * 1000);
      push(3);
      workers.w2.child.kill('SIGCONT');
      resumedAt = Date.now();
      // Then the database drops every connection the workers have (a failover, an operator's
      // pg_terminate_backend): they must reconnect and carry on, losing nothing.
      await sleep(3000);
      const terminated = await rawQuery<{ n: number }>(storeUrl, 'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(terminated.rows[0]!.n).toBeGreaterThan(0);

      const expected = await expectedAlertIds(simDir, tenants);
      expect(expected.size).toBeGreaterThan(TENANTS * 3);

      // Caught up: every alert stored and delivered.
      const store = await openPostgresStore(storeUrl);
      try {
        const stored = await waitForCatchUp(store, expected.size, 90_000, () => `w1: ${workers.w1.stderr().slice(-2000)}\nw2: ${workers.w2.stderr().slice(-2000)}`);

        // No event missed, no alert invented or stored twice; the webhook saw every id.
        expect(stored.length).toBe(new Set(stored).size);
        expect([...stored].sort()).toEqual([...expected].sort());
        const live = (await store.listAlerts({})).filter((a) => a.state !== 'suppressed').map((a) => a.alert.id);
        const hooked = new Set(webhook.accepted().map((r) => r.headers['idempotency-key'] as string));
        expect(live.filter((id) => !hooked.has(id))).toEqual([]);

        // The paused worker's late commits were refused by the fence and counted.
        const rejected = await store.pool.query('SELECT sum(rejected_commits)::int AS n FROM fleet_leases');
        rejectedCommits = (rejected.rows[0] as { n: number }).n;
      } finally {
        await store.close();
      }
    } finally {
      for (const w of [workers.w1, workers.w2]) {
        if (w.child.exitCode === null) w.child.kill('SIGCONT');
        w.child.kill('SIGTERM');
      }
    }
    if (process.env.APPWATCH_FLEET_DEBUG) {
      for (const [name, w] of Object.entries(workers)) await writeFile(join(process.env.APPWATCH_FLEET_DEBUG, `${name}.log`), w.stderr());
      const t0 = tenants[0]!.server.requests[0]?.at ?? 0;
      const lines = tenants.flatMap((t) => t.server.requests.map((r) => `${t.key} ${r.at - t0} ${(r.doneAt ?? NaN) - t0} ${r.userAgent}`));
      await writeFile(join(process.env.APPWATCH_FLEET_DEBUG, 'requests.log'), `killed ${killedAt - t0} stopped ${stoppedAt - t0} resumed ${resumedAt - t0}\n${lines.join('\n')}\n`);
    }
    expect(await workers.w1.exited, workers.w1.stderr().slice(-2000)).toBe(0);
    expect(await workers.w2.exited, workers.w2.stderr().slice(-2000)).toBe(0);

    expect(rejectedCommits, workers.w2.stderr().slice(-3000)).toBeGreaterThan(0);
    expect(workers.w2.stderr()).toMatch(/lease on t\d\d lost/);

    const all = tenants.flatMap((t) => t.server.requests.map((r) => ({ ...r, tenant: t.key })));
    expect(all.every((r) => leaseOf(r))).toBe(true);

    // The killed worker's tenants: polled again by another worker within lease + interval + heartbeat (+1 s).
    const orphans = tenants.filter((t) => t.server.requests.filter((r) => r.at < killedAt).at(-1) && leaseOf(t.server.requests.filter((r) => r.at < killedAt).at(-1)!)!.worker === 'w3');
    expect(orphans.length).toBeGreaterThan(0);
    for (const t of orphans) {
      const next = t.server.requests.find((r) => r.at > killedAt);
      expect(next, t.key).toBeDefined();
      expect(next!.at - killedAt, t.key).toBeLessThanOrEqual((LEASE_S + INTERVAL_S + HEARTBEAT_S + 1) * 1000);
    }

    // One lease at a time: per tenant, each fencing token's requests come from one worker, and the spans of
    // successive tokens do not overlap. Requests the paused worker had already issued when it was stopped reach
    // Graph when it runs again (within a moment of SIGCONT): those are excused, since what they read cannot be
    // committed (the fence, above); after that moment it sends nothing under a lease it no longer holds.
    const GRACE_MS = 1000;
    let excused = 0;
    for (const t of tenants) {
      const spans = new Map<number, { worker: string; from: number; to: number }>();
      for (const r of t.server.requests) {
        const lease = leaseOf(r)!;
        if (lease.worker === 'w2' && r.at >= resumedAt && r.at < resumedAt + GRACE_MS && [...spans.keys()].some((f) => f > lease.fence)) {
          excused++;
          continue;
        }
        const span = spans.get(lease.fence);
        if (span) {
          expect(span.worker, `${t.key} fence ${lease.fence}`).toBe(lease.worker);
          span.from = Math.min(span.from, r.at);
          span.to = Math.max(span.to, r.doneAt ?? r.at);
        } else spans.set(lease.fence, { worker: lease.worker, from: r.at, to: r.doneAt ?? r.at });
      }
      const ordered = [...spans.entries()].sort(([a], [b]) => a - b);
      for (let i = 1; i < ordered.length; i++) expect(ordered[i]![1].from, `${t.key}: fence ${ordered[i]![0]} began before fence ${ordered[i - 1]![0]} ended`).toBeGreaterThanOrEqual(ordered[i - 1]![1].to);
    }

    // Graph's limits, for the whole fleet: per tenant 5 in any 10 s; the app across tenants APP_LIMIT in any 10 s.
    const maxIn10s = (times: number[]): number => {
      const sorted = [...times].sort((a, b) => a - b);
      let max = 0;
      for (let i = 0, j = 0; i < sorted.length; i++) {
        while (sorted[i]! - sorted[j]! >= 10_000) j++;
        max = Math.max(max, i - j + 1);
      }
      return max;
    };
    for (const t of tenants) expect(maxIn10s(t.server.requests.map((r) => r.at)), t.key).toBeLessThanOrEqual(5);
    const fleetMax = maxIn10s(all.map((r) => r.at));
    expect(fleetMax).toBeLessThanOrEqual(APP_LIMIT);
    console.log(`fleet: ${all.length} Graph requests, busiest 10 s ${fleetMax} (limit ${APP_LIMIT}); paused ${((resumedAt - stoppedAt) / 1000).toFixed(1)} s; ${rejectedCommits} late commits refused; ${excused} requests issued before the pause excused`);

    // `appwatch status` on the fleet store: workers, leases, tenants' sources.
    const status = await runCli(['status', '--config', config, '--format', 'json']);
    const report = JSON.parse(status.stdout) as { workers: { id: string; stoppedAt?: string; silentSeconds: number }[]; leases: { tenant: string; polls: number; rejectedCommits: number }[]; sources: { source: string }[] };
    expect(report.workers.map((w) => w.id).sort()).toEqual(['w1', 'w2', 'w3']);
    expect(report.workers.find((w) => w.id === 'w3')!.stoppedAt).toBeUndefined();
    expect(report.workers.filter((w) => w.stoppedAt).map((w) => w.id).sort()).toEqual(['w1', 'w2']);
    expect(report.leases).toHaveLength(TENANTS);
    expect(report.leases.every((l) => l.polls > 0)).toBe(true);
    expect(report.sources.map((s) => s.source).sort()).toEqual(tenants.map((t) => `${t.key}/audit`).sort());
    // And for people: a line per worker and per tenant.
    const table = await runCli(['status', '--config', config]);
    expect(table.stdout).toMatch(/^worker w3 {2}SILENT {2}\S+ pid \d+ {2}started \S+ {2}last heartbeat \d+ s ago {2}holds \d+$/m);
    expect(table.stdout).toMatch(/^worker w1 {2}stopped /m);
    expect(table.stdout).toMatch(/^tenant t00 {2}due \S+ {2}polls \d+ {2}fenced-off commits \d+ {2}lag \d+ min {2}throttled \d+$/m);
  }, 300_000);
});
