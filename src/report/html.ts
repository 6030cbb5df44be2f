/**
 * @module report/html
 * The report writer: ReportData → one self-contained HTML document. The header (tenant, window, sources, versions,
 * data gaps) and the charts are rendered here as escaped HTML and SVG, so they show and print without script; the
 * tables, filters and detail pane are the browser code in `report/ui` (built by `npm run build` into
 * dist/report-assets), inlined here.
 *
 * Safety model (docs/report.md): a CSP meta tag first in <head> allows only the inlined script and style by their
 * SHA-256 and requires Trusted Types with no policy, so no string can become HTML or script in the page; the data
 * travels as a JSON island whose `<`, `>`, `&`, U+2028 and U+2029 are \u-escaped (it cannot end its element or be
 * read as markup), and the browser code reads it with JSON.parse and renders text nodes only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { reportCharts, type ReportChart } from './charts.js';
import type { ReportData, ReportGap, ReportSource } from './model.js';
import { escapeHtml, visibleHtml, visibleString } from './text.js';

export interface ReportAssets { script: string; style: string }

/** Where `npm run build` puts the browser code: dist/report-assets, beside dist/report (built) or src/report (tests). */
const ASSET_DIRS = ['../report-assets/', '../../dist/report-assets/'];

let cachedAssets: ReportAssets | undefined;

/** The built report.js and report.css; an error says how to build them when they are missing. */
export function loadReportAssets(): ReportAssets {
  if (cachedAssets) return cachedAssets;
  for (const dir of ASSET_DIRS) {
    const base = new URL(dir, import.meta.url);
    const js = new URL('report.js', base);
    const css = new URL('report.css', base);
    if (existsSync(fileURLToPath(js)) && existsSync(fileURLToPath(css))) {
      cachedAssets = { script: readFileSync(js, 'utf8'), style: readFileSync(css, 'utf8') };
      return cachedAssets;
    }
  }
  throw new Error('the report\'s browser code is not built (dist/report-assets/report.js and report.css are missing): run `npm run build`');
}

let cachedGuide: Record<string, string> | undefined;

/** The titles of the guide's 18 rows (catalogues/guide/rows.yaml), for chart labels and the detail pane. */
export function guideRowTitles(): Record<string, string> {
  if (cachedGuide) return cachedGuide;
  const titles: Record<string, string> = {};
  for (const dir of ['../../catalogues/', '../../../catalogues/']) {
    const file = new URL(`${dir}guide/rows.yaml`, import.meta.url);
    if (!existsSync(fileURLToPath(file))) continue;
    const rows = parseYaml(readFileSync(file, 'utf8')) as { row: number; title: string }[];
    for (const r of rows) titles[String(r.row)] = r.title;
    break;
  }
  cachedGuide = titles;
  return titles;
}

export const sha256Base64 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

/** The page's CSP: nothing but the inlined script and style (by hash) and data: images; Trusted Types required. */
export function contentSecurityPolicy(assets: ReportAssets): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${sha256Base64(assets.script)}'`,
    `style-src 'sha256-${sha256Base64(assets.style)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/**
 * JSON that can sit inside <script type="application/json">: `<`, `>` and `&` cannot end the element or open a
 * comment, and U+2028/U+2029 are escaped too (harmless to JSON.parse, but not to older JavaScript parsers or
 * editors). These characters only occur inside JSON strings, where `\uXXXX` means the same character.
 */
export function jsonIsland(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Inlined code must not be able to close its own element. */
function assertInlinable(text: string, tag: 'script' | 'style'): void {
  if (new RegExp(`</${tag}`, 'i').test(text) || (tag === 'script' && /<!--/.test(text))) {
    throw new Error(`the built report ${tag} contains "</${tag}" or "<!--" and cannot be inlined`);
  }
}

const v = (text: string | undefined): string => visibleHtml(text ?? '');
const utc = (iso: string | undefined): string => (iso ? escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')) : '');

function sourcesTable(sources: readonly ReportSource[]): string {
  if (sources.length === 0) return '<p class="muted">No sources recorded.</p>';
  const rows = sources.map((s) => `<tr><td>${escapeHtml(s.kind)}</td><td class="name">${v(s.name)}</td><td>${v(s.format)}</td>`
    + `<td class="num">${s.events ?? ''}</td><td class="num">${s.skipped ?? ''}</td><td>${v(s.note)}</td></tr>`).join('');
  return `<table class="sources"><thead><tr><th scope="col">Kind</th><th scope="col">Source</th><th scope="col">Format</th><th scope="col" class="num">Events</th><th scope="col" class="num">Skipped</th><th scope="col">Note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Many sources (a diagnostic export is a file per hour) start collapsed behind a one-line summary; print leaves the list out. */
const MANY_SOURCES = 12;

