/**
 * @module alerts/build
 * Turns rule matches into alerts: a stable id (the same rule and events always give the same id), the
 * entities an analyst pivots on, a one-sentence summary, and the evidence with its origin.
 */
import { hash } from 'node:crypto';
import type { CanonicalEvent } from '../model/event.js';
import { fieldAccessor } from '../model/field-resolver.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import type { CompiledRule } from '../detect/ruleset.js';
import type { SigmaCorrelation, SigmaRule } from '../sigma/types.js';
import { severityFor } from './severity.js';
import type { Alert } from './types.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** What identifies an event across its forms: its Microsoft id, else its content. */
export function eventKey(event: CanonicalEvent): string {
  const id = str(event.id) ?? str(event.uniqueTokenIdentifier);
  if (id) return `${event.appwatch.kind}:${id}`;
  const { appwatch: _meta, ...fields } = event;
  return `${event.appwatch.kind}:${hash('sha256', JSON.stringify(fields)).slice(0, 32)}`;
}

export function alertId(ruleId: string, events: readonly CanonicalEvent[]): string {
  return idFromKeys(ruleId, events.length === 1 ? [eventKey(events[0]!)] : events.map(eventKey).sort());
}

/** A correlation alert's id: the correlation, its group values and the events of the input its window starts at. */
export function correlationAlertId(correlationId: string, group: Record<string, string>, anchor: readonly CanonicalEvent[]): string {
  return idFromKeys(correlationId, [JSON.stringify(Object.entries(group).sort()), ...anchor.map(eventKey).sort()]);
}

function idFromKeys(ruleId: string, keys: readonly string[]): string {
  return hash('sha256', `${ruleId}\u0000${keys.join('\u0000')}`).slice(0, 32);
}

/** The object without its empty members, or undefined when nothing is left. */
function clean<T extends object>(o: T): T | undefined {
  let any = false;
  for (const key in o) {
    const v = o[key];
    if (v === undefined || v === '') delete o[key];
    else any = true;
  }
  return any ? o : undefined;
}

