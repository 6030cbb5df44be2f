import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, guideRowTitles, jsonIsland, loadReportAssets, writeReportHtml } from '../../src/report/html.js';
import type { ReportData } from '../../src/report/model.js';

const hostile = JSON.parse(readFileSync(new URL('../fixtures/report/hostile.json', import.meta.url), 'utf8')) as ReportData;
const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');
/** The page without the JSON islands, the script and the style: the markup the writer built. */
const markupOf = (page: string): string => page.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');

describe('report writer', () => {
  const page = writeReportHtml(hostile);

  it('puts the CSP first in <head>, with the hashes of exactly the inlined script and style', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta http-equiv="Content-Security-Policy" content="')).toBe(true);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!.replace(/&#39;/g, "'");
    const inlineScripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(inlineScripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(csp).toBe(`default-src 'none'; script-src 'sha256-${sha(inlineScripts[0]!)}'; style-src 'sha256-${sha(styles[0]!)}'; img-src data:; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'`);
    expect(csp).toBe(contentSecurityPolicy(loadReportAssets()));
  });

  it('loads nothing from outside: no src, no stylesheet link, no external URL but fixed Entra and rule links', () => {
    // Every `<` from data is escaped, so these would be tags the writer made.
    expect(markupOf(page)).not.toMatch(/<(link|img|iframe|object|embed|base|form)\b|<[^>]*\s(src|href|action)=/i);
    const { style } = loadReportAssets();
    expect(style).not.toMatch(/@import|@font-face|url\(/i);
  });

  it('carries the data as an escaped JSON island that parses back to the same object', () => {
    const island = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(page)![1]!;
    expect(island).not.toMatch(/[<>&\u2028\u2029]/);
    expect(island).toContain('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e');
    expect(JSON.parse(island)).toEqual(hostile);
    expect(jsonIsland({ s: '</script><!--\u2028\u2029&' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--\\u2028\\u2029\\u0026"}');
  });

  it('escapes every name it writes into the header and marks hidden characters', () => {
    // Outside the JSON island and the code, no markup from the data survives.
    const markup = markupOf(page);
    expect(markup).not.toContain('<img');
    expect(markup).not.toContain('<b>');
    expect(markup).toContain('Contoso &#60;b&#62;Ltd&#60;/b&#62; <span class="hidden-char" title="RIGHT-TO-LEFT OVERRIDE (bidi)">⟦U+202E⟧</span>evil');
    expect(markup).toContain('<title>appwatch report — Contoso &#60;b&#62;Ltd&#60;/b&#62; ⟦U+202E⟧evil</title>');
    expect(markup).toContain('snapshot-&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;.json');
    expect(markup).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\u001b]/);
  });

  it('states data gaps plainly, and says so when there are none', () => {
    expect(page).toContain('Data gaps (3)');
    expect(page).toContain('<span class="gap-kind gap-not-licensed">Not licensed</span>');
    const clean = writeReportHtml({ ...hostile, gaps: [] });
    expect(clean).toContain('No data gaps: every source was read in full.');
  });

  it('renders the charts into the file', () => {
    expect(page).toContain('<figure class="chart-card" id="chart-alerts-time">');
    expect(page).toContain('<figure class="chart-card" id="chart-findings-category">');
    const empty = writeReportHtml({ ...hostile, alerts: [], findings: [] });
    expect(empty).not.toContain('class="charts"');
  });

  it('names the guide rows from the catalogue', () => {
    expect(guideRowTitles()['1']).toBe('Credentials added to existing applications');
    expect(Object.keys(guideRowTitles())).toHaveLength(18);
  });

  it('refuses code that could close its own element', () => {
    expect(() => writeReportHtml(hostile, { script: 'var s="</script>"', style: '' })).toThrow(/cannot be inlined/);
    expect(() => writeReportHtml(hostile, { script: 'var s="<!--"', style: '' })).toThrow(/cannot be inlined/);
    expect(() => writeReportHtml(hostile, { script: '', style: 'a{}</STYLE>' })).toThrow(/cannot be inlined/);
  });
});
