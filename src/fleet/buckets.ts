/**
 * @module fleet/buckets
 * Graph's limits belong to the whole fleet, not to each worker: the identity reports allow 5 requests per 10 s per
 * app per tenant and 122 per 10 s per app across all tenants (learn.microsoft.com/graph/throttling-limits). The
 * token buckets live in PostgreSQL, so adding workers never adds load on Graph; one transaction takes a token from
 * the tenant's bucket and the app's together, or from neither.
 *
 * A bucket of capacity C refilled at r per second lets through at most C + 10·r requests in any 10 s; sizing it
 * as C = N/5, r = 0.8·N/10 keeps every 10 s window at or under N (a sliding limit, as Graph counts).
 */
import type pg from 'pg';

export interface BucketSpec {
  key: string;
  /** The limit per 10 s the bucket keeps to. */
  per10Seconds: number;
}

export function bucketShape(per10Seconds: number): { capacity: number; refillPerSecond: number } {
  const capacity = Math.max(1, Math.floor(per10Seconds / 5));
  return { capacity, refillPerSecond: (per10Seconds - capacity) / 10 };
}

/**
 * Takes one token from each bucket if every one has a token; otherwise takes none and returns how long to wait (ms)
 * before the slowest has one. One statement, so no lock is ever held across a pause of this worker (a stopped or
 * swapped-out process inside a transaction would stall every other worker on the app's bucket); rows are locked
 * in key order, so two workers never deadlock.
 */
export async function takeTokens(pool: Pick<pg.Pool, 'query'>, buckets: readonly BucketSpec[]): Promise<number> {
  const specs = [...buckets].sort((a, b) => a.key.localeCompare(b.key));
  const shapes = specs.map((s) => bucketShape(s.per10Seconds));
  const params = [specs.map((s) => s.key), shapes.map((s) => s.capacity), shapes.map((s) => s.refillPerSecond)];
  await pool.query(
    `INSERT INTO fleet_buckets (key, tokens, capacity, refill_per_s, updated_at)
       SELECT key, cap, cap, rate, now() FROM unnest($1::text[], $2::float8[], $3::float8[]) AS s(key, cap, rate)
     ON CONFLICT (key) DO NOTHING`, params);
  // The configured shape wins over what an older worker stored (a changed limit applies at once).
  const result = await pool.query(
    `WITH spec AS (SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) AS s(key, cap, rate)),
     cur AS (SELECT b.key, spec.cap, spec.rate,
                    LEAST(spec.cap, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * spec.rate) AS level
               FROM fleet_buckets b JOIN spec ON spec.key = b.key ORDER BY b.key FOR UPDATE OF b),
     verdict AS (SELECT bool_and(level >= 1) AS ok FROM cur)
     UPDATE fleet_buckets b
        SET tokens = cur.level - CASE WHEN verdict.ok THEN 1 ELSE 0 END, updated_at = now(), capacity = cur.cap, refill_per_s = cur.rate
       FROM cur, verdict WHERE b.key = cur.key
     RETURNING verdict.ok AS ok, cur.level AS level, cur.rate AS rate`, params);
  const rows = (result.rows as { ok: boolean; level: unknown; rate: unknown }[]).map((r) => ({ ok: r.ok, level: Number(r.level), rate: Number(r.rate) }));
  if (rows.length > 0 && rows[0]!.ok) return 0;
  return Math.max(1, ...rows.filter((r) => r.level < 1).map((r) => Math.ceil(((1 - r.level) / r.rate) * 1000)));
}

/**
 * Waits until a token of every bucket is taken (the GraphClient's `admit` hook in fleet mode). `stillAllowed` is
 * asked last, with nothing awaited between it and the request: a worker whose lease ran out while it waited (or
 * while it was paused) must not send Graph anything more. It throws to say no.
 */
export async function admit(pool: pg.Pool, buckets: readonly BucketSpec[], stillAllowed: () => void = () => undefined, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<void> {
  for (;;) {
    stillAllowed();
    const wait = await takeTokens(pool, buckets);
    if (wait === 0) {
      stillAllowed();
      return;
    }
    // A little jitter, so workers waiting on the same bucket do not all ask again in the same millisecond.
    await sleep(wait + Math.floor(Math.random() * 50));
  }
}