/** The entities of one event, whatever its kind. */
export function entitiesOf(event: CanonicalEvent): Alert['entities'] {
  const entities: Alert['entities'] = {};
  switch (event.appwatch.kind) {
    case 'audit': {
      const by = obj(event.initiatedBy);
      const user = obj(by?.user);
      const app = obj(by?.app);
      if (user && (user.id || user.userPrincipalName)) {
        entities.actor = { type: 'user', ...clean({ id: str(user.id), displayName: str(user.displayName), userPrincipalName: str(user.userPrincipalName), ip: str(user.ipAddress) }) };
      } else if (app && (app.appId || app.servicePrincipalId || app.displayName)) {
        const msi = /managed service identity/i.test(String(app.displayName ?? ''));
        entities.actor = { type: msi ? 'managedIdentity' : 'app', ...clean({ id: str(app.servicePrincipalId), appId: str(app.appId), displayName: str(app.displayName) }) };
      }
      const targets = (Array.isArray(event.targetResources) ? event.targetResources : []).map(obj).filter((t): t is Json => t !== undefined);
      const details = Array.isArray(event.additionalDetails) ? event.additionalDetails.map(obj) : [];
      const appId = str(details.find((d) => d?.key === 'AppId')?.value);
      const application = targets.find((t) => t.type === 'Application');
      const sp = targets.find((t) => t.type === 'ServicePrincipal');
      if (application) entities.application = clean({ id: str(application.id), displayName: str(application.displayName), appId });
      if (sp) entities.servicePrincipal = clean({ id: str(sp.id), displayName: str(sp.displayName), appId });
      if (!application && sp) entities.application = clean({ displayName: str(sp.displayName), appId });
      // A permission grant is about the app receiving it; its first service principal is the resource API.
      const grant = obj(event.appwatch.permissions) as { client?: { servicePrincipalId?: string; appId?: string }; resource?: { appId?: string; displayName?: string } } | undefined;
      if (grant) {
        const client = targets.find((t) => t.type === 'ServicePrincipal' && (grant.client?.servicePrincipalId ? t.id === grant.client.servicePrincipalId : t !== sp));
        const clientEntity = clean({ id: grant.client?.servicePrincipalId ?? str(client?.id), displayName: str(client?.displayName), appId: grant.client?.appId });
        if (clientEntity) {
          entities.servicePrincipal = clientEntity;
          entities.application = clean({ displayName: clientEntity.displayName, appId: clientEntity.appId }) ?? clientEntity;
        } else {
          delete entities.application;
          delete entities.servicePrincipal;
        }
        const resource = clean({ appId: grant.resource?.appId, displayName: grant.resource?.displayName });
        if (resource) entities.resource = resource;
      }
      const enrichedRole = obj(event.appwatch.role) as { displayName?: string; templateId?: string } | undefined;
      const role = targets.find((t) => t.type === 'Role');
      if (enrichedRole || role) entities.role = clean({ id: enrichedRole?.templateId ?? str(role?.id), displayName: enrichedRole?.displayName ?? str(role?.displayName) });
      break;
    }
    case 'signin': {
      const type = Array.isArray(event.signInEventTypes) ? String(event.signInEventTypes[0]) : '';
      entities.application = clean({ appId: str(event.appId), displayName: str(event.appDisplayName) });
      if (str(event.servicePrincipalId)) entities.servicePrincipal = clean({ id: str(event.servicePrincipalId), displayName: str(event.servicePrincipalName), appId: str(event.appId) });
      if (type === 'servicePrincipal' || type === 'managedIdentity') {
        entities.actor = { type: type === 'managedIdentity' ? 'managedIdentity' : 'app', ...clean({ id: str(event.servicePrincipalId), appId: str(event.appId), displayName: str(event.servicePrincipalName) ?? str(event.appDisplayName), ip: str(event.ipAddress) }) };
      } else {
        entities.actor = { type: 'user', ...clean({ id: str(event.userId), displayName: str(event.userDisplayName), userPrincipalName: str(event.userPrincipalName), ip: str(event.ipAddress) }) };
      }
      const resource = clean({ appId: str(event.resourceId), displayName: str(event.resourceDisplayName) });
      if (resource) entities.resource = resource;
      break;
    }
    case 'keyvault':
    case 'activity': {
      const caller = event.appwatch.caller;
      if (caller) {
        const type = caller.type === 'app' ? 'app' : caller.type === 'user' || caller.upn ? 'user' : 'unknown';
        entities.actor = { type, ...clean({ id: caller.objectId, appId: caller.appId, userPrincipalName: caller.upn, ip: str(event.callerIpAddress) }) };
      }
      const resourceId = str(event.resourceId);
      const vault = str(event.appwatch.vault);
      if (vault) entities.keyVault = { id: vault, displayName: vault.split('/').pop() };
      else if (resourceId) entities.resource = { id: resourceId };
      const azureRole = obj(event.appwatch.azureRole) as { principalId?: string; principalType?: string; roleName?: string; roleDefinitionId?: string } | undefined;
      if (azureRole) {
        entities.role = clean({ id: azureRole.roleDefinitionId, displayName: azureRole.roleName });
        if (azureRole.principalType === 'ServicePrincipal' && azureRole.principalId) entities.servicePrincipal = { id: azureRole.principalId };
      }
      break;
    }
    case 'event':
      break;
  }
  for (const key of Object.keys(entities) as (keyof Alert['entities'])[]) if (entities[key] === undefined) delete entities[key];
  return entities;
}

function activityOf(event: CanonicalEvent): string | undefined {
  return str(event.activityDisplayName)?.trim() ?? str(event.operationName);
}

function actorText(actor: Alert['entities']['actor']): string | undefined {
  if (!actor) return undefined;
  return actor.userPrincipalName ?? actor.displayName ?? actor.appId ?? actor.id;
}

