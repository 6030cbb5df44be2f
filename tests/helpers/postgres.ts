/**
 * PostgreSQL for tests: the run's private cluster (started by the globalSetup tests/setup/postgres.ts) and a fresh,
 * empty database per use, so test files and tests never see each other's rows however they run in parallel.
 *
 *   describe.skipIf(postgresSkip !== '')('…', () => { … const url = await freshDatabase('fleet'); … });
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The cluster's maintenance database URL (trust auth, no password), or '' when PostgreSQL tests are skipped. */
export const postgresUrl: string = inject('postgresUrl') ?? '';

/** Why PostgreSQL tests are skipped; '' when the cluster is available. */
export const postgresSkip: string = postgresUrl !== ''
  ? ''
  : inject('postgresSkip') || 'PostgreSQL tests skipped: tests/setup/postgres.ts is not registered as a vitest globalSetup';

let counter = 0;

/** The URL of database `name` on the test cluster. */
export function databaseUrl(name: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on its own connection (for raw SQL: what a client other than appwatch could do). */
export async function rawQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates an empty database with a unique name (`prefix` first, to tell them apart in pg_stat_activity) and
 * returns its URL. The cluster is deleted after the run, so nothing drops them.
 */
export async function freshDatabase(prefix = 'test'): Promise<string> {
  if (postgresSkip !== '') throw new Error(postgresSkip);
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30) || 'test';
  const name = `${safe}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await rawQuery(postgresUrl, `CREATE DATABASE "${name}"`);
  return databaseUrl(name);
}
