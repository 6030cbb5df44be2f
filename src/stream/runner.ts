/**
 * @module stream/runner
 * `appwatch watch` for stream sources: each tenant's Event Hubs / Kafka consumers feed their batches to the same
 * detections as polling (`TenantEngine`) and the same store transaction (`commitBatch`: alerts, checkpoint, engine
 * state, outbox), then the outbox delivers. Only after that commit does the consumer commit the offsets to the
 * broker (stream/consumer.ts).
 *
 * State is kept per (tenant, topic, partition): engine state under `<tenant>/engine/stream:<topic>:<partition>`
 * and a checkpoint `<tenant>/stream:<topic>:<partition>` holding the next offset, written in the same transaction.
 * A partition belongs to one group member at a time, so two consumers never write the same state. Rules run per
 * partition (no order across partitions is promised); correlations are evaluated at each commit over the inputs of
 * every engine of the tenant (its partitions, and its polled sources' engine), taking turns with the tenant's other
 * commits, so a chain whose steps sit in different hubs is still seen; the same commit teaches the partition's
 * baseline what the other engines have learned.
 *
 * The checkpoint makes the engine state exactly-once: messages the broker delivers again (a crash between the store
 * commit and the offset commit, a rebalance) are below the checkpoint and are not fed to the engine a second time,
 * where they would count twice in correlation windows. Alerts are effectively-once on top of that: their ids are
 * deterministic and the store keeps one row per id, so a zombie consumer's late batch only adds `duplicates`; on a
 * fleet store its commit is refused outright (the partition's fencing token, `partitionLease`).
 */
import { inertLine } from '../cli/terminal.js';
import type { AppwatchConfig, TenantConfig } from '../config/config.js';
import type { CanonicalEvent } from '../model/event.js';
import { LeaseLostError, type SourceHealth } from '../store/types.js';
import { engineStatePrefix, TenantEngine, type EngineState } from '../watch/engine.js';
import { tenantKey, type WatchLog, type WatchPipeline } from '../watch/watcher.js';
import { isStreamSource, type StreamSource } from './config.js';
import { groupIdOf, kafkaClientConfig, StreamConfigError } from './connection.js';
import { KafkaJsConsumer, type ConsumerStatus, type StreamBatch, type StreamConsumer } from './consumer.js';
import { readMessage, type StreamSkip } from './records.js';

/** The checkpoint of one partition (informational: the broker holds the group's real offsets). */
export interface StreamCheckpoint {
  /** The offset after the last message committed to the store, in decimal. */
  next: string;
  topic: string;
  partition: number;
  group: string;
  /** Newest event time read from the partition. */
  newestEvent?: string;
}

export interface StreamSummary {
  batches: number;
  messages: number;
  records: number;
  events: number;
  alerts: number;
  suppressed: number;
  duplicates: number;
  /** Records or whole messages that could not be read (reported with topic, partition and offset). */
  skipped: number;
  /** Messages delivered again that the store already held (below the checkpoint): not read twice. */
  replayed: number;
  /** Batches that failed (not committed: the broker delivers them again) and consumers that never joined (--once). */
  errors: number;
  /** Records per category, as dispatched. */
  categories: Record<string, number>;
}

export interface StreamRunnerOptions extends WatchPipeline {
  /** Where secrets are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Fleet mode (PostgreSQL): takes a partition over with a new fencing token, given the partition's stream name
   * (`<tenant>/stream:<topic>:<partition>`). Asked at the first batch after each group join; every commit of the
   * partition then carries that token, so a consumer that missed a rebalance cannot move the partition's checkpoint
   * or engine state back.
   */
  partitionLease?: (stream: string) => Promise<{ tenant: string; owner: string; fence: number }>;
  /** Builds a source's consumer (default: kafkajs with kafkaClientConfig). Throws StreamConfigError for bad settings. */
  createConsumer?: (tenant: TenantConfig, source: StreamSource, log: WatchLog) => StreamConsumer;
}

const HEALTH_EVERY_MS = 5000;
const MAX_SKIPS_LOGGED = 20;
const REPLAY_LOG_EVERY_MS = 5000;

export const emptyStreamSummary = (): StreamSummary => ({
  batches: 0, messages: 0, records: 0, events: 0, alerts: 0, suppressed: 0, duplicates: 0, skipped: 0, replayed: 0, errors: 0, categories: {},
});

