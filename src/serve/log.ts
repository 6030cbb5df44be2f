/**
 * @module serve/log
 * The dashboard's own audit log, for the changes and reads the store's triage audit has no place for: the triage
 * audit records changes to alerts (its entries name an alert), while removing a suppression changes no alert, and
 * an export reads many. Each entry says who (the server's user, never a value the page sends), when, and what.
 *
 * It is kept as JSON Lines beside the store (`<store>.dashboard-log.jsonl`, created readable by its owner only;
 * for a PostgreSQL store, beside appwatch.yaml), appended to and never rewritten. `appwatch alerts unsuppress`
 * writes to the same log, so a suppression removed from the terminal is recorded as one removed from the page. An
 * entry is written before the action it records: if it cannot be written, the action is refused, so nothing it
 * covers happens unlogged.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Suppression } from '../store/types.js';

export type DashboardLogEntry =
  | { at: string; by: string; action: 'remove-suppression'; suppression: Suppression; via?: 'dashboard' | 'cli' }
  | { at: string; by: string; action: 'export'; format: 'csv' | 'jsonl'; alerts: number; filter: string };

export interface DashboardLog {
  /** Where it is kept, as people read it (a path, or "memory"). */
  readonly where: string;
  append(entry: DashboardLogEntry): Promise<void>;
  /** The newest `limit` entries, oldest first. */
  recent(limit: number): Promise<DashboardLogEntry[]>;
}

/** Where `appwatch serve` keeps the log of a store. */
export const dashboardLogPath = (storePath: string): string => `${storePath}.dashboard-log.jsonl`;

/**
 * The log of a store as `serve` and `alerts` open it: beside a SQLite file; a PostgreSQL store has no file to sit
 * beside, so beside the appwatch.yaml that names it (or in the working folder).
 */
export function dashboardLogFor(where: { location: string; postgres: boolean; configFile?: string }): FileDashboardLog {
  return new FileDashboardLog(where.postgres ? resolve(where.configFile ? dirname(where.configFile) : process.cwd(), 'appwatch-dashboard-log.jsonl') : dashboardLogPath(where.location));
}

export class FileDashboardLog implements DashboardLog {
  constructor(readonly where: string) {}

  async append(entry: DashboardLogEntry): Promise<void> {
    await appendFile(this.where, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', mode: 0o600, flag: 'a' });
  }

  async recent(limit: number): Promise<DashboardLogEntry[]> {
    let text: string;
    try {
      text = await readFile(this.where, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: DashboardLogEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as DashboardLogEntry;
        if (e && typeof e === 'object' && typeof e.at === 'string' && typeof e.action === 'string') entries.push(e);
      } catch {
        // A line cut short (a crash mid-write) is skipped; the rest still reads.
      }
    }
    return entries.slice(-limit);
  }
}

export class MemoryDashboardLog implements DashboardLog {
  readonly where = 'memory';
  readonly entries: DashboardLogEntry[] = [];

  async append(entry: DashboardLogEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
  }

  async recent(limit: number): Promise<DashboardLogEntry[]> {
    return this.entries.slice(-limit);
  }
}
