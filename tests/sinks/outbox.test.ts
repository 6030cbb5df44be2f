/**
 * The OutboxWorker with the real SQLite store and local receivers, on a fake clock: at least once (a receiver
 * down for a while gets everything once it is back; a lost acknowledgement or a crash before markDelivered gives a
 * repeat carrying the same id, never a loss), backoff with jitter, Retry-After honoured, rejections kept and
 * retried on the slow schedule, UDP marked delivered on send, and one stuck sink never holding up another.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { parseSinks, sinksFor } from '../../src/sinks/delivery/config.js';
import { createSink, OutboxWorker, type DeliverySink, type OutboxWorkerOptions } from '../../src/sinks/delivery/index.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import type { AlertStore } from '../../src/store/types.js';
import { startSyslogReceiver, startWebhookReceiver, waitFor } from '../helpers/receivers.js';
import { alertN } from './alerts.js';

const T0 = Date.parse('2026-10-02T00:00:00.000Z');
let now = T0;
const clock = (): Date => new Date(now);
const iso = (ms: number): string => new Date(ms).toISOString();
/** Fixed jitter: a delay is 3/4 of its step (half the step plus half of the random half). */
const OPTIONS: OutboxWorkerOptions = { now: clock, random: () => 0.5 };

let dir: string;
let store: SqliteStore;
const toClose: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  now = T0;
  dir = mkdtempSync(join(tmpdir(), 'appwatch-outbox-'));
  store = await openSqliteStore(join(dir, 'appwatch.db'));
});
afterEach(async () => {
  for (const x of toClose.splice(0).reverse()) await x.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function sinks(entries: Record<string, unknown>[]): { configs: ReturnType<typeof parseSinks>; sinks: DeliverySink[] } {
  const configs = parseSinks(entries, dir);
  const made = configs.map((c) => createSink(c, { version: '0.1.0', hostname: 'collector01' }));
  toClose.push(...made);
  return { configs, sinks: made };
}

async function queue(alerts: Alert[], route: (a: Alert) => string[]): Promise<void> {
  const result = await store.commitBatch({ tenant: '', alerts, checkpoints: {}, state: {}, sinksFor: route, now: iso(now) });
  expect(result.inserted).toHaveLength(alerts.length);
}

async function receiver(): Promise<Awaited<ReturnType<typeof startWebhookReceiver>>> {
  const r = await startWebhookReceiver();
  toClose.push(r);
  return r;
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => alertN(i).id);
/**
 * Order is not part of the promise: the store hands out due entries by next attempt time, so an alert retried
 * after a failure can arrive after later ones. Delivery is compared as sorted ids.
 */
const sorted = (list: (string | string[] | undefined)[]): string[] => list.map(String).sort();
const alerts = (n: number): Alert[] => Array.from({ length: n }, (_, i) => alertN(i));

describe('OutboxWorker', () => {
  it('delivers everything once a receiver that was down is back, each id accepted once, with backoff meanwhile', async () => {
    const r = await receiver();
    await r.stop();
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(5), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);

    const first = await worker.deliverDue();
    expect(first).toMatchObject({ delivered: 0, failed: 1, pending: { hook: 5 } });
    expect(first.failures[0]).toEqual({
      sink: 'hook', alertId: alertN(0).id, retryable: true, nextAttemptAt: iso(T0 + 750),
      error: `webhook http://127.0.0.1:${r.port}: ECONNREFUSED`,
    });
    // Paused until the failed entry's next attempt: a down receiver is not hit once per pending alert.
    expect(await worker.deliverDue()).toMatchObject({ delivered: 0, failed: 0, pending: { hook: 5 } });

    // Exponential steps (1 s, 2 s, 4 s with 3/4 jitter) while it stays down.
    now += 750;
    expect((await worker.deliverDue()).failures[0]!.nextAttemptAt).toBe(iso(now + 1500));
    now += 1500;
    expect((await worker.deliverDue()).failures[0]!.nextAttemptAt).toBe(iso(now + 3000));

    await r.start();
    now += 3000;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 5, failed: 0, pending: { hook: 0 } });
    expect(sorted(r.requests.map((q) => q.headers['idempotency-key']))).toEqual(sorted(ids(5)));
    for (const q of r.requests) expect((JSON.parse(q.body) as { id: string }).id).toBe(q.headers['idempotency-key']);
    const log = await store.deliveries('hook');
    // Five deliveries and the three failed attempts made while it was down (one per backoff step, not per alert).
    expect(sorted(log.map((d) => d.alertId))).toEqual(sorted(ids(5)));
    expect(log.reduce((n, d) => n + d.attempts, 0)).toBe(5 + 3);
    expect(await worker.deliverDue()).toMatchObject({ delivered: 0, failed: 0 });
  });

  it('repeats an alert whose acknowledgement was lost: the same id and body again, never a loss', async () => {
    const r = await receiver();
    r.queue('hang'); // the receiver takes the first request but never answers
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url, timeoutMs: 300 }]);
    await queue(alerts(3), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    const first = await worker.deliverDue();
    expect(first).toMatchObject({ delivered: 0, failed: 1 });
    expect(first.failures[0]!.error).toBe(`webhook http://127.0.0.1:${r.port}: no answer within 300 ms`);
    now += 750;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 3, pending: { hook: 0 } });
    const keys = r.requests.map((q) => q.headers['idempotency-key'] as string);
    expect(sorted(keys)).toEqual(sorted([alertN(0).id, ...ids(3)]));
    const repeats = r.requests.filter((q) => q.headers['idempotency-key'] === alertN(0).id);
    expect(repeats).toHaveLength(2);
    expect(repeats[0]!.body).toBe(repeats[1]!.body);
    // Deduplicated on the key, the receiver has exactly the alerts, each once.
    expect(sorted([...new Set(keys)])).toEqual(sorted(ids(3)));
  });

  it('repeats an alert sent just before a crash (markDelivered never ran) after the restart, once its claim runs out', async () => {
    const r = await receiver();
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(2), () => ['hook']);
    // The process dies right after the receiver acknowledged the first alert.
    const dying = {
      dueDeliveries: store.dueDeliveries.bind(store),
      claimDelivery: store.claimDelivery.bind(store),
      markFailed: store.markFailed.bind(store),
      outboxDepth: store.outboxDepth.bind(store),
      markDelivered: async () => {
        throw new Error('killed');
      },
    } as unknown as AlertStore;
    await expect(new OutboxWorker(dying, made, OPTIONS).deliverDue()).rejects.toThrow('killed');
    expect(r.requests).toHaveLength(1);
    expect(await store.outboxDepth()).toEqual({ hook: 2 });

    // After the restart the second goes at once; the first was claimed by the dead sender, so it waits out the
    // claim (30 s) and is then sent again.
    const restarted = new OutboxWorker(store, made, OPTIONS);
    expect(await restarted.deliverDue()).toMatchObject({ delivered: 1, pending: { hook: 1 } });
    now += 29_999;
    expect(await restarted.deliverDue()).toMatchObject({ delivered: 0, pending: { hook: 1 } });
    now += 1;
    expect(await restarted.deliverDue()).toMatchObject({ delivered: 1, pending: { hook: 0 } });
    expect(sorted(r.requests.map((q) => q.headers['idempotency-key']))).toEqual(sorted([alertN(0).id, ...ids(2)]));
  });

  it('never sends one entry twice at once when two workers share the store (each claims before it sends)', async () => {
    const r = await receiver();
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(20), () => ['hook']);
    const [a, b] = await Promise.all([new OutboxWorker(store, made, OPTIONS).deliverDue(), new OutboxWorker(store, made, OPTIONS).deliverDue()]);
    expect(a.delivered + b.delivered).toBe(20);
    expect(a.delivered).toBeGreaterThan(0);
    expect(b.delivered).toBeGreaterThan(0);
    const keys = r.requests.map((q) => q.headers['idempotency-key'] as string);
    expect(sorted(keys)).toEqual(sorted(ids(20)));
  });

  it('honours Retry-After: no request before it, everything after it', async () => {
    const r = await receiver();
    r.queue({ status: 429, headers: { 'retry-after': '30' }, body: 'throttled' });
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(3), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    const first = await worker.deliverDue();
    expect(first.failures).toEqual([{
      sink: 'hook', alertId: alertN(0).id, retryable: true, nextAttemptAt: iso(T0 + 30_000),
      error: `webhook http://127.0.0.1:${r.port}: HTTP 429 Too Many Requests: throttled (Retry-After 30 s)`,
    }]);
    now += 29_999;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 0, failed: 0 });
    expect(r.requests).toHaveLength(1);
    now += 1;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 3, pending: { hook: 0 } });
    expect(sorted(r.accepted().map((q) => q.headers['idempotency-key']))).toEqual(sorted(ids(3)));
  });

  it('caps a huge Retry-After at maxRetryAfterMs', async () => {
    const r = await receiver();
    r.queue({ status: 503, headers: { 'retry-after': '864000' } });
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(1), () => ['hook']);
    const report = await new OutboxWorker(store, made, { ...OPTIONS, maxRetryAfterMs: 600_000 }).deliverDue();
    expect(report.failures[0]!.nextAttemptAt).toBe(iso(T0 + 600_000));
  });

  it('keeps a rejected alert (HTTP 400) and retries it on the slow schedule without holding up the rest', async () => {
    const r = await receiver();
    r.queue({ status: 400, body: 'bad payload' });
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(3), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    const first = await worker.deliverDue();
    expect(first).toMatchObject({ delivered: 2, failed: 1, pending: { hook: 1 } });
    const error = `webhook http://127.0.0.1:${r.port}: HTTP 400 Bad Request: bad payload (rejected); kept in the outbox and retried, backing off up to 1 h`;
    expect(first.failures).toEqual([{ sink: 'hook', alertId: alertN(0).id, retryable: false, nextAttemptAt: iso(T0 + 45_000), error }]);
    // What `appwatch status` shows for the entry.
    const [entry] = await store.dueDeliveries('hook', iso(T0 + 45_000), 10);
    expect(entry).toMatchObject({ alertId: alertN(0).id, attempts: 1, lastError: error });
    now += 45_000;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 1, pending: { hook: 0 } });
    expect(r.accepted().map((q) => q.headers['idempotency-key'])).toEqual([alertN(1).id, alertN(2).id, alertN(0).id]);
  });

  it('backs off a receiver that keeps rejecting up to the cap, and never drops the alert', async () => {
    const r = await receiver();
    r.behave({ status: 404 });
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(1), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const report = await worker.deliverDue();
      const next = Date.parse(report.failures[0]!.nextAttemptAt);
      delays.push(next - now);
      now = next;
    }
    expect(delays).toEqual([45_000, 90_000, 180_000, 360_000, 720_000, 1_440_000, 2_700_000, 2_700_000, 2_700_000]);
    expect(await store.outboxDepth()).toEqual({ hook: 1 });
    r.behave({ status: 200 });
    expect(await worker.deliverDue()).toMatchObject({ delivered: 1, pending: { hook: 0 } });
  });

  it('marks a UDP syslog delivery done once sent, even with nobody listening', async () => {
    const r = await startSyslogReceiver('udp');
    toClose.push(r);
    await r.stop();
    const { sinks: made } = sinks([{ name: 'udp', type: 'syslog', host: '127.0.0.1', port: r.port, protocol: 'udp' }]);
    expect(made[0]!.reliable).toBe(false);
    await queue(alerts(3), () => ['udp']);
    expect(await new OutboxWorker(store, made, OPTIONS).deliverDue()).toMatchObject({ delivered: 3, failed: 0, pending: { udp: 0 } });
    expect((await store.deliveries('udp')).map((d) => d.alertId)).toEqual(ids(3));
    expect(r.messages).toEqual([]);
  });

  it('delivers over TCP syslog after the receiver comes back, the alert id as MSGID', async () => {
    const r = await startSyslogReceiver('tcp');
    toClose.push(r);
    await r.stop();
    const { sinks: made } = sinks([{ name: 'siem', type: 'syslog', host: '127.0.0.1', port: r.port, protocol: 'tcp' }]);
    await queue(alerts(4), () => ['siem']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    expect(await worker.deliverDue()).toMatchObject({ delivered: 0, failed: 1 });
    await r.start();
    now += 750;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 4, pending: { siem: 0 } });
    await waitFor(() => r.messages.length === 4);
    expect(sorted(r.messages.map((m) => m.split(' ')[5]))).toEqual(sorted(ids(4)));
  });

  it('works sinks in parallel: a hanging webhook does not hold up the file; minSeverity decides what is queued', async () => {
    const r = await receiver();
    r.behave('hang');
    const { configs, sinks: made } = sinks([
      { name: 'file', type: 'jsonl', path: 'alerts.jsonl' },
      { name: 'pager', type: 'webhook', url: r.url, minSeverity: 'high', timeoutMs: 300 },
    ]);
    const low = alertN(1, 'low');
    const critical = alertN(2, 'critical');
    await queue([low, critical], sinksFor(configs));
    const worker = new OutboxWorker(store, made, OPTIONS);
    const report = await worker.deliverDue();
    expect(report).toMatchObject({ delivered: 2, failed: 1, pending: { file: 0, pager: 1 } });
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Alert).id)).toEqual([low.id, critical.id]);
    r.behave({ status: 200 });
    now += 750;
    expect(await worker.deliverDue()).toMatchObject({ delivered: 1, pending: { file: 0, pager: 0 } });
    expect(r.accepted().map((q) => q.headers['idempotency-key'])).toEqual([critical.id]);
  });

  it('shares one round between overlapping calls, so nothing is sent twice by the worker itself', async () => {
    const r = await receiver();
    const { sinks: made } = sinks([{ name: 'hook', type: 'webhook', url: r.url }]);
    await queue(alerts(4), () => ['hook']);
    const worker = new OutboxWorker(store, made, OPTIONS);
    const [a, b] = await Promise.all([worker.deliverDue(), worker.deliverDue()]);
    expect(a).toBe(b);
    expect(a.delivered).toBe(4);
    expect(r.requests).toHaveLength(4);
  });

  it('refuses two sinks with one name', () => {
    const one = { name: 'x', reliable: true, send: async () => undefined, close: async () => undefined };
    expect(() => new OutboxWorker(store, [one, { ...one }])).toThrow('two sinks are named x');
  });
});
