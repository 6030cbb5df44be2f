/**
 * @module enrich/permissions
 * What a permission grant added: for "Add app role assignment to service principal" the app role
 * (AppRole.Value), for "Add delegated permission grant" the scopes new in DelegatedPermissionGrant.Scope
 * (new minus old, so a grant that only keeps User.Read adds nothing), each classified by exact name; the
 * resource API and whether it holds sensitive data; and the consent type (AllPrincipals = every user).
 * "Consent to application" carries the same facts as text in ConsentAction.Permissions
 * (`[old grants] => [new grants]`, each `[Id: …, ConsentType: …, Scope: a b c, …]`); the format is
 * undocumented, so it is read defensively and an unreadable value adds nothing.
 */
import type { CanonicalEvent } from '../model/event.js';
import { modifiedProperties, property, textOf } from './audit-properties.js';
import { classifyPermission, rank, sensitiveResource, sensitiveResourceByName, type Classified, type PermissionClass } from './catalogue.js';

export interface PermissionGrant {
  kind: 'application' | 'delegated';
  added: Classified[];
  /** The highest class among the added permissions ('none' when nothing was added). */
  highest: PermissionClass | 'none';
  resource: { appId?: string; displayName?: string; sensitive: boolean };
  /** The service principal that received the grant (ServicePrincipal.ObjectID / AppId of the grant). */
  client?: { servicePrincipalId?: string; appId?: string };
  consentType?: string;
  allPrincipals?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The resource API: the target carrying the grant's properties; its appId from TargetId.ServicePrincipalNames. */
function resourceOf(event: CanonicalEvent, marker: string): PermissionGrant['resource'] {
  const grantProp = property(event, marker);
  const target = grantProp?.target;
  const names = modifiedProperties(event).find((p) => p.target === target && p.name === 'TargetId.ServicePrincipalNames');
  const spns = (textOf(names?.newValue) ?? '').split(';').map((s) => s.trim());
  const guids = spns.filter((s) => GUID.test(s));
  const appId = guids.find((g) => sensitiveResource(g)) ?? guids[0];
  const displayName = typeof target?.displayName === 'string' ? target.displayName : undefined;
  const sensitive = Boolean(sensitiveResource(appId) ?? sensitiveResourceByName(displayName));
  return { ...(appId ? { appId } : {}), ...(displayName ? { displayName } : {}), sensitive };
}

function clientOf(event: CanonicalEvent): PermissionGrant['client'] {
  return clientFrom(textOf(property(event, 'ServicePrincipal.ObjectID')?.newValue), textOf(property(event, 'ServicePrincipal.AppId')?.newValue));
}

function clientFrom(servicePrincipalId: string | undefined, appId: string | undefined): PermissionGrant['client'] {
  if (!servicePrincipalId && !appId) return undefined;
  return { ...(servicePrincipalId ? { servicePrincipalId } : {}), ...(appId ? { appId } : {}) };
}

function highestOf(added: Classified[]): PermissionClass | 'none' {
  let best: PermissionClass | 'none' = 'none';
  for (const a of added) if (best === 'none' || rank(a.class) > rank(best)) best = a.class;
  return best;
}

function scopes(value: unknown): string[] {
  return (textOf(value) ?? '').split(/\s+/).filter(Boolean);
}

/** Grants in one side of ConsentAction.Permissions: the text of each `[Id: …]` entry, key → value. */
function consentEntries(text: string): Record<string, string>[] {
  const entries: Record<string, string>[] = [];
  for (const m of text.matchAll(/\[\s*(Id:[^\[\]]*)\]/g)) {
    const entry: Record<string, string> = {};
    // Keys are single words followed by ':'; a value (Scope) may hold spaces but never ', Key:'.
    for (const part of m[1]!.split(/,\s*(?=[A-Za-z]+\s*:)/)) {
      const colon = part.indexOf(':');
      if (colon > 0) entry[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
    }
    entries.push(entry);
  }
  return entries;
}

function consentGrant(event: CanonicalEvent): PermissionGrant | undefined {
  const prop = property(event, 'ConsentAction.Permissions');
  const text = textOf(prop?.newValue);
  if (!text) return undefined;
  const arrow = text.indexOf('=>');
  const beforeEntries = arrow >= 0 ? consentEntries(text.slice(0, arrow)) : [];
  const afterEntries = consentEntries(arrow >= 0 ? text.slice(arrow + 2) : text);
  const before = new Set(beforeEntries.flatMap((e) => scopes(e.Scope)).map((s) => s.toLowerCase()));
  const seen = new Set<string>();
  const added = afterEntries.flatMap((e) => scopes(e.Scope))
    .filter((s) => !before.has(s.toLowerCase()) && !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()))
    .map(classifyPermission);
  const consentType = afterEntries.map((e) => e.ConsentType).find(Boolean);
  const target = prop?.target;
  const servicePrincipalId = typeof target?.id === 'string' && GUID.test(target.id) ? target.id : undefined;
  const appId = typeof event.appwatch.appId === 'string' ? event.appwatch.appId : undefined;
  const consenting = clientFrom(servicePrincipalId, appId);
  return {
    kind: 'delegated', added, highest: highestOf(added), resource: { sensitive: false },
    ...(consenting ? { client: consenting } : {}),
    ...(consentType ? { consentType, allPrincipals: consentType.toLowerCase() === 'allprincipals' } : {}),
  };
}

export function permissionGrant(event: CanonicalEvent, activity: string): PermissionGrant | undefined {
  if (activity === 'add app role assignment to service principal') {
    const value = textOf(property(event, 'AppRole.Value')?.newValue);
    const added = value ? [classifyPermission(value)] : [];
    const client = clientOf(event);
    return { kind: 'application', added, highest: highestOf(added), resource: resourceOf(event, 'AppRole.Value'), ...(client ? { client } : {}) };
  }
  if (activity === 'add delegated permission grant') {
    const scope = property(event, 'DelegatedPermissionGrant.Scope');
    const before = new Set(scopes(scope?.oldValue).map((s) => s.toLowerCase()));
    const added = scopes(scope?.newValue).filter((s) => !before.has(s.toLowerCase())).map(classifyPermission);
    const consentType = textOf(property(event, 'DelegatedPermissionGrant.ConsentType')?.newValue);
    const client = clientOf(event);
    return {
      kind: 'delegated', added, highest: highestOf(added), resource: resourceOf(event, 'DelegatedPermissionGrant.Scope'),
      ...(client ? { client } : {}),
      ...(consentType ? { consentType, allPrincipals: consentType.toLowerCase() === 'allprincipals' } : {}),
    };
  }
  if (activity === 'consent to application') return consentGrant(event);
  return undefined;
}
