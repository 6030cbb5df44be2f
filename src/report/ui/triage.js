// @ts-check
/**
 * The dashboard's triage panel in an alert's detail: acknowledge, resolve with a close reason, reopen, assign,
 * add a note, suppress similar alerts (with an impact preview first), and the alert's audit trail (who, when,
 * from → to). Buttons only, no <form>: the CSP's form-action 'none' forbids submitting one.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Name, StateBadge, Text } from './text.js';
import { liveOf, utc } from './data.js';
import { CLOSE_REASON_LABELS, closeReasonLabel, SINCE_LABELS } from './configs.js';
import { SuppressForm, scopeOfAlert } from './suppress.js';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {import('./live.js').LiveState} LiveState */
/** @typedef {import('./data.js').ReportAlert} ReportAlert */
/** @typedef {import('../../store/types.js').TriageAuditEntry} TriageAuditEntry */

/**
 * A close-reason picker (Elastic's reasons).
 * @param {{ value: string, onChange: (v: string) => void, className: string, label: string }} props
 */
export function CloseReasonSelect({ value, onChange, className, label }) {
  return html`<select class=${className} aria-label=${label} value=${value} onChange=${(/** @type {any} */ e) => onChange(e.currentTarget.value)}>
    ${Object.entries(CLOSE_REASON_LABELS).map(([v, text]) => html`<option value=${v}>${text}</option>`)}
  </select>`;
}

/**
 * @param {{ live: Live, state: LiveState, item: ReportAlert }} props
 */
export function TriagePanel({ live, state, item }) {
  const model = /** @type {import('./data.js').Model} */ (state.model);
  const facts = liveOf(model, item);
  const id = item.alert.id;
  const user = state.session?.user ?? '';
  const [reason, setReason] = useState(facts?.closeReason ?? 'false_positive');
  const [assignee, setAssignee] = useState(facts?.assignee ?? '');
  const [note, setNote] = useState('');
  const [suppressing, setSuppressing] = useState(false);
  const busy = state.busy;
  /** @param {import('../../store/types.js').TriageChange} change @param {string} verb */
  const run = (change, verb) => live.triage([id], change, verb);
  return html`<section class="triage" aria-label="Triage">
    <h3>Triage</h3>
    <p class="triage-status">
      <${StateBadge} state=${item.state} />
      ${facts?.closeReason ? html` <span class="close-reason">${closeReasonLabel(facts.closeReason)}</span>` : null}
      <span class="triage-assignee">${facts?.assignee ? html`assigned to <${Name} value=${facts.assignee} />` : 'unassigned'}</span>
      ${facts ? html`<span class="muted">recorded ${utc(facts.firstSeen)}</span>` : null}
      ${facts?.since ? html`<span class=${`chip since-${facts.since}`}>${SINCE_LABELS[facts.since]}</span>` : null}
    </p>
    <div class="triage-row">
      <button type="button" class="act-ack" disabled=${busy || item.state === 'acknowledged'} onClick=${() => run({ state: 'acknowledged' }, 'acknowledged')}>Acknowledge</button>
      <span class="resolve-group">
        <${CloseReasonSelect} className="close-reason-select" label="Close reason" value=${reason} onChange=${setReason} />
        <button type="button" class="act-resolve" disabled=${busy || (item.state === 'resolved' && facts?.closeReason === reason)}
          onClick=${() => run({ state: 'resolved', closeReason: /** @type {any} */ (reason) }, `resolved as ${closeReasonLabel(reason)}`)}>Resolve</button>
      </span>
      <button type="button" class="act-reopen" disabled=${busy || item.state === 'new'} onClick=${() => run({ state: 'new' }, 'reopened')}>Reopen</button>
    </div>
    <div class="triage-row">
      <label class="inline-label">Assignee <input class="assignee-input" type="text" maxlength="200" value=${assignee}
        onInput=${(/** @type {any} */ e) => setAssignee(e.currentTarget.value)} /></label>
      <button type="button" class="act-assign" disabled=${busy || assignee.trim() === (facts?.assignee ?? '')}
        onClick=${() => run({ assignee: assignee.trim() || null }, assignee.trim() ? 'assigned' : 'unassigned')}>${assignee.trim() === '' && facts?.assignee ? 'Unassign' : 'Assign'}</button>
      ${user && facts?.assignee !== user ? html`<button type="button" class="act-assign-me" disabled=${busy} onClick=${() => {
        setAssignee(user);
        return run({ assignee: user }, 'assigned to you');
      }}>Assign to me</button>` : null}
    </div>
    <div class="triage-note">
      <label class="inline-label" for=${`note-${id}`}>Note</label>
      <textarea id=${`note-${id}`} class="note-input" rows="2" maxlength="10000" placeholder="What you found, what you did…" value=${note}
        onInput=${(/** @type {any} */ e) => setNote(e.currentTarget.value)}></textarea>
      <button type="button" class="act-note" disabled=${busy || note.trim() === ''} onClick=${async () => {
        const r = await run({ note }, 'noted');
        if (r) setNote('');
      }}>Add note</button>
    </div>
    <div class="triage-row">
      <button type="button" class="act-suppress" aria-expanded=${suppressing} onClick=${() => setSuppressing(!suppressing)}>${suppressing ? 'Close the suppression form' : 'Suppress similar alerts…'}</button>
    </div>
    ${suppressing ? html`<${SuppressForm} live=${live} state=${state} initial=${scopeOfAlert(item)} onDone=${() => setSuppressing(false)} />` : null}
    <${AuditTrail} live=${live} alertId=${id} version=${state.version} />
  </section>`;
}

