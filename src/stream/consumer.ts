/**
 * @module stream/consumer
 * The Kafka client behind a stream source, kept behind the narrow `StreamConsumer` interface so it can be replaced
 * (kafkajs 2.2.4 is unmaintained; node-rdkafka is the fallback, docs/streaming.md).
 *
 * The contract that makes alerts effectively-once: for each batch the handler runs first (it commits alerts,
 * checkpoint and engine state to the store); only after it resolves are the batch's offsets resolved and committed to
 * the broker (autoCommit off), at most once per `commitIntervalMs` per partition (Event Hubs throttles commits to 4/s
 * per partition). A handler that throws commits nothing: kafkajs delivers the batch again. A crash between the two
 * commits re-delivers messages the store already holds, which the runner recognises by its checkpoint.
 *
 * A liveness watchdog covers the client stopping silently (tulios/kafkajs#1431 on Event Hubs): no batch and no
 * heartbeat for `watchdogFactor` × sessionTimeout → disconnect, reconnect, and say so.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaConfig, type LogEntry } from 'kafkajs';
import { redact, type StreamClientConfig } from './connection.js';

export interface StreamMessage {
  /** Kafka offset, a 64-bit integer in decimal. */
  offset: string;
  value: Buffer | null;
  /** Broker or producer time, ms since the epoch in decimal (Event Hubs: when the event was enqueued). */
  timestamp?: string;
}

export interface StreamBatch {
  topic: string;
  partition: number;
  /** The partition's high watermark when the batch was fetched: the offset the next new message will get. */
  highWatermark: string;
  messages: StreamMessage[];
}

export type BatchHandler = (batch: StreamBatch) => Promise<void>;

/** What the runner hears about the connection, for `appwatch status`. */
export interface ConsumerListener {
  joined?(assignment: Record<string, number[]>): void;
  problem?(message: string): void;
}

export interface ConsumerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ConsumerStatus {
  /** The consumer is in its group (joined at least once since its last (re)connect). */
  joined: boolean;
  /** Partitions assigned at the last join, by topic. */
  assignment: Record<string, number[]>;
  /** When the last batch was handled, or the group joined (ms since the epoch); 0 before either. */
  lastProgress: number;
  /** A handler is running now. */
  busy: boolean;
  /** The last problem reported (connect failure, crash, watchdog), cleared on the next join. */
  problem?: string;
  /** Reconnects after a crash or a watchdog trip. */
  restarts: number;
}

/** What the runner needs of a stream client. Everything else about Kafka stays in this module. */
export interface StreamConsumer {
  /** The source in words for log lines (brokers or namespace, group): never a secret. */
  readonly label: string;
  /**
   * Connects and consumes until `stop`, reconnecting with back-off when the client fails or stalls. Resolves once
   * the first connection attempt is made (joining the group follows); problems are logged and kept in `status`.
   */
  start(handle: BatchHandler, listener?: ConsumerListener): Promise<void>;
  /** Stops fetching, commits the offsets of what was handled, leaves the group and disconnects. */
  stop(): Promise<void>;
  status(): ConsumerStatus;
}

/** The part of kafkajs' Consumer used here (a fake in tests provides the same). */
export type KafkaConsumerLike = Pick<Consumer, 'connect' | 'disconnect' | 'subscribe' | 'run' | 'commitOffsets' | 'on' | 'events'>;
/** The part of a kafkajs client used here: consumers, and the topic list a pattern subscription is resolved against. */
export interface KafkaClientLike {
  consumer(config: StreamClientConfig['consumer']): KafkaConsumerLike;
  listTopics(): Promise<string[]>;
}
export type CreateClient = (client: KafkaConfig) => KafkaClientLike;

export interface KafkaJsConsumerOptions {
  /** Reconnect after this many session timeouts without a batch or heartbeat (default 3). */
  watchdogFactor?: number;
  /** Overrides the watchdog limit in ms (tests). */
  watchdogMs?: number;
  /** Back-off before a reconnect, doubled up to `maxBackoffMs` (defaults 1 s and 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long `disconnect` may take before the old client is abandoned (default 10 s). */
  disconnectTimeoutMs?: number;
  now?: () => number;
  /** How often a pattern subscription looks for new matching topics (default: the metadata refresh, 180 s). */
  topicCheckMs?: number;
  /** The client factory (default: kafkajs). */
  createClient?: CreateClient;
}

type TopicPartition = { topic: string; partition: number };
/** Why the current connection ends: a problem (said as a warning, counted, backed off) or a planned resubscribe. */
type Restart = { why: string; problem: boolean };
const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  const done = (): void => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', done);
    resolve();
  };
  const timer = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/**
 * What a group's normal churn looks like (a member joined or left, a rebalance is under way). kafkajs logs each
 * such response as an error; they are not, and the consumer says itself when it has joined again.
 */
