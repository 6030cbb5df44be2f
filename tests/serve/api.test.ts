/**
 * The dashboard's server through Hono's `app.request()` (no socket) on a real SQLite store filled from the hostile
 * fixture: the token → cookie exchange, the Host allow-list, the CSRF checks on every change, the security headers
 * (CSP with Trusted Types, no CORS), and the API's triage, audit and suppression round trips as the store records
 * them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/serve/app.js';
import { dashboardData, sinceClass } from '../../src/serve/data.js';
import { allowedHosts } from '../../src/serve/hosts.js';
import { Sessions } from '../../src/serve/session.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import type { StoredAlert } from '../../src/store/types.js';
import { fillHostileStore, hostile, HOSTILE_TENANT } from './stores.js';

const PORT = 4321;
const HOST = `127.0.0.1:${PORT}`;
const ORIGIN = `http://${HOST}`;
const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
const A1 = 'a1000000000000000000000000000001';
const A2 = 'a1000000000000000000000000000002';
const A3 = 'a1000000000000000000000000000003';
const A6 = 'a1000000000000000000000000000006';

let dir: string;
let store: SqliteStore;
let app: ReturnType<typeof createDashboardApp>;
let cookie: string;
let csrf: string;
let clock = Date.parse('2026-11-01T00:00:00.000Z');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'appwatch-serve-api-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
beforeEach(async () => {
  await store?.close();
  const path = join(dir, `s${++n}.db`);
  await fillHostileStore(path);
  store = await openSqliteStore(path);
  const hosts = allowedHosts('127.0.0.1', PORT, ['appwatch.internal']);
  app = createDashboardApp({
    sources: { store, storePath: path, version: '0.0.0-test', user: 'analyst', tenant: HOSTILE_TENANT },
    sessions: new Sessions(TOKEN),
    hosts: () => hosts,
    port: () => PORT,
    assets: () => ({ script: 'console.log("dashboard")', style: 'body{}' }),
    now: () => new Date((clock += 1000)),
  });
  const signedIn = await get(`/?token=${TOKEN}`);
  cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = (await (await get('/api/session', { cookie })).json() as { csrf: string }).csrf;
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(`${ORIGIN}${path}`, { headers: { host: HOST, ...headers } }));
}

/** A change as the dashboard's own page sends it; `over` replaces or (undefined) removes headers. */
function post(path: string, body: unknown, over: Record<string, string | undefined> = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const all: Record<string, string | undefined> = { host: HOST, cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'x-csrf-token': csrf, ...over };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
  return Promise.resolve(app.request(`${ORIGIN}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

describe('token and session cookie', () => {
  it('explains itself without a session, refuses a wrong token, and exchanges the right one for a cookie', async () => {
    const none = await get('/');
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('?token=');
    expect((await get('/?token=wrong')).status).toBe(403);
    expect((await get('/?token=')).status).toBe(403);

    const ok = await get(`/?token=${TOKEN}`);
    expect(ok.status).toBe(303);
    // The token leaves the address bar: the redirect goes to the bare path.
    expect(ok.headers.get('location')).toBe('/');
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^appwatch_session_${PORT}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`));

    const page = await get('/', { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/assets/dashboard.js" defer></script>');
    // The page is a fixed shell: nothing from the store is written into markup.
    expect(html).not.toContain('Contoso');
    expect(html).not.toMatch(/<script>|style=|\son[a-z]+=/);
  });

  it('refuses the API and the assets without a valid session cookie', async () => {
    for (const path of ['/api/data', '/api/session', '/api/audit', '/assets/dashboard.js', '/assets/dashboard.css']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, { cookie: `appwatch_session_${PORT}=forged` })).status, path).toBe(401);
      // Another dashboard's cookie (another port) is not this one's.
      expect((await get(path, { cookie: cookie.replace(`_${PORT}=`, '_9999=') })).status, path).toBe(401);
      expect((await get(path, { cookie })).status, path).toBe(200);
    }
    expect((await get('/assets/dashboard.js', { cookie })).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('gives the page its user and CSRF token, and counts the visit once per session', async () => {
    const session = await (await get('/api/session', { cookie })).json() as { user: string; csrf: string; previousVisit?: string };
    expect(session.user).toBe('analyst');
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.previousVisit).toBeUndefined();
    const again = (await get(`/?token=${TOKEN}`)).headers.get('set-cookie')!.split(';')[0]!;
    const second = await (await get('/api/session', { cookie: again })).json() as { csrf: string; previousVisit?: string };
    expect(second.csrf).not.toBe(session.csrf);
    expect(second.previousVisit).toMatch(/^2026-11-01T/);
  });
});

