// @ts-check
/**
 * Suppressions in the dashboard: the form (scope, reason, expiry; the author is the server's user) that must show
 * its impact preview — which stored alerts the scope covers, by state — before it can be saved, and the list of
 * suppressions with their hits and a Remove action (confirmed in the page, logged by the server). Saving can also
 * hide the open alerts the scope covers now.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { Name, SeverityBadge, StateBadge, Text } from './text.js';
import { utc, utcShort } from './data.js';
import { count } from './live.js';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {import('./live.js').LiveState} LiveState */
/** @typedef {import('./live.js').Preview} Preview */
/** @typedef {'ruleId' | 'application' | 'actor' | 'resource' | 'tenant'} ScopeField */
/** @typedef {{ values: Record<ScopeField, string>, on: Record<ScopeField, boolean>, hints: Partial<Record<ScopeField, string>> }} ScopeDraft */

/** @type {[ScopeField, string, string][]} */
const FIELDS = [
  ['ruleId', 'Rule id', 'the rule, exactly'],
  ['application', 'Application', 'appId, object id or display name (appId is safest: names can be copied)'],
  ['actor', 'Actor', 'id, user principal name, appId or display name'],
  ['resource', 'Resource', 'resource, Key Vault or role: id or display name'],
  ['tenant', 'Tenant', 'the tenant\'s name in appwatch.yaml'],
];

const EXPIRIES = /** @type {const} */ ([['1d', '1 day'], ['7d', '7 days'], ['30d', '30 days'], ['90d', '90 days'], ['never', 'never'], ['custom', 'a time you choose']]);
const DAYS = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 };

/** @returns {ScopeDraft} */
export const emptyScope = () => ({
  values: { ruleId: '', application: '', actor: '', resource: '', tenant: '' },
  on: { ruleId: false, application: false, actor: false, resource: false, tenant: false },
  hints: {},
});

/**
 * A draft scope from an alert: its rule and application ticked (the usual "this rule for this app"), its actor
 * and resource offered; appIds and UPNs rather than display names, which anyone can copy.
 * @param {import('./data.js').ReportAlert} item
 * @returns {ScopeDraft}
 */
export function scopeOfAlert(item) {
  const e = item.alert.entities;
  const app = e.application ?? e.servicePrincipal;
  const res = e.resource ?? e.keyVault ?? e.role;
  const draft = emptyScope();
  draft.values.ruleId = item.alert.rule.id;
  draft.values.application = app?.appId ?? app?.id ?? app?.displayName ?? '';
  draft.values.actor = e.actor?.userPrincipalName ?? e.actor?.id ?? e.actor?.appId ?? e.actor?.displayName ?? '';
  draft.values.resource = res?.id ?? res?.displayName ?? '';
  draft.on.ruleId = true;
  draft.on.application = draft.values.application !== '';
  draft.hints = { ruleId: item.alert.rule.title, ...(app?.displayName ? { application: app.displayName } : {}), ...(e.actor?.displayName ? { actor: e.actor.displayName } : {}), ...(res?.displayName && res.id ? { resource: res.displayName } : {}) };
  return draft;
}

/**
 * @param {{ live: Live, state: LiveState, initial: ScopeDraft, onDone: () => void }} props
 */
