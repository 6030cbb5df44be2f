/**
 * @module fleet/worker
 * `appwatch watch --store postgres://…`: one worker of a fleet. It claims due tenants (fleet/leases.ts), polls each
 * with the same Watcher code as a single process, commits every batch fenced by the lease, gives the lease back
 * with the next due time, and beats: the worker row and every lease it holds, every heartbeat interval. A lease
 * that could not be renewed is dropped at once; a commit made under it anyway is refused by the store.
 */
import type pg from 'pg';
import type { TenantConfig } from '../config/config.js';
import { LeaseLostError } from '../store/types.js';
import { emptySummary, tenantKey, type CycleSummary, type WatchLog, type Watcher } from '../watch/watcher.js';
import { StoreOutage } from './outage.js';
import { claimDue, registerTenants, releaseLease, renewLeases, type Lease } from './leases.js';
import { beat, registerWorker, stopWorker } from './workers.js';

export const DEFAULT_FLEET = { leaseSeconds: 30, heartbeatSeconds: 10, appRequestsPer10Seconds: 122, concurrency: 4 } as const;

export interface FleetWorkerOptions {
  pool: pg.Pool;
  watcher: Watcher;
  tenants: readonly TenantConfig[];
  id: string;
  version: string;
  intervalSeconds: number;
  leaseSeconds: number;
  heartbeatSeconds: number;
  /** Tenants polled at once by this worker. */
  concurrency: number;
  log: WatchLog;
  deliver: () => Promise<void>;
}

export class FleetWorker {
  /** The leases this worker holds now, by tenant key. */
  private readonly held = new Map<string, Lease>();
  /** When each held lease runs out by this process's monotonic clock (performance.now()). */
  private readonly deadlines = new WeakMap<Lease, number>();
  private readonly byKey: Map<string, TenantConfig>;
  /** Says a database outage once, and when it ends, rather than a line per failed attempt. */
  private readonly outage: StoreOutage;

  constructor(private readonly options: FleetWorkerOptions) {
    this.byKey = new Map(options.tenants.map((t) => [tenantKey(t), t]));
    this.outage = new StoreOutage(options.log);
  }

  /**
   * Just before each Graph request of a tenant: the lease must be held and within its deadline by this process's
   * monotonic clock, else the poll ends with LeaseLostError. The deadline is counted from before the claim or
   * renewal was sent, so it is never later than the database's; and it needs no round trip, so a worker paused
   * past its lease learns it the moment it runs again, before sending anything. (What it read before the pause it
   * cannot commit: the store checks the fence.)
   */
  assertLease(tenant: TenantConfig): void {
    const key = tenantKey(tenant);
    const lease = this.held.get(key);
    if (!lease) throw new LeaseLostError(key, this.options.id, -1);
    if (performance.now() > (this.deadlines.get(lease) ?? 0)) throw new LeaseLostError(key, lease.owner, lease.fence);
  }

  /** The fencing token of the lease held on a tenant (for the User-Agent Graph sees), if any. */
  fenceOf(tenant: TenantConfig): number | undefined {
    return this.held.get(tenantKey(tenant))?.fence;
  }

  private async heartbeat(): Promise<void> {
    const { pool, id, leaseSeconds } = this.options;
    await beat(pool, id);
    const leases = [...this.held.values()];
    const sent = performance.now();
    const kept = await renewLeases(pool, id, leases, leaseSeconds);
    this.outage.answered();
    for (const lease of leases) {
      if (kept.has(lease.tenant)) this.deadlines.set(lease, sent + leaseSeconds * 1000);
      if (kept.has(lease.tenant) || this.held.get(lease.tenant) !== lease) continue;
      this.held.delete(lease.tenant);
      this.options.log.warn(`lease on ${lease.tenant} lost (fence ${lease.fence}): another worker has it now`);
    }
  }