/** What an alert needs to know about the rule that raised it (a rule or a correlation). */
export interface AlertRuleInfo {
  doc: SigmaRule | SigmaCorrelation;
  source: 'builtin' | 'sigma';
  repairs: { id: string; reason: string }[];
  /** The fields the rule tests (after mapping), reported with their values. */
  fieldNames: string[];
  /** Context flags the rule's own detection tests (`appwatch.flags: outside-business-hours`): they made it match, so they do not raise it again. */
  testedFlags?: string[];
}

/** The per-rule part of every alert, built once per rule and shared (never mutated). */
interface PreparedRule {
  info: AlertRuleInfo;
  ruleId: string;
  level: Severity;
  wire: Alert['rule'];
  context: Alert['context'];
  accessors: [string, (e: CanonicalEvent) => readonly unknown[]][];
}

const prepared = new WeakMap<object, PreparedRule>();

function prepare(rule: AlertRuleInfo): PreparedRule {
  let p = prepared.get(rule.doc);
  if (p && p.info.source === rule.source) return p;
  const doc = rule.doc;
  const level = levelOf(doc);
  const ruleId = doc.id ?? `title:${doc.title}`;
  p = {
    info: rule,
    ruleId,
    level,
    wire: {
      id: ruleId,
      title: doc.title,
      level,
      ...(doc.author ? { author: doc.author } : {}),
      source: rule.source,
      ...(doc.location.file ? { path: doc.location.file } : {}),
      references: doc.references,
      tags: doc.tags,
      guideRows: guideRowsOf(doc),
      repairs: rule.repairs,
    },
    context: { flags: [], severityReasons: [`rule level ${level}`] },
    accessors: rule.fieldNames.map((name) => [name, fieldAccessor(name)]),
  };
  prepared.set(rule.doc, p);
  return p;
}

const infos = new WeakMap<CompiledRule, AlertRuleInfo>();

export function ruleInfo(rule: CompiledRule): AlertRuleInfo {
  let info = infos.get(rule);
  if (!info) infos.set(rule, (info = { doc: rule.rule, source: rule.source, repairs: rule.repairs, fieldNames: ruleFields(rule), testedFlags: ruleFlags(rule) }));
  return info;
}

/** The part of the summary that depends on the events only: ": activity on 'app' by actor at time". */
export function summaryTail(events: readonly CanonicalEvent[], entities: Alert['entities']): string {
  const last = events[events.length - 1]!;
  const activity = activityOf(last);
  const app = entities.application ?? entities.servicePrincipal;
  const subject = app ? `'${app.displayName ?? app.appId ?? app.id}'${app.appId && app.displayName ? ` (appId ${app.appId})` : ''}` : entities.keyVault ? `vault '${entities.keyVault.displayName}'` : undefined;
  let sentence = '';
  if (activity) sentence += `: ${activity}`;
  if (subject) sentence += `${activity ? ' on' : ':'} ${subject}`;
  const actor = actorText(entities.actor);
  if (actor) sentence += ` by ${actor}${entities.actor?.ip ? ` from ${entities.actor.ip}` : ''}`;
  sentence += ` at ${last.appwatch.time.slice(0, 16).replace('T', ' ')} UTC`;
  if (events.length > 1) sentence += ` (${events.length} events)`;
  const details = detailsOf(last);
  return `${sentence}${details.length > 0 ? `; ${details.join('; ')}` : ''}.`;
}

/** The app's single sign-on mode (guide row 1: "added to a non-SAML flow supporting service principal"). */
const SSO_TEXT: Readonly<Record<string, string>> = {
  unknown: ' (single sign-on mode unknown: no --snapshot)',
  'not-in-snapshot': ' (app not in the snapshot)',
  saml: ' to a SAML app',
  none: ' to an app without SAML sign-on',
  oidc: ' to an app without SAML sign-on',
  password: ' to an app without SAML sign-on',
  notSupported: ' to an app without SAML sign-on',
};

