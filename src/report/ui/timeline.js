// @ts-check
/**
 * An application's events in time order (audit, sign-in, Key Vault, Activity), with the alerts they raised marked
 * on them, and a small histogram of the volume per day (built as Preact SVG elements, not markup strings).
 */
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Name, SeverityBadge, Text } from './text.js';
import { utc } from './data.js';
import { severityRankOf } from '../charts.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./data.js').ReportTimelineEntry} Entry */

const SHOWN = 200;
const DAY = 86_400_000;

/**
 * @param {{ model: Model, entries: Entry[], onOpen: (kind: 'alert' | 'finding', id: string) => void }} props
 */
export function Timeline({ model, entries, onOpen }) {
  const [all, setAll] = useState(false);
  const shown = all ? entries : entries.slice(0, SHOWN);
  return html`<div class="timeline">
    <${Histogram} entries=${entries} />
    <ol class="timeline-list">${shown.map((e) => {
      const alerts = (Array.isArray(e.alertIds) ? e.alertIds : []).map((id) => {
        const alert = model.alertsById.get(id);
        if (alert) return { kind: /** @type {const} */ ('alert'), id, r: alert };
        const finding = model.findingsById.get(id);
        return finding ? { kind: /** @type {const} */ ('finding'), id, r: finding } : { kind: /** @type {const} */ ('alert'), id, r: undefined };
      });
      return html`<li class=${`tl-entry tl-${/^[a-z]+$/.test(e.kind) ? e.kind : 'other'}${alerts.length > 0 ? ' tl-alerted' : ''}${e.severity ? ` sev-edge-${e.severity}` : ''}`}>
        <time datetime=${e.time}>${utc(e.time)}</time>
        <span class="chip">${e.kind}</span>
        <span class="tl-what"><${Text} value=${e.what} /></span>
        ${e.actor ? html`<span class="tl-actor">by <${Name} value=${e.actor} /></span>` : null}
        ${e.result ? html`<span class="tl-result"><${Text} value=${e.result} /></span>` : null}
        ${alerts.map((x) => (x.r
          ? html`<button type="button" class="tl-alert" onClick=${() => onOpen(x.kind, x.id)} title=${`Open the ${x.kind}`}><${SeverityBadge} severity=${x.r.alert.severity} /> <${Text} value=${x.r.alert.rule.title} max=${50} /></button>`
          : html`<span class="muted">alert ${x.id} (not in this report)</span>`))}
      </li>`;
    })}</ol>
    ${entries.length > shown.length ? html`<button type="button" onClick=${() => setAll(true)}>Show all ${entries.length} events</button>` : null}
  </div>`;
}

/**
 * Events per day as bars; days with an alert are drawn in the colour of their most severe one.
 * @param {{ entries: Entry[] }} props
 */
function Histogram({ entries }) {
  const times = entries.map((e) => Date.parse(e.time)).filter((t) => Number.isFinite(t));
  if (times.length < 2) return null;
  const first = Math.floor(Math.min(...times) / DAY);
  const last = Math.floor(Math.max(...times) / DAY);
  const days = Math.min(last - first + 1, 120);
  /** @type {{ n: number, worst: string | undefined }[]} */
  const bins = Array.from({ length: days }, () => ({ n: 0, worst: undefined }));
  for (const e of entries) {
    const t = Date.parse(e.time);
    if (!Number.isFinite(t)) continue;
    const bin = bins[Math.min(days - 1, Math.floor(t / DAY) - first)];
    if (!bin) continue;
    bin.n++;
    if (e.severity && (bin.worst === undefined || severityRankOf(e.severity) < severityRankOf(bin.worst))) bin.worst = e.severity;
  }
  const max = Math.max(...bins.map((b) => b.n), 1);
  const width = 560;
  const height = 48;
  const step = width / days;
  return html`<svg class="histogram" viewBox=${`0 0 ${width} ${height + 14}`} role="img" aria-label=${`Events per day over ${days} days`}>
    ${bins.map((b, i) => (b.n === 0 ? null : html`<rect class=${`bar ${b.worst ? `sev-${b.worst}` : 'bar-plain'}`} x=${i * step + step * 0.1} y=${height - (b.n / max) * height} width=${Math.max(1, step * 0.8)} height=${(b.n / max) * height}><title>${new Date((first + i) * DAY).toISOString().slice(0, 10)}: ${b.n} events${b.worst ? `, ${b.worst} alert` : ''}</title></rect>`))}
    <text class="chart-tick" x="0" y=${height + 12}>${new Date(first * DAY).toISOString().slice(0, 10)}</text>
    <text class="chart-tick" x=${width} y=${height + 12} text-anchor="end">${new Date((first + days - 1) * DAY).toISOString().slice(0, 10)}</text>
  </svg>`;
}
