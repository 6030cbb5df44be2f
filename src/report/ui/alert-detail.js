// @ts-check
/**
 * An alert's or a finding's detail: the reason, who and what it is about, old → new changes, evidence fields,
 * context, guidance (what to look for, how to fix, references), the rule, and the raw record.
 */
import { html } from './html.js';
import { Part } from './detail.js';
import { CopyButton, EntraLink, Name, Reference, SeverityBadge, StateBadge, Text, Value } from './text.js';
import { actorOf, appNameOf, appOf, ipOf, utc } from './data.js';
import { entraAppLink, entraEnterpriseAppLink, entraUserLink } from '../text.js';
import { findingCategory, guideRowLabel } from '../charts.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {import('./data.js').ReportAlert} ReportAlert */
/** @typedef {import('../../alerts/types.js').EntityRef} EntityRef */

const ENTITY_LABELS = /** @type {const} */ ([
  ['application', 'Application'], ['servicePrincipal', 'Service principal'], ['actor', 'Actor'],
  ['resource', 'Resource'], ['role', 'Role'], ['keyVault', 'Key Vault'],
]);

/**
 * @param {{ model: Model, item: ReportAlert, noun: 'alert' | 'finding', onOpenApp: (appId: string) => void, onPivot?: (facet: string, value: string) => void, extra?: any }} props
 *   `onPivot` filters the alerts table by a value of this alert (its app, actor or IP); `extra` is the dashboard's
 *   triage panel, shown under the state.
 */
