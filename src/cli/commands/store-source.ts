/**
 * @module cli/commands/store-source
 * The alert store a reading command works on (`report`, `serve`), found as every command finds it
 * (store-location.ts); a SQLite file must exist (reading never creates an empty store). And the optional
 * `--snapshot` beside it. Problems are said on stderr and answered with the usage exit code.
 */
import { loadSnapshot, SnapshotError, type InventorySnapshot } from '../../posture/snapshot.js';
import type { AppwatchConfig } from '../../config/config.js';
import type { Reporter } from '../terminal.js';
import { storeExists, storeLocation, type StoreLocation } from './store-location.js';

export interface ExistingStore {
  config: AppwatchConfig;
  where: StoreLocation;
  /** The file path or URL (store-location.ts); `where.display` is what people see. */
  path: string;
  snapshot?: InventorySnapshot;
}

/** The store location and snapshot, or undefined after saying on stderr what is wrong. */
export function existingStore(options: { store?: string; config?: string; snapshot?: string }, reporter: Reporter): ExistingStore | undefined {
  const where = storeLocation(options);
  if (!storeExists(where)) {
    reporter.error(`no alert store at ${where.display} (appwatch watch creates it; --store names another)`);
    return undefined;
  }
  const found = { config: where.config, where, path: where.location };
  if (!options.snapshot) return found;
  try {
    return { ...found, snapshot: loadSnapshot(options.snapshot) };
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    reporter.error(error.message);
    return undefined;
  }
}