  private async pollLease(lease: Lease, summary: CycleSummary): Promise<void> {
    const tenant = this.byKey.get(lease.tenant)!;
    const { watcher, pool, intervalSeconds, log } = this.options;
    // The previous holder may have moved the tenant's baseline and windows on: start from the stored state.
    watcher.forgetTenant(tenant);
    try {
      await watcher.pollTenant(tenant, summary, { tenant: lease.tenant, owner: lease.owner, fence: lease.fence });
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      log.warn(`${lease.tenant}: ${error.message}`);
    } finally {
      if (this.held.get(lease.tenant) === lease) {
        this.held.delete(lease.tenant);
        await releaseLease(pool, lease, intervalSeconds).catch((error: Error) => this.outage.failed(`${lease.tenant}: could not release the lease`, error));
      }
    }
  }

  /** Beats every heartbeat interval (one beat at a time) until the returned function is called. */
  private startHeartbeat(): () => void {
    let beating = false;
    const timer = setInterval(() => {
      if (beating) return;
      beating = true;
      this.heartbeat().catch((error: Error) => this.outage.failed('heartbeat failed', error)).finally(() => { beating = false; });
    }, this.options.heartbeatSeconds * 1000);
    return () => clearInterval(timer);
  }

  /** Claims and polls until the signal aborts; then finishes what it holds and gives every lease back. */
  async run(signal: AbortSignal, onCycle?: (summary: CycleSummary) => void): Promise<void> {
    const { pool, id, version, tenants, intervalSeconds, leaseSeconds, concurrency, log } = this.options;
    await registerWorker(pool, id, version);
    await registerTenants(pool, tenants.map((t) => ({ tenant: tenantKey(t), intervalSeconds })));
    const keys = [...this.byKey.keys()];
    const stopBeating = this.startHeartbeat();
    const inflight = new Set<Promise<void>>();
    try {
      while (!signal.aborted) {
        let claimed: Lease[] = [];
        const sent = performance.now();
        try {
          claimed = await claimDue(pool, id, keys, concurrency - inflight.size, leaseSeconds);
          this.outage.answered();
        } catch (error) {
          this.outage.failed('claiming tenants failed', error);
        }
        for (const lease of claimed) {
          this.held.set(lease.tenant, lease);
          this.deadlines.set(lease, sent + leaseSeconds * 1000);
          const summary = emptySummary();
          const task = this.pollLease(lease, summary)
            .catch((error: Error) => this.outage.failed(lease.tenant, error))
            .then(async () => {
              await this.options.deliver().catch((error: Error) => this.outage.failed('delivery', error));
              onCycle?.(summary);
            })
            .finally(() => inflight.delete(task));
          inflight.add(task);
        }
        // Wake when a poll ends (a slot is free) or after a short while (something may be due).
        await Promise.race([new Promise((r) => setTimeout(r, claimed.length > 0 ? 200 : 1000)), ...inflight]);
        if (signal.aborted) break;
      }
      await Promise.all(inflight);
    } finally {
      stopBeating();
      await stopWorker(pool, id).catch((error: Error) => log.error(`could not sign the worker off: ${error.message}`));
    }
  }

  /** One claim of every due tenant, polled, then given back (`watch --once` on a fleet store). */
  async runOnce(): Promise<CycleSummary> {
    const { pool, id, version, tenants, intervalSeconds, leaseSeconds, log } = this.options;
    await registerWorker(pool, id, version);
    await registerTenants(pool, tenants.map((t) => ({ tenant: tenantKey(t), intervalSeconds })));
    const total = emptySummary();
    const stopBeating = this.startHeartbeat();
    const leases: Lease[] = [];
    try {
      // A tenant at a time, each claimed just before it is polled, so no lease waits out its time in a queue.
      for (const key of this.byKey.keys()) {
        const sent = performance.now();
        const [lease] = await claimDue(pool, id, [key], 1, leaseSeconds);
        if (!lease) continue;
        leases.push(lease);
        this.held.set(lease.tenant, lease);
        this.deadlines.set(lease, sent + leaseSeconds * 1000);
        await this.pollLease(lease, total).catch((error: Error) => { total.errors++; log.error(`${lease.tenant}: ${error.message}`); });
      }
      await this.options.deliver();
    } finally {
      stopBeating();
      await stopWorker(pool, id);
    }
    if (leases.length < this.byKey.size) log.info(`${this.byKey.size - leases.length} tenants not due or held by other workers`);
    return total;
  }
}
