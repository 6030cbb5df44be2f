/**
 * The webhook sink against a local receiver: headers (Idempotency-Key, bearer token, HMAC signature), how each
 * answer is classified (2xx, 429 with Retry-After, 5xx, 4xx, hang, down), HTTPS with a private CA, and secrets
 * kept out of every message.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSinks, type WebhookSinkConfig } from '../../src/sinks/delivery/config.js';
import { createSink, DeliveryError, type DeliverySink } from '../../src/sinks/delivery/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receivers.js';
import { makeTestPki, type TestPki } from '../helpers/token-server.js';
import { alertN, GOLDEN } from './alerts.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(options);
  open.push(r);
  return r;
}

function sink(entry: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): DeliverySink {
  const [config] = parseSinks([{ name: 'hook', type: 'webhook', ...entry }]);
  const s = createSink(config!, { env, version: '9.9.9' });
  open.push(s);
  return s;
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('webhook sink', () => {
  it('posts {id, alert} with Idempotency-Key, content type, user agent and configured headers', async () => {
    const r = await receiver();
    const s = sink({ url: r.url, headers: { 'X-Team': 'soc' } });
    expect(s.reliable).toBe(true);
    await s.send(GOLDEN);
    await s.send(alertN(2));
    expect(r.requests).toHaveLength(2);
    const [first, second] = r.requests;
    expect(first!.method).toBe('POST');
    expect(first!.path).toBe('/hook');
    expect(first!.headers['idempotency-key']).toBe(GOLDEN.id);
    expect(second!.headers['idempotency-key']).toBe(alertN(2).id);
    expect(first!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first!.headers['user-agent']).toBe('appwatch/9.9.9');
    expect(first!.headers['x-team']).toBe('soc');
    expect(first!.headers.authorization).toBeUndefined();
    expect(JSON.parse(first!.body)).toEqual({ id: GOLDEN.id, alert: GOLDEN });
  });

  it('sends a bearer token from secretEnv', async () => {
    const r = await receiver();
    await sink({ url: r.url, secretEnv: 'SOC_TOKEN' }, { SOC_TOKEN: 'tok-123' }).send(GOLDEN);
    expect(r.requests[0]!.headers.authorization).toBe('Bearer tok-123');
  });

  it('signs the body with HMAC-SHA256 over "<timestamp>.<body>" when auth is hmac', async () => {
    const r = await receiver();
    await sink({ url: r.url, secretEnv: 'HOOK_KEY', auth: 'hmac' }, { HOOK_KEY: 'k3y' }).send(GOLDEN);
    const req = r.requests[0]!;
    const timestamp = req.headers['x-appwatch-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(req.headers['x-appwatch-signature']).toBe(`sha256=${createHmac('sha256', 'k3y').update(`${timestamp}.${req.body}`).digest('hex')}`);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('reads the URL from urlEnv, and never names it (nor the secret) in errors', async () => {
    const r = await receiver();
    r.behave({ status: 403, body: 'invalid token tok-SECRET for /hook/T000/B000/XXSECRETPATH' });
    const url = `${r.url}/T000/B000/XXSECRETPATH`;
    const s = sink({ urlEnv: 'SLACK_URL', format: 'slack', secretEnv: 'TOKEN' }, { SLACK_URL: url, TOKEN: 'tok-SECRET' });
    const e = await failure(s.send(GOLDEN));
    expect(r.requests[0]!.path).toBe('/hook/T000/B000/XXSECRETPATH');
    expect(e.message).toContain(`webhook http://127.0.0.1:${r.port}: HTTP 403`);
    expect(e.message).not.toContain('tok-SECRET');
    expect(e.message).toContain('[redacted]');
    // The URL from the environment is a credential too: only its origin is named, an echo of its path blanked.
    expect(e.message).toBe(`webhook http://127.0.0.1:${r.port}: HTTP 403 Forbidden: invalid token [redacted] for [redacted] (rejected)`);
    expect(() => sink({ urlEnv: 'SLACK_URL' }, {})).toThrow('sink hook: environment variable SLACK_URL (urlEnv) is not set');
    expect(() => sink({ urlEnv: 'SLACK_URL' }, { SLACK_URL: 'http://hooks.example.com/services/SECRET' })).toThrow('sink hook: the URL in SLACK_URL must be https:// (http:// only for loopback)');
    try {
      sink({ urlEnv: 'SLACK_URL' }, { SLACK_URL: 'http://hooks.example.com/services/SECRET' });
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
    expect(() => sink({ url: r.url, secretEnv: 'NOPE' }, {})).toThrow('sink hook: environment variable NOPE (secretEnv) is not set');
  });

  it('classifies answers: 2xx ok; 429 and 5xx retryable with Retry-After; other 4xx rejected with the status', async () => {
    const r = await receiver();
    const s = sink({ url: r.url });
    r.queue(
      { status: 202 },
      { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() } },
      { status: 500, body: 'boom' },
      { status: 408 },
      { status: 400, body: '{"error":"bad payload"}' },
      { status: 404 },
      { status: 301, headers: { location: 'https://elsewhere.example/' } },
    );
    await s.send(GOLDEN);
    const e429 = await failure(s.send(GOLDEN));
    expect(e429).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    expect(e429.message).toBe(`webhook http://127.0.0.1:${r.port}: HTTP 429 Too Many Requests: slow down`);
    const e503 = await failure(s.send(GOLDEN));
    expect(e503).toMatchObject({ retryable: true, status: 503 });
    expect(e503.retryAfterMs).toBeGreaterThan(100_000);
    expect(e503.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(await failure(s.send(GOLDEN))).toMatchObject({ retryable: true, status: 500, message: expect.stringContaining('HTTP 500 Internal Server Error: boom') });
    expect(await failure(s.send(GOLDEN))).toMatchObject({ retryable: true, status: 408 });
    const e400 = await failure(s.send(GOLDEN));
    expect(e400).toMatchObject({ retryable: false, status: 400 });
    expect(e400.message).toBe(`webhook http://127.0.0.1:${r.port}: HTTP 400 Bad Request: {"error":"bad payload"} (rejected)`);
    expect(await failure(s.send(GOLDEN))).toMatchObject({ retryable: false, status: 404 });
    // Redirects are not followed: the configured URL is the one that must answer.
    expect(await failure(s.send(GOLDEN))).toMatchObject({ retryable: false, status: 301 });
    expect(r.requests).toHaveLength(8);
  });

  it('times out a receiver that hangs, and fails retryably when it is down', async () => {
    const r = await receiver();
    const s = sink({ url: r.url, timeoutMs: 300 });
    r.queue('hang');
    const started = Date.now();
    const hung = await failure(s.send(GOLDEN));
    expect(hung).toMatchObject({ retryable: true, message: `webhook http://127.0.0.1:${r.port}: no answer within 300 ms` });
    expect(Date.now() - started).toBeLessThan(3000);
    await s.send(GOLDEN); // the next request works on a fresh connection
    await r.stop();
    const down = await failure(s.send(GOLDEN));
    expect(down).toMatchObject({ retryable: true, message: `webhook http://127.0.0.1:${r.port}: ECONNREFUSED` });
    await r.start();
    await s.send(alertN(5));
    expect(r.accepted().map((q) => q.headers['idempotency-key'])).toEqual([GOLDEN.id, alertN(5).id]);
  });

  describe('over HTTPS', () => {
    let dir: string;
    let pki: TestPki;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'appwatch-webhook-'));
      pki = makeTestPki(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('trusts a private CA given as caFile, and refuses the receiver without it', async () => {
      const r = await receiver({ tls: { key: pki.serverKey, cert: pki.serverCert } });
      expect(r.url.startsWith('https://127.0.0.1:')).toBe(true);
      await sink({ url: r.url, caFile: pki.caFile }).send(GOLDEN);
      expect(r.accepted()).toHaveLength(1);
      const untrusted = await failure(sink({ url: r.url }).send(GOLDEN));
      expect(untrusted.retryable).toBe(true);
      expect(untrusted.message).toMatch(/^webhook https:\/\/127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
      expect(r.accepted()).toHaveLength(1);
    });
  });

  it('keeps the config types in step with the sink', () => {
    const [config] = parseSinks([{ name: 'h', type: 'webhook', url: 'https://a.example/' }]);
    expect((config as WebhookSinkConfig).format).toBe('json');
  });
});
