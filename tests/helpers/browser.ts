/**
 * Debian's Chromium for the browser tests, driven by playwright-core (no browser download): whether it is here,
 * how to launch it headless on a closed network, and a page that records what must never happen — requests,
 * page errors, dialogs and Content-Security-Policy violations.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

// The init script and the sink attempts run in the page; these names are the page's, not Node's (no DOM lib in
// this program), typed as far as they are used.
interface PageElement { innerHTML: string; textContent: string; insertAdjacentHTML(where: string, html: string): void; append(child: PageElement): void }
declare const document: {
  addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string; sample: string }) => void): void;
  body: PageElement;
  createElement(tag: string): PageElement;
};
declare const window: unknown;

export const CHROMIUM = '/usr/bin/chromium';

/**
 * The suite to use: in CI a missing browser fails the run (the suite's beforeAll throws `missing`); elsewhere the
 * tests are skipped with the message.
 */
export function chromiumSuite(what: string): { suite: typeof describe; available: boolean; missing: string } {
  const available = existsSync(CHROMIUM);
  const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
  const missing = `Chromium is not installed at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium; .ci/run does) to run the ${what} browser tests`;
  if (!available && !inCi) console.warn(`[${what} browser tests skipped] ${missing}`);
  return { suite: available || inCi ? describe : (describe.skip as typeof describe), available, missing };
}

/** Headless, with the background networking that a closed network refuses turned off. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export interface WatchedPage { requests: string[]; errors: string[]; dialogs: string[]; violations: () => Promise<string[]> }

/** Records the page's requests, errors, dialogs (dismissed) and CSP violations; call before the first goto. */
export async function watchPage(page: Page): Promise<WatchedPage> {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string; blockedURI: string; sample: string }) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  });
  const requests: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { requests, errors, dialogs, violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations) };
}

/**
 * Tries, inside the page, to turn a string into markup (innerHTML, insertAdjacentHTML) and into code (a script
 * element): what each attempt threw ('TypeError' when Trusted Types refuse it) or 'allowed'. A refused script
 * element does not throw; it just never runs, so the caller checks `window.ran` and the CSP violations.
 */
export function tryMarkupSinks(page: Page): Promise<{ innerHTML: string; insertAdjacentHTML: string; script: string }> {
  return page.evaluate(() => {
    const tried = (f: () => void): string => {
      try {
        f();
        return 'allowed';
      } catch (e) {
        return (e as Error).name;
      }
    };
    return {
      innerHTML: tried(() => { document.body.innerHTML = '<img src=x>'; }),
      insertAdjacentHTML: tried(() => { document.body.insertAdjacentHTML('beforeend', '<img src=x>'); }),
      script: tried(() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }),
    };
  });
}
