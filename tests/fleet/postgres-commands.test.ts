/**
 * Alerts, triage, suppressions and the dashboard work the same on both stores: the hostile fixture tenant
 * (tests/fixtures/report/hostile.json, committed as tests/serve/stores.ts `fillHostileStore` commits it) in a
 * fresh PostgreSQL database, next to the same tenant in SQLite (fillHostileStore itself), then:
 * - the built CLI with `--store postgres://…` (a URL with a password): `alerts list` gives what SQLite gives, ack and
 *   resolve change the rows, an unknown id is a usage error naming the store without its password, suppress /
 *   suppressions / unsuppress round-trip; `report --out` carries exactly the stored alerts; `status --format json`;
 * - the dashboard's Hono app (as tests/serve/api.test.ts drives it, `app.request()`) over the PostgresStore: the
 *   token exchange, triage, a suppression previewed, saved and removed, all as the store and its audit record them;
 *   hostile names come back as the same strings, and the exports are byte for byte those of the SQLite twin.
 * The password never appears in anything a command prints, writes or serves.
 *
 * Needs the cluster of tests/setup/postgres.ts (skipped without PostgreSQL, saying why) and the built CLI (dist/).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { storeLocation } from '../../src/cli/commands/store-location.js';
import type { ReportData } from '../../src/report/model.js';
import { createDashboardApp } from '../../src/serve/app.js';
import type { DashboardData } from '../../src/serve/data.js';
import { allowedHosts } from '../../src/serve/hosts.js';
import { MemoryDashboardLog } from '../../src/serve/log.js';
import { Sessions } from '../../src/serve/session.js';
import { redactStoreLocation } from '../../src/store/open.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import type { AlertStore, StoredAlert, Suppression, TriageAuditEntry } from '../../src/store/types.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freshDatabase, postgresSkip } from '../helpers/postgres.js';
import { startServe } from '../serve/process.js';
import { fillHostileStore, hostile, HOSTILE_TENANT } from '../serve/stores.js';

if (postgresSkip !== '') console.warn(`tests/fleet/postgres-commands.test.ts: ${postgresSkip}`);

const PASSWORD = 's3cret-pw';
const APP_PAYROLL = '8e7fe5eb-b7de-4337-8701-00c8d8969ca0';
const id = (n: number): string => `a100000000000000000000000000000${n}`;
const [A1, A2, A3, A4, A5, A6, A7, A8] = [1, 2, 3, 4, 5, 6, 7, 8].map(id) as [string, string, string, string, string, string, string, string];
const fixtureAlert = (alertId: string): Alert => hostile.alerts.find((a) => a.alert.id === alertId)!.alert;
/** The fixture's hostile names, which must come back as the very same strings. */
const HOSTILE_NAMES = {
  [A1]: '</script><img src=x onerror=alert(1)>',
  [A2]: 'Contoso HR\u202egnp.exe',
  [A4]: '=HYPERLINK("http://x","y")',
  [A7]: 'Pay\u200broll-Sync',
};
const ASSIGNEE = 'Mallory \u001b[31mAdmin\u001b[0m';

/**
 * tests/serve/stores.ts `fillHostileStore`, step for step, into an open store (it opens SQLite by path itself):
 * 7 and 8 suppressed at commit by the fixture's two suppressions, 4 acknowledged and assigned, 5 resolved.
 */