export function SuppressForm({ live, state, initial, onDone }) {
  const [values, setValues] = useState(initial.values);
  const [on, setOn] = useState(initial.on);
  const [reason, setReason] = useState('');
  const [expiry, setExpiry] = useState(/** @type {string} */ ('30d'));
  const [custom, setCustom] = useState('');
  const [apply, setApply] = useState(true);
  const [preview, setPreview] = useState(/** @type {(Preview & { key: string }) | null} */ (null));
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);

  /** @type {Partial<Record<ScopeField, string>>} */
  const scope = {};
  for (const [f] of FIELDS) if (on[f] && values[f].trim() !== '') scope[f] = values[f].trim();
  const key = JSON.stringify(scope);
  const empty = Object.keys(scope).length === 0;
  const current = preview !== null && preview.key === key;
  const open = current ? (preview.byState.new ?? 0) + (preview.byState.acknowledged ?? 0) : 0;

  const expiresAt = () => {
    if (expiry === 'never') return undefined;
    if (expiry === 'custom') {
      const t = Date.parse(custom);
      return Number.isFinite(t) ? new Date(t).toISOString() : 'invalid';
    }
    return new Date(Date.now() + (/** @type {Record<string, number>} */ (DAYS)[expiry] ?? 30) * 86_400_000).toISOString();
  };

  const runPreview = async () => {
    setError('');
    setPending(true);
    try {
      const p = await live.preview(scope);
      setPreview({ ...p, key });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setPending(false);
    }
  };
  const save = async () => {
    const at = expiresAt();
    if (at === 'invalid') {
      setError('Choose the expiry time.');
      return;
    }
    const r = await live.suppress({ scope, reason, ...(at ? { expiresAt: at } : {}), apply });
    if (r) onDone();
  };

  return html`<div class="suppress-form" role="group" aria-label="New suppression">
    <p class="section-note">Every field ticked must match. A suppression applies to alerts recorded while it is live: they are stored and counted, never delivered.</p>
    <div class="scope-fields">${FIELDS.map(([f, label, help]) => html`<div class="scope-field" data-field=${f}>
      <label class="scope-on"><input type="checkbox" checked=${on[f]} onChange=${() => setOn({ ...on, [f]: !on[f] })} /> ${label}</label>
      <input type="text" class=${`scope-input scope-${f}`} aria-label=${`${label} (${help})`} title=${help} value=${values[f]}
        onInput=${(/** @type {any} */ e) => {
          setValues({ ...values, [f]: e.currentTarget.value });
          if (!on[f] && e.currentTarget.value.trim() !== '') setOn({ ...on, [f]: true });
        }} />
      ${initial.hints[f] ? html`<span class="scope-hint muted"><${Name} value=${initial.hints[f]} max=${60} /></span>` : null}
    </div>`)}</div>
    <div class="triage-row">
      <label class="inline-label grow">Reason <input type="text" class="suppress-reason" maxlength="2000" placeholder="Why these alerts need no attention" value=${reason}
        onInput=${(/** @type {any} */ e) => setReason(e.currentTarget.value)} /></label>
    </div>
    <div class="triage-row">
      <label class="inline-label">Expires <select class="suppress-expiry" value=${expiry} onChange=${(/** @type {any} */ e) => setExpiry(e.currentTarget.value)}>
        ${EXPIRIES.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
      </select></label>
      ${expiry === 'custom' ? html`<input type="datetime-local" class="suppress-expiry-time" aria-label="Expiry (your local time)" value=${custom} onInput=${(/** @type {any} */ e) => setCustom(e.currentTarget.value)} />` : null}
      <span class="muted">Author: <${Name} value=${state.session?.user} /></span>
    </div>
    <div class="triage-row">
      <button type="button" class="act-preview" disabled=${empty || pending} onClick=${runPreview}>Preview impact</button>
      <label class="toggle"><input type="checkbox" class="suppress-apply" checked=${apply} onChange=${() => setApply(!apply)} /> Also suppress the open alerts it covers now</label>
      <button type="button" class="act-save-suppression primary" disabled=${!current || reason.trim() === '' || state.busy}
        title=${current ? (reason.trim() === '' ? 'Give a reason first' : 'Save the suppression') : 'Preview the impact of this scope first'} onClick=${save}>Save suppression</button>
      <button type="button" class="link-button" onClick=${onDone}>Cancel</button>
    </div>
    ${empty ? html`<p class="muted">Tick at least one field: an empty scope would silence everything.</p>` : null}
    ${error ? html`<p class="load-error"><${Text} value=${error} /></p>` : null}
    ${preview && !current ? html`<p class="muted preview-stale">The scope changed: preview again before saving.</p>` : null}
    ${current ? html`<${PreviewBox} preview=${preview} open=${open} apply=${apply} />` : null}
  </div>`;
}

