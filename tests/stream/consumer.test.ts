/**
 * The kafkajs consumer's contract, against a fake kafkajs consumer that records every call: the broker learns an
 * offset only after the handler (the store commit) resolved; a handler that throws commits nothing; commits are
 * spaced per partition and flushed on stop; and the liveness watchdog reconnects a client that went silent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer, ConsumerRunConfig, EachBatchPayload } from 'kafkajs';
import { kafkaClientConfig, type StreamClientConfig } from '../../src/stream/connection.js';
import { KafkaJsConsumer, type KafkaConsumerLike, type StreamBatch } from '../../src/stream/consumer.js';
import { waitFor } from '../helpers/receivers.js';

const EVENTS = {
  HEARTBEAT: 'consumer.heartbeat', COMMIT_OFFSETS: 'consumer.commit_offsets', GROUP_JOIN: 'consumer.group_join', FETCH: 'consumer.fetch',
  FETCH_START: 'consumer.fetch_start', START_BATCH_PROCESS: 'consumer.start_batch_process', END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect', DISCONNECT: 'consumer.disconnect', STOP: 'consumer.stop', CRASH: 'consumer.crash', REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics', REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout', REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const;

const SECRET = 'Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=p;SharedAccessKey=c2VjcmV0LWtleQ==';

/** A kafkajs consumer stand-in: records calls in `calls`, lets the test deliver batches and emit events. */
class FakeConsumer implements KafkaConsumerLike {
  readonly events = EVENTS as unknown as Consumer['events'];
  private readonly listeners = new Map<string, ((e: unknown) => void)[]>();
  private runConfig?: ConsumerRunConfig;
  disconnected = false;
  constructor(readonly calls: string[]) {}
  on = ((name: string, listener: (e: unknown) => void) => {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return () => undefined;
  }) as unknown as Consumer['on'];
  emit(name: keyof typeof EVENTS, payload: unknown): void {
    for (const l of this.listeners.get(EVENTS[name]) ?? []) l({ id: 0, type: EVENTS[name], timestamp: Date.now(), payload });
  }
  async connect(): Promise<void> { this.calls.push('connect'); }
  async subscribe(s: Parameters<Consumer['subscribe']>[0]): Promise<void> { this.calls.push(`subscribe ${JSON.stringify('topics' in s ? s.topics.map(String) : [])}`); }
  async run(config?: ConsumerRunConfig): Promise<void> {
    this.runConfig = config;
    this.calls.push(`run autoCommit=${config?.autoCommit} autoResolve=${config?.eachBatchAutoResolve}`);
  }
  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    this.calls.push(`flush ${offsets.map((o) => `${o.topic}:${o.partition}@${o.offset}`).join(' ')}`);
    await brokerAnswer();
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.calls.push('disconnect');
  }
  join(assignment: Record<string, number[]>): void {
    this.emit('GROUP_JOIN', { memberAssignment: assignment });
  }
  /** Delivers a batch as kafkajs' runner does. */
  deliver(topic: string, partition: number, offsets: number[]): Promise<void> {
    const payload = {
      batch: {
        topic, partition, highWatermark: String(offsets.at(-1)! + 1),
        messages: offsets.map((o) => ({ offset: String(o), value: Buffer.from(`m${o}`), timestamp: '0', attributes: 0, key: null, headers: {}, size: 0 })),
        lastOffset: () => String(offsets.at(-1)!),
      },
      resolveOffset: (offset: string) => { this.calls.push(`resolve ${topic}:${partition}@${offset}`); },
      heartbeat: async () => this.emit('HEARTBEAT', {}),
      commitOffsetsIfNecessary: async (o?: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) => {
        this.calls.push(`commit ${(o?.topics ?? []).flatMap((t) => t.partitions.map((p) => `${t.topic}:${p.partition}@${p.offset}`)).join(' ')}`);
        await brokerAnswer();
      },
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => undefined,
    } as unknown as EachBatchPayload;
    this.emit('START_BATCH_PROCESS', {});
    return this.runConfig!.eachBatch!(payload);
  }
}

/** How the broker answers offset commits: at once, never, or with kafkajs' error for a member it no longer knows. */
let commitAnswer: 'ok' | 'never' | 'unknown member' = 'ok';
async function brokerAnswer(): Promise<void> {
  if (commitAnswer === 'never') await new Promise(() => undefined);
  if (commitAnswer === 'unknown member') throw new Error('The coordinator is not aware of this member');
}

const log = { lines: [] as string[], info(m: string) { this.lines.push(`info ${m}`); }, warn(m: string) { this.lines.push(`warn ${m}`); }, error(m: string) { this.lines.push(`error ${m}`); } };
let started: KafkaJsConsumer[] = [];
afterEach(async () => {
  await Promise.all(started.map((c) => c.stop()));
  started = [];
  log.lines.length = 0;
  commitAnswer = 'ok';
});

/** The cluster's topics, as the fake client lists them (a pattern subscription is resolved against them). */
let clusterTopics: string[] = [];

