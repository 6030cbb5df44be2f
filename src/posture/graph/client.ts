/**
 * @module posture/graph/client
 * A small Microsoft Graph client for reading a tenant: paging by `@odata.nextLink`, JSON `$batch` (20 requests a
 * call), 429/503/504 answered by `Retry-After` or exponential backoff with full jitter, a timeout per request and
 * one token refresh on 401. Failures are GraphError with Graph's status and error code, so the collector can say
 * exactly what is missing and why.
 */
import type { TokenProvider } from './auth.js';

type Json = Record<string, unknown>;

export class GraphError extends Error {
  constructor(readonly resource: string, readonly status: number | undefined, readonly code: string | undefined, message: string) {
    super(message);
  }
}

export interface GraphClientOptions {
  baseUrl: string;
  tokens: TokenProvider;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Retries of a throttled (429), unavailable (503/504) or timed-out request before giving up. */
  maxRetries?: number;
  /** Longest wait between retries (ms); a longer Retry-After is honoured up to this. */
  maxDelayMs?: number;
  /** Sent with every request; a function is asked each time (a fleet worker names itself and its lease). */
  userAgent?: string | (() => string);
  /**
   * Waits until a request may be sent: a fleet's shared token buckets (per tenant, per app across tenants), kept
   * in PostgreSQL so that adding workers never adds load on Graph (src/fleet/buckets.ts).
   */
  admit?: () => Promise<void>;
  /** Headers sent with every request (e.g. `Prefer: include-unknown-enum-members` for sign-ins). */
  headers?: Record<string, string>;
  /**
   * Client-side pacing: at most `requests` per `perMs` (the identity reports allow 5 per 10 s per app per tenant;
   * pacing ourselves costs less than being throttled).
   */
  rateLimit?: { requests: number; perMs: number };
  /** Told of every retry: what, why and how long it waits. */
  onRetry?: (info: { resource: string; status: number | 'timeout' | 'network'; delayMs: number; attempt: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BatchRequest { id: string; url: string }
export type BatchResult = { id: string; ok: true; body: Json } | { id: string; ok: false; error: GraphError };

const RETRYABLE = new Set([429, 503, 504]);
const BATCH_SIZE = 20;

/** Seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function graphErrorOf(resource: string, status: number, body: unknown): GraphError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new GraphError(resource, status, code, `${status}${code ? ` ${code}` : ''}: ${message}`);
}

export class GraphClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Requests sent, retries made, times throttled: for status lines and `appwatch status`. */
  readonly stats = { requests: 0, retries: 0, throttled: 0 };
  private readonly sent: number[] = [];

  constructor(private readonly options: GraphClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 6;
    this.maxDelayMs = options.maxDelayMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  /** An absolute URL for a path (`/applications?...`) or a nextLink, which must stay on Graph's own origin. */
  private url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      // A nextLink elsewhere would carry our bearer token to another host.
      if (new URL(pathOrUrl).origin !== this.origin) throw new GraphError(pathOrUrl, undefined, 'foreignLink', `refusing to follow a link off ${this.origin}: ${pathOrUrl}`);
      return pathOrUrl;
    }
    return `${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    if (retryAfter !== undefined) return Math.min(retryAfter, this.maxDelayMs);
    // Full jitter (AWS architecture blog): spreads clients that were throttled together.
    return Math.floor(this.random() * Math.min(this.maxDelayMs, 1000 * 2 ** attempt));
  }

  private async pace(): Promise<void> {
    const limit = this.options.rateLimit;
    if (!limit) return;
    for (;;) {
      const now = Date.now();
      while (this.sent.length > 0 && now - this.sent[0]! >= limit.perMs) this.sent.shift();
      if (this.sent.length < limit.requests) break;
      await this.sleep(limit.perMs - (now - this.sent[0]!) + 1);
    }
    this.sent.push(Date.now());
  }

  /** One request with retries; returns the parsed JSON body, or throws GraphError. */
  async request(method: 'GET' | 'POST', pathOrUrl: string, body?: unknown, resource = pathOrUrl): Promise<Json> {
    const url = this.url(pathOrUrl);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.options.tokens.token();
      await this.pace();
      await this.options.admit?.();
      this.stats.requests++;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            'user-agent': (typeof this.options.userAgent === 'function' ? this.options.userAgent() : this.options.userAgent) ?? 'appwatch',
            ...this.options.headers,
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
        // A request that never answers is retried once: hanging again means the endpoint is not answering.
        const limit = timedOut ? Math.min(1, this.maxRetries) : this.maxRetries;
        if (attempt < limit) {
          const delayMs = this.backoff(attempt, undefined);
          this.stats.retries++;
          this.options.onRetry?.({ resource, status: timedOut ? 'timeout' : 'network', delayMs, attempt: attempt + 1 });
          await this.sleep(delayMs);
          continue;
        }
        throw new GraphError(resource, undefined, timedOut ? 'timeout' : 'network', timedOut ? `no answer within ${Math.round(this.timeoutMs / 1000)} s (tried ${attempt + 1} times)` : `network error: ${(error as Error).message}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (response.ok) {
        if (parsed === undefined || typeof parsed !== 'object' || parsed === null) throw new GraphError(resource, response.status, 'badResponse', `${response.status}: the answer is not a JSON object`);
        return parsed as Json;
      }
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        await this.options.tokens.token(true);
        continue;
      }
      if (response.status === 429) this.stats.throttled++;
      if (RETRYABLE.has(response.status) && attempt < this.maxRetries) {
        const delayMs = this.backoff(attempt, retryAfterMs(response.headers.get('retry-after')));
        this.stats.retries++;
        this.options.onRetry?.({ resource, status: response.status, delayMs, attempt: attempt + 1 });
        await this.sleep(delayMs);
        continue;
      }
      const error = graphErrorOf(resource, response.status, parsed);
      if (RETRYABLE.has(response.status)) throw new GraphError(resource, response.status, error.code ?? 'throttled', `${error.message} (gave up after ${attempt + 1} attempts)`);
      throw error;
    }
  }

  /** Every item of a collection, following `@odata.nextLink` to the end. */
  async list(path: string, resource = path): Promise<Json[]> {
    const items: Json[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = await this.request('GET', next, undefined, resource);
      if (!Array.isArray(page.value)) throw new GraphError(resource, 200, 'badResponse', 'the answer has no value[] collection');
      for (const item of page.value as unknown[]) if (typeof item === 'object' && item !== null) items.push(item as Json);
      next = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
    }
    return items;
  }

  /**
   * Many GETs through `$batch`, 20 a call. A throttled or unavailable inner request is sent again in a later
   * batch after its Retry-After; a collection answer with a nextLink is completed by direct GETs.
   */
  async batch(requests: readonly BatchRequest[], resource: string): Promise<BatchResult[]> {
    const results = new Map<string, BatchResult>();
    let pending = [...requests];
    for (let round = 0; pending.length > 0; round++) {
      const retry: BatchRequest[] = [];
      let wait = 0;
      for (let i = 0; i < pending.length; i += BATCH_SIZE) {
        const chunk = pending.slice(i, i + BATCH_SIZE);
        const answer = await this.request('POST', '/$batch', { requests: chunk.map((r) => ({ id: r.id, method: 'GET', url: r.url })) }, resource);
        const responses = Array.isArray(answer.responses) ? (answer.responses as Json[]) : [];
        const byId = new Map(responses.map((r) => [String(r.id), r]));
        for (const r of chunk) {
          const response = byId.get(r.id);
          const status = typeof response?.status === 'number' ? response.status : 0;
          const body = (response?.body ?? {}) as Json;
          if (status >= 200 && status < 300) {
            if (typeof body['@odata.nextLink'] === 'string' && Array.isArray(body.value)) {
              try {
                const rest = await this.list(body['@odata.nextLink'], resource);
                results.set(r.id, { id: r.id, ok: true, body: { ...body, value: [...(body.value as Json[]), ...rest] } });
              } catch (error) {
                results.set(r.id, { id: r.id, ok: false, error: error instanceof GraphError ? error : new GraphError(resource, undefined, 'network', String(error)) });
              }
            } else results.set(r.id, { id: r.id, ok: true, body });
          } else if (RETRYABLE.has(status) && round < this.maxRetries) {
            const headers = (response?.headers ?? {}) as Record<string, string>;
            const after = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
            wait = Math.max(wait, this.backoff(round, retryAfterMs(after)));
            retry.push(r);
          } else {
            results.set(r.id, { id: r.id, ok: false, error: graphErrorOf(`${resource} (${r.url})`, status, body) });
          }
        }
      }
      if (retry.length > 0) {
        this.stats.retries += retry.length;
        this.options.onRetry?.({ resource, status: 429, delayMs: wait, attempt: round + 1 });
        await this.sleep(wait);
      }
      pending = retry;
    }
    return requests.map((r) => results.get(r.id)!);
  }
}