/** @param {{ preview: Preview, open: number, apply: boolean }} props */
function PreviewBox({ preview, open, apply }) {
  const s = preview.byState;
  return html`<div class="preview" aria-live="polite">
    <p class="preview-total"><strong data-total=${preview.total}>${count(preview.total, 'stored alert')}</strong>${preview.total === 1 ? ' matches' : ' match'} this scope:${' '}
      ${['new', 'acknowledged', 'resolved', 'suppressed'].map((k, i) => html`${i > 0 ? ', ' : ''}<span data-state=${k}>${s[k] ?? 0} ${k}</span>`)}.</p>
    <p>${apply && open > 0 ? html`Saving suppresses the <strong class="preview-open">${open}</strong>${open === 1 ? ' open one' : ' open ones'} now, and every` : 'Saving changes no stored alert; every'}${' '}matching alert recorded while it is live is suppressed. Resolved and already suppressed alerts stay as they are.</p>
    ${preview.alerts.length > 0 ? html`<ul class="preview-list">${preview.alerts.map((a) => html`<li data-id=${a.id}>
      <${SeverityBadge} severity=${a.severity} /> <span class="preview-title"><${Text} value=${a.title} max=${80} /></span>${a.app ? html` · <${Name} value=${a.app} max=${40} />` : null}${a.actor ? html` · <${Name} value=${a.actor} max=${40} />` : null}${' · '}<time datetime=${a.time}>${utcShort(a.time)}</time> <${StateBadge} state=${a.state} /></li>`)}</ul>` : null}
    ${preview.total > preview.alerts.length ? html`<p class="muted">and ${preview.total - preview.alerts.length} more.</p>` : null}
  </div>`;
}

/** @param {{ scope: Record<string, string | undefined> }} props */
function ScopeChips({ scope }) {
  const label = { ruleId: 'rule', application: 'app', actor: 'actor', resource: 'resource', tenant: 'tenant' };
  return html`<span class="chips">${Object.entries(scope).filter(([, v]) => v !== undefined).map(([k, v]) => html`<span class="chip"><span class="muted">${/** @type {any} */ (label)[k] ?? k}</span> <${Text} value=${v} max=${60} /></span>`)}</span>`;
}

/** @typedef {import('../../store/types.js').Suppression & { live: boolean }} ListedSuppression */
/** @typedef {import('../../serve/log.js').DashboardLogEntry} DashboardLogEntry */

/**
 * Every suppression, live and expired, with its hits and a Remove action (confirmed in the page: no dialog); the
 * form for a new one; and the suppressions removed from the dashboard, from its log.
 * @param {{ live: Live, state: LiveState }} props
 */