async function fillHostile(store: AlertStore): Promise<void> {
  const first = hostile.alerts.map((a) => a.alert).filter((a) => !a.id.endsWith('7') && !a.id.endsWith('8'));
  await store.commitBatch({ tenant: HOSTILE_TENANT, alerts: first, checkpoints: {}, state: {}, sinksFor: () => [], now: '2026-10-02T08:00:00.000Z' });
  await store.addSuppression({ scope: { ruleId: fixtureAlert(A7).rule.id, application: APP_PAYROLL }, reason: '<b>routine</b> rotation', author: 'bob@contoso.com', createdAt: '2026-10-02T09:00:00.000Z', expiresAt: '2026-12-31T00:00:00.000Z' });
  await store.addSuppression({ scope: { ruleId: fixtureAlert(A8).rule.id, actor: 'alice@contoso.com' }, reason: 'Accepted risk: legacy app, review 2027-01', author: 'carol@contoso.com', createdAt: '2026-10-02T09:00:00.000Z' });
  await store.commitBatch({ tenant: HOSTILE_TENANT, alerts: [fixtureAlert(A7), fixtureAlert(A8)], checkpoints: {}, state: {}, sinksFor: () => [], now: '2026-10-02T10:00:00.000Z' });
  await store.triage([A4], { state: 'acknowledged', assignee: ASSIGNEE }, 'bob@contoso.com', '2026-10-02T11:00:00.000Z');
  await store.triage([A5], { state: 'resolved', closeReason: 'benign_positive', note: '<img src=x onerror=alert(1)> was the user\'s own phone' }, 'bob@contoso.com', '2026-10-02T12:00:00.000Z');
}

/** A fresh database's URL with a password in it (the test cluster trusts every connection, so any password connects). */
async function passwordUrl(prefix: string): Promise<string> {
  const url = new URL(await freshDatabase(prefix));
  url.password = PASSWORD;
  return url.toString();
}

/**
 * Suppression ids are random per store: each replaced by its reason (one since removed: by a placeholder), so two
 * stores' outputs compare.
 */
