/**
 * @module sinks/delivery/webhook
 * `type: webhook`: one HTTPS POST per alert, as `{id, alert}` JSON, a Teams card or a Slack message, with
 * `Idempotency-Key: <alert id>` so a receiver can drop the repeats at-least-once delivery brings. A 2xx is
 * success; 408, 425, 429, 5xx, timeouts and network errors are retryable (Retry-After honoured); any other status
 * is a rejection, kept in the outbox and retried on a slower schedule (a misconfigured receiver must not cost
 * alerts). Redirects are not followed. Secrets come from the environment: a bearer token or an HMAC key
 * (`X-Appwatch-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`), and the URL itself for Slack and Teams,
 * whose webhook URLs are credentials; error messages name only the URL's origin.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Alert } from '../../alerts/types.js';
import { inertLine } from '../../cli/terminal.js';
import { alertJson } from '../formats.js';
import { webhookUrlProblem, type WebhookSinkConfig } from './config.js';
import { DeliveryError, type DeliverySink } from './sink.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';

export interface WebhookOptions {
  version: string;
  env?: NodeJS.ProcessEnv;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

export function webhookBody(alert: Alert, format: WebhookSinkConfig['format'], version: string): string {
  switch (format) {
    case 'json':
      return `{"id":${JSON.stringify(alert.id)},"alert":${alertJson(alert)}}`;
    case 'slack':
      return JSON.stringify(slackPayload(alert, version));
    case 'teams':
      return JSON.stringify(teamsPayload(alert, version));
  }
}

/** What the sink needs from the environment, read once when it is created. */
function resolveSecrets(config: WebhookSinkConfig, env: NodeJS.ProcessEnv): { url: URL; secret?: string } {
  let text = config.url;
  if (config.urlEnv !== undefined) {
    text = env[config.urlEnv];
    if (!text) throw new Error(`sink ${config.name}: environment variable ${config.urlEnv} (urlEnv) is not set`);
    const problem = webhookUrlProblem(text);
    // The value is a secret: say what is wrong with it, never what it is.
    if (problem) throw new Error(`sink ${config.name}: the URL in ${config.urlEnv} ${problem}`);
  }
  let secret: string | undefined;
  if (config.secretEnv !== undefined) {
    secret = env[config.secretEnv];
    if (!secret) throw new Error(`sink ${config.name}: environment variable ${config.secretEnv} (secretEnv) is not set`);
    if (/[\r\n]/.test(secret) && config.auth === 'bearer') throw new Error(`sink ${config.name}: the token in ${config.secretEnv} contains a line break`);
  }
  return { url: new URL(text!), ...(secret !== undefined ? { secret } : {}) };
}

export function createWebhookSink(config: WebhookSinkConfig, options: WebhookOptions): DeliverySink {
  const { url, secret } = resolveSecrets(config, options.env ?? process.env);
  const origin = url.origin;
  const https = url.protocol === 'https:';
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined;
  // Keep-alive: one connection reused across a batch instead of a TLS handshake per alert.
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const userAgent = `appwatch/${options.version}`;

  // Blanked from a receiver's answer should it echo them: the token, and a URL path that came from the environment.
  const hidden = [secret, config.urlEnv !== undefined ? `${url.pathname}${url.search}` : undefined].filter((h): h is string => h !== undefined && h.length >= 8);

  /** A short, inert excerpt of a receiver's answer, secrets blanked. */
  const excerpt = (text: string): string => {
    let t = inertLine(text).trim();
    for (const h of hidden) t = t.split(h).join('[redacted]');
    return t.length > 200 ? `${t.slice(0, 199)}…` : t;
  };

  const send = (alert: Alert): Promise<void> => {
    const body = Buffer.from(webhookBody(alert, config.format, options.version), 'utf8');
    const headers: Record<string, string> = {
      ...config.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'idempotency-key': alert.id,
      'user-agent': userAgent,
    };
    if (secret !== undefined && config.auth === 'bearer') headers.authorization = `Bearer ${secret}`;
    if (secret !== undefined && config.auth === 'hmac') {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers['x-appwatch-timestamp'] = timestamp;
      headers['x-appwatch-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
    }
    return post(body, headers, false);
  };

  const post = (body: Buffer, headers: Record<string, string>, retried: boolean): Promise<void> => {
    const request = https ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: DeliveryError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const req = request(url, { method: 'POST', headers, agent }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          // Only the start of an error answer is kept; the rest is read and dropped so the connection can be reused.
          if (kept < 1024) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('error', () => finish(new DeliveryError(`webhook ${origin}: answer cut off (HTTP ${status})`, { retryable: true, status })));
        res.on('end', () => {
          if (status >= 200 && status < 300) return finish();
          const text = excerpt(Buffer.concat(chunks).toString('utf8').slice(0, 1024));
          const what = `webhook ${origin}: HTTP ${status}${res.statusMessage ? ` ${inertLine(res.statusMessage)}` : ''}${text ? `: ${text}` : ''}`;
          if (RETRYABLE_STATUS.has(status)) {
            const after = retryAfterMs(res.headers['retry-after']);
            finish(new DeliveryError(what, { retryable: true, status, ...(after !== undefined ? { retryAfterMs: after } : {}) }));
          } else {
            finish(new DeliveryError(`${what} (rejected)`, { retryable: false, status }));
          }
        });
      });
      const timer = setTimeout(() => {
        finish(new DeliveryError(`webhook ${origin}: no answer within ${config.timeoutMs} ms`, { retryable: true }));
        req.destroy();
      }, config.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the receiver closed meanwhile (restart, idle timeout): Node's documented race;
        // one more try on a new connection. A repeat is harmless (Idempotency-Key).
        if (!settled && !retried && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          settled = true;
          clearTimeout(timer);
          post(body, headers, true).then(resolve, reject);
          return;
        }
        finish(new DeliveryError(`webhook ${origin}: ${error.code ?? 'network error'}${error.code ? '' : `: ${inertLine(error.message)}`}`, { retryable: true }));
      });
      req.end(body);
    });
  };

  return {
    name: config.name,
    reliable: true,
    send,
    close: async () => {
      agent.destroy();
    },
  };
}
