/**
 * @module fleet/outage
 * A fleet worker retries its store every second or so (claims, heartbeats, deliveries). When the database is down
 * each attempt fails the same way, and a line per attempt would bury the one thing worth saying: it is down, since
 * when, and when it came back. Connection failures are therefore said once, counted, and closed with a line when
 * the store answers again; any other error (a bug, a refused statement) is still printed every time.
 */
import type { WatchLog } from '../watch/watcher.js';

/** Node's socket errors and PostgreSQL's connection-class and shutdown codes (SQLSTATE 08xxx, 57P01–57P03). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03']);

/** Whether an error means the database could not be reached (rather than that it refused what was asked). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  // node-postgres' own words for a socket that closed, or a pool that could not connect in time.
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout/i.test((error as Error | null)?.message ?? '');
}

export class StoreOutage {
  private since: number | undefined;
  private failures = 0;

  constructor(private readonly log: WatchLog, private readonly now: () => number = Date.now) {}

  /**
   * Reports a failed store operation (`what`: "claiming tenants failed", "heartbeat failed", "t01", …). Connection
   * failures are said once per outage; anything else is logged as it comes, as `<what>: <message>`.
   */
  failed(what: string, error: unknown): void {
    const message = (error as Error | null)?.message ?? String(error);
    if (!isConnectionError(error)) {
      this.log.error(`${what}: ${message}`);
      return;
    }
    this.failures++;
    if (this.since !== undefined) return;
    this.since = this.now();
    this.log.error(`store unreachable (${what}: ${message}); nothing is read from Graph until it answers again (every request takes its token there); retrying`);
  }

  /** A store operation succeeded: closes an outage, if one was open, with how long it lasted. */
  answered(): void {
    if (this.since === undefined) return;
    const seconds = Math.round((this.now() - this.since) / 1000);
    this.log.info(`store reachable again after ${seconds} s (${this.failures} failed attempts)`);
    this.since = undefined;
    this.failures = 0;
  }

  get down(): boolean {
    return this.since !== undefined;
  }
}