const GROUP_CHURN = /group is rebalancing|generation id is not valid|not aware of this member/i;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); })])
    .finally(() => clearTimeout(timer));
}

/** kafkajs' own log lines (warnings and errors only), secrets removed, for the watch log. */
function clientLogger(label: string, secrets: readonly string[], log: ConsumerLog): KafkaConfig['logCreator'] {
  return () => ({ level, log: entry }: LogEntry) => {
    if (GROUP_CHURN.test(`${entry.message} ${String(entry.error ?? '')}`)) return;
    const details = ['error', 'broker', 'topic', 'partition', 'groupId', 'retryCount', 'retryTime']
      .filter((k) => entry[k] !== undefined && entry[k] !== '')
      .map((k) => `${k} ${String(entry[k])}`);
    const text = redact(`${label}: kafka: ${entry.message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`, secrets);
    if (level === logLevel.ERROR) log.error(text);
    else if (level === logLevel.WARN) log.warn(text);
  };
}

const kafkajsClient = (label: string, secrets: readonly string[], log: ConsumerLog): CreateClient => (client) => {
  const kafka = new Kafka({ ...client, logLevel: logLevel.WARN, logCreator: clientLogger(label, secrets, log) });
  return {
    consumer: (config) => kafka.consumer(config),
    async listTopics() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    },
  };
};

const describeTopics = (topics: readonly (string | RegExp)[]): string => topics.map(String).join(', ');

