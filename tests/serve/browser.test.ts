/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against `appwatch serve` started as
 * a child process on real SQLite stores: the hostile fixture tenant, and a simulated week. Triage round trips
 * (acknowledge, resolve with a reason, note, assign, suppress with a preview, remove a suppression, bulk on a
 * filter) are checked in the store, its audit and the dashboard's log afterwards; exports hold the rows the table
 * shows; the token, Host and CSRF checks refuse what they must; an ended session (a server in this process, with a
 * clock the test sets) leaves a page that says so; zero CSP violations, page errors and dialogs; hostile names
 * render literally. Screenshots at 1440×900 and 1280×800 go to a temp folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { visibleString } from '../../src/report/text.js';
import { chromiumSuite, launchChromium, tryMarkupSinks, watchPage } from '../helpers/browser.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { StoredAlert } from '../../src/store/types.js';
import { loadDashboardAssets } from '../../src/serve/assets.js';
import { startDashboard } from '../../src/serve/server.js';
import { Sessions } from '../../src/serve/session.js';
import { parseCsv } from './csv.js';
import { startServe, type Served } from './process.js';
import { fillHostileStore, fillSimulatedStore, HOSTILE_TENANT, type SimulatedWeek } from './stores.js';

// Callbacks given to page.evaluate run in the page; the tests' tsconfig has no DOM lib.
declare const document: any;
declare const window: any;

const { suite, available, missing } = chromiumSuite('dashboard');

const EVIL = '</script><img src=x onerror=alert(1)>';
const ANSI_ASSIGNEE = 'Mallory \u001b[31mAdmin\u001b[0m';
const A1 = 'a1000000000000000000000000000001';
const A2 = 'a1000000000000000000000000000002';
const A5 = 'a1000000000000000000000000000005';
const A6 = 'a1000000000000000000000000000006';
const USER = 'analyst';

interface Opened { context: BrowserContext; page: Page; requests: string[]; errors: string[]; dialogs: string[]; violations: () => Promise<string[]> }