/** The tenants' stream sources, in config order. */
export function streamSourcesOf(config: AppwatchConfig): { tenant: TenantConfig; source: StreamSource }[] {
  return (config.tenants ?? []).flatMap((tenant) => tenant.sources.filter(isStreamSource).map((source) => ({ tenant, source })));
}

/**
 * Two stream sources of one tenant would share state keys for a topic both read: allowed only when both list
 * their topics and the lists are disjoint.
 */
function checkOverlap(sources: { tenant: TenantConfig; source: StreamSource }[]): void {
  const byTenant = new Map<string, StreamSource[]>();
  for (const { tenant, source } of sources) byTenant.set(tenantKey(tenant), [...(byTenant.get(tenantKey(tenant)) ?? []), source]);
  for (const [tenant, list] of byTenant) {
    if (list.length < 2) continue;
    const topics = list.map((s) => ('eventHubs' in s ? s.eventHubs.topics : s.kafka.topics));
    const listed = topics.flatMap((t) => t ?? []);
    const clash = topics.some((t) => t === undefined) || new Set(listed).size < listed.length;
    if (clash) throw new StreamConfigError(`tenant ${tenant} has ${list.length} stream sources that may read the same topics: list each one's topics, without overlap (state is kept per tenant, topic and partition)`);
  }
}

function defaultConsumer(env: NodeJS.ProcessEnv): NonNullable<StreamRunnerOptions['createConsumer']> {
  return (_tenant, source, log) => new KafkaJsConsumer(kafkaClientConfig(source, env), log);
}

function offsetRange(first: string, last: string): string {
  return first === last ? `offset ${first}` : `offsets ${first}–${last}`;
}

export class StreamRunner {
  readonly summary: StreamSummary = emptyStreamSummary();
  private readonly now: () => number;
  private readonly consumers: { tenant: TenantConfig; consumer: StreamConsumer; group: string }[] = [];
  /** Engines by partition stream, with the checkpoint their state matches. */
  private readonly streams = new Map<string, { engine: TenantEngine; next: string | undefined }>();
  private readonly healthWritten = new Map<string, number>();
  /** Redelivered messages per partition stream, said in one line per run of them rather than one per batch. */
  private readonly replays = new Map<string, { first: string; last: string; count: number; since: number }>();
  private replayTimer?: NodeJS.Timeout;
  /** Fencing tokens of the partitions taken over since the last group join (fleet mode). */
  private readonly leases = new Map<string, { tenant: string; owner: string; fence: number }>();

  constructor(private readonly options: StreamRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the configuration has any stream source. */
  static wanted(config: AppwatchConfig): boolean {
    return streamSourcesOf(config).length > 0;
  }

  /**
   * Builds every consumer first (a bad setting or a missing secret stops here, before anything connects), then
   * starts them. Consuming goes on in the background until `stop`.
   */
  async start(): Promise<void> {
    const sources = streamSourcesOf(this.options.config);
    checkOverlap(sources);
    const create = this.options.createConsumer ?? defaultConsumer(this.options.env ?? process.env);
    this.replayTimer = setInterval(() => this.flushReplays(REPLAY_LOG_EVERY_MS), REPLAY_LOG_EVERY_MS);
    this.replayTimer.unref();
    for (const { tenant, source } of sources) this.consumers.push({ tenant, consumer: create(tenant, source, this.options.log), group: groupIdOf(source) });
    for (const { tenant, consumer, group } of this.consumers) {
      const name = `${tenantKey(tenant)}/stream:group=${group}`;
      this.options.log.info(`${tenantKey(tenant)}: consuming ${consumer.label}`);
      await consumer.start((batch) => this.handleBatch(tenant, group, batch), {
        // The store may be busy or closing: health is best effort, never a crash.
        joined: () => {
          this.assigned();
          this.health(name, { lastSuccess: this.iso() }, true).catch(() => undefined);
        },
        problem: (message) => { this.health(name, { lastError: message }, true).catch(() => undefined); },
      });
    }
  }

  /** A group join (a new assignment): partitions are taken over again, with new tokens, at their next batch. */
  assigned(): void {
    this.leases.clear();
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map(({ consumer }) => consumer.stop()));
    clearInterval(this.replayTimer);
    this.flushReplays(0);
  }

