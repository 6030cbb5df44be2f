// @ts-check
/**
 * The dashboard's bulk bar above the alerts table: tick alerts (or every alert the filters show), then
 * acknowledge, resolve with a close reason, reopen or assign them all in one request (one transaction, each alert
 * audited on its own).
 */
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { CloseReasonSelect } from './triage.js';
import { closeReasonLabel } from './configs.js';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {import('./live.js').LiveState} LiveState */

/**
 * @param {{ live: Live, state: LiveState, rows: import('./data.js').ReportAlert[] }} props  rows: what the filters show
 */
export function BulkBar({ live, state, rows }) {
  const [reason, setReason] = useState('false_positive');
  const [assignee, setAssignee] = useState('');
  const selected = state.selected;
  const ids = [...selected];
  const shown = new Set(rows.map((r) => r.alert.id));
  const hidden = ids.filter((id) => !shown.has(id)).length;
  const none = ids.length === 0 || state.busy;
  /** @param {import('../../store/types.js').TriageChange} change @param {string} verb */
  const run = (change, verb) => live.triage(ids, change, verb, true);
  return html`<div class="bulk-bar" role="group" aria-label="Bulk actions">
    <span class="bulk-count" aria-live="polite">${ids.length === 0 ? 'Tick alerts for bulk actions, or' : `${ids.length} selected${hidden > 0 ? ` (${hidden} not shown by the filters)` : ''}`}</span>
    <button type="button" class="bulk-select-all link-button" disabled=${rows.length === 0} onClick=${() => live.select(new Set([...selected, ...shown]))}>select all ${rows.length} the filters show</button>
    ${ids.length > 0 ? html`<button type="button" class="bulk-clear link-button" onClick=${() => live.select(new Set())}>clear</button>` : null}
    <span class="toolbar-spacer"></span>
    <button type="button" class="bulk-ack" disabled=${none} onClick=${() => run({ state: 'acknowledged' }, 'acknowledged')}>Acknowledge</button>
    <span class="resolve-group">
      <${CloseReasonSelect} className="bulk-reason" label="Close reason for the selected alerts" value=${reason} onChange=${setReason} />
      <button type="button" class="bulk-resolve" disabled=${none} onClick=${() => run({ state: 'resolved', closeReason: /** @type {any} */ (reason) }, `resolved as ${closeReasonLabel(reason)}`)}>Resolve</button>
    </span>
    <button type="button" class="bulk-reopen" disabled=${none} onClick=${() => run({ state: 'new' }, 'reopened')}>Reopen</button>
    <span class="resolve-group">
      <input type="text" class="bulk-assignee" maxlength="200" placeholder="assignee" aria-label="Assign the selected alerts to" value=${assignee} onInput=${(/** @type {any} */ e) => setAssignee(e.currentTarget.value)} />
      <button type="button" class="bulk-assign" disabled=${none || assignee.trim() === ''} onClick=${() => run({ assignee: assignee.trim() }, `assigned to ${assignee.trim()}`)}>Assign</button>
    </span>
  </div>`;
}
