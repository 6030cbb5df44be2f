// @ts-check
/**
 * The dashboard's charts, drawn in the browser from live data as Preact SVG elements (the report's are SVG strings
 * from its writer, which a page under Trusted Types cannot insert). Alerts over time can be zoomed: drag across it
 * to choose a time range, or click a bar for its bin; the range filters the alerts table and the other charts, and
 * the bins get finer (down to 5 minutes). Bars filter the alerts table by their value.
 */
import { useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { useStore } from './store.js';
import { utc } from './data.js';
import { emptyView, PAGE } from './view.js';
import { binWidth, countRows, guideRowLabel, SEVERITY_ORDER, severityRows } from '../charts.js';

/** @typedef {import('./view.js').View} View */
/** @typedef {import('./store.js').Store<Record<string, View>>} Views */
/** @typedef {import('./data.js').ReportAlert} ReportAlert */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// viewBox widths near the cards' widths at desktop and laptop sizes, so 11px text stays about 11px.
const WIDTH = 1200;
const BAR_WIDTH = 600;
const LEFT = 32;
const TOP = 8;
const PLOT = 130;

/**
 * Finer bins than the report's when zoomed in; never more than about 120 bars.
 * @param {number} span
 */
export function zoomBin(span) {
  if (span <= 3 * HOUR) return 5 * MINUTE;
  if (span <= 12 * HOUR) return 15 * MINUTE;
  const base = binWidth(span);
  return span / base > 120 ? Math.ceil(span / 120 / DAY) * DAY : base;
}

/** @param {number} t @param {number} bin */
const tick = (t, bin) => (bin < DAY ? new Date(t).toISOString().slice(5, 16).replace('T', ' ') : new Date(t).toISOString().slice(0, 10));

/**
 * @param {{ alerts: ReportAlert[], range: { from: number, to: number } | null, onRange: (r: { from: number, to: number } | null) => void }} props
 */
function TimeChart({ alerts, range, onRange }) {
  const svg = useRef(/** @type {SVGSVGElement | null} */ (null));
  const [drag, setDrag] = useState(/** @type {{ x0: number, x1: number } | null} */ (null));
  const times = alerts.map((r) => Date.parse(r.alert.time)).filter((t) => Number.isFinite(t));
  if (times.length === 0 && !range) return html`<p class="muted chart-empty-note">No alerts to chart.</p>`;
  const first = range ? range.from : Math.min(...times);
  const last = range ? range.to - 1 : Math.max(...times);
  const bin = zoomBin(Math.max(last - first, MINUTE));
  const start = Math.floor(first / bin) * bin;
  const count = Math.max(1, Math.floor((last - start) / bin) + 1);
  /** @type {Record<string, number>[]} */
  const bins = Array.from({ length: count }, () => ({}));
  for (const r of alerts) {
    const t = Date.parse(r.alert.time);
    const b = bins[Math.floor((t - start) / bin)];
    if (b) b[r.alert.severity] = (b[r.alert.severity] ?? 0) + 1;
  }
  const totals = bins.map((b) => Object.values(b).reduce((a, c) => a + c, 0));
  const max = Math.max(...totals, 1);
  const step = (WIDTH - LEFT - 4) / count;
  const barWidth = Math.max(1, step * 0.8);
  const unit = bin === 5 * MINUTE ? '5 minutes' : bin === 15 * MINUTE ? '15 minutes' : bin === HOUR ? 'hour' : bin === DAY ? 'day' : bin === 7 * DAY ? 'week' : `${bin / DAY} days`;

  /** SVG x of a pointer event. @param {PointerEvent} e */
  const xOf = (e) => {
    const box = svg.current?.getBoundingClientRect();
    return box && box.width > 0 ? ((e.clientX - box.left) / box.width) * WIDTH : 0;
  };
  /** The bin under an SVG x. @param {number} x */
  const binAt = (x) => Math.min(count - 1, Math.max(0, Math.floor((x - LEFT) / step)));
  /** @param {PointerEvent} e */
  const down = (e) => {
    /** @type {Element} */ (e.currentTarget).setPointerCapture(e.pointerId);
    const x = xOf(e);
    setDrag({ x0: x, x1: x });
  };
  /** @param {PointerEvent} e */
  const move = (e) => {
    if (drag) setDrag({ ...drag, x1: xOf(e) });
  };
  /** @param {PointerEvent} e */
  const up = (e) => {
    if (!drag) return;
    const x1 = xOf(e);
    setDrag(null);
    // A click (no real drag) zooms into the bin under it; a drag into the bins it spans.
    const a = binAt(Math.min(drag.x0, x1));
    const b = Math.abs(x1 - drag.x0) < 4 ? a : binAt(Math.max(drag.x0, x1));
    onRange({ from: start + a * bin, to: start + (b + 1) * bin });
  };

  const ticks = Math.min(count, 4);
  return html`<svg class="chart zoom-chart" ref=${svg} viewBox=${`0 0 ${WIDTH} ${TOP + PLOT + 32}`} role="img" aria-label=${`Alerts over time, per ${unit}, stacked by severity${range ? `, zoomed to ${utc(new Date(range.from).toISOString())} – ${utc(new Date(range.to).toISOString())}` : ''}`}>
    <line class="axis" x1=${LEFT} y1=${TOP + PLOT} x2=${WIDTH - 2} y2=${TOP + PLOT} />
    <text class="chart-tick" x=${LEFT - 4} y=${TOP + 8} text-anchor="end">${max}</text>
    <text class="chart-tick" x=${LEFT - 4} y=${TOP + PLOT} text-anchor="end">0</text>
    ${bins.map((b, i) => {
      let y = TOP + PLOT;
      const x = LEFT + i * step + (step - barWidth) / 2;
      return [...SEVERITY_ORDER].reverse().map((severity) => {
        const n = b[severity] ?? 0;
        if (n === 0) return null;
        const h = (n / max) * PLOT;
        y -= h;
        return html`<rect class=${`bar sev-${severity}`} x=${x} y=${y} width=${barWidth} height=${h}><title>${tick(start + i * bin, bin)}: ${n} ${severity}</title></rect>`;
      });
    })}
    ${Array.from({ length: ticks }, (_, k) => {
      const i = ticks === 1 ? 0 : Math.round((k * (count - 1)) / (ticks - 1));
      const anchor = k === 0 ? 'start' : k === ticks - 1 ? 'end' : 'middle';
      const x = k === 0 ? LEFT : k === ticks - 1 ? WIDTH - 2 : LEFT + i * step + step / 2;
      return html`<text class="chart-tick" x=${x} y=${TOP + PLOT + 14} text-anchor=${anchor}>${tick(start + i * bin, bin)}</text>`;
    })}
    <text class="chart-tick" x=${WIDTH - 2} y=${TOP + PLOT + 28} text-anchor="end">per ${unit} (UTC) · drag to zoom</text>
    ${drag ? html`<rect class="brush" x=${Math.min(drag.x0, drag.x1)} y=${TOP} width=${Math.abs(drag.x1 - drag.x0)} height=${PLOT} />` : null}
    <rect class="brush-area" x=${LEFT} y=${TOP} width=${WIDTH - LEFT - 4} height=${PLOT} onPointerDown=${down} onPointerMove=${move} onPointerUp=${up}
      onPointerCancel=${() => setDrag(null)}><title>Drag across to zoom into a time range, or click a bar</title></rect>
  </svg>`;
}

/**
 * Horizontal bars; a bar with a facet value filters the alerts table by it.
 * @param {{ rows: { label: string, value: number, tone?: string, facet?: string }[], onPick: (value: string) => void, title: string }} props
 */
function Bars({ rows, onPick, title }) {
  if (rows.every((r) => r.value <= 0)) return html`<p class="muted chart-empty-note">Nothing to show.</p>`;
  const labelWidth = 260;
  const barSpace = BAR_WIDTH - labelWidth - 48;
  const rowHeight = 22;
  const max = Math.max(...rows.map((r) => r.value), 1);
  return html`<svg class="chart" viewBox=${`0 0 ${BAR_WIDTH} ${rows.length * rowHeight + 4}`} role="img" aria-label=${title}>
    ${rows.map((r, i) => {
      const y = i * rowHeight;
      const w = r.value > 0 ? Math.max(2, (r.value / max) * barSpace) : 0;
      const label = r.label.length > 42 ? `${r.label.slice(0, 41)}…` : r.label;
      const pick = r.facet ? () => onPick(/** @type {string} */ (r.facet)) : undefined;
      return html`<g class=${`bar-row${pick ? ' pickable' : ''}`} onClick=${pick}>
        <title>${r.label}: ${r.value}${pick ? ' (click to filter the alerts)' : ''}</title>
        <text class="chart-label" x=${labelWidth - 6} y=${y + 15} text-anchor="end">${label}</text>
        <rect class=${`bar${r.tone ? ` ${r.tone}` : ''}`} x=${labelWidth} y=${y + 4} width=${w} height=${rowHeight - 8} rx="2" />
        <text class="chart-value" x=${labelWidth + w + 4} y=${y + 15}>${r.value}</text>
      </g>`;
    })}
  </svg>`;
}

/**
 * The charts over the alerts the tables count (suppressed apart), within the zoom.
 * @param {{ model: import('./data.js').Model, views: Views }} props
 */
export function LiveCharts({ model, views }) {
  const all = useStore(views);
  const range = all.alerts?.range ?? null;
  const open = model.alerts.filter((r) => r.state !== 'suppressed');
  const shown = range ? open.filter((r) => {
    const t = Date.parse(r.alert.time);
    return t >= range.from && t < range.to;
  }) : open;
  /** @param {{ from: number, to: number } | null} r */
  const setRange = (r) => views.set((v) => ({ ...v, alerts: { ...(v.alerts ?? emptyView()), range: r, limit: PAGE } }));
  /** @param {string} facet @param {string} value */
  const filter = (facet, value) => {
    views.set((v) => ({ ...v, alerts: { ...emptyView(), showSuppressed: Boolean(v.alerts?.showSuppressed), range: v.alerts?.range ?? null, facets: { [facet]: [value] } } }));
    document.getElementById('section-alerts')?.scrollIntoView({ block: 'start' });
  };
  const rowLabels = (/** @type {ReportAlert} */ r) => (r.alert.rule.guideRows.length > 0 ? r.alert.rule.guideRows.map((n) => guideRowLabel(n, model.guide)) : ['none']);
  const byRow = countRows(shown, rowLabels).map((r) => ({ ...r, ...(/ others$/.test(r.label) ? {} : { facet: r.label }) }));
  return html`<section class="charts live-charts" aria-label="Charts">
    <figure class="chart-card chart-wide" id="chart-alerts-time">
      <figcaption>Alerts over time ${range ? html`<span class="zoom-range">${utc(new Date(range.from).toISOString())} → ${utc(new Date(range.to).toISOString())}</span>
        <button type="button" class="zoom-reset" onClick=${() => setRange(null)}>Reset zoom</button>` : null}</figcaption>
      <${TimeChart} alerts=${shown} range=${range} onRange=${setRange} />
    </figure>
    <figure class="chart-card" id="chart-alerts-severity"><figcaption>Alerts by severity</figcaption>
      <${Bars} title="Alerts by severity" rows=${severityRows(shown).map((r) => ({ ...r, facet: r.label }))} onPick=${(/** @type {string} */ v) => filter('severity', v)} />
    </figure>
    <figure class="chart-card" id="chart-alerts-row"><figcaption>Alerts by guide row</figcaption>
      <${Bars} title="Alerts by row of the security operations guide" rows=${byRow} onPick=${(/** @type {string} */ v) => filter('row', v)} />
    </figure>
  </section>`;
}