  private noteReplay(name: string, first: string, last: string, count: number): void {
    const run = this.replays.get(name);
    if (run) {
      if (BigInt(first) < BigInt(run.first)) run.first = first;
      if (BigInt(last) > BigInt(run.last)) run.last = last;
      run.count += count;
    } else {
      this.replays.set(name, { first, last, count, since: this.now() });
    }
  }

  /** Says which redelivered messages were recognised, for runs older than `olderThanMs`. */
  private flushReplays(olderThanMs: number, only?: string): void {
    for (const [name, run] of this.replays) {
      if ((only && name !== only) || this.now() - run.since < olderThanMs) continue;
      this.replays.delete(name);
      // A rebalance can hand the same messages over more than once before their offsets are committed.
      const again = run.count > Number(BigInt(run.last) - BigInt(run.first)) + 1 ? ', some more than once' : '';
      this.options.log.info(`${name}: ${run.count} message${run.count === 1 ? '' : 's'} (${offsetRange(run.first, run.last)}${again}) already in the store, delivered again after a restart or rebalance: not read twice`);
    }
  }

  /**
   * `watch --once`: streams have no end, so consume until caught up: every consumer in its group and nothing new
   * for `idleMs`; then commit and leave. A consumer that has not joined within `joinTimeoutMs` counts as an error.
   */
  async runUntilIdle(idleMs = 2000, joinTimeoutMs = 60_000): Promise<StreamSummary> {
    await this.start();
    const started = this.now();
    let timedOut = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const statuses = this.consumers.map(({ consumer }) => ({ consumer, status: consumer.status() }));
      const idle = (s: ConsumerStatus): boolean => !s.busy && this.now() - s.lastProgress >= idleMs;
      if (statuses.every(({ status }) => status.joined && idle(status))) break;
      if (!timedOut && this.now() - started > joinTimeoutMs) {
        timedOut = true;
        for (const { consumer, status } of statuses.filter((s) => !s.status.joined)) {
          this.summary.errors++;
          this.options.log.error(`${consumer.label}: not in its group after ${Math.round(joinTimeoutMs / 1000)} s${status.problem ? `: ${status.problem}` : ''}`);
        }
      }
      // The others still finish what they are reading.
      if (timedOut && statuses.every(({ status }) => !status.joined || idle(status))) break;
    }
    await this.stop();
    return this.summary;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** One batch of one partition: skip what the store holds, read, detect, commit; throws if not committed. */
  async handleBatch(tenant: TenantConfig, group: string, batch: StreamBatch): Promise<void> {
    const key = tenantKey(tenant);
    const name = `${key}/stream:${batch.topic}:${batch.partition}`;
    const stateKey = `${engineStatePrefix(key)}/stream:${batch.topic}:${batch.partition}`;
    const { store, log } = this.options;
    try {
      const checkpoint = (await store.getCheckpoint(name)) as StreamCheckpoint | undefined;
      let from = checkpoint ? BigInt(checkpoint.next) : undefined;
      if (from !== undefined && BigInt(batch.highWatermark) < from) {
        // Offsets only grow: a partition that ends before the checkpoint is a new one (hub recreated, topic reset).
        log.warn(`${name}: the partition ends at offset ${batch.highWatermark}, before the checkpoint ${checkpoint!.next}: it was recreated or reset; reading everything it holds`);
        from = undefined;
      }
      const fresh = from === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= from!);
      const replayed = batch.messages.length - fresh.length;
      this.summary.batches++;
      if (replayed > 0) {
        this.summary.replayed += replayed;
        this.noteReplay(name, batch.messages[0]!.offset, batch.messages[replayed - 1]!.offset, replayed);
      }
      if (fresh.length === 0) return;
      this.flushReplays(0, name);

      let stream = this.streams.get(name);
      // Another member may have moved the partition on since this engine last saw it: start from the stored state.
      if (!stream || stream.next !== checkpoint?.next) {
        const state = (await store.getState(stateKey)) as EngineState | undefined;
        stream = { engine: new TenantEngine(this.options.ruleset, this.options.config, { dns: Boolean(this.options.dns), shared: true }, state?.version === 1 ? state : undefined), next: checkpoint?.next };
      }
      // The cached engine is dropped on any failure below: its baseline may have seen part of the batch.
      this.streams.delete(name);

      const events: CanonicalEvent[] = [];
      const skipped: StreamSkip[] = [];
      for (const message of fresh) {
        const read = readMessage(message.value, { topic: batch.topic, partition: batch.partition, offset: message.offset });
        events.push(...read.events);
        skipped.push(...read.skipped);
        this.summary.records += read.records;
        for (const [category, n] of Object.entries(read.categories)) this.summary.categories[category] = (this.summary.categories[category] ?? 0) + n;
      }
      for (const s of skipped.slice(0, MAX_SKIPS_LOGGED)) {
        log.warn(`${key}: ${s.topic}/${s.partition} offset ${s.offset}${s.index !== undefined ? ` record ${s.index}` : ''}: skipped: ${inertLine(s.reason)}`);
      }
      if (skipped.length > MAX_SKIPS_LOGGED) log.warn(`${name}: ${skipped.length - MAX_SKIPS_LOGGED} more skipped in this batch`);

      // Rules here; correlations at commit, over every partition of the tenant (below).
      const engine = stream.engine;
      const alerts = events.length > 0 ? await engine.process(events, { correlate: false }) : [];
      const next = (BigInt(fresh.at(-1)!.offset) + 1n).toString();
      let newest = checkpoint?.newestEvent;
      for (const e of events) if (!newest || e.appwatch.time > newest) newest = e.appwatch.time;
      let lease = this.leases.get(name);
      if (!lease && this.options.partitionLease) this.leases.set(name, (lease = await this.options.partitionLease(name)));
      const result = await store.commitBatch({
        tenant: key, alerts, ...(lease ? { lease } : {}),
        checkpoints: { [name]: { next, topic: batch.topic, partition: batch.partition, group, ...(newest ? { newestEvent: newest } : {}) } satisfies StreamCheckpoint },
        state: { [stateKey]: stream.engine.state() },
        // A correlation's events may sit in different hubs and partitions (a credential added in the audit log, the
        // sign-in that follows in the sign-in log): each commit evaluates the correlations over this partition's
        // inputs and those every other engine of the tenant has stored, taking turns with them (CommitBatch).
        ...(events.length > 0 ? { correlate: { statePrefix: engineStatePrefix(key), evaluate: (others: unknown[]) => engine.shareWith(others) } } : {}),
        sinksFor: this.options.sinksFor, now: this.iso(),
      });
      this.streams.set(name, { engine: stream.engine, next });

      this.summary.messages += fresh.length;
      this.summary.events += events.length;
      this.summary.skipped += skipped.length;
      this.summary.alerts += result.inserted.length;
      this.summary.suppressed += result.suppressed.length;
      this.summary.duplicates += result.duplicates;
      for (const alert of result.inserted) log.info(`[${alert.severity}] ${key}: ${alert.summary}`);
      await this.health(name, {
        lastSuccess: this.iso(), ...(newest ? { newestEvent: newest } : {}),
        ...(skipped.length > 0 ? { lastError: `${skipped.length} records or messages skipped in the last batch (${offsetRange(fresh[0]!.offset, fresh.at(-1)!.offset)})` } : {}),
      }, skipped.length > 0);
      if (result.inserted.length > 0) await this.options.deliver();
    } catch (error) {
      // A refused token means another member has the partition now: this one takes it over again only when the
      // coordinator assigns it again.
      if (error instanceof LeaseLostError) this.leases.delete(name);
      this.summary.errors++;
      const message = `${offsetRange(batch.messages[0]?.offset ?? '?', batch.messages.at(-1)?.offset ?? '?')} not committed, will be read again: ${(error as Error).message}`;
      log.error(`${name}: ${message}`);
      await this.health(name, { lastError: message }, true).catch(() => undefined);
      throw error;
    }
  }

  /** Source health for `appwatch status`, written at most every few seconds per stream unless it matters now. */
  private async health(name: string, update: Partial<SourceHealth>, now = false): Promise<void> {
    const at = this.now();
    if (!now && at - (this.healthWritten.get(name) ?? 0) < HEALTH_EVERY_MS) return;
    this.healthWritten.set(name, at);
    const previous = (await this.options.store.sourceHealth())[name];
    const iso = update.lastSuccess ?? this.iso();
    const next: SourceHealth = { throttled: previous?.throttled ?? 0, ...previous, ...update, lastAttempt: iso };
    if (update.lastSuccess && !update.lastError) delete next.lastError;
    delete next.gap;
    await this.options.store.recordSourceHealth(name, next);
  }
}
