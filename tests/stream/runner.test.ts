/**
 * The stream runner over a real SQLite store, fed by hand (the StreamConsumer seam): one transaction per batch with
 * the alerts, the partition's checkpoint and its engine state; messages delivered again below the checkpoint are not
 * read twice; the same record delivered twice (two partitions, a zombie consumer) is a store duplicate, never a
 * second alert; what cannot be read is reported with topic, partition and offset; a failed commit commits nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { parseConfig, type AppwatchConfig, type TenantConfig } from '../../src/config/config.js';
import type { Ruleset } from '../../src/detect/ruleset.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { AlertStore } from '../../src/store/types.js';
import { StreamConfigError } from '../../src/stream/connection.js';
import type { ConsumerListener, ConsumerStatus, StreamBatch, StreamConsumer } from '../../src/stream/consumer.js';
import { StreamRunner, type StreamCheckpoint } from '../../src/stream/runner.js';
import { ROOT } from '../helpers/ingest.js';

const DIAGNOSTIC = join(ROOT, 'tests/fixtures/ingest/diagnostic');
let work: string;
let config: AppwatchConfig;
let ruleset: Ruleset;
let eventHubMessage: Buffer;
let pt1h: string[];
const TOPIC = 'insights-logs-auditlogs';

const log = { lines: [] as string[], info(m: string) { this.lines.push(`info ${m}`); }, warn(m: string) { this.lines.push(`warn ${m}`); }, error(m: string) { this.lines.push(`error ${m}`); } };

function runner(store: AlertStore, extra: { deliver?: () => Promise<void>; config?: AppwatchConfig; createConsumer?: () => StreamConsumer } = {}): StreamRunner {
  return new StreamRunner({
    store, config: extra.config ?? config, ruleset, log, sinksFor: () => ['archive'], deliver: extra.deliver ?? (async () => undefined),
    createConsumer: extra.createConsumer ?? (() => { throw new Error('not used'); }),
  });
}

const batch = (partition: number, first: number, values: (Buffer | string | null)[], highWatermark?: number): StreamBatch => ({
  topic: TOPIC, partition, highWatermark: String(highWatermark ?? first + values.length),
  messages: values.map((v, i) => ({ offset: String(first + i), value: typeof v === 'string' ? Buffer.from(v) : v })),
});

async function freshStore(name: string): Promise<AlertStore> {
  return openSqliteStore(join(work, `${name}.db`));
}

let tenant: TenantConfig;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-stream-runner-'));
  config = parseConfig('tenants:\n  - id: contoso.onmicrosoft.com\n    name: contoso\n    sources: [{kafka: {brokers: ["127.0.0.1:9092"], groupId: appwatch}}]\n', 'appwatch.yaml');
  tenant = config.tenants![0]!;
  ruleset = (await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config)).ruleset;
  eventHubMessage = await readFile(join(DIAGNOSTIC, 'eventhub-message.json'));
  pt1h = (await readFile(join(DIAGNOSTIC, 'PT1H.json'), 'utf8')).split('\n').filter(Boolean);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('StreamRunner', () => {
  it('commits the alerts, the next offset and the engine state of a partition together, and reports what it could not read', async () => {
    const store = await freshStore('commit');
    let delivered = 0;
    const r = runner(store, { deliver: async () => { delivered++; } });
    log.lines.length = 0;
    await r.handleBatch(tenant, 'appwatch', batch(3, 10, [eventHubMessage, 'not json {', JSON.stringify({ records: [{ category: 'Bogus', time: '2026-11-01T00:00:00Z', operationName: 'x' }] })]));
    const alerts = await store.listAlerts({});
    expect(alerts.map((a) => a.alert.id)).toEqual(['2a15a07081feb78614d58c6921af770e']);
    expect(alerts[0]!.alert.evidence[0]!.origin).toEqual({ source: 'kafka', format: 'diagnostic', file: `${TOPIC}/3`, offset: 10, index: 0 });
    expect(await store.getCheckpoint(`contoso/stream:${TOPIC}:3`)).toEqual({ next: '13', topic: TOPIC, partition: 3, group: 'appwatch', newestEvent: expect.stringMatching(/^2026-10-01T/) } satisfies StreamCheckpoint);
    expect(await store.getState(`contoso/engine/stream:${TOPIC}:3`)).toMatchObject({ version: 1 });
    expect(await store.outboxDepth()).toEqual({ archive: 1 });
    expect(delivered).toBe(1);
    expect(log.lines).toContain(`warn contoso: ${TOPIC}/3 offset 11: skipped: message is not JSON: Unexpected token 'o', "not json {" is not valid JSON`);
    expect(log.lines.some((l) => l.startsWith(`warn contoso: ${TOPIC}/3 offset 12 record 0: skipped: category "Bogus" is not one appwatch reads`))).toBe(true);
    expect(r.summary).toMatchObject({ messages: 3, records: 3, events: 2, alerts: 1, skipped: 2, replayed: 0, errors: 0, categories: { AuditLogs: 1, ServicePrincipalSignInLogs: 1, Bogus: 1 } });
    const health = (await store.sourceHealth())[`contoso/stream:${TOPIC}:3`];
    expect(health).toMatchObject({ lastError: `2 records or messages skipped in the last batch (offsets 10–12)` });
    expect(health!.lastSuccess).toBe(health!.lastAttempt);
    await store.close();
  });

  it('does not read twice what the broker delivers again below the checkpoint (a crash between the two commits)', async () => {
    const store = await freshStore('replay');
    const first = runner(store);
    await first.handleBatch(tenant, 'appwatch', batch(0, 0, [eventHubMessage]));
    // A new process: the broker's committed offset was behind the store, so offset 0 comes again, with offset 1.
    const second = runner(store);
    log.lines.length = 0;
    await second.handleBatch(tenant, 'appwatch', batch(0, 0, [eventHubMessage, pt1h[0]!]));
    expect(second.summary).toMatchObject({ replayed: 1, messages: 1, events: 1, alerts: 1, duplicates: 0 });
    expect(log.lines).toContain(`info contoso/stream:${TOPIC}:0: 1 message (offset 0) already in the store, delivered again after a restart or rebalance: not read twice`);
    expect((await store.getCheckpoint(`contoso/stream:${TOPIC}:0`) as StreamCheckpoint).next).toBe('2');
    // Everything again: nothing to do at all.
    await second.handleBatch(tenant, 'appwatch', batch(0, 0, [eventHubMessage, pt1h[0]!]));
    expect(second.summary.replayed).toBe(3);
    expect((await store.listAlerts({})).map((a) => a.alert.id).sort()).toEqual(['2a15a07081feb78614d58c6921af770e', 'ea93026eab4fa42d83cf1cee9fa88cbe']);
    await store.close();
  });

  it('the same record delivered twice (two partitions, or a zombie consumer racing the new owner) is a duplicate, never a second alert', async () => {
    const store = await freshStore('duplicates');
    const r = runner(store);
    await r.handleBatch(tenant, 'appwatch', batch(0, 0, [eventHubMessage]));
    await r.handleBatch(tenant, 'appwatch', batch(1, 0, [eventHubMessage]));
    expect(r.summary).toMatchObject({ alerts: 1, duplicates: 1 });
    // Two members both handling partition 2's batch before either committed.
    const zombie = runner(store);
    const owner = runner(store);
    await Promise.all([zombie.handleBatch(tenant, 'appwatch', batch(2, 0, [pt1h[0]!])), owner.handleBatch(tenant, 'appwatch', batch(2, 0, [pt1h[0]!]))]);
    expect(zombie.summary.alerts + owner.summary.alerts).toBe(1);
    expect(zombie.summary.duplicates + owner.summary.duplicates).toBe(1);
    const ids = (await store.listAlerts({})).map((a) => a.alert.id);
    expect(ids.sort()).toEqual(['2a15a07081feb78614d58c6921af770e', 'ea93026eab4fa42d83cf1cee9fa88cbe']);
    await store.close();
  });

  it('resumes from the stored engine state when another member moved the partition on', async () => {
    const base = await freshStore('moved');
    let reads = 0;
    const counting = new Proxy(base, { get: (t, p) => (p === 'getState' ? (key: string) => { reads++; return t.getState(key); } : Reflect.get(t, p)) }) as AlertStore;
    const a = runner(counting);
    const b = runner(base);
    await a.handleBatch(tenant, 'appwatch', batch(4, 0, [pt1h[2]!]));
    await a.handleBatch(tenant, 'appwatch', batch(4, 1, [pt1h[3]!]));
    expect(reads).toBe(1); // its own engine is current
    await b.handleBatch(tenant, 'appwatch', batch(4, 2, [pt1h[4]!]));
    await a.handleBatch(tenant, 'appwatch', batch(4, 3, [pt1h[5]!]));
    expect(reads).toBe(2); // B moved it on: A reloads
    await base.close();
  });

  it('reads a recreated partition (its end before the checkpoint) from the start, and says so', async () => {
    const store = await freshStore('recreated');
    const r = runner(store);
    await r.handleBatch(tenant, 'appwatch', batch(0, 0, [pt1h[2]!, pt1h[3]!, pt1h[4]!]));
    log.lines.length = 0;
    await r.handleBatch(tenant, 'appwatch', batch(0, 0, [eventHubMessage], 1));
    expect(r.summary.replayed).toBe(0);
    expect(log.lines.some((l) => l.includes('the partition ends at offset 1, before the checkpoint 3: it was recreated or reset; reading everything it holds'))).toBe(true);
    expect((await store.listAlerts({})).some((a) => a.alert.id === '2a15a07081feb78614d58c6921af770e')).toBe(true);
    await store.close();
  });

  it('a batch whose commit fails commits nothing, throws (the broker delivers it again) and shows in the health', async () => {
    const base = await freshStore('failing');
    const failing = new Proxy(base, { get: (t, p) => (p === 'commitBatch' ? async () => { throw new Error('disk I/O error'); } : Reflect.get(t, p)) }) as AlertStore;
    const r = runner(failing);
    await expect(r.handleBatch(tenant, 'appwatch', batch(7, 40, [eventHubMessage]))).rejects.toThrow('disk I/O error');
    expect(await base.getCheckpoint(`contoso/stream:${TOPIC}:7`)).toBeUndefined();
    expect(r.summary.errors).toBe(1);
    expect((await base.sourceHealth())[`contoso/stream:${TOPIC}:7`]).toMatchObject({ lastError: 'offset 40 not committed, will be read again: disk I/O error' });
    // The engine that saw part of it is dropped: the retry starts from the stored state.
    const ok = runner(base);
    await ok.handleBatch(tenant, 'appwatch', batch(7, 40, [eventHubMessage]));
    expect(ok.summary.alerts).toBe(1);
    await base.close();
  });

  it('--once: consumes until every consumer is in its group and idle, then stops; a consumer that never joins is an error', async () => {
    const store = await freshStore('once');
    class Fake implements StreamConsumer {
      readonly label = 'fake group appwatch';
      stopped = false;
      constructor(private readonly joins: boolean) {}
      async start(_handle: unknown, listener?: ConsumerListener): Promise<void> { if (this.joins) listener?.joined?.({ [TOPIC]: [0] }); }
      async stop(): Promise<void> { this.stopped = true; }
      status(): ConsumerStatus { return { joined: this.joins, assignment: {}, lastProgress: this.joins ? Date.now() - 10_000 : 0, busy: false, restarts: 0, ...(this.joins ? {} : { problem: 'connection refused' }) }; }
    }
    const good = new Fake(true);
    const done = await runner(store, { createConsumer: () => good }).runUntilIdle(500, 5000);
    expect(done.errors).toBe(0);
    expect(good.stopped).toBe(true);
    expect((await store.sourceHealth())['contoso/stream:group=appwatch']).toMatchObject({ lastSuccess: expect.any(String) });
    log.lines.length = 0;
    const never = await runner(store, { createConsumer: () => new Fake(false) }).runUntilIdle(100, 300);
    expect(never.errors).toBe(1);
    expect(log.lines).toContain('error fake group appwatch: not in its group after 0 s: connection refused');
    await store.close();
  });

  it('refuses two stream sources of one tenant that could read the same topics', async () => {
    const store = await freshStore('overlap');
    const two = parseConfig('tenants:\n  - id: contoso.onmicrosoft.com\n    sources:\n      - {kafka: {brokers: ["a:9092"], groupId: g}}\n      - {eventHubs: {connectionStringEnv: EH, consumerGroup: g, topics: [insights-logs-auditlogs]}}\n', 'appwatch.yaml');
    await expect(runner(store, { config: two }).start()).rejects.toThrow(StreamConfigError);
    await expect(runner(store, { config: two }).start()).rejects.toThrow(/tenant contoso.onmicrosoft.com has 2 stream sources that may read the same topics/);
    await store.close();
  });
});