const FLAG_TEXT: Readonly<Record<string, string>> = {
  'privileged-actor': 'by an account holding a privileged role',
  'privileged-consent': 'a privileged account consenting for itself',
  'outside-business-hours': 'outside business hours',
  'outside-change-window': 'outside every change window',
  'unapproved-actor': 'by an actor not approved for changes',
  'high-profile-actor': 'by a high-profile account',
  'lookalike-app-name': 'the app name imitates a Microsoft app',
  'generic-app-name': 'the app has a generic name',
  'microsoft-first-party': 'a Microsoft first-party app',
  'redirect-uri-dangling': 'a redirect URI points at a name anyone can claim',
  'dns-not-checked': 'DNS not checked (use --dns)',
};

/** What the enrichment found, in words: permissions added, role, credentials, URIs, context. */
function detailsOf(event: CanonicalEvent): string[] {
  const a = event.appwatch as Record<string, unknown> & {
    permissions?: { added: { value: string; class: string }[]; resource?: { displayName?: string }; allPrincipals?: boolean };
    role?: { displayName?: string; privileged?: boolean };
    credentials?: { added: { type: string; displayName?: string; lifetimeDays?: number; policyDays?: number }[]; first?: boolean; ssoMode?: string };
    uris?: { redirect?: { added: { uri: string; flags: string[] }[] }; logoutUrl?: { blank: boolean } };
    flags?: string[];
  };
  const out: string[] = [];
  if (a.permissions && a.permissions.added.length > 0) {
    const list = a.permissions.added.map((p) => `${p.value} (${p.class})`).join(', ');
    out.push(`grants ${list}${a.permissions.resource?.displayName ? ` on ${a.permissions.resource.displayName}` : ''}${a.permissions.allPrincipals ? ' for all users' : ''}`);
  }
  if (a.role?.displayName) out.push(`role ${a.role.displayName}${a.role.privileged ? ' (privileged)' : ''}`);
  if (a.credentials && a.credentials.added.length > 0) {
    const kinds = a.credentials.added.map((c) => `${c.type}${c.displayName ? ` '${c.displayName}'` : ''}${c.lifetimeDays !== undefined ? ` valid ${c.lifetimeDays} days${c.policyDays !== undefined ? ` (policy ${c.policyDays})` : ''}` : ''}`).join(', ');
    out.push(`adds ${kinds}${a.credentials.first ? ', the app\'s first credential' : ''}${SSO_TEXT[a.credentials.ssoMode ?? ''] ?? ''}`);
  }
  for (const u of a.uris?.redirect?.added ?? []) out.push(`adds redirect URI ${u.uri}${u.flags.length ? ` (${u.flags.join(', ')})` : ''}`);
  if (a.uris?.logoutUrl?.blank) out.push('sign-out URL removed');
  // From the snapshot (scan --snapshot): what the app or service principal already held.
  const held = a.criticalPermissionsHeld as { value?: string }[] | string[] | undefined;
  if (held && held.length > 0) out.push(`the app holds ${held.map((p) => (typeof p === 'string' ? p : p.value ?? '?')).join(', ')} (critical)`);
  const targetRoles = a.targetRoles as { displayName?: string }[] | string[] | undefined;
  if (targetRoles && targetRoles.length > 0) out.push(`the service principal already holds ${targetRoles.map((r) => (typeof r === 'string' ? r : r.displayName ?? '?')).join(', ')}`);
  for (const f of a.flags ?? []) if (FLAG_TEXT[f]) out.push(FLAG_TEXT[f]!);
  return out;
}

/** One sentence: what happened, to what, by whom, when. */
export function summarize(rule: SigmaRule | SigmaCorrelation, events: readonly CanonicalEvent[], entities: Alert['entities']): string {
  return `${rule.title}${summaryTail(events, entities)}`;
}

/**
 * What alerts about the same events share, whatever rule raised them: computed once per event (or event
 * set) and shared, never mutated, by every alert on it.
 */
