/**
 * The report in a real browser (Debian's Chromium through playwright-core), opened over file:// as people open it:
 * no requests, no CSP violations, no errors or dialogs, hostile names shown literally, tiles, filters, deep links,
 * keyboard, print and the suppressed section. Screenshots at desktop and laptop widths go to a temp folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReportHtml } from '../../src/report/html.js';
import type { ReportAlert, ReportData } from '../../src/report/model.js';
import { visibleString } from '../../src/report/text.js';
import { chromiumSuite, launchChromium, tryMarkupSinks, watchPage } from '../helpers/browser.js';

// The callbacks given to page.evaluate run in the page; the tests' tsconfig has no DOM lib, so these name what they use.
declare const document: any;
declare const window: any;
declare const location: { hash: string };
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };
declare class HTMLElement { dataset: Record<string, string | undefined> }
declare class HTMLDetailsElement { open: boolean }

const { suite, available, missing } = chromiumSuite('report');

const hostile = JSON.parse(readFileSync(new URL('../fixtures/report/hostile.json', import.meta.url), 'utf8')) as ReportData;
const EVIL = '</script><img src=x onerror=alert(1)>';
const RTLO_NAME = 'Contoso HR\u202egnp.exe';
const HYPER = '=HYPERLINK("http://x","y")';
const ANSI_USER = 'Mallory \u001b[31mAdmin\u001b[0m';
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;

const open = (items: ReportAlert[]): ReportAlert[] => items.filter((r) => r.state !== 'suppressed');
const rank = (s: string): number => SEVERITIES.indexOf(s as never);
const defaultOrder = (items: ReportAlert[]): string[] => [...items]
  .sort((a, b) => rank(a.alert.severity) - rank(b.alert.severity) || b.alert.time.localeCompare(a.alert.time) || a.alert.id.localeCompare(b.alert.id))
  .map((r) => r.alert.id);

/** A larger report: paging, and stepping past the rows drawn so far. */
function bulk(n: number): ReportData {
  const base = hostile.alerts[0]!;
  const alerts = Array.from({ length: n }, (_, i) => ({
    ...base, state: 'new' as const,
    alert: { ...base.alert, id: `b${String(i).padStart(31, '0')}`, severity: SEVERITIES[i % 5]!, time: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString(), summary: `Bulk alert ${i}` },
  }));
  return { ...hostile, alerts, findings: [], suppressed: undefined } as ReportData;
}

interface Opened { page: Page; requests: string[]; errors: string[]; dialogs: string[]; violations: () => Promise<string[]> }

