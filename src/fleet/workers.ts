/**
 * @module fleet/workers
 * The workers of a fleet, as `appwatch status` shows them: who is running where, since when, and whether its
 * heartbeat is recent. A worker that stops cleanly says so; one that was killed just stops beating.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  stoppedAt?: string;
  /** Seconds since the last heartbeat, by the database's clock. */
  silentSeconds: number;
}

/** A worker id that is unique across hosts and restarts, readable in `status`. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function registerWorker(db: Queryable, id: string, version: string): Promise<void> {
  await db.query(
    `INSERT INTO fleet_workers (id, host, pid, version, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, now(), now())
     ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
       started_at = now(), heartbeat_at = now(), stopped_at = NULL`,
    [id, hostname(), process.pid, version],
  );
}

export async function beat(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE fleet_workers SET heartbeat_at = now() WHERE id = $1', [id]);
}

/** A clean stop: the worker's leases are given back at once, so its tenants move without waiting for expiry. */
export async function stopWorker(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE fleet_leases SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1', [id]);
  await db.query('UPDATE fleet_workers SET stopped_at = now() WHERE id = $1', [id]);
}

export async function listWorkers(db: Queryable): Promise<WorkerRow[]> {
  const result = await db.query(`SELECT *, EXTRACT(EPOCH FROM now() - heartbeat_at) AS silent FROM fleet_workers ORDER BY started_at`);
  return result.rows.map((r: Record<string, unknown>) => ({
    id: r.id as string,
    host: r.host as string,
    pid: Number(r.pid),
    version: r.version as string,
    startedAt: (r.started_at as Date).toISOString(),
    heartbeatAt: (r.heartbeat_at as Date).toISOString(),
    ...(r.stopped_at ? { stoppedAt: (r.stopped_at as Date).toISOString() } : {}),
    silentSeconds: Math.round(Number(r.silent)),
  }));
}