export interface EventFacts {
  sorted: readonly CanonicalEvent[];
  /** Enrichment flags of the events (appwatch.flags), in order, without repeats. */
  flags: string[];
  entities: Alert['entities'];
  evidence: Alert['evidence'];
  keys: string[];
  tail: string;
}

export function eventFacts(events: readonly CanonicalEvent[]): EventFacts {
  const sorted = events.length === 1 ? events : [...events].sort((a, b) => (a.appwatch.time < b.appwatch.time ? -1 : a.appwatch.time > b.appwatch.time ? 1 : 0));
  const entities = entitiesOf(sorted[sorted.length - 1]!);
  const flags = [...new Set(sorted.flatMap((e) => (Array.isArray(e.appwatch.flags) ? (e.appwatch.flags as string[]) : [])))];
  return {
    sorted,
    flags,
    entities,
    evidence: sorted.map((e) => ({
      kind: e.appwatch.kind,
      ...(str(e.id) ?? str(e.correlationId) ? { id: str(e.id) ?? str(e.correlationId) } : {}),
      time: e.appwatch.time,
      origin: e.appwatch.origin,
    })),
    keys: sorted.length === 1 ? [eventKey(sorted[0]!)] : sorted.map(eventKey).sort(),
    tail: summaryTail(sorted, entities),
  };
}

function levelOf(rule: SigmaRule | SigmaCorrelation): Severity {
  return (SEVERITIES as readonly string[]).includes(rule.level ?? '') ? (rule.level as Severity) : 'medium';
}

/** Field names a rule tests (after mapping), for the alert's `fields`. */
/** The `appwatch.flags` values a rule's detection tests. */
function ruleFlags(rule: CompiledRule): string[] {
  const flags = new Set<string>();
  for (const search of rule.searches.values()) {
    for (const alt of search.alternatives) for (const item of alt) if (item.field === 'appwatch.flags') for (const v of item.values) flags.add(String(v));
  }
  return [...flags];
}

export function ruleFields(rule: CompiledRule): string[] {
  const names = new Set<string>();
  for (const search of rule.searches.values()) for (const alt of search.alternatives) for (const item of alt) if (item.field) names.add(item.field);
  return [...names];
}

export function buildAlert(
  rule: AlertRuleInfo,
  events: readonly CanonicalEvent[],
  detectedAt: string,
  extra?: { summary?: string; fields?: Record<string, unknown[]> },
  facts: EventFacts = eventFacts(events),
): Alert {
  const last = facts.sorted[facts.sorted.length - 1]!;
  const p = prepare(rule);
  const fields: Record<string, unknown[]> = extra?.fields ?? {};
  if (!extra?.fields) {
    for (const [name, access] of p.accessors) {
      const values = access(last);
      if (values.length > 0) fields[name] = values.map((v) => (v && typeof v === 'object' ? JSON.stringify(v) : v));
    }
  }
  const moved = facts.flags.length > 0 ? severityFor(p.level, facts.flags, rule.testedFlags) : undefined;
  return {
    id: idFromKeys(p.ruleId, facts.keys),
    time: last.appwatch.time,
    detectedAt,
    severity: moved?.severity ?? p.level,
    rule: p.wire,
    summary: extra?.summary ?? `${rule.doc.title}${facts.tail}`,
    entities: facts.entities,
    context: moved ? { flags: facts.flags, severityReasons: moved.reasons } : p.context,
    evidence: facts.evidence,
    fields,
  };
}

/** Guide rows a rule declares (`appwatch.guide-row.N` tags or a `guide_rows` key). */
export function guideRowsOf(rule: SigmaRule | SigmaCorrelation): number[] {
  const rows = new Set<number>();
  for (const tag of rule.tags) {
    const m = /^appwatch\.guide[-_.]row[-_.](\d+)$/i.exec(tag);
    if (m) rows.add(Number(m[1]));
  }
  const declared = rule.raw.guide_rows;
  if (Array.isArray(declared)) for (const r of declared) if (Number.isInteger(r)) rows.add(r as number);
  return [...rows].sort((a, b) => a - b);
}