export function AlertDetail({ model, item, noun, onOpenApp, onPivot, extra }) {
  const a = item.alert;
  const guidance = model.data.guidance[a.rule.id];
  const references = [...new Set([...(guidance?.references ?? []), ...a.rule.references])];
  const app = appOf(model, item);
  return html`<article class="alert-detail">
    <h2 class="detail-title"><${SeverityBadge} severity=${a.severity} /> <${Text} value=${a.rule.title} /></h2>
    <p class="detail-meta"><${StateBadge} state=${item.state} /> <time datetime=${a.time}>${utc(a.time)}</time>
      ${noun === 'finding' ? html` · ${findingCategory(a)}` : null} · <code class="id">${a.id}</code></p>
    ${item.state === 'suppressed' ? html`<p class="suppressed-note"><strong>Suppressed</strong>${item.suppressedBy ? html`: <${Text} value=${item.suppressedBy} />` : ' (no reason recorded)'}</p>` : null}
    ${extra}
    <${Part} title=${noun === 'finding' ? 'Finding' : 'Why it fired'}><p class="summary"><${Text} value=${a.summary} /></p></${Part}>
    <${Part} title="Entities" when=${ENTITY_LABELS.some(([k]) => a.entities[k])}>
      <dl class="kv">${ENTITY_LABELS.map(([k, label]) => {
        const e = /** @type {(EntityRef & { type?: string }) | undefined} */ (a.entities[k]);
        return e ? html`<div><dt>${label}</dt><dd><${Entity} entity=${e} role=${k} pivots=${onPivot ? pivotsOf(k, item, model, onPivot) : []} /></dd></div>` : null;
      })}</dl>
      ${app ? html`<button type="button" class="link-button open-app" onClick=${() => onOpenApp(app.appId)}>Open <${Text} value=${app.displayName} max=${40} /> in the inventory</button>` : null}
    </${Part}>
    <${Part} title="Changes (old → new)" when=${(item.changes ?? []).length > 0}><${Changes} changes=${item.changes ?? []} /></${Part}>
    <${Part} title="Evidence fields" when=${Object.keys(a.fields).length > 0}>
      <dl class="kv fields">${Object.entries(a.fields).map(([k, values]) => html`<div><dt><code><${Text} value=${k} /></code></dt><dd><ul class="values">${(Array.isArray(values) ? values : [values]).map((x) => html`<li><${Value} value=${x} /></li>`)}</ul></dd></div>`)}</dl>
    </${Part}>
    <${Part} title="Context" when=${a.context.flags.length > 0 || a.context.severityReasons.length > 0}>
      ${a.context.flags.length > 0 ? html`<p class="chips">${a.context.flags.map((f) => html`<span class="chip"><${Text} value=${f} /></span>`)}</p>` : null}
      ${a.context.severityReasons.length > 0 ? html`<p class="label">Severity ${a.severity} because</p><ul>${a.context.severityReasons.map((r) => html`<li><${Text} value=${r} /></li>`)}</ul>` : null}
    </${Part}>
    <${Part} title="Guidance" when=${Boolean(guidance?.description || guidance?.lookFor || guidance?.fix) || references.length > 0}>
      ${guidance?.description ? html`<p><${Text} value=${guidance.description} /></p>` : null}
      ${guidance?.lookFor ? html`<h4>What to look for</h4><p><${Text} value=${guidance.lookFor} /></p>` : null}
      ${guidance?.fix ? html`<h4>How to fix</h4><p><${Text} value=${guidance.fix} /></p>` : null}
      ${references.length > 0 ? html`<h4>References</h4><ul class="refs">${references.map((r) => html`<li><${Reference} url=${r} /></li>`)}</ul>` : null}
    </${Part}>
    <${Part} title="Rule">
      <dl class="kv">
        <div><dt>Id</dt><dd><code><${Text} value=${a.rule.id} /></code></dd></div>
        <div><dt>Source</dt><dd>${a.rule.source}${a.rule.path ? html` · <code><${Text} value=${a.rule.path} /></code>` : null}</dd></div>
        <div><dt>Level</dt><dd>${a.rule.level}</dd></div>
        ${a.rule.author ? html`<div><dt>Author</dt><dd><${Text} value=${a.rule.author} /></dd></div>` : null}
        ${a.rule.guideRows.length > 0 ? html`<div><dt>Guide rows</dt><dd><ul class="plain">${a.rule.guideRows.map((n) => html`<li>${guideRowLabel(n, model.guide)}</li>`)}</ul></dd></div>` : null}
        ${a.rule.tags.length > 0 ? html`<div><dt>Tags</dt><dd class="chips">${a.rule.tags.map((t) => html`<span class="chip"><${Text} value=${t} /></span>`)}</dd></div>` : null}
        ${a.rule.repairs.length > 0 ? html`<div><dt>Repairs</dt><dd><ul class="plain">${a.rule.repairs.map((r) => html`<li><code>${r.id}</code>: <${Text} value=${r.reason} /></li>`)}</ul></dd></div>` : null}
      </dl>
    </${Part}>
    <${Part} title="Evidence records" when=${a.evidence.length > 0}>
      <ul class="evidence">${a.evidence.map((e) => html`<li><span class="chip">${e.kind}</span> <time datetime=${e.time}>${utc(e.time)}</time>
        ${e.id ? html` · <code><${Text} value=${e.id} /></code>` : null}
        ${e.origin ? html`<div class="origin">${e.origin.source}/${e.origin.format}${e.origin.file ? html` · <code><${Text} value=${e.origin.file} /></code>` : null}${e.origin.line !== undefined ? `, line ${e.origin.line}` : ''}${e.origin.index !== undefined ? `, record ${e.origin.index}` : ''}</div>` : null}</li>`)}</ul>
    </${Part}>
    <${Raw} title="Raw record" value=${item.raw} when=${item.raw !== undefined} />
    <${Raw} title=${`The ${noun} as JSON`} value=${a} when=${true} />
  </article>`;
}

/** @typedef {{ label: string, title: string, run: () => void }} Pivot */

/**
 * The filters an entity offers: the alerts with the same application, actor or actor IP (as the table's facets
 * name them, so the pivot is an ordinary facet selection that "Clear filters" undoes).
 * @param {string} role
 * @param {ReportAlert} item
 * @param {Model} model
 * @param {(facet: string, value: string) => void} onPivot
 * @returns {Pivot[]}
 */
