/**
 * @module report/charts
 * The report's charts as SVG strings, rendered by the writer into the file: no script needed to see them, they
 * print, and they are tested as strings. Every text is escaped and its hidden characters made visible; colours come
 * from classes (the page's CSS), never from style attributes, which the report's CSP would block.
 *
 * Also the few groupings the charts and the page share (severity order, finding categories, guide-row labels), so
 * that a chart and the table it sits above count alike.
 */
import type { Alert } from '../alerts/types.js';
import type { Severity } from '../model/severity.js';
import type { ReportAlert } from './model.js';
import { escapeHtml, truncate, visibleString } from './text.js';

/** Highest first: the order of tiles, bars and the tables' default sort. */
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];

export const severityRankOf = (s: string): number => {
  const i = SEVERITY_ORDER.indexOf(s as Severity);
  return i === -1 ? SEVERITY_ORDER.length : i;
};

/**
 * A finding's category, from the first guide row of its rule: posture findings carry no category of their own, and
 * the guide's rows group into these few themes. A finding without a row is about the data itself.
 */
const CATEGORY_BY_ROW: Record<number, string> = {
  1: 'Credentials', 2: 'Credentials',
  3: 'Roles and permissions', 4: 'Roles and permissions', 5: 'Roles and permissions', 6: 'Roles and permissions', 7: 'Roles and permissions', 8: 'Roles and permissions',
  9: 'Key Vault access',
  10: 'Consent', 11: 'Consent',
  12: 'Sign-in flows', 13: 'Sign-in flows',
  14: 'URIs', 15: 'URIs', 16: 'URIs', 18: 'URIs',
  17: 'Ownership',
};

export function findingCategory(alert: Pick<Alert, 'rule'>): string {
  for (const row of alert.rule.guideRows) {
    const category = CATEGORY_BY_ROW[row];
    if (category) return category;
  }
  return /collection|not-run/.test(alert.rule.id) ? 'Data gaps' : 'Other';
}

/** "Row 4: App granted highly privileged application permissions", or "Row 4" without the catalogue's title. */
export const guideRowLabel = (row: number, titles: Record<string, string>): string => (titles[String(row)] ? `Row ${row}: ${titles[String(row)]}` : `Row ${row}`);

// Text inside SVG: hidden characters as markers, then escaped (XML needs the same five escapes as HTML here).
const svgText = (text: string, max = 200): string => escapeHtml(truncate(visibleString(text), max));

export interface BarRow {
  label: string;
  value: number;
  /** A class for the bar (e.g. `sev-high`), from a fixed set chosen by the caller. */
  tone?: string;
}

export interface ChartOptions {
  /** The accessible name, also shown as the chart's <title>. */
  title: string;
  /** An id prefix unique within the page (for aria-labelledby). */
  id: string;
  width?: number;
}

const CLASS_SAFE = /^[a-z0-9-]+$/;
const tone = (t: string | undefined): string => (t && CLASS_SAFE.test(t) ? ` ${t}` : '');
const num = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0');

function frame(options: ChartOptions, height: number, body: string): string {
  const width = options.width ?? 480;
  const id = escapeHtml(options.id);
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${num(height)}" width="${width}" height="${num(height)}" role="img" aria-labelledby="${id}-title" preserveAspectRatio="xMinYMin meet"><title id="${id}-title">${svgText(options.title)}</title>${body}</svg>`;
}

function empty(options: ChartOptions): string {
  return frame(options, 40, `<text class="chart-empty" x="8" y="24">Nothing to show</text>`);
}

