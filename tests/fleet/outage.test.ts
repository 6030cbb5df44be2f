/**
 * How a fleet worker speaks of a database outage: once when it begins, once when it ends (with its length and the
 * attempts that failed), while errors that are not about reaching the database are still printed each time. The
 * errors are the real ones node-postgres raises: a refused connection, a connection the server terminates, and a
 * statement the server refuses.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isConnectionError, StoreOutage } from '../../src/fleet/outage.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { freshDatabase, postgresSkip } from '../helpers/postgres.js';

/** What node-postgres throws for `sql` against `url` (or for connecting at all). */
async function errorOf(url: string, sql = 'SELECT 1'): Promise<Error> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error(`no error from ${sql}`);
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function collectingLog(): { lines: string[]; log: { info(m: string): void; warn(m: string): void; error(m: string): void } } {
  const lines: string[] = [];
  return { lines, log: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } };
}

describe('StoreOutage', () => {
  it('says a refused connection once per outage, and its end with length and attempts', async () => {
    const refused = await errorOf(`postgres://postgres@127.0.0.1:${await closedPort()}/postgres`);
    expect(isConnectionError(refused)).toBe(true);
    // The store's own error for it (its message scrubbed of the password) keeps the driver's code.
    const storeRefused = await openPostgresStore(`postgres://appwatch:s3cret@127.0.0.1:${await closedPort()}/appwatch`).then(() => new Error('opened'), (error: Error) => error);
    expect(storeRefused.message).toMatch(/^cannot reach the store postgres:\/\/appwatch:\*\*\*@127\.0\.0\.1:\d+\/appwatch: connect ECONNREFUSED/);
    expect(isConnectionError(storeRefused)).toBe(true);
    let now = 1_000_000;
    const { lines, log } = collectingLog();
    const outage = new StoreOutage(log, () => now);
    outage.answered();
    expect(lines).toEqual([]);
    for (let i = 0; i < 10; i++) {
      outage.failed(i % 2 ? 'heartbeat failed' : 'claiming tenants failed', refused);
      now += 1000;
    }
    expect(outage.down).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error store unreachable \(claiming tenants failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\); nothing is read from Graph/);
    outage.answered();
    outage.answered();
    expect(lines[1]).toBe('info store reachable again after 10 s (10 failed attempts)');
    expect(lines).toHaveLength(2);
    expect(outage.down).toBe(false);
    // A second outage is said again.
    outage.failed('heartbeat failed', refused);
    expect(lines).toHaveLength(3);
  });

  it.skipIf(postgresSkip !== '')('counts a terminated connection as an outage, and prints every refused statement', async () => {
    const url = await freshDatabase('outage');
    const refusedStatement = await errorOf(url, 'SELECT * FROM no_such_table');
    expect(isConnectionError(refusedStatement)).toBe(false);
    const terminated = await errorOf(url, 'SELECT pg_terminate_backend(pg_backend_pid())');
    expect(isConnectionError(terminated)).toBe(true);

    const { lines, log } = collectingLog();
    const outage = new StoreOutage(log);
    outage.failed('t01', refusedStatement);
    outage.failed('t01', refusedStatement);
    expect(lines).toEqual(['error t01: relation "no_such_table" does not exist', 'error t01: relation "no_such_table" does not exist']);
    expect(outage.down).toBe(false);
    outage.failed('delivery', terminated);
    outage.failed('delivery', terminated);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^error store unreachable \(delivery: terminating connection due to administrator command\)/);
  });
});
