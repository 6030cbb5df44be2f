/**
 * @module cli/commands/store-location
 * Where the alert store is, for every command that uses it (watch, status, alerts, report, serve): `--store`, else
 * `store` in appwatch.yaml (a path relative to that file, or a postgres:// URL), else the default SQLite file.
 * The location shown to people never carries a password.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, type AppwatchConfig } from '../../config/config.js';
import { isPostgresUrl, openStore, redactStoreLocation } from '../../store/open.js';
import { DEFAULT_STORE_PATH } from '../../store/sqlite.js';
import { StoreError } from '../../store/rows.js';
import type { AlertStore } from '../../store/types.js';
import type { Reporter } from '../terminal.js';

export const STORE_OPTION_HELP = `the alert store: a SQLite file, or postgres://… for a fleet (default: store in appwatch.yaml, else ${DEFAULT_STORE_PATH})`;

export interface StoreLocation {
  config: AppwatchConfig;
  configFile?: string;
  /** An absolute file path, or a PostgreSQL URL. */
  location: string;
  /** The location as people may see it (a URL's password replaced). */
  display: string;
  postgres: boolean;
}

export function storeLocation(options: { store?: string; config?: string }): StoreLocation {
  const { config, file } = loadConfig(options.config);
  const given = options.store ?? config.store;
  let location: string;
  if (given !== undefined && isPostgresUrl(given)) location = given;
  // --store is relative to where the command runs; `store` in the file, to the file, like every path in it.
  else if (options.store !== undefined) location = resolve(options.store);
  else location = resolve(config.store ? resolve(file ? dirname(file) : process.cwd(), config.store) : DEFAULT_STORE_PATH);
  const postgres = isPostgresUrl(location);
  return { config, ...(file ? { configFile: file } : {}), location, display: postgres ? redactStoreLocation(location) : location, postgres };
}

/** Whether a reading command may open it: a SQLite file must exist (no empty store from a typo); a server is asked. */
export function storeExists(where: StoreLocation): boolean {
  return where.postgres || existsSync(where.location);
}

export function openStoreAt(where: StoreLocation): Promise<AlertStore> {
  return openStore(where.location);
}

/**
 * Opens the store, or says on stderr why it cannot (a newer schema, not a database, a server that does not answer:
 * StoreError, whose message never carries a password) and gives undefined; the caller exits with the usage code.
 */
export async function openStoreOrSay(where: StoreLocation, reporter: Reporter): Promise<AlertStore | undefined> {
  try {
    return await openStoreAt(where);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    reporter.error(error.message);
    return undefined;
  }
}