export function SuppressionsSection({ live, state }) {
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState(/** @type {string | null} */ (null));
  const [removed, setRemoved] = useState(/** @type {Extract<DashboardLogEntry, { action: 'remove-suppression' }>[]} */ ([]));
  const [logWhere, setLogWhere] = useState('');
  useEffect(() => {
    let stale = false;
    live.dashboardLog(500).then((r) => {
      if (stale) return;
      const entries = Array.isArray(r.entries) ? r.entries : [];
      setRemoved(/** @type {any[]} */ (entries.filter((e) => e && e.action === 'remove-suppression' && e.suppression)).reverse());
      setLogWhere(typeof r.where === 'string' ? r.where : '');
    }, () => {});
    return () => {
      stale = true;
    };
  }, [state.version]);
  /** @type {ListedSuppression[]} */
  const list = state.model?.live?.suppressions ?? [];
  // A suppression removed elsewhere (the CLI) closes its confirmation.
  const pending = confirming !== null && list.some((s) => s.id === confirming) ? confirming : null;
  /** @param {string} id */
  const remove = async (id) => {
    await live.removeSuppression(id);
    setConfirming(null);
  };
  return html`<section class="table-section" id="section-suppressions" aria-labelledby="h-suppressions">
    <h2 id="h-suppressions">Suppressions <span class="count">${list.length}</span></h2>
    <p class="section-note">Removing one stops it matching alerts recorded from then on; the alerts it already suppressed stay suppressed and keep its id. Removals here and with <code>appwatch alerts unsuppress</code> are recorded, with who and when, in the dashboard's log${logWhere && logWhere !== 'memory' ? html` (<code><${Text} value=${logWhere} /></code>)` : null}.</p>
    <div class="toolbar"><button type="button" class="act-new-suppression" aria-expanded=${creating} onClick=${() => setCreating(!creating)}>${creating ? 'Close the form' : 'New suppression…'}</button></div>
    ${creating ? html`<${SuppressForm} live=${live} state=${state} initial=${emptyScope()} onDone=${() => setCreating(false)} />` : null}
    ${list.length === 0 ? html`<p class="empty">No suppressions.</p>` : html`<table class="data data-suppressions">
      <colgroup><col width="26%" /><col /><col width="160" /><col width="150" /><col width="150" /><col width="56" /><col width="76" /><col width="100" /></colgroup>
      <thead><tr><th scope="col">Scope</th><th scope="col">Reason</th><th scope="col">Author</th><th scope="col">Created (UTC)</th><th scope="col">Expires (UTC)</th><th scope="col" class="num">Hits</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${list.map((s) => [html`<tr key=${s.id} data-key=${s.id} class=${`${s.live ? '' : 'expired'}${pending === s.id ? ' confirming' : ''}`}>
        <td class="wrap"><${ScopeChips} scope=${/** @type {any} */ (s.scope)} /></td>
        <td class="wrap"><${Text} value=${s.reason} max=${200} /></td>
        <td><${Name} value=${s.author} max=${40} /></td>
        <td title=${utc(s.createdAt)}>${utcShort(s.createdAt)}</td>
        <td>${s.expiresAt ? utcShort(s.expiresAt) : html`<span class="muted">never</span>`}</td>
        <td class="num">${s.hits}</td>
        <td>${s.live ? html`<span class="state state-live">live</span>` : html`<span class="state state-resolved">expired</span>`}</td>
        <td class="actions"><button type="button" class="act-remove" aria-expanded=${pending === s.id} aria-controls=${`confirm-${s.id}`}
          disabled=${state.busy} onClick=${() => setConfirming(pending === s.id ? null : s.id)}>Remove…</button></td>
      </tr>`, pending === s.id ? html`<tr key=${`confirm-${s.id}`} class="confirm-row"><td colspan="8">
        <${ConfirmRemove} suppression=${s} busy=${state.busy} onConfirm=${() => remove(s.id)} onCancel=${() => setConfirming(null)} />
      </td></tr>` : null])}</tbody>
    </table>`}
    ${removed.length > 0 ? html`<details class="removed-suppressions">
      <summary>Removed <span class="count">${removed.length}</span></summary>
      <table class="data data-removed">
        <colgroup><col width="150" /><col width="160" /><col width="26%" /><col /><col width="160" /></colgroup>
        <thead><tr><th scope="col">Removed (UTC)</th><th scope="col">By</th><th scope="col">Scope</th><th scope="col">Reason</th><th scope="col">Author</th></tr></thead>
        <tbody>${removed.map((e) => html`<tr data-key=${e.suppression.id}>
          <td title=${utc(e.at)}>${utcShort(e.at)}</td>
          <td><${Name} value=${e.by} max=${40} />${e.via === 'cli' ? html` <span class="muted">(appwatch alerts unsuppress)</span>` : null}</td>
          <td class="wrap"><${ScopeChips} scope=${/** @type {any} */ (e.suppression.scope ?? {})} /></td>
          <td class="wrap"><${Text} value=${e.suppression.reason} max=${200} /></td>
          <td><${Name} value=${e.suppression.author} max=${40} /></td>
        </tr>`)}</tbody>
      </table>
    </details>` : null}
  </section>`;
}

/**
 * The in-page confirmation of a removal (the browser's confirm() dialog is not used): what it does, then Remove or
 * Keep. Keep has the focus, and Escape keeps.
 * @param {{ suppression: ListedSuppression, busy: boolean, onConfirm: () => void, onCancel: () => void }} props
 */
function ConfirmRemove({ suppression: s, busy, onConfirm, onCancel }) {
  const keep = useRef(/** @type {HTMLButtonElement | null} */ (null));
  useEffect(() => {
    keep.current?.focus();
  }, []);
  return html`<div class="confirm-remove" id=${`confirm-${s.id}`} role="group" aria-label="Confirm the removal"
    onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        onCancel();
      }
    }}>
    <p><strong>Remove this suppression?</strong> Alerts recorded from now on that its scope covers are no longer suppressed: they arrive as new and are delivered.${' '}
      ${s.hits > 0 ? `The ${count(s.hits, 'alert')} it suppressed stay${s.hits === 1 ? 's' : ''} suppressed.` : 'It has suppressed no alert.'} The removal is recorded in the dashboard's log with your name.</p>
    <div class="triage-row">
      <button type="button" class="act-confirm-remove danger" disabled=${busy} onClick=${onConfirm}>Remove suppression</button>
      <button type="button" class="act-cancel-remove" ref=${keep} onClick=${onCancel}>Keep it</button>
    </div>
  </div>`;
}