function pivotsOf(role, item, model, onPivot) {
  if (role === 'application' || (role === 'servicePrincipal' && !item.alert.entities.application)) {
    const app = appNameOf(item, model);
    return app ? [{ label: 'Alerts of this app', title: 'Show only alerts about this application', run: () => onPivot('app', app) }] : [];
  }
  if (role !== 'actor') return [];
  const actor = actorOf(item);
  const ip = ipOf(item);
  return [
    ...(actor ? [{ label: 'Alerts by this actor', title: 'Show only alerts by this actor', run: () => onPivot('actor', actor) }] : []),
    ...(ip ? [{ label: 'Alerts from this IP', title: 'Show only alerts whose actor came from this IP address', run: () => onPivot('ip', ip) }] : []),
  ];
}

/**
 * One entity: its name, ids, a link into Entra when its ids are GUIDs, and its pivots.
 * @param {{ entity: EntityRef & { type?: string }, role: string, pivots: Pivot[] }} props
 */
function Entity({ entity, role, pivots }) {
  const link = role === 'application' || role === 'servicePrincipal'
    ? html`${role === 'servicePrincipal' ? html`<${EntraLink} href=${entraEnterpriseAppLink(entity.id, entity.appId)} label="Enterprise application in Entra" />` : null}
      <${EntraLink} href=${entraAppLink(entity.appId)} label="App registration in Entra" />`
    : role === 'actor' && entity.type === 'user' ? html`<${EntraLink} href=${entraUserLink(entity.id)} label="User in Entra" />` : null;
  return html`<div class="entity">
    <${Name} value=${entity.displayName ?? entity.userPrincipalName} fallback="(not named in the log)" />
    ${entity.type ? html` <span class="chip">${entity.type}</span>` : null}
    <div class="ids">
      ${entity.userPrincipalName && entity.displayName ? html`<span><span class="label">UPN</span> <${Name} value=${entity.userPrincipalName} /></span>` : null}
      ${entity.appId ? html`<span><span class="label">appId</span> <code><${Text} value=${entity.appId} /></code></span>` : null}
      ${entity.id ? html`<span><span class="label">id</span> <code><${Text} value=${entity.id} /></code></span>` : null}
      ${entity.ip ? html`<span><span class="label">IP</span> <code><${Text} value=${entity.ip} /></code></span>` : null}
    </div>
    <div class="links">${link}</div>
    ${pivots.length > 0 ? html`<div class="pivots">${pivots.map((p) => html`<button type="button" class="pivot" title=${p.title} onClick=${p.run}>${p.label}</button>`)}</div>` : null}
  </div>`;
}

/**
 * Modified properties, old value beside new.
 * @param {{ changes: { name: string, oldValue: string | null, newValue: string | null }[] }} props
 */
function Changes({ changes }) {
  return html`<table class="changes"><thead><tr><th scope="col">Property</th><th scope="col">Old</th><th scope="col">New</th></tr></thead>
    <tbody>${changes.map((c) => html`<tr class=${c.oldValue === c.newValue ? 'unchanged' : ''}>
      <th scope="row"><${Text} value=${c.name} /></th>
      <td class="old">${c.oldValue === null ? html`<span class="muted">(none)</span>` : html`<del><${Text} value=${c.oldValue} multiline=${true} /></del>`}</td>
      <td class="new">${c.newValue === null ? html`<span class="muted">(none)</span>` : html`<ins><${Text} value=${c.newValue} multiline=${true} /></ins>`}</td>
    </tr>`)}</tbody></table>`;
}

/**
 * JSON, collapsed (print expands it), with a copy button.
 * @param {{ title: string, value: unknown, when: boolean }} props
 */
function Raw({ title, value, when }) {
  if (!when) return null;
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return html`<details class="raw"><summary>${title}</summary><div class="raw-actions"><${CopyButton} text=${text} label="Copy JSON" /></div><pre><${Text} value=${text} multiline=${true} /></pre></details>`;
}
