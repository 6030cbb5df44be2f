/**
 * @module fleet/leases
 * Which worker polls which tenant (scale-out.md §4.1). Each tenant is a row of `fleet_leases`; a worker claims due
 * rows with `FOR UPDATE SKIP LOCKED`, which bumps the row's fencing token; a heartbeat extends the leases it still
 * holds; releasing sets the next due time. Every store commit made under a lease checks owner and token in the
 * same transaction (PostgresStore.commitBatch), so a worker that was paused past its lease cannot write.
 *
 * The unit is the tenant, not each of its streams: a tenant's correlation windows and baseline span its audit and
 * sign-in streams, and one writer per tenant keeps that state whole. Time is always the database's `now()`, so
 * workers' clocks never matter.
 */
import type pg from 'pg';

export interface Lease {
  tenant: string;
  owner: string;
  fence: number;
  /** When the lease runs out (database time, ISO). */
  until: string;
}

export interface LeaseRow {
  tenant: string;
  intervalSeconds: number;
  nextRunAt: string;
  owner?: string;
  until?: string;
  fence: number;
  lastOwner?: string;
  lastPollAt?: string;
  polls: number;
  rejectedCommits: number;
}

type Queryable = Pick<pg.Pool, 'query'>;

const isoOf = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? new Date(v).toISOString() : undefined);

/** Makes sure every configured tenant has a row; a changed poll interval is taken. Rows of other tenants stay. */
export async function registerTenants(db: Queryable, tenants: readonly { tenant: string; intervalSeconds: number }[]): Promise<void> {
  if (tenants.length === 0) return;
  await db.query(
    `INSERT INTO fleet_leases (tenant, interval_s)
       SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (tenant) DO UPDATE SET interval_s = excluded.interval_s`,
    [tenants.map((t) => t.tenant), tenants.map((t) => t.intervalSeconds)],
  );
}

/**
 * Claims up to `max` of the given tenants that are due and not leased (or whose lease ran out), oldest due first.
 * Each claim increments the fencing token.
 */
export async function claimDue(db: Queryable, owner: string, tenants: readonly string[], max: number, ttlSeconds: number): Promise<Lease[]> {
  if (max <= 0 || tenants.length === 0) return [];
  const result = await db.query(
    `UPDATE fleet_leases l SET lease_owner = $1, lease_until = now() + make_interval(secs => $2), fence = l.fence + 1
       FROM (SELECT tenant FROM fleet_leases
              WHERE tenant = ANY($3::text[]) AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
              ORDER BY next_run_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
      WHERE l.tenant = due.tenant
      RETURNING l.tenant, l.fence, l.lease_until`,
    [owner, ttlSeconds, tenants, max],
  );
  return result.rows.map((r: { tenant: string; fence: string; lease_until: Date }) => ({ tenant: r.tenant, owner, fence: Number(r.fence), until: isoOf(r.lease_until)! }));
}

/** Extends the leases still held (same owner and token); returns the tenants still held. */
export async function renewLeases(db: Queryable, owner: string, leases: readonly Lease[], ttlSeconds: number): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const result = await db.query(
    `UPDATE fleet_leases l SET lease_until = now() + make_interval(secs => $2)
       FROM unnest($3::text[], $4::bigint[]) AS held(tenant, fence)
      WHERE l.tenant = held.tenant AND l.fence = held.fence AND l.lease_owner = $1
      RETURNING l.tenant`,
    [owner, ttlSeconds, leases.map((l) => l.tenant), leases.map((l) => l.fence)],
  );
  return new Set(result.rows.map((r: { tenant: string }) => r.tenant));
}

/**
 * Gives a lease back after a poll: due again after `nextRunSeconds`, counted. False when the lease was lost in the
 * meantime (then nothing changes: the new holder owns the row).
 */
export async function releaseLease(db: Queryable, lease: Lease, nextRunSeconds: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE fleet_leases SET lease_owner = NULL, lease_until = NULL, last_owner = $2, last_poll_at = now(),
            next_run_at = now() + make_interval(secs => $4), polls = polls + 1
      WHERE tenant = $1 AND lease_owner = $2 AND fence = $3`,
    [lease.tenant, lease.owner, lease.fence, nextRunSeconds],
  );
  return result.rowCount === 1;
}

/** The lease-table key of a stream partition (never a tenant's name: tenants are claimed by their own key). */
export const partitionLeaseKey = (stream: string): string => `stream:${stream}`;

/**
 * Takes a stream partition over for this worker, whoever had it: Kafka's group coordinator decided (the partition
 * was assigned to us), so there is nothing to wait for; the point is the new fencing token, which makes the commits
 * of the previous holder fail if it is still running (a zombie that missed the rebalance). Its next run is never
 * due, so the tenant pollers never claim it.
 */
export async function takeOverPartition(db: Queryable, stream: string, owner: string): Promise<Lease> {
  const result = await db.query(
    `INSERT INTO fleet_leases (tenant, interval_s, next_run_at, lease_owner, fence) VALUES ($1, 0, 'infinity', $2, 1)
     ON CONFLICT (tenant) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = NULL, fence = fleet_leases.fence + 1
     RETURNING fence`,
    [partitionLeaseKey(stream), owner],
  );
  return { tenant: partitionLeaseKey(stream), owner, fence: Number((result.rows[0] as { fence: string }).fence), until: 'infinity' };
}

/** Every lease row, for `appwatch status`. */
export async function listLeases(db: Queryable): Promise<LeaseRow[]> {
  const result = await db.query('SELECT * FROM fleet_leases ORDER BY tenant');
  return result.rows.map((r: Record<string, unknown>) => ({
    tenant: r.tenant as string,
    intervalSeconds: Number(r.interval_s),
    // A stream partition's row is never due ('infinity', which pg reads as Infinity).
    nextRunAt: isoOf(r.next_run_at) ?? 'never',
    ...(r.lease_owner ? { owner: r.lease_owner as string } : {}),
    ...(r.lease_until ? { until: isoOf(r.lease_until)! } : {}),
    fence: Number(r.fence),
    ...(r.last_owner ? { lastOwner: r.last_owner as string } : {}),
    ...(r.last_poll_at ? { lastPollAt: isoOf(r.last_poll_at)! } : {}),
    polls: Number(r.polls),
    rejectedCommits: Number(r.rejected_commits),
  }));
}
