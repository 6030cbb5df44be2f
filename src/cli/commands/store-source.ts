/**
 * @module cli/commands/store-source
 * The alert store a reading command works on (`report`, `serve`): `--store`, else `store` in appwatch.yaml
 * (relative to that file), else the default; it must exist (reading never creates an empty store). And the
 * optional `--snapshot` beside it. Problems are said on stderr and answered with the usage exit code.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, type AppwatchConfig } from '../../config/config.js';
import { loadSnapshot, SnapshotError, type InventorySnapshot } from '../../posture/snapshot.js';
import { DEFAULT_STORE_PATH } from '../../store/sqlite.js';
import type { Reporter } from '../terminal.js';

export interface ExistingStore { config: AppwatchConfig; path: string; snapshot?: InventorySnapshot }

/** The store path and snapshot, or undefined after saying on stderr what is wrong. */
export function existingStore(options: { store?: string; config?: string; snapshot?: string }, reporter: Reporter): ExistingStore | undefined {
  const { config, file } = loadConfig(options.config);
  const path = resolve(options.store ?? (config.store ? resolve(file ? dirname(file) : process.cwd(), config.store) : DEFAULT_STORE_PATH));
  if (!existsSync(path)) {
    reporter.error(`no alert store at ${path} (appwatch watch creates it; --store names another)`);
    return undefined;
  }
  if (!options.snapshot) return { config, path };
  try {
    return { config, path, snapshot: loadSnapshot(options.snapshot) };
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    reporter.error(error.message);
    return undefined;
  }
}
