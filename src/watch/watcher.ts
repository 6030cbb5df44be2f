/**
 * @module watch/watcher
 * `appwatch watch`: follows each configured tenant's sources, runs the detections on what is new, and commits
 * alerts, checkpoints and engine state to the store in one transaction per batch (src/store/types.ts), then lets
 * the outbox deliver. A crash loses nothing: before the commit the same events are read again (same alert ids);
 * after it, reading resumes past them.
 */
import type { Alert } from '../alerts/types.js';
import type { AppwatchConfig, TenantConfig } from '../config/config.js';
import type { Ruleset } from '../detect/ruleset.js';
import type { CanonicalEvent } from '../model/event.js';
import { GraphError, type GraphClient } from '../posture/graph/client.js';
import { LeaseLostError, type AlertStore, type CommitBatch, type SourceHealth } from '../store/types.js';
import { isStreamSource } from '../stream/config.js';
import { engineStatePrefix, TenantEngine, type EngineState } from './engine.js';
import { pollDiagnosticFolder, type FolderCheckpoint } from './folder-source.js';
import { pollGraphLog, streamsOf, type GraphLogCheckpoint, type LogStream } from './graph-logs.js';

export const DEFAULT_POLL = { intervalSeconds: 60, overlapMinutes: 15, lookbackMinutes: 60 } as const;

/** Whether a tenant also has stream sources (their engines then share correlations with the polled one's). */
const streamsToo = (tenant: TenantConfig): boolean => tenant.sources.some((s) => isStreamSource(s));

export interface WatchLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What every source of `watch` (polled or streamed) runs its batches through: rules, store, sinks, log. */
export interface WatchPipeline {
  store: AlertStore;
  config: AppwatchConfig;
  ruleset: Ruleset;
  log: WatchLog;
  /** The sinks an alert goes to (each sink's minimum severity). */
  sinksFor: (alert: Alert) => string[];
  /** Delivers what the outbox holds; called after commits that stored new alerts. */
  deliver: () => Promise<void>;
  dns?: boolean;
  now?: () => number;
}

export interface WatcherOptions extends WatchPipeline {
  /** The Graph client of a tenant (built once, on first use). */
  graphClient: (tenant: TenantConfig) => GraphClient;
}

export interface CycleSummary { events: number; alerts: number; suppressed: number; duplicates: number; errors: number }

export const emptySummary = (): CycleSummary => ({ events: 0, alerts: 0, suppressed: 0, duplicates: 0, errors: 0 });

/** The name a tenant's alerts, checkpoints, state and lease are stored under. */
export const tenantKey = (t: TenantConfig): string => t.name ?? t.id;