function setup(options: { commitIntervalMs?: number; watchdogMs?: number; topicCheckMs?: number; now?: () => number } = {}): { consumer: KafkaJsConsumer; fakes: FakeConsumer[]; calls: string[]; config: StreamClientConfig } {
  const config = kafkaClientConfig({ eventHubs: { connectionStringEnv: 'EH', consumerGroup: 'appwatch', commitIntervalMs: options.commitIntervalMs ?? 1000 } }, { EH: SECRET });
  const calls: string[] = [];
  const fakes: FakeConsumer[] = [];
  clusterTopics = ['insights-logs-auditlogs', 'insights-logs-signinlogs', 'billing-events'];
  const consumer = new KafkaJsConsumer(config, log, {
    watchdogMs: options.watchdogMs ?? 60_000, backoffMs: 5, ...(options.now ? { now: options.now } : {}),
    ...(options.topicCheckMs ? { topicCheckMs: options.topicCheckMs } : {}),
    createClient: () => ({
      consumer: () => {
        const fake = new FakeConsumer(calls);
        fakes.push(fake);
        return fake;
      },
      listTopics: async () => [...clusterTopics],
    }),
  });
  started.push(consumer);
  return { consumer, fakes, calls, config };
}

describe('KafkaJsConsumer', () => {
  it('subscribes with autoCommit off, and commits an offset only after the handler has stored its batch', async () => {
    let clock = 0;
    const { consumer, fakes, calls } = setup({ now: () => clock });
    await consumer.start(async (batch: StreamBatch) => {
      await new Promise((r) => setTimeout(r, 20));
      calls.push(`stored ${batch.topic}:${batch.partition} ${batch.messages.map((m) => m.offset).join(',')} hw ${batch.highWatermark}`);
    });
    // The default pattern, resolved against the cluster's topics.
    expect(calls).toEqual(['connect', 'subscribe ["insights-logs-auditlogs","insights-logs-signinlogs"]', 'run autoCommit=false autoResolve=false']);
    fakes[0]!.join({ 'insights-logs-auditlogs': [0, 1] });
    clock = 1000;
    await fakes[0]!.deliver('insights-logs-auditlogs', 0, [5, 6, 7]);
    expect(calls.slice(3)).toEqual(['stored insights-logs-auditlogs:0 5,6,7 hw 8', 'resolve insights-logs-auditlogs:0@7', 'commit insights-logs-auditlogs:0@8']);
    expect(log.lines).toContain('info eventhubs:contoso-logs.servicebus.windows.net group appwatch: joined the group; partitions insights-logs-auditlogs [0,1]');
  });

  it('commits nothing for a batch whose handler throws: kafkajs delivers it again', async () => {
    let clock = 0;
    const { consumer, fakes, calls } = setup({ now: () => clock });
    await consumer.start(async () => { throw new Error('database is locked'); });
    fakes[0]!.join({ t: [0] });
    clock = 5000;
    await expect(fakes[0]!.deliver('t', 0, [0, 1])).rejects.toThrow('database is locked');
    expect(calls.filter((c) => /^(resolve|commit|flush)/.test(c))).toEqual([]);
  });

  it('commits each partition at most once per interval; the rest goes on the quiet-moment flush or at stop', async () => {
    let clock = 0;
    const { consumer, fakes, calls } = setup({ now: () => clock, commitIntervalMs: 1000 });
    await consumer.start(async () => undefined);
    fakes[0]!.join({ t: [0, 1] });
    clock = 300; // within the interval since the assignment: the first commit waits too
    await fakes[0]!.deliver('t', 0, [0]);
    clock = 1200;
    await fakes[0]!.deliver('t', 1, [0, 1]);
    clock = 1300;
    await fakes[0]!.deliver('t', 1, [2]);
    expect(calls.filter((c) => /^(commit|flush)/.test(c))).toEqual(['commit t:0@1 t:1@2']);
    await consumer.stop();
    expect(calls.filter((c) => /^(commit|flush|disconnect)/.test(c))).toEqual(['commit t:0@1 t:1@2', 'flush t:1@3', 'disconnect']);
  });

  it('drops the pending offsets of partitions a rebalance gave to another member', async () => {
    let clock = 0;
    const { consumer, fakes, calls } = setup({ now: () => clock, commitIntervalMs: 60_000 });
    await consumer.start(async () => undefined);
    fakes[0]!.join({ t: [0, 1] });
    await fakes[0]!.deliver('t', 0, [0, 1]);
    await fakes[0]!.deliver('t', 1, [0]);
    fakes[0]!.join({ t: [1] });
    await consumer.stop();
    expect(calls.filter((c) => /^(commit|flush)/.test(c))).toEqual(['flush t:1@1']);
  });

  it('reconnects when an offset commit gets no answer within the watchdog limit, and commits on the new connection', async () => {
    let clock = 0;
    const { consumer, fakes, calls } = setup({ now: () => clock, commitIntervalMs: 1000, watchdogMs: 200 });
    await consumer.start(async () => undefined);
    fakes[0]!.join({ t: [0] });
    clock = 1000;
    commitAnswer = 'never';
    await fakes[0]!.deliver('t', 0, [0, 1]);
    expect(calls.filter((c) => /^commit/.test(c))).toEqual(['commit t:0@2']);
    await waitFor(() => fakes.length === 2, 3000, 'the reconnect');
    expect(fakes[0]!.disconnected).toBe(true);
    expect(log.lines).toContain('warn eventhubs:contoso-logs.servicebus.windows.net group appwatch: offset commit got no answer in 0 s: reconnecting');
    // The broker answers the new connection: what was pending is committed (the hung commit no longer blocks it).
    commitAnswer = 'ok';
    fakes[1]!.join({ t: [0] });
    await consumer.stop();
    expect(calls.filter((c) => /^(commit|flush)/.test(c))).toEqual(['commit t:0@2', 'flush t:0@2']);
  });

  it('reconnects when offset commits keep failing for the watchdog limit (a member the coordinator forgot), silent before', async () => {
    let clock = 0;
    const { consumer, fakes } = setup({ now: () => clock, commitIntervalMs: 1000, watchdogMs: 5000 });
    await consumer.start(async () => undefined);
    fakes[0]!.join({ t: [0] });
    commitAnswer = 'unknown member';
    for (let i = 1; i <= 5; i++) {
      clock = i * 1000;
      await fakes[0]!.deliver('t', 0, [i]);
    }
    // Churn while a rebalance settles is normal: not a word, no reconnect.
    expect(fakes).toHaveLength(1);
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    clock = 6000;
    await fakes[0]!.deliver('t', 0, [6]);
    await waitFor(() => fakes.length === 2, 3000, 'the reconnect');
    expect(log.lines).toContain('warn eventhubs:contoso-logs.servicebus.windows.net group appwatch: offset commits failing for 5 s (The coordinator is not aware of this member): reconnecting');
  });

  it('reconnects when no batch and no heartbeat came for the watchdog limit, and says so', async () => {
    const { consumer, fakes, calls } = setup({ watchdogMs: 150 });
    await consumer.start(async () => undefined);
    fakes[0]!.join({ t: [0] });
    // Heartbeats keep it alive …
    const beat = setInterval(() => fakes[0]!.emit('HEARTBEAT', {}), 30);
    await new Promise((r) => setTimeout(r, 400));
    expect(fakes).toHaveLength(1);
    clearInterval(beat);
    // … silence does not.
    await waitFor(() => fakes.length === 2 && calls.filter((c) => c === 'run autoCommit=false autoResolve=false').length === 2, 3000, 'the reconnect');
    expect(fakes[0]!.disconnected).toBe(true);
    expect(log.lines.some((l) => /^warn eventhubs:contoso-logs\.servicebus\.windows\.net group appwatch: no batch and no heartbeat for \d+ s \(limit 0 s\): reconnecting$/.test(l))).toBe(true);
    expect(consumer.status().restarts).toBe(1);
  });

  it('waits for a hub to exist, and subscribes again when a new one matches the pattern', async () => {
    const { consumer, fakes, calls } = setup({ watchdogMs: 400, topicCheckMs: 50 });
    clusterTopics = ['billing-events'];
    await consumer.start(async () => undefined);
    expect(fakes).toHaveLength(0);
    expect(consumer.status().problem).toBe('cannot consume: no topic matches /^insights-logs-/ yet (Azure Monitor creates a category\'s hub when its first logs flow)');
    clusterTopics = ['billing-events', 'insights-logs-auditlogs'];
    await waitFor(() => fakes.length === 1, 3000, 'the first hub');
    fakes[0]!.join({ 'insights-logs-auditlogs': [0] });
    const beat = setInterval(() => fakes.at(-1)!.emit('HEARTBEAT', {}), 30);
    try {
      clusterTopics = ['billing-events', 'insights-logs-auditlogs', 'insights-logs-signinlogs'];
      await waitFor(() => fakes.length === 2, 3000, 'the resubscribe');
    } finally {
      clearInterval(beat);
    }
    expect(calls.filter((c) => c.startsWith('subscribe'))).toEqual(['subscribe ["insights-logs-auditlogs"]', 'subscribe ["insights-logs-auditlogs","insights-logs-signinlogs"]']);
    expect(log.lines).toContain('info eventhubs:contoso-logs.servicebus.windows.net group appwatch: new topic insights-logs-signinlogs: subscribing again');
    // A planned resubscribe is not a failure.
    expect(consumer.status().restarts).toBe(1);
  });

  it('reconnects after a crash kafkajs does not restart itself, with the secret scrubbed from what it says', async () => {
    const { consumer, fakes } = setup();
    await consumer.start(async () => undefined);
    fakes[0]!.emit('CRASH', { error: new Error(`SASL PLAIN authentication failed for ${SECRET}`), groupId: 'appwatch', restart: false });
    await waitFor(() => fakes.length === 2, 3000, 'the reconnect');
    const said = log.lines.join('\n');
    expect(said).toContain('client stopped: SASL PLAIN authentication failed for [redacted]: reconnecting');
    expect(said).not.toContain('c2VjcmV0LWtleQ');
    expect(consumer.status().problem).toMatch(/client stopped/);
  });
});
