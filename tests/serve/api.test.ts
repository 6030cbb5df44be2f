/**
 * The dashboard's server through Hono's `app.request()` (no socket) on a real SQLite store filled from the hostile
 * fixture: the token → cookie exchange, sessions ending (idle timeout, lifetime; an injected clock, no sleeping),
 * the Host allow-list, the CSRF checks on every change, the security headers (CSP with Trusted Types, no CORS), the
 * API's triage, audit and suppression round trips as the store records them, removing a suppression (logged in the
 * dashboard's log), and the exports (CSV formula-safe, JSON Lines, the table's filters).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/serve/app.js';
import { dashboardData, sinceClass } from '../../src/serve/data.js';
import { allowedHosts } from '../../src/serve/hosts.js';
import { MemoryDashboardLog, type DashboardLog } from '../../src/serve/log.js';
import { Sessions } from '../../src/serve/session.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import type { StoredAlert } from '../../src/store/types.js';
import { parseCsv } from './csv.js';
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
let log: MemoryDashboardLog;
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
  log = new MemoryDashboardLog();
  app = createDashboardApp({
    sources: { store, storePath: path, version: '0.0.0-test', user: 'analyst', tenant: HOSTILE_TENANT, log },
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

function get(path: string, headers: Record<string, string> = {}, on = app): Promise<Response> {
  return Promise.resolve(on.request(`${ORIGIN}${path}`, { headers: { host: HOST, ...headers } }));
}

/** A change as the dashboard's own page sends it; `over` replaces or (undefined) removes headers. */
function post(path: string, body: unknown, over: Record<string, string | undefined> = {}, method = 'POST', on = app): Promise<Response> {
  const headers: Record<string, string> = {};
  const all: Record<string, string | undefined> = { host: HOST, cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'x-csrf-token': csrf, ...over };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
  return Promise.resolve(on.request(`${ORIGIN}${path}`, { method, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

/** A removal as the page sends it: DELETE with an empty JSON object. */
const del = (path: string, over: Record<string, string | undefined> = {}): Promise<Response> => post(path, {}, over, 'DELETE');

/** The headers every response must carry (CSP with Trusted Types, no framing, no sniffing, no caching, no CORS). */
function expectStrictHeaders(r: Response): void {
  const csp = r.headers.get('content-security-policy') ?? '';
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
  expect(directives).toEqual({
    'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'img-src': 'data:', 'connect-src': "'self'",
    'base-uri': "'none'", 'form-action': "'none'", 'frame-ancestors': "'none'", 'require-trusted-types-for': "'script'", 'trusted-types': "'none'",
  });
  expect(r.headers.get('x-frame-options')).toBe('DENY');
  expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  expect(r.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.headers.get('strict-transport-security')).toBeNull();
  for (const [name] of r.headers) expect(name).not.toMatch(/^access-control-/);
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
    // Max-Age: the browser drops it at the end of the session's lifetime (24 h); the server ends it sooner when idle.
    expect(setCookie).toMatch(new RegExp(`^appwatch_session_${PORT}=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=/; HttpOnly; SameSite=Strict$`));

    const page = await get('/', { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/assets/dashboard.js" defer></script>');
    // The page is a fixed shell: nothing from the store is written into markup.
    expect(html).not.toContain('Contoso');
    expect(html).not.toMatch(/<script>|style=|\son[a-z]+=/);
  });

  it('refuses the API and the assets without a valid session cookie', async () => {
    for (const path of ['/api/data', '/api/session', '/api/audit', '/api/dashboard-log', '/api/export/alerts.csv', '/api/export/alerts.jsonl', '/assets/dashboard.js', '/assets/dashboard.css']) {
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

  it('guards a suppression\'s removal (DELETE) like every change', async () => {
    const [first] = await store.listSuppressions(true);
    for (const over of [{ 'x-csrf-token': undefined }, { 'x-csrf-token': 'x'.repeat(43) }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'same-site' }, { 'content-type': 'text/plain' }, { cookie: undefined }]) {
      expect([401, 403], JSON.stringify(over)).toContain((await del(`/api/suppressions/${first!.id}`, over)).status);
    }
    expect(await store.listSuppressions(true)).toHaveLength(2);
    expect(log.entries).toEqual([]);
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
    for (const r of responses) expectStrictHeaders(r);
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

describe('sessions end: after an idle timeout and a lifetime', () => {
  const HOUR = 3_600_000;
  const START = Date.parse('2026-11-01T00:00:00.000Z');
  let t: number;
  let timed: ReturnType<typeof createDashboardApp>;
  let sessions: Sessions;
  let own: { cookie: string; csrf: string };

  /** An app on the same store whose clock the test sets (no sleeping), signed in at START. */
  async function timedApp(limits: ConstructorParameters<typeof Sessions>[1] = {}): Promise<void> {
    t = START;
    sessions = new Sessions(TOKEN, limits);
    const hosts = allowedHosts('127.0.0.1', PORT);
    timed = createDashboardApp({
      sources: { store, storePath: 'test.db', version: '0.0.0-test', user: 'analyst', tenant: HOSTILE_TENANT, log },
      sessions, hosts: () => hosts, port: () => PORT, assets: () => ({ script: '', style: '' }), now: () => new Date(t),
    });
    own = await signIn();
  }
  async function signIn(): Promise<{ cookie: string; csrf: string }> {
    const c = (await get(`/?token=${TOKEN}`, {}, timed)).headers.get('set-cookie')!.split(';')[0]!;
    const body = await (await get('/api/session', { cookie: c }, timed)).json() as { csrf: string };
    return { cookie: c, csrf: body.csrf };
  }
  const at = (ms: number): void => {
    t = START + ms;
  };
  const session = (extra: Record<string, string> = {}): Promise<Response> => get('/api/session', { cookie: own.cookie, ...extra }, timed);
  const expectExpired = async (r: Response, why: RegExp): Promise<void> => {
    expect(r.status).toBe(401);
    const body = await r.json() as { error: string; session: string };
    expect(body.session).toBe('expired');
    expect(body.error).toMatch(why);
    expect(body.error).toContain('open the address appwatch serve printed again');
    expectStrictHeaders(r);
  };

  it('lives while the person makes requests less than 8 hours apart', async () => {
    await timedApp();
    // Each request resets the idle clock: 7:59:59.999 after sign-in, then as long again after that.
    at(8 * HOUR - 1);
    expect((await session()).status).toBe(200);
    at(16 * HOUR - 2);
    expect((await session()).status).toBe(200);
    // 8 hours after that last request: over.
    at(24 * HOUR - 2);
    await expectExpired(await session(), /expired after 8 hours without activity/);
  });

  it('ends 8 hours after sign-in without a request, and says so on the API, the page and the assets', async () => {
    await timedApp();
    at(8 * HOUR);
    await expectExpired(await session(), /expired after 8 hours without activity/);
    // It stays ended (not "no session"): the page can keep saying why.
    await expectExpired(await get('/api/data', { cookie: own.cookie }, timed), /8 hours without activity/);
    const page = await get('/', { cookie: own.cookie }, timed);
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/^Session expired: .*8 hours without activity\. Open the link printed by appwatch serve again/);
    expect((await get('/assets/dashboard.js', { cookie: own.cookie }, timed)).status).toBe(401);
  });

  it('is not kept alive by the page\'s background refreshes', async () => {
    await timedApp();
    for (const h of [2, 4, 6]) {
      at(h * HOUR);
      expect((await get('/api/data', { cookie: own.cookie, 'x-appwatch-background': '1' }, timed)).status).toBe(200);
    }
    at(8 * HOUR);
    await expectExpired(await session({ 'x-appwatch-background': '1' }), /without activity/);
  });

  it('ends 24 hours after sign-in however active', async () => {
    await timedApp();
    for (let h = 4; h < 24; h += 4) {
      at(h * HOUR);
      expect((await session()).status, `${h} h`).toBe(200);
    }
    at(24 * HOUR - 1);
    expect((await session()).status).toBe(200);
    at(24 * HOUR);
    await expectExpired(await session(), /expired 24 hours after it began/);
  });

  it('takes its CSRF token with it: a change with the old cookie and token is refused, and changes nothing', async () => {
    await timedApp();
    const A = 'a1000000000000000000000000000001';
    at(9 * HOUR);
    const stale = await post('/api/triage', { ids: [A], state: 'acknowledged' }, { cookie: own.cookie, 'x-csrf-token': own.csrf }, 'POST', timed);
    await expectExpired(stale, /without activity/);
    expect((await store.getAlert(A))?.state).toBe('new');
    expect(await store.auditTrail({ alertId: A })).toEqual([]);
    // Opening the printed address again starts a new session, with a new CSRF token; the old token is worth nothing.
    const old = own;
    own = await signIn();
    expect(own.cookie).not.toBe(old.cookie);
    expect(own.csrf).not.toBe(old.csrf);
    expect((await post('/api/triage', { ids: [A], state: 'acknowledged' }, { cookie: own.cookie, 'x-csrf-token': old.csrf }, 'POST', timed)).status).toBe(403);
    expect((await post('/api/triage', { ids: [A], state: 'acknowledged' }, { cookie: own.cookie, 'x-csrf-token': own.csrf }, 'POST', timed)).status).toBe(200);
    // The new session has its own clocks.
    at(9 * HOUR + 8 * HOUR - 1);
    expect((await session()).status).toBe(200);
  });

  it('takes --session-idle\'s timeout, and tells the page its limits', async () => {
    await timedApp({ idleMs: 30 * 60_000 });
    expect(await (await session()).json()).toMatchObject({ idleMinutes: 30, lifetimeMinutes: 1440 });
    at(30 * 60_000 - 1);
    expect((await session({ 'x-appwatch-background': '1' })).status).toBe(200);
    at(30 * 60_000);
    await expectExpired(await session(), /expired after 30 minutes without activity/);
  });

  it('checks --session-idle: whole minutes from 1 to the 24-hour lifetime', async () => {
    const parse = (value: string): Promise<unknown> => serveCommand(() => {}).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
      .action(() => {}).parseAsync(['--session-idle', value], { from: 'user' });
    for (const bad of ['0', '-5', '1.5', 'eight', '1441']) await expect(parse(bad), bad).rejects.toThrow(/whole minutes from 1 to 1440/);
    for (const good of ['1', '45', '1440']) await expect(parse(good), good).resolves.toBeDefined();
  });
});

describe('removing a suppression from the page', () => {
  it('removes it, keeps the alerts it suppressed as they are, and logs who removed which and when', async () => {
    const before = await store.listSuppressions(true);
    const routine = before.find((s) => s.reason === '<b>routine</b> rotation');
    const accepted = before.find((s) => s !== routine);
    const A7 = 'a1000000000000000000000000000007';
    const auditBefore = await store.auditTrail();
    const r = await del(`/api/suppressions/${routine!.id}`);
    expect(r.status).toBe(200);
    expectStrictHeaders(r);
    const body = await r.json() as { removed: { id: string; reason: string }; stillSuppressed: number; log: string };
    expect(body).toMatchObject({ removed: { id: routine!.id, reason: '<b>routine</b> rotation' }, stillSuppressed: 1, log: 'memory' });
    expect((await store.listSuppressions(true)).map((s) => s.id)).toEqual([accepted!.id]);
    expect(await store.getAlert(A7)).toMatchObject({ state: 'suppressed', suppressionId: routine!.id });
    // The store's triage audit is per alert, and no alert changed: nothing written there.
    expect(await store.auditTrail()).toEqual(auditBefore);
    // The dashboard's log: who (the server's user), when (its clock), and the whole suppression as it was.
    expect(log.entries).toEqual([{ at: expect.stringMatching(/^2026-11-01T/), by: 'analyst', action: 'remove-suppression', suppression: routine, via: 'dashboard' }]);
    const listed = await (await get('/api/dashboard-log', { cookie })).json() as { entries: unknown[]; where: string };
    expect(listed).toEqual({ entries: log.entries, where: 'memory' });
    // The page's data no longer lists it; the alert it suppressed says it was removed.
    const data = await (await get('/api/data', { cookie })).json() as Awaited<ReturnType<typeof dashboardData>>;
    expect(data.live.suppressions.map((s) => s.id)).toEqual([accepted!.id]);
    expect(data.report.alerts.find((a) => a.alert.id === A7)?.suppressedBy).toBe('a suppression (since removed)');
    // Gone is gone: a second removal is a 404, and logs nothing.
    expect((await del(`/api/suppressions/${routine!.id}`)).status).toBe(404);
    expect((await del('/api/suppressions/nope')).status).toBe(404);
    expect(log.entries).toHaveLength(1);
  });

  it('removes nothing when the log cannot be written', async () => {
    const failing: DashboardLog = { where: '/nowhere/log.jsonl', append: async () => { throw new Error('EACCES'); }, recent: async () => [] };
    const hosts = allowedHosts('127.0.0.1', PORT);
    const strict = createDashboardApp({
      sources: { store, storePath: 'test.db', version: '0.0.0-test', user: 'analyst', log: failing },
      sessions: new Sessions(TOKEN), hosts: () => hosts, port: () => PORT, assets: () => ({ script: '', style: '' }),
    });
    const c = (await get(`/?token=${TOKEN}`, {}, strict)).headers.get('set-cookie')!.split(';')[0]!;
    const token = (await (await get('/api/session', { cookie: c }, strict)).json() as { csrf: string }).csrf;
    const [first] = await store.listSuppressions(true);
    const stderr = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      const r = await post(`/api/suppressions/${first!.id}`, {}, { cookie: c, 'x-csrf-token': token }, 'DELETE', strict);
      expect(r.status).toBe(500);
      expect((await r.json() as { error: string }).error).toContain('not removed');
      expect((await get('/api/export/alerts.csv', { cookie: c }, strict)).status).toBe(500);
    } finally {
      process.stderr.write = stderr;
    }
    expect(await store.listSuppressions(true)).toHaveLength(2);
  });
});

describe('exports: the alerts table\'s rows as CSV and JSON Lines', () => {
  const HYPER = '=HYPERLINK("http://x","y")';
  const id = (n: number): string => `a100000000000000000000000000000${n}`;
  const csvIds = async (query: string): Promise<string[]> => {
    const r = await get(`/api/export/alerts.csv${query}`, { cookie });
    expect(r.status, `${query}: ${r.status === 200 ? '' : await r.clone().text()}`).toBe(200);
    return parseCsv(await r.text()).slice(1).map((row) => row[0]!);
  };
  const jsonlIds = async (query: string): Promise<string[]> => {
    const r = await get(`/api/export/alerts.jsonl${query}`, { cookie });
    expect(r.status).toBe(200);
    return (await r.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
  };

  it('sends a CSV attachment with the strict headers, every open alert in the table\'s order, formula-safe', async () => {
    const r = await get('/api/export/alerts.csv', { cookie, 'sec-fetch-site': 'same-origin' });
    expect(r.status).toBe(200);
    expectStrictHeaders(r);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="appwatch-alerts-2026\d{4}T\d{6}Z\.csv"$/);
    const text = await r.text();
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['id', 'state', 'close_reason', 'assignee', 'first_seen', 'time', 'severity', 'rule_id', 'rule_title', 'guide_rows', 'summary', 'application', 'app_id', 'actor', 'actor_ip', 'evidence_ids']);
    // The six not suppressed (7 and 8 are), severity first, then newest first: as the alerts table orders them.
    expect(rows.slice(1).map((row) => row[0])).toEqual([id(2), id(4), id(1), id(3), id(5), id(6)]);
    expect(rows.slice(1).every((row) => row.length === rows[0]!.length)).toBe(true);
    const a4 = rows.find((row) => row[0] === id(4))!;
    // The hostile name is neutralised with a leading apostrophe, in the file as in the cell.
    expect(a4[11]).toBe(`'${HYPER}`);
    expect(rows.find((row) => row[0] === id(3))![10]).toBe(`Owner ${HYPER} added to 'Payroll-Sync' (appId 8e7fe5eb-b7de-4337-8701-00c8d8969ca0) by alice@contoso.com.`);
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(text).not.toMatch(/(^|,)"?[=+@]/m);
    for (const row of rows) for (const cell of row) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    // The triage facts: A5 resolved as benign positive; A4 assigned (its escape codes are data, kept as they are).
    expect(rows.find((row) => row[0] === id(5))!.slice(1, 3)).toEqual(['resolved', 'benign_positive']);
    expect(a4[3]).toBe('Mallory \u001b[31mAdmin\u001b[0m');
  });

  it('sends JSON Lines with each alert\'s triage facts, hostile names as data', async () => {
    const r = await get('/api/export/alerts.jsonl', { cookie });
    expect(r.status).toBe(200);
    expectStrictHeaders(r);
    expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="appwatch-alerts-2026\d{4}T\d{6}Z\.jsonl"$/);
    const lines = (await r.text()).split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as { id: string; tenant: string; state: string; closeReason?: string; firstSeen: string; alert: { id: string; entities: { application?: { displayName?: string } } } });
    expect(parsed.map((p) => p.id)).toEqual([id(2), id(4), id(1), id(3), id(5), id(6)]);
    expect(parsed.find((p) => p.id === id(1))).toMatchObject({ tenant: HOSTILE_TENANT, state: 'new', firstSeen: '2026-10-02T08:00:00.000Z', alert: { id: id(1), entities: { application: { displayName: '</script><img src=x onerror=alert(1)>' } } } });
    expect(parsed.find((p) => p.id === id(4))?.alert.entities.application?.displayName).toBe(HYPER);
    expect(parsed.find((p) => p.id === id(5))?.closeReason).toBe('benign_positive');
    const stored = await store.getAlert(id(2));
    expect(parsed.find((p) => p.id === id(2))?.alert).toEqual(JSON.parse(JSON.stringify(stored!.alert)));
  });

  it('applies the table\'s filters: facets, search, time range, suppressed, the baseline', async () => {
    const all = await store.listAlerts({ tenant: HOSTILE_TENANT });
    const expectIds = (pick: (s: (typeof all)[number]) => boolean): string[] => all.filter(pick).map((s) => s.alert.id).sort();
    const open = (s: (typeof all)[number]): boolean => s.state !== 'suppressed';
    const cases: [string, string[]][] = [
      ['?severity=high', expectIds((s) => open(s) && s.alert.severity === 'high')],
      ['?severity=high&severity=critical', expectIds((s) => open(s) && ['high', 'critical'].includes(s.alert.severity))],
      [`?app=${encodeURIComponent(HYPER)}`, [id(4)]],
      ['?actor=x%40contoso.com', [id(3)]],
      ['?actor=mallory%40contoso.com&ip=198.51.100.7', [id(1), id(2)]],
      [`?assignee=${encodeURIComponent('Mallory \u001b[31mAdmin\u001b[0m')}`, [id(4)]],
      [`?app=${encodeURIComponent('Contoso HR\u202egnp.exe')}`, [id(2)]],
      ['?app=Payroll-Sync', expectIds((s) => open(s) && s.alert.entities.application?.displayName === 'Payroll-Sync')],
      ['?q=payroll', expectIds((s) => open(s) && /payroll/i.test(JSON.stringify([s.alert.summary, s.alert.rule.title, s.alert.entities.application?.displayName])))],
      ['?q=payroll%20secret', [id(6)]],
      ['?state=resolved&reason=benign%20positive', [id(5)]],
      ['?assignee=unassigned', expectIds((s) => open(s) && s.assignee === undefined)],
      ['?from=2026-10-01T10:00:00.000Z&to=2026-10-01T15:00:00.000Z', expectIds((s) => open(s) && s.alert.time >= '2026-10-01T10:00:00.000Z' && s.alert.time < '2026-10-01T15:00:00.000Z')],
      ['?suppressed=1&state=suppressed', [id(7), id(8)]],
      ['?suppressed=1', expectIds(() => true)],
      ['?suppressed=1&since=new&baseline=2026-10-02T09:30:00Z', [id(7), id(8)]],
      ['?since=fixed&baseline=2026-10-02T09:30:00Z', [id(5)]],
      ['?severity=high&q=nothing-matches-this', []],
    ];
    for (const [query, expected] of cases) {
      expect(expected.length, query).toBeLessThan(all.length + 1);
      expect((await csvIds(query)).sort(), `csv ${query}`).toEqual([...expected].sort());
      expect((await jsonlIds(query)).sort(), `jsonl ${query}`).toEqual([...expected].sort());
    }
    // An empty result is still a file: the header alone.
    expect(await (await get('/api/export/alerts.csv?severity=high&q=nothing-matches-this', { cookie })).text()).toMatch(/^id,state,[^\n]*\n$/);
  });

  it('refuses a filter it does not know or cannot read, rather than export everything', async () => {
    for (const query of ['?owner=x', '?severity=high&sevrity=low', '?from=yesterday&to=2026-10-02T00:00:00Z', '?from=2026-10-01T00:00:00Z', '?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z', '?suppressed=maybe', '?baseline=later']) {
      const r = await get(`/api/export/alerts.csv${query}`, { cookie });
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-disposition'), query).toBeNull();
    }
    expect(log.entries).toEqual([]);
  });

  it('exports only for the dashboard\'s own page or an address typed in (Sec-Fetch-Site), and logs each export', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const r = await get('/api/export/alerts.csv', { cookie, 'sec-fetch-site': site });
      expect(r.status, site).toBe(403);
      expectStrictHeaders(r);
    }
    expect((await app.request(`${ORIGIN}/api/export/alerts.csv`, { method: 'HEAD', headers: { host: HOST, cookie } })).status).toBe(405);
    expect(log.entries).toEqual([]);
    expect((await get('/api/export/alerts.jsonl?severity=high', { cookie, 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await get('/api/export/alerts.csv', { cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(log.entries).toEqual([
      { at: expect.stringMatching(/^2026-11-01T/), by: 'analyst', action: 'export', format: 'jsonl', alerts: 2, filter: expect.stringMatching(/^severity=high&baseline=2026-/) },
      { at: expect.stringMatching(/^2026-11-01T/), by: 'analyst', action: 'export', format: 'csv', alerts: 6, filter: expect.stringMatching(/^baseline=2026-/) },
    ]);
  });
});