/** Horizontal bars, one row each: label on the left, bar, value at the bar's end. */
export function barChart(rows: readonly BarRow[], options: ChartOptions): string {
  if (rows.length === 0 || rows.every((r) => r.value <= 0)) return empty(options);
  const width = options.width ?? 480;
  const labelWidth = Math.round(width * 0.42);
  const barSpace = width - labelWidth - 48;
  const rowHeight = 22;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const body = rows.map((r, i) => {
    const y = i * rowHeight;
    const w = r.value > 0 ? Math.max(2, (r.value / max) * barSpace) : 0;
    const label = visibleString(r.label);
    const shown = svgText(label, Math.max(8, Math.floor(labelWidth / 6.4)));
    return `<g class="bar-row"><title>${svgText(label)}: ${r.value}</title>`
      + `<text class="chart-label" x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${shown}</text>`
      + `<rect class="bar${tone(r.tone)}" x="${labelWidth}" y="${y + 4}" width="${num(w)}" height="${rowHeight - 8}" rx="2"/>`
      + `<text class="chart-value" x="${num(labelWidth + w + 4)}" y="${y + 15}">${r.value}</text></g>`;
  }).join('');
  return frame(options, rows.length * rowHeight + 4, body);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The bin width for a time span: hours up to two days, days up to ten weeks, weeks beyond. */
export function binWidth(spanMs: number): number {
  if (spanMs <= 2 * DAY) return HOUR;
  if (spanMs <= 70 * DAY) return DAY;
  return 7 * DAY;
}

export interface TimedItem { time: string; severity: string }

/** Counts per time bin, stacked by severity (highest on top), with a few date ticks. */
export function timeChart(items: readonly TimedItem[], options: ChartOptions): string {
  const times = items.map((i) => Date.parse(i.time)).filter((t) => Number.isFinite(t));
  if (times.length === 0) return empty(options);
  const width = options.width ?? 480;
  const first = Math.min(...times);
  const last = Math.max(...times);
  // Far-apart outliers would make thousands of hair-thin bins: widen the bin to keep at most 120.
  const base = binWidth(last - first);
  const bin = (last - first) / base > 120 ? Math.ceil((last - first) / 120 / DAY) * DAY : base;
  const start = Math.floor(first / bin) * bin;
  const count = Math.floor((last - start) / bin) + 1;
  const bins: Record<string, number>[] = Array.from({ length: count }, () => ({}));
  items.forEach((item) => {
    const t = Date.parse(item.time);
    if (!Number.isFinite(t)) return;
    const b = bins[Math.floor((t - start) / bin)];
    if (b) b[item.severity] = (b[item.severity] ?? 0) + 1;
  });
  const totals = bins.map((b) => Object.values(b).reduce((a, c) => a + c, 0));
  const max = Math.max(...totals, 1);
  const left = 28;
  const plotHeight = 120;
  const top = 8;
  const step = (width - left - 4) / count;
  const barWidth = Math.max(1, step * 0.8);
  const unit = bin === HOUR ? 'hour' : bin === DAY ? 'day' : bin === 7 * DAY ? 'week' : `${bin / DAY} days`;
  const label = (t: number): string => (bin === HOUR ? new Date(t).toISOString().slice(5, 16).replace('T', ' ') : new Date(t).toISOString().slice(0, 10));
  let body = `<line class="axis" x1="${left}" y1="${top + plotHeight}" x2="${width - 2}" y2="${top + plotHeight}"/>`
    + `<text class="chart-tick" x="${left - 4}" y="${top + 8}" text-anchor="end">${max}</text>`
    + `<text class="chart-tick" x="${left - 4}" y="${top + plotHeight}" text-anchor="end">0</text>`;
  bins.forEach((b, i) => {
    let y = top + plotHeight;
    const x = left + i * step + (step - barWidth) / 2;
    // Lowest severity at the bottom, so the most severe part of a busy bin sits where the eye lands.
    for (const severity of [...SEVERITY_ORDER].reverse()) {
      const n = b[severity] ?? 0;
      if (n === 0) continue;
      const h = (n / max) * plotHeight;
      y -= h;
      body += `<rect class="bar sev-${severity}" x="${num(x)}" y="${num(y)}" width="${num(barWidth)}" height="${num(h)}"><title>${escapeHtml(label(start + i * bin))}: ${n} ${severity}</title></rect>`;
    }
  });
  const ticks = Math.min(count, 4);
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (count - 1)) / (ticks - 1));
    const x = left + i * step + step / 2;
    const anchor = k === 0 ? 'start' : k === ticks - 1 ? 'end' : 'middle';
    body += `<text class="chart-tick" x="${num(k === 0 ? left : k === ticks - 1 ? width - 2 : x)}" y="${top + plotHeight + 14}" text-anchor="${anchor}">${escapeHtml(label(start + i * bin))}</text>`;
  }
  body += `<text class="chart-tick" x="${width - 2}" y="${top + plotHeight + 28}" text-anchor="end">per ${unit} (UTC)</text>`;
  return frame(options, top + plotHeight + 32, body);
}

/** Counts of a key over items, as bar rows sorted by count (then label), at most `limit` rows plus "others". */
export function countRows<T>(items: readonly T[], key: (item: T) => string[], limit = 10): BarRow[] {
  const counts = new Map<string, number>();
  for (const item of items) for (const k of new Set(key(item))) counts.set(k, (counts.get(k) ?? 0) + 1);
  const rows = [...counts].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'en', { numeric: true }));
  if (rows.length <= limit) return rows;
  const rest = rows.slice(limit - 1).reduce((a, r) => a + r.value, 0);
  return [...rows.slice(0, limit - 1), { label: `${rows.length - limit + 1} others`, value: rest }];
}

export function severityRows(items: readonly ReportAlert[]): BarRow[] {
  return SEVERITY_ORDER.map((s) => ({ label: s, value: items.filter((i) => i.alert.severity === s).length, tone: `sev-${s}` }));
}

export interface ReportChart { id: string; title: string; svg: string }

/** The report's charts: alerts over time, by severity and by guide row; findings by category and by severity. */
export function reportCharts(alerts: readonly ReportAlert[], findings: readonly ReportAlert[], guideTitles: Record<string, string>): ReportChart[] {
  const charts: ReportChart[] = [];
  const add = (id: string, title: string, svg: string): void => {
    charts.push({ id, title, svg });
  };
  // Charts count what the tables show by default: suppressed items are counted apart.
  const open = alerts.filter((a) => a.state !== 'suppressed');
  const openFindings = findings.filter((a) => a.state !== 'suppressed');
  if (alerts.length > 0) {
    add('chart-alerts-time', 'Alerts over time', timeChart(open.map((a) => ({ time: a.alert.time, severity: a.alert.severity })), { id: 'chart-alerts-time', title: 'Alerts over time, stacked by severity' }));
    add('chart-alerts-severity', 'Alerts by severity', barChart(severityRows(open), { id: 'chart-alerts-severity', title: 'Alerts by severity' }));
    add('chart-alerts-row', 'Alerts by guide row', barChart(
      countRows(open, (a) => (a.alert.rule.guideRows.length > 0 ? a.alert.rule.guideRows.map((r) => guideRowLabel(r, guideTitles)) : ['No guide row'])),
      { id: 'chart-alerts-row', title: 'Alerts by row of the security operations guide' },
    ));
  }
  if (findings.length > 0) {
    add('chart-findings-category', 'Findings by category', barChart(countRows(openFindings, (f) => [findingCategory(f.alert)]), { id: 'chart-findings-category', title: 'Findings by category' }));
    add('chart-findings-severity', 'Findings by severity', barChart(severityRows(openFindings), { id: 'chart-findings-severity', title: 'Findings by severity' }));
  }
  return charts;
}