describe('Host allow-list (DNS rebinding)', () => {
  it('serves only the loopback names with the port, and --allow-host names', async () => {
    for (const host of [HOST, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `appwatch.internal:${PORT}`]) {
      expect((await app.request(`${ORIGIN}/api/session`, { headers: { host, cookie } })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${PORT}`, '127.0.0.1:9999', '127.0.0.1', `127.0.0.1:${PORT}.evil.example`, `[::1]:${PORT}`, '']) {
      const r = await app.request(`${ORIGIN}/api/session`, { headers: { host, cookie } });
      expect(r.status, host).toBe(403);
      expect(await r.text()).toContain('DNS rebinding');
    }
    // Even the token exchange: a rebinding page never gets a cookie.
    const rebound = await app.request(`${ORIGIN}/?token=${TOKEN}`, { headers: { host: `evil.example:${PORT}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.headers.get('set-cookie')).toBeNull();
  });
});

describe('CSRF on every change', () => {
  const ack = { ids: [A1], state: 'acknowledged' };
  it.each([
    ['no CSRF token', { 'x-csrf-token': undefined }],
    ['a wrong CSRF token', { 'x-csrf-token': 'x'.repeat(43) }],
    ['no Origin', { origin: undefined }],
    ['another origin', { origin: 'http://evil.example' }],
    ['another port on the same host (same-site, not same-origin)', { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['the literal null origin', { origin: 'null' }],
    ['a form-encoded body', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a text/plain body (a simple cross-site request)', { 'content-type': 'text/plain' }],
    ['no session cookie', { cookie: undefined }],
  ])('refuses %s, changing nothing', async (_label, over) => {
    const r = await post('/api/triage', ack, over);
    expect([401, 403]).toContain(r.status);
    expect((await store.getAlert(A1))?.state).toBe('new');
    expect(await store.auditTrail({ alertId: A1 })).toEqual([]);
  });

  it('accepts the page\'s own request, with or without Sec-Fetch-Site', async () => {
    expect((await post('/api/triage', ack, { 'sec-fetch-site': undefined })).status).toBe(200);
    expect((await store.getAlert(A1))?.state).toBe('acknowledged');
    expect((await post('/api/triage', { ids: [A1], state: 'new' }, { origin: `http://localhost:${PORT}` })).status).toBe(200);
  });

  it('guards the suppression endpoints too, preview included', async () => {
    for (const path of ['/api/suppressions', '/api/suppressions/preview']) {
      expect((await post(path, { scope: { ruleId: 'x' }, reason: 'r' }, { 'x-csrf-token': undefined })).status, path).toBe(403);
    }
    expect(await store.listSuppressions(true)).toHaveLength(2);
  });

  it('refuses bodies over the limit', async () => {
    const r = await post('/api/triage', { ids: [A1], state: 'acknowledged', note: 'x'.repeat(3 * 1024 * 1024) });
    expect(r.status).toBe(413);
  });
});

describe('response headers', () => {
  it('sends a strict CSP with Trusted Types, and no CORS, on every response', async () => {
    const responses = [
      await get('/', { cookie }), await get('/'), await get('/api/data', { cookie }), await get('/assets/dashboard.js', { cookie }),
      await get('/nope', { cookie, origin: 'http://evil.example' }),
      await app.request(`${ORIGIN}/api/data`, { headers: { host: 'evil.example' } }),
      await post('/api/triage', { ids: [A1], state: 'acknowledged' }, { origin: 'http://evil.example' }),
    ];
    for (const r of responses) {
      const csp = r.headers.get('content-security-policy') ?? '';
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
      expect(directives).toEqual({
        'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'img-src': 'data:', 'connect-src': "'self'",
        'base-uri': "'none'", 'form-action': "'none'", 'frame-ancestors': "'none'", 'require-trusted-types-for': "'script'", 'trusted-types': "'none'",
      });
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('strict-transport-security')).toBeNull();
      for (const [name] of r.headers) expect(name).not.toMatch(/^access-control-/);
    }
  });

  it('answers no CORS preflight', async () => {
    const r = await app.request(`${ORIGIN}/api/triage`, {
      method: 'OPTIONS',
      headers: { host: HOST, cookie, origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    for (const [name] of r.headers) expect(name).not.toMatch(/^access-control-/);
  });
});

describe('API round trips, as the store records them', () => {
  it('gives the report data with the live triage facts, hostile names as data', async () => {
    const data = await (await get('/api/data', { cookie })).json() as Awaited<ReturnType<typeof dashboardData>> & { guide: Record<string, string> };
    expect(data.report.kind).toBe('store');
    expect(data.report.tenant?.name).toBe(HOSTILE_TENANT);
    expect(data.report.alerts).toHaveLength(hostile.alerts.length);
    expect(data.report.alerts.find((a) => a.alert.id === A1)?.alert.entities.application?.displayName).toBe('</script><img src=x onerror=alert(1)>');
    expect(data.report.alerts.find((a) => a.alert.id.endsWith('7'))).toMatchObject({ state: 'suppressed', suppressedBy: expect.stringContaining('<b>routine</b> rotation') });
    expect(data.live.alerts['a1000000000000000000000000000005']).toMatchObject({ closeReason: 'benign_positive' });
    expect(data.live.alerts['a1000000000000000000000000000004']?.assignee).toBe('Mallory \u001b[31mAdmin\u001b[0m');
    expect(data.live.user).toBe('analyst');
    expect(data.guide['1']).toBeTruthy();
    // The baseline: the first visit has none, so the last 24 hours of the server's clock.
    expect(data.live.baseline.kind).toBe('default');
  });

  it('classifies new, still open and fixed against a chosen baseline', async () => {
    await post('/api/triage', { ids: [A2], state: 'resolved', closeReason: 'true_positive' });
    const data = await (await get('/api/data?since=2026-10-02T09:30:00Z', { cookie })).json() as Awaited<ReturnType<typeof dashboardData>>;
    expect(data.live.baseline).toEqual({ at: '2026-10-02T09:30:00.000Z', kind: 'chosen' });
    const since = Object.fromEntries(Object.entries(data.live.alerts).map(([id, a]) => [id.slice(-1), a.since]));
    // 7 and 8 were recorded after it (suppressed); 2 was resolved after it; 5 was resolved after it too; the rest are open.
    expect(since).toEqual({ 1: 'open', 2: 'fixed', 3: 'open', 4: 'open', 5: 'fixed', 6: 'open', 7: 'new', 8: 'new' });
    expect((await get('/api/data?since=yesterday', { cookie })).status).toBe(400);
  });

  it('acknowledges, resolves with a reason, assigns and notes; each change audited with the server\'s user', async () => {
    expect(await (await post('/api/triage', { ids: [A1], state: 'acknowledged' })).json()).toEqual({ changed: [A1], unchanged: [], unknown: [] });
    expect((await post('/api/triage', { ids: [A1], state: 'resolved' })).status).toBe(400);
    expect((await post('/api/triage', { ids: [A1], state: 'resolved', closeReason: 'automated_closure' })).status).toBe(400);
    expect((await post('/api/triage', { ids: [A1], state: 'suppressed' })).status).toBe(400);
    expect((await post('/api/triage', { ids: [A1], state: 'resolved', closeReason: 'false_positive', by: 'mallory' })).status).toBe(200);
    expect((await post('/api/triage', { ids: [A1], assignee: 'carol@contoso.com', note: 'handing over <script>' })).status).toBe(200);
    expect(await store.getAlert(A1)).toMatchObject({ state: 'resolved', closeReason: 'false_positive', assignee: 'carol@contoso.com' });
    const trail = await (await get(`/api/audit?alert=${A1}`, { cookie })).json() as { entries: { by: string; action: string; from?: string; to?: string; note?: string }[] };
    expect(trail.entries.map(({ by, action, from, to, note }) => ({ by, action, from, to, note }))).toEqual([
      { by: 'analyst', action: 'state', from: 'new', to: 'acknowledged', note: undefined },
      { by: 'analyst', action: 'state', from: 'acknowledged', to: 'resolved', note: undefined },
      { by: 'analyst', action: 'close_reason', from: undefined, to: 'false_positive', note: undefined },
      { by: 'analyst', action: 'assignee', from: undefined, to: 'carol@contoso.com', note: undefined },
      { by: 'analyst', action: 'note', from: undefined, to: undefined, note: 'handing over <script>' },
    ]);
    expect((await post('/api/triage', { ids: ['nope'], state: 'acknowledged' })).status).toBe(404);
    expect((await post('/api/triage', { ids: [], state: 'acknowledged' })).status).toBe(400);
    expect((await post('/api/triage', '{not json')).status).toBe(400);
  });

  it('applies a bulk change to every id in one request', async () => {
    const r = await post('/api/triage', { ids: [A1, A3, A6, 'nope'], state: 'acknowledged' });
    expect(await r.json()).toEqual({ changed: [A1, A3, A6], unchanged: [], unknown: ['nope'] });
    for (const id of [A1, A3, A6]) expect((await store.getAlert(id))?.state).toBe('acknowledged');
    expect((await store.getAlert(A2))?.state).toBe('new');
  });

  it('previews a suppression\'s impact, then saves it (author: the server\'s user) and hides the open alerts it covers', async () => {
    const scope = { ruleId: 'appwatch-owner-added', application: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0', actor: '' };
    const preview = await (await post('/api/suppressions/preview', { scope })).json() as { total: number; byState: Record<string, number>; alerts: { id: string }[] };
    expect(preview.total).toBe(2);
    expect(preview.byState).toEqual({ new: 1, acknowledged: 0, resolved: 0, suppressed: 1 });
    expect(preview.alerts.map((a) => a.id).sort()).toEqual([A3, 'a1000000000000000000000000000008']);
    expect(await store.listSuppressions(true)).toHaveLength(2);
    expect((await post('/api/suppressions/preview', { scope: {} })).status).toBe(400);
    expect((await post('/api/suppressions/preview', { scope: { owner: 'x' } })).status).toBe(400);

    expect((await post('/api/suppressions', { scope, reason: '  ' })).status).toBe(400);
    expect((await post('/api/suppressions', { scope, reason: 'r', expiresAt: '2020-01-01T00:00:00Z' })).status).toBe(400);
    const saved = await post('/api/suppressions', { scope, reason: 'owner changes by the HR team', expiresAt: '2027-01-01T00:00:00Z', apply: true, author: 'mallory' });
    expect(saved.status).toBe(201);
    const body = await saved.json() as { suppression: { id: string; author: string; hits: number }; hidden: string[] };
    expect(body.suppression.author).toBe('analyst');
    expect(body.hidden).toEqual([A3]);
    expect(await store.getAlert(A3)).toMatchObject({ state: 'suppressed', suppressionId: body.suppression.id });
    expect((await store.auditTrail({ alertId: A3 })).at(-1)).toMatchObject({ by: 'analyst', action: 'state', from: 'new', to: 'suppressed', suppressionId: body.suppression.id });
    const listed = await (await get('/api/suppressions', { cookie })).json() as { suppressions: { id: string; author: string; hits: number; live: boolean }[] };
    expect(listed.suppressions.find((s) => s.id === body.suppression.id)).toMatchObject({ author: 'analyst', hits: 1, live: true });
  });
});

describe('the baseline classes', () => {
  const base = (over: Partial<StoredAlert>): StoredAlert => ({ alert: hostile.alerts[0]!.alert, tenant: '', state: 'new', firstSeen: '2026-10-02T00:00:00.000Z', updatedAt: '2026-10-02T00:00:00.000Z', history: [], ...over });
  const T = '2026-10-05T00:00:00.000Z';
  it.each([
    ['recorded after it, open', base({ firstSeen: '2026-10-06T00:00:00.000Z' }), 'new'],
    ['recorded after it, resolved already', base({ firstSeen: '2026-10-06T00:00:00.000Z', state: 'resolved', history: [{ at: '2026-10-07T00:00:00.000Z', state: 'resolved' }] }), 'new'],
    ['recorded before it, open', base({ state: 'acknowledged', history: [{ at: '2026-10-03T00:00:00.000Z', state: 'acknowledged' }] }), 'open'],
    ['recorded before it, resolved after it', base({ state: 'resolved', history: [{ at: '2026-10-06T00:00:00.000Z', state: 'resolved' }] }), 'fixed'],
    ['recorded before it, suppressed after it', base({ state: 'suppressed', history: [{ at: '2026-10-06T00:00:00.000Z', state: 'suppressed' }] }), 'fixed'],
    ['recorded and resolved before it', base({ state: 'resolved', history: [{ at: '2026-10-03T00:00:00.000Z', state: 'resolved' }] }), undefined],
    ['suppressed when recorded, before it', base({ state: 'suppressed', suppressionId: 's' }), undefined],
  ] as const)('%s', (_label, alert, expected) => {
    expect(sinceClass(alert, T)).toBe(expected);
  });
});
