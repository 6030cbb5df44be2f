// @ts-check
/**
 * The dashboard's triage log: the newest entries of the append-only audit across all alerts (who changed what,
 * when, from → to), each with a way to open its alert.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Text } from './text.js';
import { AuditEntry } from './triage.js';

/** @typedef {import('./live.js').Live} Live */
/** @typedef {import('./live.js').LiveState} LiveState */

const SHOWN = 200;

/** @param {{ live: Live, state: LiveState }} props */
export function TriageLog({ live, state }) {
  const [entries, setEntries] = useState(/** @type {import('../../store/types.js').TriageAuditEntry[]} */ ([]));
  const [error, setError] = useState('');
  useEffect(() => {
    let stale = false;
    live.recentAudit(SHOWN).then((r) => {
      if (!stale) setEntries(Array.isArray(r.entries) ? r.entries : []);
    }, (e) => {
      if (!stale) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      stale = true;
    };
  }, [state.version]);
  const titles = state.model?.alertsById;
  return html`<section class="table-section" id="section-triage-log" aria-labelledby="h-triage-log">
    <h2 id="h-triage-log">Triage log <span class="count">${entries.length}</span></h2>
    <p class="section-note">Every triage change, newest first: append-only (the store refuses edits and deletions of it). The last ${SHOWN} are shown; <code>GET /api/audit?limit=5000</code> gives more.</p>
    ${error ? html`<p class="load-error"><${Text} value=${error} /></p>` : null}
    ${entries.length === 0 ? html`<p class="empty">No triage yet.</p>` : html`<ol class="audit-list audit-log">${[...entries].reverse().map((e) => {
      const alert = titles?.get(e.alertId);
      const link = html`<button type="button" class="link-button audit-alert" title="Open this alert" onClick=${() => { location.hash = `#alert/${encodeURIComponent(e.alertId)}`; }}>${alert ? html`<${Text} value=${alert.alert.rule.title} max=${60} />` : html`<code>${e.alertId}</code>`}</button>`;
      return html`<${AuditEntry} entry=${e} alertLink=${link} />`;
    })}</ol>`}
  </section>`;
}