async function withoutSuppressionIds(text: string, store: AlertStore): Promise<string> {
  let out = text;
  for (const s of await store.listSuppressions(true)) out = out.split(s.id).join(`suppression:${s.reason}`);
  return out.replace(/"suppressionId":"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"suppressionId":"(removed)"');
}

const lines = <T>(text: string): T[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

/** The report's data island, as the page's script reads it (tests/cli/report-commands.test.ts). */
function island(html: string): ReportData {
  const match = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html);
  expect(match, 'data island').not.toBeNull();
  expect(match![1]).not.toMatch(/</);
  return JSON.parse(match![1]!) as ReportData;
}

let work: string;
let twinPath: string;
let twin: SqliteStore;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-pg-commands-'));
  twinPath = join(work, 'twin.db');
  await fillHostileStore(twinPath);
  twin = await openSqliteStore(twinPath);
});
afterAll(async () => {
  await twin?.close();
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(postgresSkip !== '')('the CLI on a PostgreSQL store (--store postgres://user:password@…)', () => {
  let url: string;
  let shown: string;
  let store: PostgresStore;

  /** The built CLI on the PostgreSQL store; nothing it prints may carry the password. */
  async function cli(args: string[], on = url): Promise<CliResult> {
    const r = await runCli([...args, '--store', on]);
    expect(r.stdout, args.join(' ')).not.toContain(PASSWORD);
    expect(r.stderr, args.join(' ')).not.toContain(PASSWORD);
    return r;
  }

  beforeAll(async () => {
    url = await passwordUrl('pg_commands_cli');
    shown = redactStoreLocation(url);
    expect(url).toContain(`:${PASSWORD}@`);
    expect(shown).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/pg_commands_cli_/);
    store = await openPostgresStore(url);
    await fillHostile(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('lists the stored alerts as SQLite does, hostile names as the same JSON strings', async () => {
    const [pgAll, sqliteAll, pgOpen] = await Promise.all([
      cli(['alerts', 'list', '--state', 'all', '--format', 'json']),
      runCli(['alerts', 'list', '--state', 'all', '--format', 'json', '--store', twinPath]),
      cli(['alerts', 'list', '--format', 'json']),
    ]);
    expect(pgAll.code, pgAll.stderr).toBe(0);
    expect(sqliteAll.code, sqliteAll.stderr).toBe(0);
    const body = JSON.parse(pgAll.stdout) as { alerts: StoredAlert[]; counts: Record<string, number> };
    expect(body.alerts.map((s) => s.alert.id).sort()).toEqual(hostile.alerts.map((a) => a.alert.id).sort());
    expect(Object.fromEntries(body.alerts.map((s) => [s.alert.id, s.state]))).toEqual(Object.fromEntries(hostile.alerts.map((a) => [a.alert.id, a.state])));
    expect(body.counts).toEqual({ new: 4, acknowledged: 1, resolved: 1, suppressed: 2 });
    for (const s of body.alerts) expect(s.alert).toEqual(JSON.parse(JSON.stringify(fixtureAlert(s.alert.id))));
    for (const [alertId, name] of Object.entries(HOSTILE_NAMES)) {
      expect(body.alerts.find((s) => s.alert.id === alertId)!.alert.entities.application?.displayName).toBe(name);
    }
    expect(body.alerts.find((s) => s.alert.id === A4)).toMatchObject({ tenant: HOSTILE_TENANT, assignee: ASSIGNEE });
    // The same records, in the same order, as the SQLite twin's (suppression ids aside: random per store).
    expect(JSON.parse(await withoutSuppressionIds(pgAll.stdout, store))).toEqual(JSON.parse(await withoutSuppressionIds(sqliteAll.stdout, twin)));

    expect(pgOpen.code, pgOpen.stderr).toBe(0);
    expect((JSON.parse(pgOpen.stdout) as { alerts: StoredAlert[] }).alerts.map((s) => s.alert.id).sort()).toEqual([A1, A2, A3, A4, A6]);
    expect(pgOpen.stderr).toContain('5 alerts shown (new, acknowledged); matching the other filters: 4 new, 1 acknowledged, 1 resolved, 2 suppressed');
  });

  it('acknowledges and resolves (who and note in the history and the audit); show reads them back', async () => {
    // Two processes at once, on different alerts.
    const [ack, resolved] = await Promise.all([
      cli(['alerts', 'ack', A1, '--by', 'x', '--note', 'looking']),
      cli(['alerts', 'resolve', A2, '--by', 'x', '--note', 'redirect removed']),
    ]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stderr).toContain(`[+] acknowledged ${A1}`);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stderr).toContain(`[+] resolved ${A2}`);

    expect(await store.getAlert(A1)).toMatchObject({ state: 'acknowledged', history: [{ state: 'acknowledged', by: 'x', note: 'looking' }] });
    expect(await store.getAlert(A2)).toMatchObject({ state: 'resolved', history: [{ state: 'resolved', by: 'x', note: 'redirect removed' }] });
    expect((await store.auditTrail({ alertId: A1 })).map(({ by, action, from, to, note }) => ({ by, action, from, to, note })))
      .toEqual([{ by: 'x', action: 'state', from: 'new', to: 'acknowledged', note: 'looking' }]);
    expect((await store.auditTrail({ alertId: A2 })).map(({ by, action, from, to }) => ({ by, action, from, to })))
      .toEqual([{ by: 'x', action: 'state', from: 'new', to: 'resolved' }]);

    const [show, show7] = await Promise.all([cli(['alerts', 'show', A2]), cli(['alerts', 'show', A7])]);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ state: 'resolved', alert: { id: A2, entities: { application: { displayName: HOSTILE_NAMES[A2] } } } });
    const shown7 = JSON.parse(show7.stdout) as StoredAlert & { suppression: Suppression };
    expect(shown7).toMatchObject({ state: 'suppressed', suppression: { reason: '<b>routine</b> rotation', author: 'bob@contoso.com' } });
  });

  it('refuses unknown ids (exit 2), naming the store without its password, and changes nothing', async () => {
    const before = await store.getAlert(A3);
    const [r, show, resolve] = await Promise.all([
      cli(['alerts', 'ack', A3, 'no-such-alert', '--by', 'x']),
      cli(['alerts', 'show', 'no-such-alert']),
      cli(['alerts', 'resolve', 'nope']),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`[x] no alert no-such-alert in ${shown}; nothing changed`);
    expect(r.stderr).toContain(':***@127.0.0.1:');
    expect(await store.getAlert(A3)).toEqual(before);
    expect(await store.auditTrail({ alertId: A3 })).toEqual([]);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain(`no alert no-such-alert in ${shown}`);
    expect(resolve.code).toBe(2);
    expect(resolve.stderr).toContain(`no alert nope in ${shown}`);
  });

  it('suppresses by app with a reason and author; suppressions lists it; unsuppress removes it', async () => {
    const added = await cli(['alerts', 'suppress', '--app', 'Payroll-Sync', '--reason', 'lab <b>tenant</b>', '--by', 'carol']);
    expect(added.code, added.stderr).toBe(0);
    const sid = added.stdout.trim();
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.stderr).toContain(`[+] suppression ${sid}: app Payroll-Sync`);
    expect(added.stderr).toMatch(/\[!\] --app 'Payroll-Sync' also matches display names/);
    expect((await store.listSuppressions(true)).find((s) => s.id === sid)).toMatchObject({ scope: { application: 'Payroll-Sync' }, reason: 'lab <b>tenant</b>', author: 'carol', hits: 0 });

    const [listed, table] = await Promise.all([cli(['alerts', 'suppressions', '--format', 'jsonl']), cli(['alerts', 'suppressions', '--format', 'table', '--full'])]);
    expect(listed.code, listed.stderr).toBe(0);
    const mine = lines<Suppression>(listed.stdout).find((s) => s.id === sid);
    expect(mine).toMatchObject({ scope: { application: 'Payroll-Sync' }, reason: 'lab <b>tenant</b>', author: 'carol', hits: 0 });
    expect(mine!.expiresAt).toBeUndefined();
    // The fixture's two, as the store has them (the CLI lists the live ones).
    expect(lines<Suppression>(listed.stdout).map((s) => s.id).sort()).toEqual((await store.listSuppressions(false)).map((s) => s.id).sort());
    expect(table.stdout).toMatch(new RegExp(`${sid}\\s+never\\s+0\\s+app Payroll-Sync\\s+lab <b>tenant</b>\\s+carol`));

    // Logged first, as the dashboard logs its removals: a PostgreSQL store has no file to sit beside, so the log goes
    // beside the appwatch.yaml that names the store, or in the working folder (here, with --store only).
    const removed = await runCli(['alerts', 'unsuppress', sid, '--store', url, '--by', 'dave'], { cwd: work });
    expect(removed.code, removed.stderr).toBe(0);
    const logPath = join(work, 'appwatch-dashboard-log.jsonl');
    expect(removed.stderr).toContain(`suppression ${sid} removed (logged in ${logPath})`);
    expect(lines<Record<string, unknown>>(await readFile(logPath, 'utf8'))).toMatchObject([{ by: 'dave', action: 'remove-suppression', via: 'cli', suppression: { id: sid, reason: 'lab <b>tenant</b>', author: 'carol' } }]);
    expect(await readFile(logPath, 'utf8')).not.toContain(PASSWORD);
    expect((await store.listSuppressions(true)).map((s) => s.id)).not.toContain(sid);
    const [again, all] = await Promise.all([cli(['alerts', 'unsuppress', sid]), cli(['alerts', 'suppressions', '--all', '--format', 'jsonl'])]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no suppression ${sid} in ${shown}`);
    expect(lines<Suppression>(all.stdout).map((s) => s.id)).not.toContain(sid);
  });

  it('report --out writes exactly the stored alerts with their states, suppressed ones apart', async () => {
    const out = join(work, 'pg-report.html');
    const r = await cli(['report', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`report of ${hostile.alerts.length} alerts written to ${out}`);
    const html = await readFile(out, 'utf8');
    expect(html).not.toContain(PASSWORD);
    const data = island(html);
    expect(data.kind).toBe('store');
    const stored = await store.listAlerts({ states: ['new', 'acknowledged', 'resolved', 'suppressed'] });
    expect(data.alerts.map((a) => a.alert.id).sort()).toEqual(stored.map((s) => s.alert.id).sort());
    expect(data.alerts.map((a) => a.alert.id).sort()).toEqual(hostile.alerts.map((a) => a.alert.id).sort());
    expect(Object.fromEntries(data.alerts.map((a) => [a.alert.id, a.state]))).toEqual(Object.fromEntries(stored.map((s) => [s.alert.id, s.state])));
    expect(data.alerts.find((a) => a.alert.id === A7)?.suppressedBy).toBe('<b>routine</b> rotation (bob@contoso.com, until 2026-12-31T00:00:00.000Z)');
    expect(data.alerts.find((a) => a.alert.id === A8)?.suppressedBy).toBe('Accepted risk: legacy app, review 2027-01 (carol@contoso.com)');
    expect(data.alerts.find((a) => a.alert.id === A1)?.alert.entities.application?.displayName).toBe(HOSTILE_NAMES[A1]);
  });

  it('status --format json names the store without its password and counts its alerts', async () => {
    const r = await cli(['status', '--format', 'json']);
    expect([0, 1], r.stderr).toContain(r.code);
    const body = JSON.parse(r.stdout) as { store: string; alerts: Record<string, number>; sources: unknown[]; outbox: Record<string, number> };
    expect(body.store).toBe(shown);
    expect(body.store).not.toContain(PASSWORD);
    expect(body.alerts).toEqual(await store.countAlerts());
    expect(body.alerts).toEqual({ new: 2, acknowledged: 2, resolved: 2, suppressed: 2 });
    expect(body.sources).toEqual([]);
  });

  it('a server it cannot reach is a usage error naming the store, still without the password', async () => {
    // Nothing listens on port 1 (the cluster trusts every password, so a refusal has to come from elsewhere).
    const dead = new URL(url);
    dead.port = '1';
    // Every command that opens the store says so the same way: alerts, status, report.
    for (const args of [['alerts', 'list', '--format', 'json'], ['status', '--format', 'json'], ['report', '--out', join(work, 'unreachable.html')]]) {
      const r = await cli(args, dead.toString());
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(`[x] cannot reach the store ${redactStoreLocation(dead.toString())}: connect ECONNREFUSED`);
      expect(r.stderr, args[0]).not.toMatch(/\n\s+at /);
    }
  });
});

describe.skipIf(postgresSkip !== '')('the dashboard over a PostgresStore', () => {
  const PORT = 4321;
  const HOST = `127.0.0.1:${PORT}`;
  const ORIGIN = `http://${HOST}`;
  const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
  const NOW = '2026-11-01T00:00:00.000Z';

  interface Dashboard { app: ReturnType<typeof createDashboardApp>; cookie: string; csrf: string; log: MemoryDashboardLog }
  let url: string;
  let store: PostgresStore;
  let pg: Dashboard;
  let lite: Dashboard;

  async function dashboard(on: AlertStore, location: string): Promise<Dashboard> {
    // As `appwatch serve` builds it: the store shown as store-location.ts shows it.
    const where = storeLocation({ store: location });
    const hosts = allowedHosts('127.0.0.1', PORT);
    const log = new MemoryDashboardLog();
    const app = createDashboardApp({
      sources: { store: on, storePath: where.display, version: '0.0.0-test', user: 'analyst', tenant: HOSTILE_TENANT, log },
      sessions: new Sessions(TOKEN),
      hosts: () => hosts,
      port: () => PORT,
      assets: () => ({ script: 'console.log("dashboard")', style: 'body{}' }),
      // One fixed time for both stores' dashboards, so what they record compares exactly.
      now: () => new Date(NOW),
    });
    expect((await app.request(`${ORIGIN}/`, { headers: { host: HOST } })).status).toBe(401);
    expect((await app.request(`${ORIGIN}/?token=wrong`, { headers: { host: HOST } })).status).toBe(403);
    const signedIn = await app.request(`${ORIGIN}/?token=${TOKEN}`, { headers: { host: HOST } });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^appwatch_session_${PORT}=[A-Za-z0-9_-]{43}$`));
    const session = await (await app.request(`${ORIGIN}/api/session`, { headers: { host: HOST, cookie } })).json() as { csrf: string; user: string; store: string };
    expect(session.user).toBe('analyst');
    expect(session.store).toBe(where.display);
    return { app, cookie, csrf: session.csrf, log };
  }

  /** A GET as the page sends it; the body must never carry the password. */
  async function get(d: Dashboard, path: string): Promise<Response> {
    const r = await d.app.request(`${ORIGIN}${path}`, { headers: { host: HOST, cookie: d.cookie } });
    expect(await r.clone().text(), path).not.toContain(PASSWORD);
    return r;
  }

  async function post(d: Dashboard, path: string, body: unknown, method = 'POST'): Promise<Response> {
    const r = await d.app.request(`${ORIGIN}${path}`, {
      method,
      headers: { host: HOST, cookie: d.cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'x-csrf-token': d.csrf },
      body: JSON.stringify(body),
    });
    expect(await r.clone().text(), path).not.toContain(PASSWORD);
    return r;
  }

  beforeAll(async () => {
    url = await passwordUrl('pg_commands_serve');
    store = await openPostgresStore(url);
    await fillHostile(store);
    pg = await dashboard(store, url);
    lite = await dashboard(twin, twinPath);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('exchanged the token for a session whose store is the URL without its password', async () => {
    const session = await (await get(pg, '/api/session')).json() as { store: string };
    expect(session.store).toBe(redactStoreLocation(url));
    expect(session.store).toContain(':***@');
  });

  it('serves the report data with hostile names as the same strings, the triage facts as SQLite serves them', async () => {
    const r = await get(pg, '/api/data');
    expect(r.status).toBe(200);
    const data = await r.json() as DashboardData;
    expect(data.report.tenant?.name).toBe(HOSTILE_TENANT);
    expect(data.report.alerts.map((a) => a.alert.id).sort()).toEqual(hostile.alerts.map((a) => a.alert.id).sort());
    for (const [alertId, name] of Object.entries(HOSTILE_NAMES)) {
      expect(data.report.alerts.find((a) => a.alert.id === alertId)?.alert.entities.application?.displayName).toBe(name);
    }
    expect(data.report.alerts.find((a) => a.alert.id === A7)).toMatchObject({ state: 'suppressed', suppressedBy: expect.stringContaining('<b>routine</b> rotation') });
    expect(data.live.alerts[A4]?.assignee).toBe(ASSIGNEE);
    expect(data.live.alerts[A5]).toMatchObject({ closeReason: 'benign_positive' });
    expect(data.live.store).toBe(redactStoreLocation(url));

    const sqlite = await (await get(lite, '/api/data')).json() as DashboardData;
    // Suppressions created at the same time are listed by id: random per store, so compared by reason.
    const norm = async (d: DashboardData, on: AlertStore): Promise<unknown> => JSON.parse(await withoutSuppressionIds(JSON.stringify({
      alerts: d.report.alerts, live: d.live.alerts, suppressions: [...d.live.suppressions].sort((a, b) => a.reason.localeCompare(b.reason)),
    }), on));
    expect(await norm(data, store)).toEqual(await norm(sqlite, twin));
  });

  it('triages (acknowledge, then resolve with a reason), recorded in the store and its audit with the server\'s user', async () => {
    expect(await (await post(pg, '/api/triage', { ids: [A1], state: 'acknowledged' })).json()).toEqual({ changed: [A1], unchanged: [], unknown: [] });
    expect((await post(pg, '/api/triage', { ids: [A1], state: 'resolved' })).status).toBe(400);
    const resolved = await post(pg, '/api/triage', { ids: [A1, 'nope'], state: 'resolved', closeReason: 'false_positive', note: 'lab app <script>', by: 'mallory' });
    expect(await resolved.json()).toEqual({ changed: [A1], unchanged: [], unknown: ['nope'] });
    expect(await store.getAlert(A1)).toMatchObject({ state: 'resolved', closeReason: 'false_positive' });
    const trail = await store.auditTrail({ alertId: A1 });
    expect(trail.map(({ by, action, from, to, note }) => ({ by, action, from, to, note }))).toEqual([
      { by: 'analyst', action: 'state', from: 'new', to: 'acknowledged', note: undefined },
      { by: 'analyst', action: 'state', from: 'acknowledged', to: 'resolved', note: 'lab app <script>' },
      { by: 'analyst', action: 'close_reason', from: undefined, to: 'false_positive', note: undefined },
    ]);
    expect(trail.every((e) => e.at === NOW)).toBe(true);
    // The API's audit view is the store's.
    const viaApi = await (await get(pg, `/api/audit?alert=${A1}`)).json() as { entries: TriageAuditEntry[] };
    expect(viaApi.entries).toEqual(JSON.parse(JSON.stringify(trail)));
    expect((await post(pg, '/api/triage', { ids: ['nope'], state: 'acknowledged' })).status).toBe(404);
  });

  it('previews a suppression, saves it (hiding what it covers), lists and removes it, as the store records it', async () => {
    const scope = { ruleId: 'appwatch-owner-added', application: APP_PAYROLL, actor: '' };
    const preview = await (await post(pg, '/api/suppressions/preview', { scope })).json() as { total: number; byState: Record<string, number>; alerts: { id: string; app?: string }[] };
    expect(preview.total).toBe(2);
    expect(preview.byState).toEqual({ new: 1, acknowledged: 0, resolved: 0, suppressed: 1 });
    expect(preview.alerts.map((a) => a.id).sort()).toEqual([A3, A8]);
    // The same preview on SQLite.
    expect(await (await post(lite, '/api/suppressions/preview', { scope })).json()).toEqual(preview);
    expect(await store.listSuppressions(true)).toHaveLength(2);

    const saved = await post(pg, '/api/suppressions', { scope, reason: 'owner changes by the <b>HR</b> team', expiresAt: '2027-01-01T00:00:00Z', apply: true, author: 'mallory' });
    expect(saved.status).toBe(201);
    const body = await saved.json() as { suppression: Suppression; hidden: string[] };
    expect(body.suppression).toMatchObject({ author: 'analyst', reason: 'owner changes by the <b>HR</b> team', expiresAt: '2027-01-01T00:00:00.000Z', hits: 1 });
    expect(body.hidden).toEqual([A3]);
    expect(await store.getAlert(A3)).toMatchObject({ state: 'suppressed', suppressionId: body.suppression.id });
    expect((await store.auditTrail({ alertId: A3 })).at(-1)).toMatchObject({ by: 'analyst', action: 'state', from: 'new', to: 'suppressed', suppressionId: body.suppression.id });
    expect((await store.listSuppressions(true)).find((s) => s.id === body.suppression.id)).toMatchObject({ scope: { ruleId: 'appwatch-owner-added', application: APP_PAYROLL }, author: 'analyst', hits: 1 });
    const listed = await (await get(pg, '/api/suppressions')).json() as { suppressions: (Suppression & { live: boolean })[] };
    expect(listed.suppressions.find((s) => s.id === body.suppression.id)).toMatchObject({ author: 'analyst', hits: 1, live: true });

    const auditBefore = await store.auditTrail();
    const removed = await post(pg, `/api/suppressions/${body.suppression.id}`, {}, 'DELETE');
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ removed: { id: body.suppression.id }, stillSuppressed: 1, log: 'memory' });
    expect((await store.listSuppressions(true)).map((s) => s.id)).not.toContain(body.suppression.id);
    // A3 stays suppressed; the removal is the dashboard log's, not the per-alert audit's.
    expect(await store.getAlert(A3)).toMatchObject({ state: 'suppressed', suppressionId: body.suppression.id });
    expect(await store.auditTrail()).toEqual(auditBefore);
    expect(pg.log.entries).toMatchObject([{ by: 'analyst', action: 'remove-suppression', suppression: { id: body.suppression.id } }]);
    expect((await post(pg, `/api/suppressions/${body.suppression.id}`, {}, 'DELETE')).status).toBe(404);
  });

  it('exports the alerts table as the SQLite twin does, hostile names formula-safe in CSV and literal in JSON Lines', async () => {
    // Bring the twin to the same triage state first, through its own dashboard.
    await post(lite, '/api/triage', { ids: [A1], state: 'acknowledged' });
    await post(lite, '/api/triage', { ids: [A1, 'nope'], state: 'resolved', closeReason: 'false_positive', note: 'lab app <script>' });
    const scope = { ruleId: 'appwatch-owner-added', application: APP_PAYROLL, actor: '' };
    const saved = await (await post(lite, '/api/suppressions', { scope, reason: 'owner changes by the <b>HR</b> team', expiresAt: '2027-01-01T00:00:00Z', apply: true })).json() as { suppression: Suppression };
    expect((await post(lite, `/api/suppressions/${saved.suppression.id}`, {}, 'DELETE')).status).toBe(200);

    for (const query of ['', '?suppressed=1', '?severity=high', '?q=payroll']) {
      const [csvPg, csvLite] = [await get(pg, `/api/export/alerts.csv${query}`), await get(lite, `/api/export/alerts.csv${query}`)];
      expect(csvPg.status, query).toBe(200);
      const [a, b] = [await csvPg.text(), await csvLite.text()];
      expect(a, `csv ${query}`).toBe(b);
      const jsonlPg = await (await get(pg, `/api/export/alerts.jsonl${query}`)).text();
      const jsonlLite = await (await get(lite, `/api/export/alerts.jsonl${query}`)).text();
      // JSON Lines carry the suppression ids (random per store): compared with them replaced by their reasons.
      expect(await withoutSuppressionIds(jsonlPg, store), `jsonl ${query}`).toBe(await withoutSuppressionIds(jsonlLite, twin));
    }
    const csv = await (await get(pg, '/api/export/alerts.csv')).text();
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).not.toMatch(/(^|,)"?[=+@]/m);
    const jsonl = lines<{ id: string; alert: Alert }>(await (await get(pg, '/api/export/alerts.jsonl?suppressed=1')).text());
    for (const [alertId, name] of Object.entries(HOSTILE_NAMES)) expect(jsonl.find((l) => l.id === alertId)?.alert.entities.application?.displayName).toBe(name);
  });

  it('appwatch serve --store <url> says and serves the store without its password, and exports what the app does', async () => {
    // An empty configuration file: a PostgreSQL store's dashboard log goes beside it (here, not in the repository).
    const dir = join(work, 'serve');
    await mkdir(dir, { recursive: true });
    const config = join(dir, 'appwatch.yaml');
    await writeFile(config, '# only so that the dashboard log is written here\n');
    const served = await startServe(['--store', url, '--config', config, '--user', 'analyst']);
    try {
      const logFile = join(dir, 'appwatch-dashboard-log.jsonl');
      expect(served.stderr()).toContain(`dashboard over ${redactStoreLocation(url)} as analyst;`);
      expect(served.stderr()).toContain(`logged to ${logFile};`);
      const signIn = await fetch(served.url, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      const session = await fetch(`${served.origin}/api/session`, { headers: { cookie } });
      expect(session.status).toBe(200);
      const sessionText = await session.text();
      expect(sessionText).not.toContain(PASSWORD);
      expect((JSON.parse(sessionText) as { store: string }).store).toBe(redactStoreLocation(url));
      const data = await (await fetch(`${served.origin}/api/data`, { headers: { cookie } })).json() as DashboardData;
      expect(data.report.alerts.map((a) => a.alert.id).sort()).toEqual((await store.listAlerts({ states: ['new', 'acknowledged', 'resolved', 'suppressed'] })).map((s) => s.alert.id).sort());
      expect(data.report.alerts.find((a) => a.alert.id === A1)?.alert.entities.application?.displayName).toBe(HOSTILE_NAMES[A1]);
      const csv = await fetch(`${served.origin}/api/export/alerts.csv`, { headers: { cookie } });
      expect(csv.status).toBe(200);
      expect(await csv.text()).toBe(await (await get(pg, '/api/export/alerts.csv')).text());
      const logged = lines<{ by: string; action: string; format: string; alerts: number }>(await readFile(logFile, 'utf8'));
      expect(logged).toMatchObject([{ by: 'analyst', action: 'export', format: 'csv' }]);
    } finally {
      expect(await served.stop()).toBe(0);
    }
    expect(served.stderr()).not.toContain(PASSWORD);
  });
});