function sourcesBlock(sources: readonly ReportSource[]): string {
  const many = sources.length > MANY_SOURCES;
  const kinds = new Map<string, number>();
  for (const s of sources) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  const events = sources.reduce((n, s) => n + (s.events ?? 0), 0);
  const skipped = sources.reduce((n, s) => n + (s.skipped ?? 0), 0);
  const summary = `Sources read: ${[...kinds].map(([k, n]) => `${n} ${escapeHtml(k)}${n === 1 ? '' : 's'}`).join(', ') || 'none recorded'}`
    + `${events > 0 ? `, ${events.toLocaleString('en-US')} events` : ''}${skipped > 0 ? `, ${skipped.toLocaleString('en-US')} skipped` : ''}`;
  return `<details class="sources-block${many ? ' sources-many' : ''}"${many ? '' : ' open'}><summary>${summary}</summary>${sourcesTable(sources)}</details>`;
}

const GAP_LABEL: Record<ReportGap['kind'], string> = {
  'not-licensed': 'Not licensed', 'no-data': 'No data', throttled: 'Throttled', truncated: 'Truncated', skipped: 'Skipped records', forbidden: 'Forbidden', other: 'Gap',
};

function gapsBlock(gaps: readonly ReportGap[]): string {
  if (gaps.length === 0) return '<p class="gaps-none">No data gaps: every source was read in full.</p>';
  const items = gaps.map((g) => `<li><span class="gap-kind gap-${escapeHtml(g.kind)}">${escapeHtml(GAP_LABEL[g.kind] ?? 'Gap')}</span> <span class="name">${v(g.source)}</span>: ${v(g.message)}</li>`).join('');
  return `<div class="gaps" role="note"><h3>Data gaps (${gaps.length})</h3><p>What the report could not see; absence of alerts there means nothing.</p><ul>${items}</ul></div>`;
}

function header(data: ReportData): string {
  const tenant = data.tenant?.name || data.tenant?.id;
  const rows: [string, string][] = [
    ['Tenant', tenant ? `<span class="name">${v(data.tenant?.name)}</span>${data.tenant?.name && data.tenant.id ? ' ' : ''}${data.tenant?.id ? `<code>${v(data.tenant.id)}</code>` : ''}` : '<span class="muted">not recorded</span>'],
    ['Time window', data.window ? `${utc(data.window.from)} → ${utc(data.window.to)}` : '<span class="muted">not recorded</span>'],
    ['Made from', `${escapeHtml({ scan: 'a scan of logs', posture: 'a posture check of a snapshot', store: 'the alert store' }[data.kind] ?? data.kind)}, ${utc(data.generatedAt)}`],
    ['appwatch', escapeHtml(data.generator.version)],
    ['Rule pack', `${data.generator.rulePack.rules} rules, sha256 <code title="${escapeHtml(data.generator.rulePack.sha256)}">${escapeHtml(data.generator.rulePack.sha256.slice(0, 16))}</code>`],
  ];
  return `<header class="report-header">
<h1>appwatch report${tenant ? ` <span class="tenant name">${v(tenant)}</span>` : ''}</h1>
<dl class="facts">${rows.map(([k, val]) => `<div><dt>${k}</dt><dd>${val}</dd></div>`).join('')}</dl>
${gapsBlock(data.gaps)}
${sourcesBlock(data.sources)}
</header>`;
}

function chartsSection(charts: readonly ReportChart[]): string {
  if (charts.length === 0) return '';
  const figures = charts.map((c) => `<figure class="chart-card" id="${escapeHtml(c.id)}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}</figure>`).join('');
  return `<section class="charts" aria-label="Charts">${figures}</section>`;
}

/** The report as one HTML document. */
export function writeReportHtml(data: ReportData, assets: ReportAssets = loadReportAssets()): string {
  assertInlinable(assets.script, 'script');
  assertInlinable(assets.style, 'style');
  const guide = guideRowTitles();
  const tenant = data.tenant?.name || data.tenant?.id;
  const title = `appwatch report${tenant ? ` — ${tenant}` : ''}`;
  // The CSP must come before anything it governs, so it is the first element of <head>.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(assets))}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="appwatch ${escapeHtml(data.generator.version)}">
<title>${escapeHtml(visibleString(title))}</title>
<style>${assets.style}</style>
</head>
<body>
${header(data)}
<div id="tiles"></div>
${chartsSection(reportCharts(data.alerts, data.findings, guide))}
<noscript><p class="noscript">The tables and details need JavaScript; the summary and charts above do not.</p></noscript>
<div id="app"></div>
<script type="application/json" id="data">${jsonIsland(data)}</script>
<script type="application/json" id="guide-rows">${jsonIsland(guide)}</script>
<script>${assets.script}</script>
</body>
</html>
`;
}