/** What a failed poll means for the user, in words: a 403 on sign-ins is usually a licence, not an empty log. */
export function explainPollError(stream: string, error: unknown): { message: string; gap?: string } {
  if (error instanceof GraphError) {
    if (/(^|\/)signins:/.test(stream) && (error.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' || (error.status === 403 && /premium|licen[cs]e/i.test(error.message)))) {
      return { message: `${stream}: ${error.message}`, gap: 'not licensed (Entra ID P1/P2 needed for sign-ins through Graph)' };
    }
    if (error.status === 403) return { message: `${stream}: ${error.message}`, gap: 'access denied (needs AuditLog.Read.All and Directory.Read.All)' };
    if (error.status === 429 || error.code === 'throttled') return { message: `${stream}: throttled out: ${error.message}`, gap: 'throttled: will catch up from the checkpoint' };
    return { message: `${stream}: ${error.message}` };
  }
  return { message: `${stream}: ${(error as Error).message}` };
}

export class Watcher {
  private readonly engines = new Map<string, TenantEngine>();
  private readonly clients = new Map<string, GraphClient>();
  private readonly now: () => number;

  constructor(private readonly options: WatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  private async engine(tenant: TenantConfig): Promise<TenantEngine> {
    const key = tenantKey(tenant);
    let engine = this.engines.get(key);
    if (!engine) {
      const state = (await this.options.store.getState(engineStatePrefix(key))) as EngineState | undefined;
      engine = new TenantEngine(this.options.ruleset, this.options.config, { dns: Boolean(this.options.dns), shared: streamsToo(tenant) }, state?.version === 1 ? state : undefined);
      this.engines.set(key, engine);
    }
    return engine;
  }

  private client(tenant: TenantConfig): GraphClient {
    const key = tenantKey(tenant);
    let client = this.clients.get(key);
    if (!client) this.clients.set(key, (client = this.options.graphClient(tenant)));
    return client;
  }

  /** Runs the detections on a batch and commits everything it changes in one transaction. */
  private async commit(tenant: TenantConfig, source: string, events: CanonicalEvent[], checkpoint: unknown, summary: CycleSummary, lease?: CommitBatch['lease']): Promise<void> {
    const key = tenantKey(tenant);
    const engine = await this.engine(tenant);
    // A tenant that also streams (Event Hubs, Kafka) has engines per partition beside this one: correlations are
    // then evaluated at commit over all of them (as the stream runner does), so a chain across both is seen.
    const shared = streamsToo(tenant) && events.length > 0;
    const alerts = events.length > 0 ? await engine.process(events, { correlate: !shared }) : [];
    const result = await this.options.store.commitBatch({
      tenant: key, alerts, checkpoints: { [source]: checkpoint }, state: { [engineStatePrefix(key)]: engine.state() },
      ...(shared ? { correlate: { statePrefix: engineStatePrefix(key), evaluate: (others: unknown[]) => engine.shareWith(others) } } : {}),
      sinksFor: this.options.sinksFor, now: new Date(this.now()).toISOString(), ...(lease ? { lease } : {}),
    });
    summary.events += events.length;
    summary.alerts += result.inserted.length;
    summary.suppressed += result.suppressed.length;
    summary.duplicates += result.duplicates;
    for (const alert of result.inserted) this.options.log.info(`[${alert.severity}] ${key}: ${alert.summary}`);
    if (result.inserted.length > 0) await this.options.deliver();
  }

  private async health(source: string, update: Partial<SourceHealth>): Promise<void> {
    const previous = (await this.options.store.sourceHealth())[source];
    // A successful poll's attempt is its success (one time, so `status` never reads it as failing).
    const now = update.lastSuccess ?? new Date(this.now()).toISOString();
    const next: SourceHealth = { throttled: previous?.throttled ?? 0, ...previous, ...update, lastAttempt: now };
    if (update.lastSuccess) {
      delete next.lastError;
      delete next.gap;
    }
    await this.options.store.recordSourceHealth(source, next);
  }

  /** One pass over every tenant and source. */
  async pollOnce(): Promise<CycleSummary> {
    const summary = emptySummary();
    for (const tenant of this.options.config.tenants ?? []) await this.pollTenant(tenant, summary);
    await this.options.deliver();
    return summary;
  }

  /**
   * Forgets a tenant's engine, so the next poll loads its state from the store: a fleet worker does this when it
   * claims a tenant, because the worker that polled it last may have moved its baseline and windows on.
   */
  forgetTenant(tenant: TenantConfig): void {
    this.engines.delete(tenantKey(tenant));
  }

  /**
   * Every source of one tenant. With a lease (fleet mode), each commit is fenced by it: a worker that lost the
   * lease gets LeaseLostError from the store, which ends this tenant's poll at once (the new holder re-reads).
   */
  async pollTenant(tenant: TenantConfig, summary: CycleSummary, lease?: CommitBatch['lease']): Promise<void> {
    const poll = { ...DEFAULT_POLL, ...this.options.config.poll };
    const key = tenantKey(tenant);
    for (const source of tenant.sources) {
      if (typeof source === 'object') {
        // Streams are consumed, not polled (src/stream/).
        if (!('diagnosticFolder' in source)) continue;
        const name = `${key}/folder:${source.diagnosticFolder}`;
        try {
          const checkpoint = (await this.options.store.getCheckpoint(name)) as FolderCheckpoint | undefined;
          const result = await pollDiagnosticFolder(source.diagnosticFolder, checkpoint);
          for (const issue of result.skipped.slice(0, 20)) this.options.log.warn(`${issue.file}:${issue.line}: skipped: ${issue.reason}`);
          if (result.skipped.length > 20) this.options.log.warn(`${name}: ${result.skipped.length - 20} more skipped lines`);
          await this.commit(tenant, name, result.events, result.checkpoint, summary, lease);
          const newest = result.events.at(-1)?.appwatch.time;
          await this.health(name, { lastSuccess: new Date(this.now()).toISOString(), ...(newest ? { newestEvent: newest } : {}), ...(result.skipped.length > 0 ? { lastError: `${result.skipped.length} lines skipped in the last poll` } : {}) });
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          summary.errors++;
          this.options.log.error(`${name}: ${(error as Error).message}`);
          await this.health(name, { lastError: (error as Error).message });
        }
        continue;
      }
      for (const stream of streamsOf(source)) {
        const name = `${key}/${stream}`;
        try {
          const client = this.client(tenant);
          const throttledBefore = client.stats.throttled;
          const checkpoint = (await this.options.store.getCheckpoint(name)) as GraphLogCheckpoint | undefined;
          const result = await pollGraphLog(client, stream as LogStream, checkpoint, {
            overlapMs: poll.overlapMinutes * 60_000,
            firstFromMs: this.now() - poll.lookbackMinutes * 60_000,
          });
          for (const r of result.rejected) this.options.log.warn(`${name}: record ${r.id ?? '?'} skipped: ${r.reason}`);
          await this.commit(tenant, name, result.events, result.checkpoint, summary, lease);
          const previous = (await this.options.store.sourceHealth())[name];
          await this.health(name, {
            lastSuccess: new Date(this.now()).toISOString(), ...(result.checkpoint.newest ? { newestEvent: result.checkpoint.newest } : {}),
            throttled: (previous?.throttled ?? 0) + (client.stats.throttled - throttledBefore),
            ...(result.rejected.length > 0 ? { lastError: `${result.rejected.length} records skipped in the last poll` } : {}),
          });
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          summary.errors++;
          const explained = explainPollError(name, error);
          this.options.log.error(explained.gap ? `${explained.message} — ${explained.gap}` : explained.message);
          await this.health(name, { lastError: explained.message, ...(explained.gap ? { gap: explained.gap } : {}) });
        }
      }
    }
  }

  /** Polls every interval until the signal aborts; the current step finishes first. */
  async run(signal: AbortSignal, onCycle?: (summary: CycleSummary) => void): Promise<void> {
    const interval = (this.options.config.poll.intervalSeconds ?? DEFAULT_POLL.intervalSeconds) * 1000;
    while (!signal.aborted) {
      const started = this.now();
      const summary = await this.pollOnce();
      onCycle?.(summary);
      const wait = Math.max(0, interval - (this.now() - started));
      await new Promise<void>((resolve) => {
        // One listener per wait, removed when the wait ends (a listener per cycle would pile up for ever).
        const onAbort = (): void => { clearTimeout(timer); resolve(); };
        const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, wait);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
