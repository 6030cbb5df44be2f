/**
 * @module enrich
 * Derived fields under `appwatch.` computed before matching, so rules can test what a change did (permissions
 * added and their class, the role's privilege, credentials added) rather than only which activity it was.
 * Each enricher runs only for the activities it understands.
 */
import type { CanonicalEvent } from '../model/event.js';
import { property, textOf } from './audit-properties.js';
import { isFirstParty, nameFlags } from './app-names.js';
import { azureRoleAssignment } from './azure-roles.js';
import { credentialChange } from './credentials.js';
import { permissionGrant } from './permissions.js';
import { roleOf } from './roles.js';
import { uriChanges } from './uris.js';

const ROLE_ACTIVITIES = new Set(['add member to role', 'add eligible member to role', 'add scoped member to role']);

/** The display name of the application an event is about (the first application or service principal target). */
function appNameOf(event: CanonicalEvent): string | undefined {
  if (event.appwatch.kind === 'signin') return typeof event.appDisplayName === 'string' ? event.appDisplayName : undefined;
  const targets = Array.isArray(event.targetResources) ? (event.targetResources as { type?: unknown; displayName?: unknown }[]) : [];
  // For a grant the first service principal is the resource API; the app is the other one. A consent record's
  // only target is the app consented to.
  const consent = typeof event.activityDisplayName === 'string' && /^consent to application$/i.test(event.activityDisplayName.trim());
  const candidates = (event.appwatch as { permissions?: unknown }).permissions && !consent ? targets.slice(1) : targets;
  const target = candidates.find((t) => (t?.type === 'Application' || t?.type === 'ServicePrincipal') && typeof t.displayName === 'string' && t.displayName !== '');
  return target ? (target.displayName as string) : undefined;
}