suite('HTML report in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let shots: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    if (!available) throw new Error(missing);
    dir = mkdtempSync(join(tmpdir(), 'appwatch-report-'));
    shots = join(tmpdir(), 'appwatch-report-screenshots');
    mkdirSync(shots, { recursive: true });
    const write = (name: string, data: ReportData): void => {
      files[name] = join(dir, `${name}.html`);
      writeFileSync(files[name]!, writeReportHtml(data));
    };
    write('hostile', hostile);
    write('bulk', bulk(450));
    write('empty', { ...hostile, kind: 'scan', tenant: undefined, window: undefined, sources: [], gaps: [], alerts: [], findings: [], applications: [], consent: [], timelines: {}, guidance: {} });
    // Playwright starts Chromium on a fresh, empty user-data-dir of its own (it refuses one in args); each page
    // below gets its own context, so no storage carries over between tests.
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openReport(name = 'hostile', hash = '', viewport = { width: 1440, height: 900 }): Promise<Opened> {
    const page = await browser.newPage({ viewport });
    const watched = await watchPage(page);
    await page.goto(pathToFileURL(files[name]!).href + hash);
    await page.waitForSelector('#section-suppressed');
    return { page, ...watched };
  }

  /** The keys of the rows a table shows, in order. */
  const rowKeys = (page: Page, table: string): Promise<string[]> => page.$$eval(`#section-${table} tbody tr`, (rows) => rows.map((r) => (r as HTMLElement).dataset.key ?? ''));
  const detailItem = (page: Page): Promise<string | null> => page.locator('aside.detail').getAttribute('data-item', { timeout: 5000 });

  it('opens with zero requests after the document, zero CSP violations, page errors and dialogs', async () => {
    const { page, requests, errors, dialogs, violations } = await openReport();
    // Exercise the page a little: open details of every kind, filter, print.
    await page.click('[data-tile="alerts:severity:high"]');
    await page.click('#section-alerts tbody tr >> nth=0');
    await page.click('details.raw >> nth=0');
    await page.keyboard.press('Escape');
    await page.click('#section-apps tbody tr >> nth=0');
    await page.emulateMedia({ media: 'print' });
    await page.emulateMedia({ media: 'screen' });
    expect(requests).toEqual([pathToFileURL(files.hostile!).href]);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    // The hostile markup stayed text: no element it names exists, no handler attribute anywhere.
    await expect.poll(() => page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length)).toBe(0);
    await page.close();
  });

  it('enforces its CSP and Trusted Types, so a string cannot become markup or code', async () => {
    const { page, violations } = await openReport();
    const attempts = await tryMarkupSinks(page);
    expect(attempts.innerHTML).toBe('TypeError');
    expect(attempts.insertAdjacentHTML).toBe('TypeError');
    // (eval is refused too, the CSP having no 'unsafe-eval', but DevTools-driven evaluation cannot show it.)
    // The script element is refused by the CSP (not thrown: it simply does not run).
    expect(await page.evaluate(() => (window as unknown as { ran?: number }).ran)).toBeUndefined();
    expect((await violations()).length).toBeGreaterThanOrEqual(3);
    await page.close();
  });

  it('renders hostile names, URIs and summaries literally', async () => {
    const { page } = await openReport();
    const cell = (id: string, column: string) => page.locator(`#section-alerts tr[data-key="${id}"] td.cell-${column} .name`).first().textContent();
    expect(await cell('a1000000000000000000000000000001', 'app')).toBe(EVIL);
    expect(await cell('a1000000000000000000000000000002', 'app')).toBe(visibleString(RTLO_NAME));
    expect(await cell('a1000000000000000000000000000002', 'actor')).toBe('mallory@contoso.com');
    expect(await cell('a1000000000000000000000000000003', 'actor')).toBe('x@contoso.com');
    expect(await cell('a1000000000000000000000000000004', 'app')).toBe(HYPER);
    await expect.poll(() => page.locator('#section-alerts tr[data-key="a1000000000000000000000000000002"] .badge-warn').textContent()).toBe('hidden characters');
    await expect.poll(() => page.locator('header .tenant').textContent()).toBe('Contoso <b>Ltd</b> ⟦U+202E⟧evil');
    // No bidi control, zero-width or escape character reaches the visible page.
    expect(await page.evaluate(() => /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029\u001b]/.test(document.body.innerText))).toBe(false);

    await page.click('#section-alerts tr[data-key="a1000000000000000000000000000002"]');
    const alert2 = hostile.alerts[1]!.alert;
    await expect.poll(() => page.locator('aside.detail .summary').textContent()).toBe(visibleString(alert2.summary));
    await expect.poll(() => page.locator('aside.detail .summary').textContent()).toContain('⟦U+2028⟧Second line');
    await expect.poll(() => page.locator('aside.detail .entity .name').nth(1).textContent()).toBe(visibleString(ANSI_USER));
    // URIs from the logs are text with a copy button, never links.
    const uris = await page.locator('aside.detail code.url').allTextContents();
    expect(uris).toEqual(['javascript:alert(1)', 'https://evil.example/callback?code=1&x=<b>']);
    await expect.poll(() => page.locator('aside.detail .url-text button.copy').count()).toBe(2);
    await expect.poll(() => page.locator('aside.detail ins').allTextContents()).toContain('[{"Address":"https://hr.contoso.com/signin"},{"Address":"javascript:alert(1)"}]');
    await page.click('text=Open Contoso HR');
    await expect.poll(() => detailItem(page)).toBe('app/3c9e1a57-5d4f-4b8e-9a2c-7f6e5d4c3b2a');

    // Guidance references: https from the rule is a link; javascript: and http: are text.
    await page.goto(`${pathToFileURL(files.hostile!).href}#alert/a1000000000000000000000000000001`);
    await page.reload();
    await page.waitForSelector('aside.detail');
    const refs = page.locator('aside.detail ul.refs li');
    expect(await refs.count()).toBe(4);
    await expect.poll(() => page.locator('aside.detail ul.refs a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      'https://learn.microsoft.com/entra/architecture/security-operations-applications#new-credentials',
      'https://learn.microsoft.com/en-us/entra/architecture/security-operations-applications',
    ]);
    await expect.poll(() => page.locator('aside.detail ul.refs code.url').allTextContents()).toEqual(['javascript:alert(1)', 'http://insecure.example/guide']);

    // Every link on the page is https, to Entra from a template or to a rule's reference, and opens safely.
    const links = await page.$$eval('a[href]', (as) => as.map((a) => ({ href: a.getAttribute('href') ?? '', rel: a.getAttribute('rel') ?? '' })));
    for (const { href, rel } of links) {
      if (href === '#') continue;
      expect(href).toMatch(/^https:\/\/(entra\.microsoft\.com\/#view\/[A-Za-z_]+\/[A-Za-z]+\/~\/[A-Za-z]+\/(appId|objectId|userId)\/[0-9a-f-]{36}(\/appId\/[0-9a-f-]{36})?|learn\.microsoft\.com\/)/);
      expect(rel).toBe('noopener noreferrer');
    }
    // The actor whose id is not a GUID gets no Entra link.
    await page.goto(`${pathToFileURL(files.hostile!).href}#alert/a1000000000000000000000000000003`);
    await page.reload();
    await page.waitForSelector('aside.detail');
    await expect.poll(() => page.locator('aside.detail a:has-text("User in Entra")').count()).toBe(0);
    await page.close();
  });

  it('shows tile counts equal to the fixture\'s counts', async () => {
    const { page } = await openReport();
    const tile = async (key: string): Promise<number> => Number(await page.locator(`[data-tile="${key}"] .tile-count`).textContent());
    for (const s of SEVERITIES) {
      expect(await tile(`alerts:severity:${s}`), s).toBe(open(hostile.alerts).filter((r) => r.alert.severity === s).length);
      expect(await tile(`findings:severity:${s}`), s).toBe(open(hostile.findings).filter((r) => r.alert.severity === s).length);
    }
    expect(await tile('alerts:state:acknowledged')).toBe(hostile.alerts.filter((r) => r.state === 'acknowledged').length);
    expect(await tile('apps:risk:at risk')).toBe(hostile.applications.filter((a) => a.risk >= 50).length);
    expect(await tile('apps:flag:has alerts')).toBe(hostile.applications.filter((a) => a.openAlerts > 0).length);
    expect(await tile('suppressed or muted')).toBe([...hostile.alerts, ...hostile.findings].filter((r) => r.state === 'suppressed').length);
    await page.close();
  });

  it('filters a table when a tile is clicked, and with facets and search; sorts by a column', async () => {
    const { page } = await openReport();
    expect(await rowKeys(page, 'alerts')).toEqual(defaultOrder(open(hostile.alerts)));
    await page.click('[data-tile="alerts:severity:high"]');
    const high = defaultOrder(open(hostile.alerts).filter((r) => r.alert.severity === 'high'));
    expect(await rowKeys(page, 'alerts')).toEqual(high);
    await expect.poll(() => page.locator('[data-tile="alerts:severity:high"]').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.locator('#section-alerts details[data-facet="severity"] input:checked').count()).toBe(1);
    await page.click('[data-tile="alerts:severity:high"]');
    expect(await rowKeys(page, 'alerts')).toHaveLength(open(hostile.alerts).length);

    await page.click('[data-tile="apps:risk:at risk"]');
    expect(await rowKeys(page, 'apps')).toEqual(hostile.applications.filter((a) => a.risk >= 50).sort((a, b) => b.risk - a.risk).map((a) => a.appId));

    // A facet value with its count, then search within it.
    const medium = page.locator('#section-alerts details[data-facet="severity"] label:has-text("medium")');
    expect(await medium.locator('.facet-count').textContent()).toBe(String(open(hostile.alerts).filter((r) => r.alert.severity === 'medium').length));
    await page.fill('#alerts-search', 'payroll');
    expect(await rowKeys(page, 'alerts')).toEqual(defaultOrder(open(hostile.alerts).filter((r) => JSON.stringify(r.alert).toLowerCase().includes('payroll-sync') && /payroll/i.test(`${r.alert.summary} ${r.alert.entities.application?.displayName}`))));
    await page.fill('#alerts-search', '');
    await page.click('#section-alerts th button.sort:has-text("Time")');
    const times = open(hostile.alerts).map((r) => r.alert).sort((a, b) => a.time.localeCompare(b.time)).map((a) => a.id);
    expect(await rowKeys(page, 'alerts')).toEqual(times);
    await expect.poll(() => page.locator('#section-alerts th[aria-sort="ascending"]').count()).toBe(1);
    await page.click('#section-alerts th button.sort:has-text("Time")');
    expect(await rowKeys(page, 'alerts')).toEqual([...times].reverse());
    await page.close();
  });

  it('opens the right detail from a deep link', async () => {
    for (const [hash, item, title] of [
      ['#alert/a1000000000000000000000000000004', 'alert/a1000000000000000000000000000004', 'App granted highly privileged application permissions'],
      ['#finding/f2000000000000000000000000000003', 'finding/f2000000000000000000000000000003', 'Risky redirect URI on an application'],
      ['#app/9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D', 'app/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', HYPER],
      ['#alert/a1000000000000000000000000000007', 'alert/a1000000000000000000000000000007', 'Service principal credential added'],
    ] as const) {
      const { page, errors } = await openReport('hostile', hash);
      expect(await detailItem(page), hash).toBe(item);
      expect((await page.locator('aside.detail .detail-title').textContent())?.trim(), hash).toContain(visibleString(title));
      expect(errors).toEqual([]);
      await page.close();
    }
    // A suppressed alert's deep link shows suppressed alerts in its table, so it can be stepped from.
    const { page } = await openReport('hostile', '#alert/a1000000000000000000000000000007');
    await expect.poll(() => page.locator('#section-alerts tr.selected').getAttribute('data-key')).toBe('a1000000000000000000000000000007');
    await expect.poll(() => page.locator('aside.detail .suppressed-note').textContent()).toContain('<b>routine</b> rotation');
    // Unknown ids open nothing; a hash change opens the item it names.
    await page.evaluate(() => { location.hash = '#alert/nope'; });
    await expect.poll(() => page.locator('aside.detail').count()).toBe(0);
    await page.evaluate(() => { location.hash = '#finding/f2000000000000000000000000000001'; });
    await expect.poll(() => detailItem(page)).toBe('finding/f2000000000000000000000000000001');
    // The page's own replaceState (closing an item clears the hash) can land between a link being followed and its
    // hashchange being handled; the item linked to must still open. This is that order, in one task.
    await page.evaluate(() => { location.hash = '#alert/nope'; });
    await expect.poll(() => page.locator('aside.detail').count()).toBe(0);
    await page.evaluate(() => {
      location.hash = '#finding/f2000000000000000000000000000003';
      (window as { history: { replaceState(s: null, t: string, u: string): void } }).history.replaceState(null, '', String((window as { location: { href: string } }).location.href).split('#')[0]!);
    });
    await expect.poll(() => detailItem(page)).toBe('finding/f2000000000000000000000000000003');
    await page.close();
  });

  it('steps through the table with previous/next and the keyboard, and keeps the hash in step', async () => {
    const { page } = await openReport();
    const order = defaultOrder(open(hostile.alerts));
    await page.click(`#section-alerts tr[data-key="${order[0]}"]`);
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[0]}`);
    await expect.poll(() => page.locator('.detail-position').textContent()).toBe(`1 of ${order.length}`);
    await page.keyboard.press('j');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[1]}`);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[2]}`);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#alert/${order[2]}`);
    await page.keyboard.press('k');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[1]}`);
    await page.click('aside.detail button.nav-next');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[2]}`);
    await page.click('aside.detail button.nav-prev');
    await page.click('aside.detail button.nav-prev');
    await page.click('aside.detail button.nav-prev');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[order.length - 1]}`);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('aside.detail').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('');
    // The closed item's row (the last) has the focus: arrows move between rows, Enter opens.
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key)).toBe(order[order.length - 1]);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => detailItem(page)).toBe(`alert/${order[order.length - 2]}`);
    // Keys typed into the search box are text, not navigation.
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await page.keyboard.type('jk');
    await expect.poll(() => page.inputValue('#alerts-search')).toBe('jk');
    await page.close();
  });

  it('pages large tables and steps past the rows drawn so far', async () => {
    const started = Date.now();
    const { page, errors } = await openReport('bulk');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await rowKeys(page, 'alerts')).toHaveLength(100);
    await expect.poll(() => page.locator('#section-alerts .more').textContent()).toContain('Showing 100 of 450');
    await page.click('#section-alerts tbody tr >> nth=99');
    await page.keyboard.press('j');
    expect(await rowKeys(page, 'alerts')).toHaveLength(200);
    await expect.poll(() => page.locator('#section-alerts tr.selected').count()).toBe(1);
    await expect.poll(() => page.locator('.detail-position').textContent()).toBe('101 of 450');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('expands details and drops the chrome when printed', async () => {
    const { page } = await openReport('hostile', '#alert/a1000000000000000000000000000001');
    const raw = page.locator('aside.detail details.raw pre').first();
    expect(await raw.isVisible()).toBe(false);
    await page.emulateMedia({ media: 'print' });
    // The print CSS shows the content of closed <details>; the page also opens them (the change event comes a moment later).
    await expect.poll(() => raw.isVisible()).toBe(true);
    await expect.poll(() => page.locator('details.raw').evaluateAll((ds) => ds.every((d) => (d as HTMLDetailsElement).open))).toBe(true);
    await expect.poll(() => page.locator('.sections-nav').isVisible()).toBe(false);
    await expect.poll(() => page.locator('#section-alerts .facets').isVisible()).toBe(false);
    await expect.poll(() => page.locator('aside.detail .detail-nav').isVisible()).toBe(false);
    await expect.poll(() => page.locator('.charts svg').first().isVisible()).toBe(true);
    await page.pdf({ path: join(shots, 'print.pdf') });
    await page.close();
  });

  it('counts suppressed items and shows them apart, never dropped', async () => {
    const { page } = await openReport();
    const suppressed = [...hostile.alerts, ...hostile.findings].filter((r) => r.state === 'suppressed');
    await expect.poll(() => page.locator('#section-suppressed [data-count="suppressed"]').textContent()).toBe(String(suppressed.length));
    expect((await rowKeys(page, 'suppressed')).sort()).toEqual(suppressed.map((r) => `${hostile.alerts.includes(r) ? 'alert' : 'finding'}:${r.alert.id}`).sort());
    await expect.poll(() => page.locator('#section-suppressed tbody').textContent()).toContain('Accepted risk: legacy app, review 2027-01');
    // Left out of the alerts table by default, and back in with the toggle.
    const suppressedAlerts = hostile.alerts.filter((r) => r.state === 'suppressed').length;
    expect(await rowKeys(page, 'alerts')).toHaveLength(hostile.alerts.length - suppressedAlerts);
    await page.click(`#section-alerts label.toggle:has-text("Include ${suppressedAlerts} suppressed")`);
    expect(await rowKeys(page, 'alerts')).toHaveLength(hostile.alerts.length);
    // Opened from the suppressed section, previous/next step through that section.
    await page.click('#section-suppressed tbody tr >> nth=0');
    await expect.poll(() => page.locator('.detail-position').textContent()).toBe(`1 of ${suppressed.length}`);
    await page.close();
  });

  it('shows the inventory, consent grants and a timeline with alerts overlaid', async () => {
    const { page } = await openReport('hostile', '#app/f1d2c3b4-0000-4a5b-8c7d-1e2f3a4b5c6d');
    expect(await rowKeys(page, 'apps')).toHaveLength(hostile.applications.length);
    expect(await rowKeys(page, 'consent')).toHaveLength(hostile.consent.length);
    await expect.poll(() => page.locator('aside.detail .detail-title .name').textContent()).toBe(EVIL);
    const timeline = hostile.timelines['f1d2c3b4-0000-4a5b-8c7d-1e2f3a4b5c6d']!;
    await expect.poll(() => page.locator('aside.detail .tl-entry').count()).toBe(timeline.length);
    await expect.poll(() => page.locator('aside.detail .tl-alerted').count()).toBe(timeline.filter((e) => e.alertIds.length > 0).length);
    await expect.poll(() => page.locator('aside.detail svg.histogram rect').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('aside.detail').textContent()).toContain('expires within 30 days');
    await page.click('aside.detail button.tl-alert');
    await expect.poll(() => detailItem(page)).toBe('alert/a1000000000000000000000000000001');
    await page.close();
  });

  it('switches between light and dark themes', async () => {
    const { page } = await openReport();
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const auto = await background();
    await page.click('button.theme-toggle');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(await background()).toBe(auto);
    await page.click('button.theme-toggle');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).not.toBe(auto);
    await page.click('button.theme-toggle');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();
    await page.close();
  });

  it('shows an empty report plainly', async () => {
    const { page, errors, violations } = await openReport('empty');
    await expect.poll(() => page.locator('#section-alerts .empty').textContent()).toBe('No alerts in this report.');
    await expect.poll(() => page.locator('#section-findings').count()).toBe(0);
    await expect.poll(() => page.locator('.report-header').textContent()).toContain('No data gaps');
    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('takes screenshots at desktop and laptop widths', async () => {
    for (const [width, height, scheme] of [[1440, 900, 'light'], [1280, 800, 'dark']] as const) {
      const { page } = await openReport('hostile', '', { width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(shots, `report-${width}-top.png`) });
      await page.screenshot({ path: join(shots, `report-${width}-full.png`), fullPage: true });
      await page.click('#section-alerts tbody tr >> nth=0');
      await page.screenshot({ path: join(shots, `report-${width}-alert.png`) });
      await page.keyboard.press('Escape');
      await page.click('#section-apps tbody tr >> nth=1');
      await page.screenshot({ path: join(shots, `report-${width}-app.png`) });
      await page.close();
    }
    expect(existsSync(join(shots, 'report-1280-app.png'))).toBe(true);
    console.info(`[report screenshots] ${shots}`);
  });
});
