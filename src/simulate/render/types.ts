import type { SimRecord } from '../records.js';
import type { Tenant } from '../tenant.js';

/** Writes the records of one day (sorted by time) in one export format under `dir`. */
export interface LogRenderer {
  writeDay(dayMs: number, records: readonly SimRecord[]): Promise<void>;
  /** Ends the open files; returns every file written. */
  finish(): Promise<string[]>;
}

export interface RenderContext { dir: string; tenant: Tenant }