suite('dashboard in Chromium, against appwatch serve', () => {
  let browser: Browser;
  let dir: string;
  let shots: string;
  let hostileDb: string;
  let simDb: string;
  let week: SimulatedWeek;
  let hostileServe: Served;
  let simServe: Served;

  beforeAll(async () => {
    if (!available) throw new Error(missing);
    dir = mkdtempSync(join(tmpdir(), 'appwatch-serve-'));
    shots = join(tmpdir(), 'appwatch-serve-screenshots');
    mkdirSync(shots, { recursive: true });
    hostileDb = join(dir, 'hostile', 'appwatch.db');
    simDb = join(dir, 'week', 'appwatch.db');
    await fillHostileStore(hostileDb);
    week = await fillSimulatedStore(dir, simDb);
    [hostileServe, simServe] = await Promise.all([
      startServe(['--store', hostileDb, '--tenant', HOSTILE_TENANT, '--user', USER]),
      startServe(['--store', simDb, '--snapshot', week.snapshot, '--user', USER]),
    ]);
    // rebind.test resolves to 127.0.0.1, as an attacker's name would after DNS rebinding.
    browser = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
  });

  afterAll(async () => {
    await browser?.close();
    await hostileServe?.stop();
    await simServe?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh browser context (no cookies), signed in through the printed address, at a deep link if given. */
  async function openDashboard(served: Served, hash = '', viewport = { width: 1440, height: 900 }): Promise<Opened> {
    const context = await browser.newContext({ viewport, timezoneId: 'UTC' });
    const page = await context.newPage();
    const watched = await watchPage(page);
    await page.goto(served.url);
    if (hash) await page.goto(`${served.origin}/${hash}`);
    await page.waitForSelector('#section-alerts tbody tr');
    return { context, page, ...watched };
  }

  /** Reads a store file beside the running server (WAL: readers do not block it). */
  async function stored<T>(path: string, read: (store: Awaited<ReturnType<typeof openSqliteStore>>) => Promise<T>): Promise<T> {
    const store = await openSqliteStore(path);
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }
  const alertIn = (path: string, id: string): Promise<StoredAlert | undefined> => stored(path, (s) => s.getAlert(id));
  const rowKeys = (page: Page): Promise<string[]> => page.$$eval('#section-alerts tbody tr', (rows) => rows.map((r) => (r as { dataset: Record<string, string> }).dataset.key ?? ''));
  const openAlert = async (page: Page, id: string): Promise<void> => {
    await page.click(`#section-alerts tr[data-key="${id}"] td.cell-rule`);
    await expect.poll(() => page.locator('aside.detail').getAttribute('data-item')).toBe(`alert/${id}`);
  };
  /** Waits for the status line of the last action. */
  const done = async (page: Page, text: RegExp | string): Promise<void> => {
    await expect.poll(() => page.locator('.sections-nav .status').textContent(), { timeout: 10_000 }).toMatch(text);
  };

  it('signs in with the printed token, drops it from the address, and keeps the cookie from scripts; no violations, errors, dialogs or foreign requests', async () => {
    const { context, page, requests, errors, dialogs, violations } = await openDashboard(simServe);
    expect(page.url()).toBe(`${simServe.origin}/`);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: `appwatch_session_${simServe.port}`, httpOnly: true, sameSite: 'Strict', secure: false });
    // Exercise the page: tiles, a detail with its triage panel and audit, the suppression form, zoom, apps.
    await page.click('[data-tile="alerts:severity:critical"]');
    await page.click('#section-alerts tbody tr >> nth=0 >> td.cell-rule');
    await page.click('aside.detail .act-suppress');
    await page.click('aside.detail .act-preview');
    await page.waitForSelector('aside.detail .preview');
    await page.keyboard.press('Escape');
    await page.click('#section-apps tbody tr >> nth=0');
    await page.waitForSelector('aside.detail .app-detail');
    await page.keyboard.press('Escape');
    await page.click('button.theme-toggle');
    expect(requests.every((u) => u.startsWith(`${simServe.origin}/`)), requests.join('\n')).toBe(true);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('enforces its CSP and Trusted Types: no string becomes markup or code', async () => {
    const { context, page, violations } = await openDashboard(hostileServe);
    const attempts = await tryMarkupSinks(page);
    expect(attempts.innerHTML).toBe('TypeError');
    expect(attempts.insertAdjacentHTML).toBe('TypeError');
    expect(await page.evaluate(() => (window as { ran?: number }).ran)).toBeUndefined();
    expect((await violations()).length).toBeGreaterThanOrEqual(2);
    await context.close();
  });

  it('renders hostile names, the tenant, an assignee and a note literally', async () => {
    const { context, page, errors, violations } = await openDashboard(hostileServe);
    expect(await page.locator(`#section-alerts tr[data-key="${A1}"] td.cell-app .name`).textContent()).toBe(EVIL);
    expect(await page.locator('.dashboard-header .tenant').textContent()).toBe(visibleString(HOSTILE_TENANT));
    expect(await page.locator('#section-alerts tr[data-key="a1000000000000000000000000000004"] td.cell-assignee .name').textContent()).toBe(visibleString(ANSI_ASSIGNEE));
    await openAlert(page, A5);
    await expect.poll(() => page.locator('aside.detail .audit-note').first().textContent()).toBe('<img src=x onerror=alert(1)> was the user\'s own phone');
    expect(await page.locator('aside.detail .close-reason').first().textContent()).toBe('benign positive');
    // Nothing the hostile values name exists; no handler attribute anywhere; no hidden character reaches the text.
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => [...document.querySelectorAll('*')].filter((el: any) => [...el.attributes].some((a: any) => a.name.startsWith('on'))).length)).toBe(0);
    expect(await page.evaluate(() => /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029\u001b]/.test(document.body.innerText))).toBe(false);
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('acknowledges, resolves with a reason, assigns and notes from the detail pane; the store and its audit say so', async () => {
    const { context, page, errors, violations } = await openDashboard(hostileServe);
    await openAlert(page, A2);
    await page.click('aside.detail .act-ack');
    await done(page, '1 alert acknowledged');
    expect((await alertIn(hostileDb, A2))?.state).toBe('acknowledged');
    await expect.poll(() => page.locator(`#section-alerts tr[data-key="${A2}"] .state`).textContent()).toBe('acknowledged');

    await page.selectOption('aside.detail .close-reason-select', 'true_positive');
    await page.click('aside.detail .act-resolve');
    await done(page, '1 alert resolved as true positive');
    await page.fill('aside.detail .assignee-input', 'carol@contoso.com');
    await page.click('aside.detail .act-assign');
    await done(page, '1 alert assigned');
    await page.fill('aside.detail .note-input', 'Rotated the secret; <b>not</b> markup');
    await page.click('aside.detail .act-note');
    await done(page, '1 alert noted');

    expect(await alertIn(hostileDb, A2)).toMatchObject({ state: 'resolved', closeReason: 'true_positive', assignee: 'carol@contoso.com' });
    const trail = await stored(hostileDb, (s) => s.auditTrail({ alertId: A2 }));
    expect(trail.map(({ by, action, from, to, note }) => ({ by, action, from, to, note }))).toEqual([
      { by: USER, action: 'state', from: 'new', to: 'acknowledged', note: undefined },
      { by: USER, action: 'state', from: 'acknowledged', to: 'resolved', note: undefined },
      { by: USER, action: 'close_reason', from: undefined, to: 'true_positive', note: undefined },
      { by: USER, action: 'assignee', from: undefined, to: 'carol@contoso.com', note: undefined },
      { by: USER, action: 'note', from: undefined, to: undefined, note: 'Rotated the secret; <b>not</b> markup' },
    ]);
    // The detail pane's audit trail shows the same, who and from → to.
    await expect.poll(() => page.locator('aside.detail .audit-entry').count()).toBe(5);
    expect(await page.locator('aside.detail .audit-entry >> nth=1').textContent()).toMatch(/analyst\s*state: acknowledged → resolved/);
    expect(await page.locator('aside.detail .audit-note').last().textContent()).toBe('Rotated the secret; <b>not</b> markup');
    // Reopening clears the close reason, and says so in the trail.
    await page.click('aside.detail .act-reopen');
    await done(page, '1 alert reopened');
    expect((await alertIn(hostileDb, A2))?.closeReason).toBeUndefined();
    await expect.poll(() => page.locator('aside.detail .audit-entry').count()).toBe(7);
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('shows a suppression\'s impact before it can be saved, then saves it with its author and hides what it covers', async () => {
    const { context, page, errors, violations } = await openDashboard(hostileServe);
    await openAlert(page, A6);
    await page.click('aside.detail .act-suppress');
    const save = page.locator('aside.detail .act-save-suppression');
    await page.fill('aside.detail .suppress-reason', 'Nightly payroll export reads this secret');
    expect(await save.isDisabled()).toBe(true);
    await page.click('aside.detail .act-preview');
    const scope = { ruleId: 'appwatch-keyvault-secret-read', application: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' };
    const expected = await stored(hostileDb, (s) => s.previewSuppression(scope));
    await expect.poll(() => page.locator('aside.detail .preview-total strong').getAttribute('data-total')).toBe(String(expected.total));
    expect(await page.locator('aside.detail .preview-list li').evaluateAll((lis) => lis.map((li) => (li as { dataset: Record<string, string> }).dataset.id))).toEqual(expected.alerts.map((a) => a.alert.id));
    expect(await save.isDisabled()).toBe(false);
    // Changing the scope makes the preview stale: it must be run again before saving.
    await page.click('aside.detail .scope-field[data-field="actor"] .scope-on input');
    await page.fill('aside.detail .scope-actor', 'alice@contoso.com');
    expect(await save.isDisabled()).toBe(true);
    expect(await page.locator('aside.detail .preview-stale').count()).toBe(1);
    await page.click('aside.detail .scope-field[data-field="actor"] .scope-on input');
    await page.click('aside.detail .act-preview');
    await expect.poll(() => save.isDisabled()).toBe(false);
    await page.click('aside.detail .act-save-suppression');
    await done(page, /Suppression saved; 1 open alert it covers now suppressed/);

    const suppressions = await stored(hostileDb, (s) => s.listSuppressions(true));
    const saved = suppressions.find((s) => s.reason === 'Nightly payroll export reads this secret');
    expect(saved).toMatchObject({ scope, author: USER, hits: 1 });
    expect(Date.parse(saved!.expiresAt!) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await alertIn(hostileDb, A6)).toMatchObject({ state: 'suppressed', suppressionId: saved!.id });
    expect((await stored(hostileDb, (s) => s.auditTrail({ alertId: A6 }))).at(-1)).toMatchObject({ by: USER, from: 'new', to: 'suppressed', suppressionId: saved!.id });
    // Listed with its hits, and the alert moved to the suppressed section.
    await expect.poll(() => page.locator(`#section-suppressions tr[data-key="${saved!.id}"] td.num`).textContent()).toBe('1');
    await expect.poll(() => page.locator(`#section-suppressed tr[data-key="alert:${A6}"]`).count()).toBe(1);
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('removes a suppression after a confirmation in the page (no dialog); the store and the dashboard\'s log say who and when', async () => {
    const { context, page, errors, dialogs, violations } = await openDashboard(hostileServe);
    const target = (await stored(hostileDb, (s) => s.listSuppressions(true))).find((s) => s.reason.startsWith('Accepted risk'))!;
    const A8 = 'a1000000000000000000000000000008';
    expect(await alertIn(hostileDb, A8)).toMatchObject({ state: 'suppressed', suppressionId: target.id });
    const row = page.locator(`#section-suppressions table.data-suppressions tr[data-key="${target.id}"]`);
    await row.scrollIntoViewIfNeeded();
    // The list: scope, reason, author, created, expires, hits.
    expect(await row.locator('td').evaluateAll((tds) => tds.slice(1, 6).map((td) => (td as { textContent: string }).textContent.trim())))
      .toEqual([target.reason, target.author, target.createdAt.replace('T', ' ').slice(0, 16), 'never', String(target.hits)]);
    const confirm = page.locator('#section-suppressions .confirm-remove');
    // Keep it: nothing changes.
    await row.locator('.act-remove').click();
    await expect.poll(() => confirm.count()).toBe(1);
    expect(await confirm.textContent()).toContain('Remove this suppression?');
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe('act-cancel-remove');
    await page.screenshot({ path: join(shots, 'dashboard-1440-suppressions-confirm.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect((await stored(hostileDb, (s) => s.listSuppressions(true))).some((s) => s.id === target.id)).toBe(true);
    // Remove it.
    await row.locator('.act-remove').click();
    await page.click('#section-suppressions .act-confirm-remove');
    await done(page, 'Suppression removed. The 1 alert it suppressed stays suppressed.');
    expect((await stored(hostileDb, (s) => s.listSuppressions(true))).some((s) => s.id === target.id)).toBe(false);
    await expect.poll(() => row.count()).toBe(0);
    expect(await alertIn(hostileDb, A8)).toMatchObject({ state: 'suppressed', suppressionId: target.id });
    // Logged beside the store, readable by its owner only: who, when, and the suppression as it was.
    const logPath = `${hostileDb}.dashboard-log.jsonl`;
    const entries = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { at: string; by: string; action: string; suppression?: { id: string } });
    const entry = entries.filter((e) => e.action === 'remove-suppression').at(-1);
    expect(entry).toMatchObject({ by: USER, action: 'remove-suppression', suppression: { ...target } });
    expect(Math.abs(Date.parse(entry!.at) - Date.now())).toBeLessThan(60_000);
    expect(statSync(logPath).mode & 0o777).toBe(0o600);
    // And listed under the suppressions, as removed.
    await page.click('#section-suppressions .removed-suppressions summary');
    await expect.poll(() => page.locator(`#section-suppressions .data-removed tr[data-key="${target.id}"]`).count()).toBe(1);
    expect(await page.locator(`#section-suppressions .data-removed tr[data-key="${target.id}"] td >> nth=1`).textContent()).toBe(USER);
    await page.locator('#section-suppressions').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'dashboard-1440-suppressions.png') });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('exports the alerts the table shows, with its filters, as CSV and JSON Lines downloads', async () => {
    const { context, page, errors, dialogs, violations } = await openDashboard(simServe);
    await page.click('[data-tile="alerts:severity:medium"]');
    const words = ['consent', 'secret', 'sign'];
    let shown: string[] = [];
    for (const word of words) {
      await page.fill('#alerts-search', word);
      shown = await rowKeys(page);
      if (shown.length > 1) break;
    }
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(100);
    await page.click('#section-alerts .act-export');
    const count = page.locator('#section-export .export-count');
    await expect.poll(() => count.getAttribute('data-count')).toBe(String(shown.length));
    expect(await page.locator('#section-export .export-filters li').evaluateAll((lis) => lis.map((li) => (li as { dataset: Record<string, string> }).dataset.facet))).toEqual(['severity', 'search']);
    await page.locator('#section-export').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'dashboard-1440-export.png') });

    const download = async (selector: string): Promise<{ name: string; text: string }> => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      const path = await d.path();
      return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
    };
    const csv = await download('#section-export .export-csv');
    expect(csv.name).toMatch(/^appwatch-alerts-\d{8}T\d{6}Z\.csv$/);
    const rows = parseCsv(csv.text);
    expect(rows[0]!.slice(0, 7)).toEqual(['id', 'state', 'close_reason', 'assignee', 'first_seen', 'time', 'severity']);
    // The same alerts, in the same (default) order as the table.
    expect(rows.slice(1).map((r) => r[0])).toEqual(shown);
    expect(rows.slice(1).every((r) => r[6] === 'medium')).toBe(true);
    const jsonl = await download('#section-export .export-jsonl');
    expect(jsonl.name).toMatch(/^appwatch-alerts-\d{8}T\d{6}Z\.jsonl$/);
    expect(jsonl.text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(shown);

    // Zoomed to a range as well: the export follows.
    const area = page.locator('#chart-alerts-time rect.brush-area');
    await area.scrollIntoViewIfNeeded();
    const box = (await area.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForSelector('#chart-alerts-time .zoom-range');
    const zoomed = await rowKeys(page);
    await expect.poll(() => count.getAttribute('data-count')).toBe(String(zoomed.length));
    expect(parseCsv((await download('#section-export .export-csv')).text).slice(1).map((r) => r[0])).toEqual(zoomed);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('says plainly that the session expired, and shows no data, once it has ended', async () => {
    // A server in this process, so the test sets its clock (no waiting out the idle timeout).
    const db = join(dir, 'expiry', 'appwatch.db');
    await fillHostileStore(db);
    const store = await openSqliteStore(db);
    let t = Date.now();
    const running = await startDashboard({
      sources: { store, storePath: db, version: 'test', user: USER, tenant: HOSTILE_TENANT },
      sessions: new Sessions(undefined, { idleMs: 30 * 60_000 }),
      assets: loadDashboardAssets,
      now: () => new Date(t),
    }, { host: '127.0.0.1', port: 0 });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
      const page = await context.newPage();
      const { errors, dialogs, violations } = await watchPage(page);
      await page.goto(running.url);
      await page.waitForSelector('#section-alerts tbody tr');
      expect(await page.locator('.session-limits').textContent()).toBe('session ends after 30 min without activity, 24 h at most');
      t += 30 * 60_000;
      await page.click('button.refresh');
      await expect.poll(() => page.locator('.session-ended h2').textContent()).toBe('Session expired');
      expect(await page.locator('.session-ended-what').textContent()).toBe('Session expired — open the link printed by appwatch serve again.');
      expect(await page.locator('.session-ended').textContent()).toContain('30 minutes without activity');
      // The data is gone from the page: no tiles, charts, tables or detail.
      for (const gone of ['#section-alerts', '#tiles .tile', '#charts svg', 'aside.detail', '#section-suppressions']) expect(await page.locator(gone).count(), gone).toBe(0);
      expect(await page.title()).toBe('Session expired · appwatch dashboard');
      await page.screenshot({ path: join(shots, 'dashboard-1440-session-expired.png') });
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(await violations()).toEqual([]);
      // Reloading says so too; the printed link starts a new session.
      const reloaded = await page.goto(`${running.url.split('?')[0]}`);
      expect(reloaded?.status()).toBe(401);
      expect(await page.textContent('body')).toMatch(/^Session expired: .*Open the link printed by appwatch serve again/);
      await page.goto(running.url);
      await page.waitForSelector('#section-alerts tbody tr');
      await context.close();
    } finally {
      await running.close();
      await store.close();
    }
  });

  it('acts in bulk on a filtered set: every alert the filter shows, and no other', async () => {
    const { context, page, errors, violations } = await openDashboard(simServe);
    const before = await stored(simDb, (s) => s.listAlerts());
    const high = before.filter((s) => s.alert.severity === 'high' && s.state === 'new').map((s) => s.alert.id).sort();
    expect(high.length).toBeGreaterThan(1);
    await page.click('[data-tile="alerts:severity:high"]');
    expect((await rowKeys(page)).sort()).toEqual(high);
    await page.click('.bulk-select-all');
    expect(await page.locator('.bulk-count').textContent()).toBe(`${high.length} selected`);
    expect(await page.locator('#section-alerts td.select-cell input:checked').count()).toBe(high.length);
    await page.click('.bulk-ack');
    await done(page, `${high.length} alerts acknowledged`);
    const after = await stored(simDb, (s) => s.listAlerts());
    for (const s of after) expect(s.state, s.alert.id).toBe(high.includes(s.alert.id) ? 'acknowledged' : before.find((b) => b.alert.id === s.alert.id)!.state);
    const audit = await stored(simDb, (s) => s.auditTrail());
    expect(audit.filter((e) => e.to === 'acknowledged').map((e) => e.alertId).sort()).toEqual(high);
    expect(audit.every((e) => e.by === USER)).toBe(true);
    expect(await page.locator('.bulk-count').textContent()).toContain('Tick alerts');

    // A search within the filter, then resolve those as duplicates with the header box.
    await page.fill('#alerts-search', 'consent');
    const subset = await rowKeys(page);
    expect(subset.length).toBeGreaterThan(0);
    await page.click('#section-alerts th.select-cell input');
    await page.selectOption('.bulk-reason', 'duplicate');
    await page.click('.bulk-resolve');
    await done(page, `${subset.length} alert${subset.length === 1 ? '' : 's'} resolved as duplicate`);
    for (const id of subset) expect(await alertIn(simDb, id)).toMatchObject({ state: 'resolved', closeReason: 'duplicate' });
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });

  it('pivots from an alert to the alerts of its actor and of its IP', async () => {
    const { context, page } = await openDashboard(simServe);
    const all = await stored(simDb, (s) => s.listAlerts());
    const withIp = all.find((s) => s.alert.entities.actor?.ip && s.alert.entities.actor.userPrincipalName && s.state !== 'suppressed')!;
    await openAlert(page, withIp.alert.id);
    const actor = withIp.alert.entities.actor!.userPrincipalName!;
    await page.click('aside.detail button.pivot:has-text("Alerts by this actor")');
    const byActor = all.filter((s) => s.alert.entities.actor?.userPrincipalName === actor && s.state !== 'suppressed').map((s) => s.alert.id).sort();
    await expect.poll(async () => (await rowKeys(page)).sort()).toEqual(byActor);
    expect(await page.locator('#section-alerts details[data-facet="actor"] input:checked').count()).toBe(1);
    await page.click('aside.detail button.pivot:has-text("Alerts from this IP")');
    const byIp = all.filter((s) => s.alert.entities.actor?.ip === withIp.alert.entities.actor!.ip && s.state !== 'suppressed').map((s) => s.alert.id).sort();
    await expect.poll(async () => (await rowKeys(page)).sort()).toEqual(byIp);
    await context.close();
  });

  it('counts new, still open and fixed against a chosen baseline', async () => {
    const { context, page } = await openDashboard(simServe);
    await page.selectOption('.baseline-select', 'custom');
    await page.fill('.baseline-input', '2026-10-09T00:00');
    await page.click('.baseline-apply');
    await expect.poll(() => page.locator('.baseline-at').textContent()).toContain('2026-10-09 00:00:00 UTC');
    const T = '2026-10-09T00:00:00.000Z';
    const all = await stored(simDb, (s) => s.listAlerts());
    const open = (s: StoredAlert): boolean => s.state === 'new' || s.state === 'acknowledged';
    const expected = {
      new: all.filter((s) => s.firstSeen > T).length,
      open: all.filter((s) => s.firstSeen <= T && open(s)).length,
      fixed: all.filter((s) => s.firstSeen <= T && !open(s) && (s.history.at(-1)?.at ?? '') > T).length,
    };
    expect(expected.new).toBeGreaterThan(0);
    for (const k of ['new', 'open', 'fixed'] as const) {
      await expect.poll(() => page.locator(`[data-tile="since:${k}"] .tile-count`).textContent(), { message: k }).toBe(String(expected[k]));
    }
    await page.click('[data-tile="since:new"]');
    await expect.poll(async () => (await rowKeys(page)).length).toBe(Math.min(100, expected.new));
    await context.close();
  });

  it('zooms the time chart to a range by dragging, filtering the table, and resets', async () => {
    const { context, page } = await openDashboard(simServe);
    const area = page.locator('#chart-alerts-time rect.brush-area');
    const box = (await area.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForSelector('#chart-alerts-time .zoom-range');
    const times = await page.$$eval('#section-alerts tbody td.cell-time time', (ts) => ts.map((t) => (t as { getAttribute(n: string): string }).getAttribute('datetime')));
    const total = (await stored(simDb, (s) => s.listAlerts())).filter((s) => s.state !== 'suppressed').length;
    expect(times.length).toBeGreaterThan(0);
    expect(Number((await page.locator('#section-alerts .result-count').textContent())?.split(' ')[0])).toBeLessThan(total);
    const [from, to] = (await page.locator('#chart-alerts-time .zoom-range').textContent())!.split(' → ').map((s) => Date.parse(s.replace(' UTC', 'Z').replace(' ', 'T')));
    for (const t of times) expect(Date.parse(t) >= from! && Date.parse(t) < to!, t).toBe(true);
    await page.click('#chart-alerts-time .zoom-reset');
    await expect.poll(() => page.locator('#chart-alerts-time .zoom-range').count()).toBe(0);
    await context.close();
  });

  it('refuses a rebound Host, a wrong token, a cross-origin change and a change without the CSRF token, in a real browser', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // DNS rebinding: the name resolves to the dashboard's socket, but its Host is not on the list.
    const rebound = await page.goto(`http://rebind.test:${simServe.port}/?token=${simServe.token}`);
    expect(rebound?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('DNS rebinding');
    expect(await context.cookies()).toEqual([]);
    const wrong = await page.goto(`${simServe.origin}/?token=not-the-token`);
    expect(wrong?.status()).toBe(403);

    // Signed in to both dashboards in one browser: a page of one (another origin, same site) tries to change the other.
    await page.goto(simServe.url);
    await page.goto(hostileServe.url);
    const target = (await stored(simDb, (s) => s.listAlerts({ states: ['new'], limit: 1 })))[0]!.alert.id;
    const attempts = await page.evaluate(async ({ origin, id }: { origin: string; id: string }) => {
      const body = JSON.stringify({ ids: [id], state: 'resolved', closeReason: 'false_positive' });
      const out: string[] = [];
      // A simple request (no preflight): it reaches the server, which must refuse it.
      await fetch(`${origin}/api/triage`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body }).then((r) => out.push(`no-cors ${r.type}`), (e: Error) => out.push(`no-cors ${e.name}`));
      // JSON needs a preflight, which the server never answers with CORS headers.
      await fetch(`${origin}/api/triage`, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'guess' }, body }).then((r) => out.push(`cors ${r.status}`), (e: Error) => out.push(`cors ${e.name}`));
      return out;
    }, { origin: simServe.origin, id: target });
    // The first reaches the server, which refuses it (another origin); the browser then withholds even the opaque
    // response (Cross-Origin-Resource-Policy: same-origin). The second dies at its preflight. Nothing changed:
    expect(attempts).toEqual(['no-cors TypeError', 'cors TypeError']);
    expect((await alertIn(simDb, target))?.state).toBe('new');

    // The dashboard's own page, but without the CSRF token: refused too.
    await page.goto(simServe.url);
    const own = await page.evaluate(async (id: string) => {
      const r = await fetch('/api/triage', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ids: [id], state: 'acknowledged' }) });
      return `${r.status} ${(await r.json() as { error: string }).error}`;
    }, target);
    expect(own).toMatch(/^403 refused: missing or wrong CSRF token/);
    expect((await alertIn(simDb, target))?.state).toBe('new');
    expect(await stored(simDb, (s) => s.auditTrail({ alertId: target }))).toEqual([]);
    await context.close();
  });

  it('takes screenshots at desktop and laptop widths', async () => {
    for (const [width, height, scheme] of [[1440, 900, 'light'], [1280, 800, 'dark']] as const) {
      const { context, page, errors, violations } = await openDashboard(simServe, '', { width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(shots, `dashboard-${width}-top.png`) });
      await page.click('[data-tile="alerts:severity:critical"]');
      await page.click('#section-alerts tbody tr >> nth=1 >> td.select-cell input');
      await page.click('#section-alerts tbody tr >> nth=2 >> td.select-cell input');
      await page.screenshot({ path: join(shots, `dashboard-${width}-alerts.png`) });
      await page.click('#section-alerts tbody tr >> nth=0 >> td.cell-rule');
      await page.screenshot({ path: join(shots, `dashboard-${width}-detail.png`) });
      await page.click('aside.detail .act-suppress');
      await page.fill('aside.detail .suppress-reason', 'Change window for the CRM migration');
      await page.click('aside.detail .act-preview');
      await page.waitForSelector('aside.detail .preview');
      await page.locator('aside.detail .preview').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, `dashboard-${width}-suppress.png`) });
      await page.keyboard.press('Escape');
      await page.locator('#section-suppressions').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, `dashboard-${width}-log.png`) });
      expect(errors).toEqual([]);
      expect(await violations()).toEqual([]);
      await context.close();
    }
    const { context, page } = await openDashboard(hostileServe, `#alert/${A5}`);
    await page.screenshot({ path: join(shots, 'dashboard-hostile-detail.png') });
    await context.close();
    expect(existsSync(join(shots, 'dashboard-1280-suppress.png'))).toBe(true);
    console.info(`[dashboard screenshots] ${shots}`);
  });
});