/** What an audit entry changed, as words. @param {TriageAuditEntry} e */
function changeText(e) {
  const none = { state: '(none)', close_reason: '(none)', assignee: 'nobody', note: '' }[e.action] ?? '';
  const shown = (/** @type {string | undefined} */ v) => (e.action === 'close_reason' ? closeReasonLabel(v) || none : v ?? none);
  const label = { state: 'state', close_reason: 'close reason', assignee: 'assignee', note: 'note' }[e.action] ?? e.action;
  return { label, from: shown(e.from), to: shown(e.to) };
}

/**
 * One alert's audit trail, read again after every load (the version changes), oldest first.
 * @param {{ live: Live, alertId: string, version: number }} props
 */
export function AuditTrail({ live, alertId, version }) {
  const [entries, setEntries] = useState(/** @type {TriageAuditEntry[] | null} */ (null));
  const [error, setError] = useState('');
  useEffect(() => {
    let stale = false;
    live.audit(alertId).then((r) => {
      if (!stale) setEntries(Array.isArray(r.entries) ? r.entries : []);
    }, (e) => {
      if (!stale) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      stale = true;
    };
  }, [alertId, version]);
  return html`<section class="audit" aria-label="Audit trail">
    <h3>Audit trail ${entries ? html`<span class="count">${entries.length}</span>` : null}</h3>
    ${error ? html`<p class="load-error"><${Text} value=${error} /></p>` : null}
    ${entries === null ? html`<p class="muted">Loading…</p>` : entries.length === 0 ? html`<p class="muted">No triage yet.</p>` : html`<ol class="audit-list">
      ${entries.map((e) => html`<${AuditEntry} entry=${e} />`)}
    </ol>`}
  </section>`;
}

/** @param {{ entry: TriageAuditEntry, alertLink?: any }} props */
export function AuditEntry({ entry: e, alertLink }) {
  const c = changeText(e);
  return html`<li class="audit-entry" data-action=${e.action}>
    <time datetime=${e.at}>${utc(e.at)}</time>
    <span class="audit-who"><${Name} value=${e.by} fallback="(not recorded)" /></span>
    ${alertLink}
    <span class="audit-what">${e.action === 'note'
      ? html`added a note`
      : html`${c.label}: <span class="audit-from"><${Text} value=${c.from} /></span> → <span class="audit-to"><${Text} value=${c.to} /></span>`}</span>
    ${e.suppressionId ? html`<span class="muted"> by suppression <code>${e.suppressionId.slice(0, 8)}</code></span>` : null}
    ${e.note ? html`<div class="audit-note"><${Text} value=${e.note} multiline=${true} /></div>` : null}
  </li>`;
}
