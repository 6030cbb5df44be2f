/**
 * @module store/open
 * One `--store` value, either kind of store: a postgres:// or postgresql:// URL opens PostgreSQL (the fleet), any
 * other value is a SQLite file path. Locations are printed only through redactStoreLocation: a URL's password
 * never reaches a terminal or a log.
 */
import { isPostgresUrl, openPostgresStore, redactStoreLocation } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { AlertStore } from './types.js';

export { isPostgresUrl, redactStoreLocation };

/** Opens (and migrates) the store at `location`: PostgreSQL for a postgres URL, else a SQLite file. */
export async function openStore(location: string): Promise<AlertStore> {
  return isPostgresUrl(location) ? openPostgresStore(location) : openSqliteStore(location);
}
