/**
 * The syslog sink against local receivers: octet-counted RFC 5424 frames over TCP and TLS (one connection kept,
 * reopened after the receiver restarts), one datagram a message over UDP (best effort: sent = success).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cefLine } from '../../src/sinks/delivery/cef.js';
import { parseSinks } from '../../src/sinks/delivery/config.js';
import { createSink, DeliveryError, type DeliverySink } from '../../src/sinks/delivery/index.js';
import { rfc5424 } from '../../src/sinks/delivery/rfc5424.js';
import { startSyslogReceiver, waitFor, type SyslogReceiver } from '../helpers/receivers.js';
import { makeTestPki, type TestPki } from '../helpers/token-server.js';
import { alertN, GOLDEN, hostileAlert } from './alerts.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function receiver(protocol: 'tcp' | 'tls' | 'udp', tls?: { key: string; cert: string }): Promise<SyslogReceiver> {
  const r = await startSyslogReceiver(protocol, tls ? { tls } : {});
  open.push(r);
  return r;
}

function sink(entry: Record<string, unknown>): DeliverySink {
  const [config] = parseSinks([{ name: 'siem', type: 'syslog', host: '127.0.0.1', ...entry }]);
  const s = createSink(config!, { version: '0.1.0', hostname: 'collector01' });
  open.push(s);
  return s;
}

/** The message appwatch must put on the wire for an alert (the PROCID is this process's id). */
const expected = (alert: typeof GOLDEN): string => rfc5424(alert, cefLine(alert, '0.1.0'), { facility: 10, hostname: 'collector01', procId: String(process.pid) });

describe('syslog sink over TCP', () => {
  it('sends octet-counted RFC 5424 frames on one connection, multi-byte text included', async () => {
    const r = await receiver('tcp');
    const s = sink({ protocol: 'tcp', port: r.port });
    expect(s.reliable).toBe(true);
    const alerts = [GOLDEN, hostileAlert(), { ...alertN(3), summary: 'Paie-Société — 給与 🚨' }];
    for (const a of alerts) await s.send(a);
    await waitFor(() => r.messages.length === 3, 5000, 'three frames');
    expect(r.errors).toEqual([]);
    expect(r.messages).toEqual(alerts.map(expected));
    expect(r.connections).toBe(1);
    // The alert id is the MSGID (fifth header field), for deduplication without parsing CEF.
    expect(r.messages.map((m) => m.split(' ')[5])).toEqual(alerts.map((a) => a.id));
  });

  it('fails retryably while the receiver is down and reconnects when it is back', async () => {
    const r = await receiver('tcp');
    const s = sink({ protocol: 'tcp', port: r.port, timeoutMs: 1000 });
    await s.send(alertN(1));
    await waitFor(() => r.messages.length === 1);
    await r.stop();
    // Let the client see the close (FIN), as it would between two alerts in real life.
    await new Promise((res) => setTimeout(res, 50));
    const down = await s.send(alertN(2)).then(() => undefined, (e: unknown) => e);
    expect(down).toBeInstanceOf(DeliveryError);
    expect(down).toMatchObject({ retryable: true, message: `syslog tcp 127.0.0.1:${r.port}: cannot connect: ECONNREFUSED` });
    await r.start();
    await s.send(alertN(2));
    await s.send(alertN(3));
    await waitFor(() => r.messages.length === 3);
    expect(r.messages.map((m) => m.split(' ')[5])).toEqual([alertN(1).id, alertN(2).id, alertN(3).id]);
    expect(r.connections).toBe(2);
  });

  it('times out a connection that cannot be made', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the connect hangs (or fails at once without a route).
    const s = sink({ protocol: 'tcp', host: '192.0.2.1', port: 514, timeoutMs: 200 });
    const e = await s.send(GOLDEN).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).retryable).toBe(true);
    expect((e as DeliveryError).message).toMatch(/^syslog tcp 192\.0\.2\.1:514: cannot connect: /);
  });
});

describe('syslog sink over TLS', () => {
  let dir: string;
  let pki: TestPki;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'appwatch-syslog-'));
    pki = makeTestPki(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the receiver against caFile and sends octet-counted frames', async () => {
    const r = await receiver('tls', { key: pki.serverKey, cert: pki.serverCert });
    const s = sink({ protocol: 'tls', port: r.port, caFile: pki.caFile });
    await s.send(GOLDEN);
    await s.send(alertN(2, 'critical'));
    await waitFor(() => r.messages.length === 2);
    expect(r.messages).toEqual([expected(GOLDEN), expected(alertN(2, 'critical'))]);
    expect(r.connections).toBe(1);
  });

  it('refuses a receiver whose certificate it cannot verify (retryable: the CA can be fixed)', async () => {
    const r = await receiver('tls', { key: pki.serverKey, cert: pki.serverCert });
    const s = sink({ protocol: 'tls', port: r.port });
    const e = await s.send(GOLDEN).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).retryable).toBe(true);
    expect((e as DeliveryError).message).toMatch(/^syslog tls 127\.0\.0\.1:\d+: cannot connect: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    expect(r.messages).toEqual([]);
  });
});

describe('syslog sink over UDP', () => {
  it('sends one unframed message per datagram', async () => {
    const r = await receiver('udp');
    const s = sink({ protocol: 'udp', port: r.port });
    expect(s.reliable).toBe(false);
    await s.send(GOLDEN);
    await s.send(hostileAlert());
    await waitFor(() => r.messages.length === 2);
    expect(r.messages).toEqual([expected(GOLDEN), expected(hostileAlert())]);
  });

  it('reports success when nobody listens: sent is all UDP can know', async () => {
    const r = await receiver('udp');
    await r.stop();
    const s = sink({ protocol: 'udp', port: r.port });
    await s.send(GOLDEN);
    await s.send(alertN(2));
    expect(r.messages).toEqual([]);
  });
});
