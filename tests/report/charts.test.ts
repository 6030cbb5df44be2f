import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { barChart, binWidth, countRows, findingCategory, reportCharts, timeChart } from '../../src/report/charts.js';
import type { ReportData } from '../../src/report/model.js';

const hostile = JSON.parse(readFileSync(new URL('../fixtures/report/hostile.json', import.meta.url), 'utf8')) as ReportData;
const EVIL = '</script><img src=x onerror=alert(1)>';

const TAGS = new Set(['svg', 'title', 'g', 'text', 'rect', 'line']);
const ATTRIBUTES = new Set(['class', 'xmlns', 'viewBox', 'width', 'height', 'role', 'aria-labelledby', 'preserveAspectRatio', 'id', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'rx', 'text-anchor']);

/**
 * Every `<` in data is escaped, so each one left opens a tag the builder wrote: only the expected tags and
 * attributes (no style attribute, which the CSP would block; no script, link or event handler).
 */
function expectInertSvg(svg: string): void {
  expect(svg.startsWith('<svg class="chart" xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  for (const tag of svg.matchAll(/<(\/?)([^\s>/]+)([^>]*)>/g)) {
    expect(TAGS.has(tag[2]!), tag[0]).toBe(true);
    for (const attr of tag[3]!.matchAll(/([^\s=]+)="[^"]*"/g)) expect(ATTRIBUTES.has(attr[1]!), attr[0]).toBe(true);
    expect(tag[3]!.replace(/([^\s=]+)="[^"]*"/g, '').replace(/[\s/]/g, ''), tag[0]).toBe('');
  }
}

describe('report charts (SVG strings)', () => {
  it('escapes labels and shows their hidden characters', () => {
    const svg = barChart([{ label: EVIL, value: 3, tone: 'sev-high' }, { label: 'HR\u202egnp.exe', value: 1 }], { id: 'c', title: 'Apps <by> alerts' });
    expectInertSvg(svg);
    expect(svg).toContain('&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;: 3</title>');
    expect(svg).toContain('HR⟦U+202E⟧gnp.exe');
    expect(svg).not.toContain('\u202e');
    expect(svg).toContain('<title id="c-title">Apps &#60;by&#62; alerts</title>');
    expect(svg).toContain('class="bar sev-high"');
  });

  it('drops class names it does not expect and says when there is nothing to show', () => {
    expect(barChart([{ label: 'a', value: 1, tone: 'x" onload="alert(1)' }], { id: 'c', title: 't' })).toContain('class="bar"');
    expect(barChart([], { id: 'c', title: 't' })).toContain('Nothing to show');
    expect(timeChart([], { id: 't', title: 't' })).toContain('Nothing to show');
  });

  it('scales bars to the largest value', () => {
    const svg = barChart([{ label: 'a', value: 4 }, { label: 'b', value: 2 }], { id: 'c', title: 't', width: 480 });
    const widths = [...svg.matchAll(/<rect class="bar" x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 1);
  });

  it('bins time by hour, day or week, stacked by severity', () => {
    expect(binWidth(3_600_000)).toBe(3_600_000);
    expect(binWidth(10 * 86_400_000)).toBe(86_400_000);
    expect(binWidth(100 * 86_400_000)).toBe(7 * 86_400_000);
    const svg = timeChart([
      { time: '2026-10-01T09:10:00Z', severity: 'high' }, { time: '2026-10-01T09:50:00Z', severity: 'low' }, { time: '2026-10-01T11:00:00Z', severity: 'high' }, { time: 'not a time', severity: 'high' },
    ], { id: 't', title: 'Alerts over time' });
    expectInertSvg(svg);
    expect(svg.match(/<rect class="bar sev-high"/g)).toHaveLength(2);
    expect(svg.match(/<rect class="bar sev-low"/g)).toHaveLength(1);
    expect(svg).toContain('per hour (UTC)');
    // Far-apart outliers widen the bins instead of drawing thousands of them.
    const wide = timeChart([{ time: '1970-01-01T00:00:00Z', severity: 'low' }, { time: '2026-01-01T00:00:00Z', severity: 'low' }], { id: 't', title: 't' });
    expect(wide.match(/<rect /g)).toHaveLength(2);
  });

  it('counts with an "others" row past the limit', () => {
    const rows = countRows(['a', 'a', 'b', 'c', 'd'], (x) => [x], 3);
    expect(rows).toEqual([{ label: 'a', value: 2 }, { label: 'b', value: 1 }, { label: '2 others', value: 2 }]);
  });

  it('groups findings into categories by guide row', () => {
    expect(findingCategory({ rule: { guideRows: [4, 6] } } as never)).toBe('Roles and permissions');
    expect(findingCategory({ rule: { id: 'posture-check-not-run', guideRows: [] } } as never)).toBe('Data gaps');
  });

  it('draws the report charts from open items only (suppressed are counted apart)', () => {
    const charts = reportCharts(hostile.alerts, hostile.findings, { 1: 'Credentials added to existing applications' });
    expect(charts.map((c) => c.id)).toEqual(['chart-alerts-time', 'chart-alerts-severity', 'chart-alerts-row', 'chart-findings-category', 'chart-findings-severity']);
    for (const c of charts) expectInertSvg(c.svg);
    const severity = charts.find((c) => c.id === 'chart-alerts-severity')!.svg;
    const high = hostile.alerts.filter((a) => a.state !== 'suppressed' && a.alert.severity === 'high').length;
    expect(severity).toContain(`<title>high: ${high}</title>`);
    expect(charts.find((c) => c.id === 'chart-alerts-row')!.svg).toContain('Row 1: Credentials added to existing applications');
  });
});