export class KafkaJsConsumer implements StreamConsumer {
  readonly label: string;
  private readonly now: () => number;
  private readonly createClient: CreateClient;
  private client?: KafkaClientLike;
  /** Topics subscribed at the last connect (patterns resolved), and when a pattern was last looked up again. */
  private subscribed = new Set<string>();
  private lastTopicCheck = 0;
  private checkingTopics = false;
  private readonly watchdogMs: number;
  private consumer?: KafkaConsumerLike;
  private handle?: BatchHandler;
  private listener: ConsumerListener = {};
  private readonly stopping = new AbortController();
  private supervisor?: Promise<void>;
  /** Resolves the current connection's wait: the watchdog tripped or the client crashed for good. */
  private restartNow?: (why: Restart) => void;
  private lastActivity = 0;
  private readonly state: ConsumerStatus = { joined: false, assignment: {}, lastProgress: 0, busy: false, restarts: 0 };
  /** Next offsets handled but not yet committed, by topic-partition, and when each partition last committed. */
  private readonly pending = new Map<string, TopicPartition & { offset: string }>();
  private readonly lastCommit = new Map<string, number>();
  private committing = false;
  /** Since when every offset commit has failed (undefined while they succeed). */
  private commitFailingSince: number | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly config: StreamClientConfig, private readonly log: ConsumerLog, private readonly options: KafkaJsConsumerOptions = {}) {
    this.label = config.label;
    this.now = options.now ?? Date.now;
    this.createClient = options.createClient ?? kafkajsClient(config.label, config.secrets, log);
    this.watchdogMs = options.watchdogMs ?? (options.watchdogFactor ?? 3) * (config.consumer.sessionTimeout ?? 30_000);
  }

  status(): ConsumerStatus {
    return { ...this.state, assignment: { ...this.state.assignment } };
  }

  async start(handle: BatchHandler, listener: ConsumerListener = {}): Promise<void> {
    if (this.supervisor) throw new Error(`${this.label}: already started`);
    this.handle = handle;
    this.listener = listener;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.supervisor = this.supervise(firstAttempt);
    const check = Math.max(10, Math.min(5000, Math.floor(this.watchdogMs / 4)));
    this.timers.push(setInterval(() => this.watchdog(), check));
    // Offsets handled in a quiet moment would otherwise wait for the next batch to be committed.
    this.timers.push(setInterval(() => void this.flush(false), Math.max(50, this.config.commitIntervalMs)));
    for (const t of this.timers) t.unref();
    await attempted;
  }

  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    for (const t of this.timers) clearInterval(t);
    // A batch being handled finishes (and commits) first; a batch that starts now is left for the next owner.
    while (this.state.busy) await sleep(20);
    await this.flush(true);
    this.restartNow?.({ why: 'stopping', problem: false });
    // A connect stuck in the client's own retries is not waited for long: the process is going away.
    await withTimeout(this.supervisor!, this.options.disconnectTimeoutMs ?? 10_000);
  }

  private problem(message: string): void {
    this.state.problem = message;
    this.log.warn(`${this.label}: ${message}`);
    this.listener.problem?.(message);
  }

  private watchdog(): void {
    if (!this.consumer || this.stopping.signal.aborted || this.state.busy || !this.restartNow) return;
    const idle = this.now() - this.lastActivity;
    if (idle > this.watchdogMs) {
      this.restartNow({ why: `no batch and no heartbeat for ${Math.round(idle / 1000)} s (limit ${Math.round(this.watchdogMs / 1000)} s): reconnecting`, problem: true });
      return;
    }
    if (this.state.joined && this.now() - this.lastTopicCheck >= (this.options.topicCheckMs ?? this.config.consumer.metadataMaxAge ?? 180_000)) {
      void this.checkTopics();
    }
  }

  /** The subscription's topics: names as given, patterns resolved against the cluster's topics now. */
  private async resolveTopics(client: KafkaClientLike): Promise<string[]> {
    const names = this.config.topics.filter((t): t is string => typeof t === 'string');
    const patterns = this.config.topics.filter((t): t is RegExp => t instanceof RegExp);
    this.lastTopicCheck = this.now();
    if (patterns.length === 0) return names;
    const matching = (await client.listTopics()).filter((t) => patterns.some((p) => p.test(t)));
    return [...new Set([...names, ...matching])].sort();
  }

  /**
   * kafkajs resolves a pattern once, when it subscribes: a hub Azure Monitor creates later (when its category's
   * first logs flow) would never be read. So the pattern is looked up again now and then, and a new match
   * resubscribes (a reconnect; what was handled is committed first).
   */
  private async checkTopics(): Promise<void> {
    if (this.checkingTopics || !this.client) return;
    this.checkingTopics = true;
    try {
      const now = await this.resolveTopics(this.client);
      const added = now.filter((t) => !this.subscribed.has(t));
      if (added.length > 0 && this.restartNow) {
        await this.flush(true);
        this.restartNow({ why: `new topic${added.length === 1 ? '' : 's'} ${added.join(', ')}: subscribing again`, problem: false });
      }
    } catch {
      // The next check tries again; consuming goes on meanwhile.
    } finally {
      this.checkingTopics = false;
    }
  }

  /** Connects, waits until a restart is needed, disconnects; again with back-off, until stopped. */
  private async supervise(firstAttempt: () => void): Promise<void> {
    let backoff = this.options.backoffMs ?? 1000;
    const maxBackoff = this.options.maxBackoffMs ?? 60_000;
    while (!this.stopping.signal.aborted) {
      const restart = new Promise<Restart>((resolve) => (this.restartNow = resolve));
      let next: Restart;
      try {
        await this.connect();
        firstAttempt();
        next = await restart;
        backoff = this.options.backoffMs ?? 1000;
      } catch (error) {
        next = { why: `cannot consume: ${redact((error as Error).message, this.config.secrets)}`, problem: true };
        firstAttempt();
      }
      this.restartNow = undefined;
      if (this.stopping.signal.aborted) {
        await this.disconnect();
        break;
      }
      if (next.problem) this.problem(next.why);
      else this.log.info(`${this.label}: ${next.why}`);
      await this.disconnect();
      if (!next.problem) continue;
      this.state.restarts++;
      await sleep(backoff, this.stopping.signal);
      backoff = Math.min(maxBackoff, backoff * 2);
    }
  }

  private async connect(): Promise<void> {
    this.state.joined = false;
    this.commitFailingSince = undefined;
    this.lastActivity = this.now();
    const client = this.createClient(this.config.client);
    this.client = client;
    const topics = await this.resolveTopics(client);
    if (topics.length === 0) {
      throw new Error(`no topic matches ${describeTopics(this.config.topics)} yet (Azure Monitor creates a category's hub when its first logs flow)`);
    }
    const consumer = client.consumer(this.config.consumer);
    this.consumer = consumer;
    // An abandoned client (its disconnect timed out) may still emit: only the current one counts.
    const current = (): boolean => this.consumer === consumer;
    const touch = (): void => { if (current()) this.lastActivity = this.now(); };
    consumer.on(consumer.events.HEARTBEAT, touch);
    consumer.on(consumer.events.START_BATCH_PROCESS, touch);
    consumer.on(consumer.events.END_BATCH_PROCESS, touch);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (!current()) return;
      touch();
      const assignment = event.payload.memberAssignment as Record<string, number[]>;
      this.state.joined = true;
      this.state.assignment = assignment;
      this.state.lastProgress = this.now();
      delete this.state.problem;
      // Offsets of partitions now owned by another member are theirs to commit: ours could only move them back.
      for (const [key, p] of this.pending) if (!(assignment[p.topic] ?? []).includes(p.partition)) this.pending.delete(key);
      // The commit interval counts from the assignment, so a partition's first commit waits like the others.
      for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) if (!this.lastCommit.has(tpKey(topic, p))) this.lastCommit.set(tpKey(topic, p), this.now());
      const parts = Object.entries(assignment).map(([topic, ps]) => `${topic} [${[...ps].sort((a, b) => a - b).join(',')}]`);
      this.log.info(`${this.label}: joined the group; partitions ${parts.length > 0 ? parts.join(', ') : 'none (more members than partitions)'}`);
      this.listener.joined?.(assignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!current()) return;
      const message = redact(event.payload.error?.message ?? 'unknown error', this.config.secrets);
      // kafkajs restarts itself after retriable errors; otherwise the connection is ours to restart.
      if (event.payload.restart) this.log.warn(`${this.label}: client error, kafkajs restarts the consumer: ${message}`);
      else this.restartNow?.({ why: `client stopped: ${message}: reconnecting`, problem: true });
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    this.subscribed = new Set(topics);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || this.stopping.signal.aborted || batch.messages.length === 0) return;
    this.state.busy = true;
    try {
      await this.handle!({
        topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark,
        messages: batch.messages.map((m) => ({ offset: m.offset, value: m.value, ...(m.timestamp ? { timestamp: m.timestamp } : {}) })),
      });
    } finally {
      this.state.busy = false;
    }
    // Only now, with the batch in the store, may the broker learn that it was read.
    resolveOffset(batch.lastOffset());
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    this.pending.set(tpKey(batch.topic, batch.partition), { topic: batch.topic, partition: batch.partition, offset: next });
    this.state.lastProgress = this.now();
    await this.commitDue((topics) => commitOffsetsIfNecessary({ topics }), false);
    await heartbeat();
  }

  /** Commits pending offsets whose partition has not committed within the interval (all of them when `all`). */
  private async commitDue(commit: (topics: { topic: string; partitions: { partition: number; offset: string }[] }[]) => Promise<void>, all: boolean): Promise<void> {
    if (this.committing) return;
    const now = this.now();
    const due = [...this.pending.entries()].filter(([key]) => all || now - (this.lastCommit.get(key) ?? 0) >= this.config.commitIntervalMs);
    if (due.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const [, p] of due) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partition: p.partition, offset: p.offset }]);
    this.committing = true;
    try {
      // A commit that never answers would hold `committing` for ever, and no offset would be committed again: past
      // the watchdog limit the connection is restarted, and the new one commits what is still pending.
      const outcome = await withTimeout(commit([...byTopic].map(([topic, partitions]) => ({ topic, partitions }))), this.watchdogMs);
      if (outcome === 'timeout') {
        this.restartNow?.({ why: `offset commit got no answer in ${Math.round(this.watchdogMs / 1000)} s: reconnecting`, problem: true });
        return;
      }
      this.commitFailingSince = undefined;
      for (const [key, p] of due) {
        // A later batch may have moved the partition on while the commit was in flight.
        if (this.pending.get(key)?.offset === p.offset) this.pending.delete(key);
      }
    } catch (error) {
      // Kept pending for the next try (a rebalance drops those of partitions that moved). If it never succeeds, the
      // next owner is handed these messages again, and the store's checkpoint skips them.
      const message = redact((error as Error).message, this.config.secrets);
      const since = this.commitFailingSince ?? now;
      this.commitFailingSince = since;
      if (now - since >= this.watchdogMs) {
        // Group churn that never settles (a member the coordinator no longer knows, a stale generation): join afresh.
        this.commitFailingSince = undefined;
        this.restartNow?.({ why: `offset commits failing for ${Math.round((now - since) / 1000)} s (${message}): reconnecting`, problem: true });
      } else if (!GROUP_CHURN.test(message)) this.log.warn(`${this.label}: offset commit failed (${message}); will try again`);
    } finally {
      // Spaced out either way: a failing commit is not retried on every batch.
      for (const [key] of due) this.lastCommit.set(key, now);
      this.committing = false;
    }
  }

  /** Commits what waits outside a batch: the quiet-moment timer, and `stop` (everything). */
  private async flush(all: boolean): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || !this.state.joined || this.state.busy || this.pending.size === 0) return;
    await this.commitDue((topics) => consumer.commitOffsets(topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })))), all);
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.state.joined = false;
    if (!consumer) return;
    const result = await withTimeout(consumer.disconnect().catch((error: Error) => {
      this.log.warn(`${this.label}: disconnect failed: ${redact(error.message, this.config.secrets)}`);
    }), this.options.disconnectTimeoutMs ?? 10_000);
    if (result === 'timeout') this.log.warn(`${this.label}: disconnect did not finish in time; the old connection is abandoned`);
  }
}