/** Named facts an analyst acts on, from the enrichment above (shown in `alert.context.flags`). */
function flagsOf(event: CanonicalEvent): string[] {
  const flags = new Set<string>();
  const a = event.appwatch as Record<string, unknown> & {
    permissions?: { highest?: string; allPrincipals?: boolean; resource?: { sensitive?: boolean } };
    role?: { privileged?: boolean };
    credentials?: { first?: boolean; added?: { type: string }[] };
    uris?: { redirect?: { added: { flags: string[] }[] }; logoutUrl?: { blank: boolean } };
  };
  if (a.permissions?.highest === 'critical') flags.add('permission-critical');
  if (a.permissions?.highest === 'high') flags.add('permission-high');
  if (a.permissions?.allPrincipals) flags.add('all-users');
  if (a.permissions?.resource?.sensitive) flags.add('sensitive-api');
  if (a.role?.privileged) flags.add('privileged-role');
  if (a.credentials?.first) flags.add('first-credential');
  for (const c of a.credentials?.added ?? []) flags.add(`${c.type}-credential-added`);
  for (const u of a.uris?.redirect?.added ?? []) for (const f of u.flags) flags.add(`redirect-uri-${f}`);
  if (a.uris?.logoutUrl?.blank) flags.add('logout-url-blank');
  if (event.initiatedBy && typeof event.initiatedBy === 'object' && (event.initiatedBy as { app?: unknown }).app && !(event.initiatedBy as { user?: unknown }).user) {
    flags.add('app-initiated');
  }
  // The application the event is about: Microsoft's own, or a name worth a second look.
  const firstParty = isFirstParty(typeof a.appId === 'string' ? a.appId : undefined);
  if (firstParty) flags.add('microsoft-first-party');
  else {
    const name = appNameOf(event);
    if (name) for (const f of nameFlags(name).flags) flags.add(f);
  }
  return [...flags];
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * The application a change or sign-in is about, by appId (the join key of the built-in correlations): a
 * sign-in's appId; for audit events the AppId additional detail, else an AppId-like modified property, else the
 * first GUID of TargetId.ServicePrincipalNames.
 */
function appIdOf(event: CanonicalEvent): string | undefined {
  if (event.appwatch.kind === 'signin') return typeof event.appId === 'string' && event.appId !== '' ? event.appId.toLowerCase() : undefined;
  if (event.appwatch.kind !== 'audit') return undefined;
  const details = Array.isArray(event.additionalDetails) ? (event.additionalDetails as { key?: unknown; value?: unknown }[]) : [];
  const detail = details.find((d) => typeof d?.key === 'string' && d.key.toLowerCase() === 'appid')?.value;
  if (typeof detail === 'string' && GUID.test(detail)) return detail.toLowerCase();
  for (const name of ['Application.AppId', 'AppId', 'TargetId.ServicePrincipalNames']) {
    const value = textOf(property(event, name)?.newValue);
    const m = value ? GUID.exec(value) : null;
    if (m) return m[0].toLowerCase();
  }
  return undefined;
}

/** Adds flags to the event's `appwatch.flags`, keeping those already there and without repeats. */
export function addFlags(event: CanonicalEvent, flags: readonly string[]): void {
  const current = event.appwatch.flags as string[] | undefined;
  event.appwatch.flags = current ? [...new Set([...current, ...flags])] : [...flags];
}

/**
 * Adds `appwatch.permissions`, `appwatch.role`, `appwatch.credentials` where they apply; returns the event.
 * Idempotent: a second call recomputes the same facts and keeps flags added since.
 */
export function enrichEvent(event: CanonicalEvent): CanonicalEvent {
  const appId = appIdOf(event);
  if (appId) event.appwatch.appId = appId;
  // The vault an event concerns (its resource id up to /vaults/<name>), to join a vault's events.
  if (event.appwatch.kind === 'activity' || event.appwatch.kind === 'keyvault') {
    const vault = typeof event.resourceId === 'string' ? /^(.*\/providers\/microsoft\.keyvault\/vaults\/[^/]+)/i.exec(event.resourceId)?.[1] : undefined;
    if (vault) event.appwatch.vault = vault.toLowerCase();
  }
  if (event.appwatch.kind === 'activity') {
    const assignment = azureRoleAssignment(event);
    if (assignment) {
      event.appwatch.azureRole = assignment;
      if (assignment.privileged) addFlags(event, ['privileged-role']);
    }
    return event;
  }
  if (event.appwatch.kind !== 'audit') return event;
  const name = typeof event.activityDisplayName === 'string' ? event.activityDisplayName.trim().toLowerCase() : '';
  if (name === '') return event;
  const grant = permissionGrant(event, name);
  if (grant) {
    event.appwatch.permissions = grant;
    // A grant is about the app that receives it; TargetId.ServicePrincipalNames there names the resource API.
    if (grant.client?.appId) event.appwatch.appId = grant.client.appId.toLowerCase();
    else delete event.appwatch.appId;
  }
  if (name === 'consent to application' || name === 'add delegated permission grant') {
    // A person consenting for themselves (ConsentType Principal; a consent that is not admin consent, which
    // includes consents risk-based step-up blocked, logged without any ConsentContext): their own decision, not
    // a change to the app's configuration, so change windows and approved actors do not apply to it.
    const consentType = grant?.consentType?.toLowerCase();
    const admin = /^true$/i.test(textOf(property(event, 'ConsentContext.IsAdminConsent')?.newValue) ?? '');
    event.appwatch.selfConsent = consentType ? consentType === 'principal' : !admin;
  }
  if (ROLE_ACTIVITIES.has(name)) {
    const role = roleOf(event);
    if (role) event.appwatch.role = role;
  }
  if (name.includes('certificates and secrets') || name.includes('service principal credentials') || name === 'update application' || name === 'update service principal') {
    const credentials = credentialChange(event);
    if (credentials) event.appwatch.credentials = credentials;
    const uris = uriChanges(event);
    if (uris) event.appwatch.uris = uris;
  }
  const flags = flagsOf(event);
  if (flags.length > 0) addFlags(event, flags);
  return event;
}
