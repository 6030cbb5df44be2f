/**
 * @module posture/snapshot
 * The inventory snapshot (docs/contracts.md: applications, service principals, role assignments… in Microsoft
 * Graph's shapes), read for `scan --snapshot`, and the facts it adds to events that logs alone cannot give:
 * - the service principal's `preferredSingleSignOnMode` where a credential is added (guide row 1: a credential on
 *   an app without SAML sign-on can authenticate as the app; a certificate on a SAML app signs its tokens);
 * - the actor's directory roles, and whether Microsoft labels one privileged (row 10: a privileged account
 *   consenting for itself exposes what it can reach);
 * - the lifetime of a credential the event adds, against the limit that applies to it (the app's or the tenant's
 *   app management policy, else appwatch.yaml; row 2: audit logs carry no dates);
 * - the critical permissions of an app a credential is added to (whoever holds the credential holds them);
 * - the roles a service principal already held when it is given another (row 3).
 * Posture shares the lifetime limits and the privileges of service principals (posture/checks.ts).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_LIFETIME_DAYS } from '../config/config.js';
import { classifyPermission, findRole } from '../enrich/catalogue.js';
import type { CanonicalEvent } from '../model/event.js';
import { appRoleIndex, type AppRoleIndex } from './app-roles.js';

type Json = Record<string, unknown>;

/** docs/contracts.md "Inventory snapshot"; lists absent from the file read as empty, maps and policies stay absent. */
export interface InventorySnapshot {
  tenantId?: string;
  collectedAt?: string;
  graph?: { url: string; version: string };
  applications: Json[];
  servicePrincipals: Json[];
  roleAssignments: Json[];
  roleEligibilitySchedules: Json[];
  roleDefinitions: Json[];
  oauth2PermissionGrants: Json[];
  appRoleAssignments: Json[];
  domains: Json[];
  /** Owners of applications and service principals, by the owned object's id. */
  owners?: Record<string, Json[]>;
  /** Federated identity credentials, by application object id. */
  federatedIdentityCredentials?: Record<string, Json[]>;
  /** Users, groups and service principals that grants and assignments name, by id (display names for reports). */
  directoryObjects?: Record<string, Json>;
  policies?: SnapshotPolicies;
  gaps: CollectionGap[];
  /**
   * Optional list keys the snapshot file did not have (they read as empty lists): posture tells "not collected"
   * from "none in the tenant" by it. Collectors that build the object directly report what they missed in `gaps`.
   */
  absentKeys?: string[];
}

export interface SnapshotPolicies {
  defaultAppManagementPolicy?: Json;
  appManagementPolicies?: Json[];
  /** Application object ids each app management policy applies to, by policy id. */
  appManagementPolicyTargets?: Record<string, string[]>;
  conditionalAccessPolicies?: Json[];
  authorizationPolicy?: Json;
  directorySettings?: Json[];
}

/** Something the collector could not read; the snapshot is incomplete there. */
export interface CollectionGap { resource: string; status?: number; code?: string; reason: string }

export class SnapshotError extends Error {}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks a snapshot file; errors name the file and what is wrong. */
export function loadSnapshot(path: string): InventorySnapshot {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SnapshotError(`snapshot ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SnapshotError(`snapshot ${path}: not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw new SnapshotError(`snapshot ${path}: expected an object {tenantId, collectedAt, applications[], servicePrincipals[], …}`);
  const absentKeys: string[] = [];
  const list = (key: string, required: boolean): Json[] => {
    const v = value[key];
    if (v === undefined && !required) {
      absentKeys.push(key);
      return [];
    }
    if (!Array.isArray(v)) throw new SnapshotError(`snapshot ${path}: ${key} must be an array${v === undefined ? ' (missing)' : ''}`);
    const bad = v.findIndex((item) => !isObject(item));
    if (bad >= 0) throw new SnapshotError(`snapshot ${path}: ${key}[${bad}] is not an object`);
    return v as Json[];
  };
  return {
    ...(typeof value.tenantId === 'string' ? { tenantId: value.tenantId } : {}),
    ...(typeof value.collectedAt === 'string' ? { collectedAt: value.collectedAt } : {}),
    applications: list('applications', true),
    servicePrincipals: list('servicePrincipals', true),
    roleAssignments: list('roleAssignments', false),
    roleEligibilitySchedules: list('roleEligibilitySchedules', false),
    roleDefinitions: list('roleDefinitions', false),
    oauth2PermissionGrants: list('oauth2PermissionGrants', false),
    appRoleAssignments: list('appRoleAssignments', false),
    domains: list('domains', false),
    ...(isObject(value.graph) ? { graph: value.graph as { url: string; version: string } } : {}),
    ...(isObject(value.owners) ? { owners: value.owners as Record<string, Json[]> } : {}),
    ...(isObject(value.federatedIdentityCredentials) ? { federatedIdentityCredentials: value.federatedIdentityCredentials as Record<string, Json[]> } : {}),
    ...(isObject(value.directoryObjects) ? { directoryObjects: value.directoryObjects as Record<string, Json> } : {}),
    ...(isObject(value.policies) ? { policies: value.policies as SnapshotPolicies } : {}),
    gaps: list('gaps', false) as unknown as CollectionGap[],
    // `gaps` absent is an older snapshot, not a missing resource.
    absentKeys: absentKeys.filter((k) => k !== 'gaps'),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const DAY = 86_400_000;

export interface LifetimePolicy { password: number; certificate: number }

/** The maximum lifetime that applies to one credential, and where it comes from (for the finding's words). */
export interface LifetimeLimit { days: number; source: string }

/** An ISO 8601 duration ('P90D', 'P1Y', 'P4DT12H') in days; undefined when it is not one. */
export function isoDurationDays(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!m || m.slice(1).every((g) => g === undefined)) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  return n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4) + n(5) / 24 + n(6) / 1440 + n(7) / 86_400;
}

const RESTRICTION_OF = { password: ['passwordCredentials', 'passwordLifetime'], certificate: ['keyCredentials', 'asymmetricKeyLifetime'] } as const;

/**
 * Which lifetime limit applies to a credential: an app management policy assigned to the object (Graph: it
 * replaces the tenant default for that object), else the tenant's default app management policy when enabled
 * (`applicationRestrictions` for applications, `servicePrincipalRestrictions` for service principals), else
 * appwatch.yaml's `credentials.maxLifetimeDays`. A restriction counts when enabled and, with
 * `restrictForAppsCreatedAfterDateTime`, only for objects created after that date (unknown creation: it counts).
 */
export class LifetimePolicies {
  private readonly assigned = new Map<string, Json>();
  private readonly tenantDefault?: Json;
  private readonly collected: boolean;

  constructor(snapshot: InventorySnapshot, private readonly configured: LifetimePolicy) {
    const policies = snapshot.policies;
    this.collected = policies?.defaultAppManagementPolicy !== undefined || policies?.appManagementPolicies !== undefined;
    // The file's policies are not validated on load: anything that is not Graph's shape counts as absent.
    const byId = new Map((Array.isArray(policies?.appManagementPolicies) ? policies.appManagementPolicies : []).filter(isObject).map((p) => [str(p.id)?.toLowerCase(), p]));
    for (const [policyId, targets] of Object.entries(isObject(policies?.appManagementPolicyTargets) ? policies.appManagementPolicyTargets : {})) {
      const policy = byId.get(policyId.toLowerCase());
      if (!policy || policy.isEnabled === false || !Array.isArray(targets)) continue;
      for (const t of targets) if (typeof t === 'string') this.assigned.set(t.toLowerCase(), policy);
    }
    const d = policies?.defaultAppManagementPolicy;
    if (isObject(d) && d.isEnabled === true) this.tenantDefault = d;
  }

  limit(owner: Json, kind: 'application' | 'servicePrincipal', type: 'password' | 'certificate'): LifetimeLimit {
    const configured = {
      days: this.configured[type],
      source: `appwatch.yaml credentials.maxLifetimeDays; ${this.collected ? 'no app management policy of the tenant limits it' : "the tenant's app management policies are not in the snapshot"}`,
    };
    const own = this.assigned.get(str(owner.id)?.toLowerCase() ?? '');
    if (own) {
      const days = restrictionDays(own.restrictions, type, owner);
      return days !== undefined ? { days, source: `app management policy '${str(own.displayName) ?? str(own.id) ?? '?'}' assigned to it` } : configured;
    }
    if (this.tenantDefault) {
      const days = restrictionDays(this.tenantDefault[kind === 'application' ? 'applicationRestrictions' : 'servicePrincipalRestrictions'], type, owner);
      if (days !== undefined) return { days, source: "the tenant's default app management policy" };
    }
    return configured;
  }
}

function restrictionDays(restrictions: unknown, type: 'password' | 'certificate', owner: Json): number | undefined {
  if (!isObject(restrictions)) return undefined;
  const [list, restrictionType] = RESTRICTION_OF[type];
  const entries = Array.isArray(restrictions[list]) ? (restrictions[list] as unknown[]).filter(isObject) : [];
  const r = entries.find((e) => e.restrictionType === restrictionType && e.state !== 'disabled');
  if (!r) return undefined;
  const after = Date.parse(String(r.restrictForAppsCreatedAfterDateTime));
  const created = Date.parse(String(owner.createdDateTime));
  if (Number.isFinite(after) && Number.isFinite(created) && created <= after) return undefined;
  return isoDurationDays(r.maxLifetime);
}

/** Something a service principal can do with no user present: a permission, a delegated grant for everyone, a role. */
export interface Privilege {
  kind: 'application' | 'delegated' | 'role' | 'eligible-role';
  /** The permission value or the role's display name. */
  name: string;
  level: 'critical' | 'high';
  /** The resource API's display name (permissions). */
  resource?: string;
  /** When it was granted, where Graph says (appRoleAssignment.createdDateTime). */
  since?: number;
  evidence: { kind: string; id: string; index: number };
}

/**
 * What each service principal holds, by lower-case object id: application permissions (app-role assignments it
 * holds, named through `roles`) and delegated grants for all users classified high or critical, and directory
 * roles Microsoft labels privileged (active, or eligible through PIM).
 */
export function privilegesBySp(snapshot: InventorySnapshot, roles: AppRoleIndex): Map<string, Privilege[]> {
  const out = new Map<string, Privilege[]>();
  const sps = new Map(snapshot.servicePrincipals.map((sp) => [str(sp.id)?.toLowerCase(), sp]));
  const add = (spId: string, p: Privilege): void => {
    const list = out.get(spId) ?? [];
    list.push(p);
    out.set(spId, list);
  };
  snapshot.appRoleAssignments.forEach((a, index) => {
    const principal = str(a.principalId)?.toLowerCase();
    const resourceId = str(a.resourceId);
    const roleId = str(a.appRoleId);
    // Both directions are in the list: only what a service principal of this tenant holds.
    if (!principal || !resourceId || !roleId || !sps.has(principal) || (str(a.principalType) ?? 'ServicePrincipal') !== 'ServicePrincipal') return;
    const value = roles.name(resourceId, roleId);
    if (!value || value === 'default access') return;
    const c = classifyPermission(value);
    if (c.class !== 'high' && c.class !== 'critical') return;
    const since = Date.parse(String(a.createdDateTime));
    const resource = str(a.resourceDisplayName) ?? str(sps.get(resourceId.toLowerCase())?.displayName);
    add(principal, { kind: 'application', name: c.value, level: c.class, ...(resource ? { resource } : {}), ...(Number.isFinite(since) ? { since } : {}), evidence: { kind: 'appRoleAssignment', id: str(a.id) ?? '', index } });
  });
  snapshot.oauth2PermissionGrants.forEach((g, index) => {
    const client = str(g.clientId)?.toLowerCase();
    if (!client || String(g.consentType).toLowerCase() !== 'allprincipals') return;
    const resource = str(sps.get(str(g.resourceId)?.toLowerCase())?.displayName);
    for (const scope of String(g.scope ?? '').split(/\s+/).filter(Boolean)) {
      const c = classifyPermission(scope);
      if (c.class === 'high' || c.class === 'critical') add(client, { kind: 'delegated', name: c.value, level: c.class, ...(resource ? { resource } : {}), evidence: { kind: 'oauth2PermissionGrant', id: str(g.id) ?? '', index } });
    }
  });
  const definitions = roleDefinitionIndex(snapshot);
  for (const [list, kind] of [[snapshot.roleAssignments, 'role'], [snapshot.roleEligibilitySchedules, 'eligible-role']] as const) {
    list.forEach((a, index) => {
      const principal = str(a.principalId)?.toLowerCase();
      if (!principal || !sps.has(principal)) return;
      const role = directoryRole(definitions, a.roleDefinitionId);
      if (role?.privileged) add(principal, { kind, name: role.displayName, level: 'high', evidence: { kind: kind === 'role' ? 'roleAssignment' : 'roleEligibilitySchedule', id: str(a.id) ?? '', index } });
    });
  }
  return out;
}

function roleDefinitionIndex(snapshot: InventorySnapshot): Map<string, Json> {
  const definitions = new Map<string, Json>();
  for (const d of snapshot.roleDefinitions) for (const id of [str(d.id), str(d.templateId)]) if (id) definitions.set(id.toLowerCase(), d);
  return definitions;
}

/** A role assignment's role: Microsoft's catalogue by template id (or name), else the tenant's definition (custom roles). */
function directoryRole(definitions: Map<string, Json>, roleDefinitionId: unknown): { displayName: string; templateId: string; privileged: boolean } | undefined {
  const definitionId = str(roleDefinitionId)?.toLowerCase();
  if (!definitionId) return undefined;
  const definition = definitions.get(definitionId);
  const templateId = str(definition?.templateId)?.toLowerCase() ?? definitionId;
  const role = findRole({ templateId, ...(str(definition?.displayName) ? { displayName: str(definition?.displayName)! } : {}) });
  return { displayName: role?.displayName ?? str(definition?.displayName) ?? templateId, templateId: role?.templateId ?? templateId, privileged: role?.privileged ?? false };
}

const ROLE_ACTIVITIES = new Set(['add member to role', 'add eligible member to role', 'add scoped member to role']);

/** The snapshot indexed for per-event lookups. */
export class SnapshotFacts {
  private readonly ssoModeByAppId = new Map<string, string>();
  private readonly rolesByPrincipal = new Map<string, { displayName: string; templateId: string; privileged: boolean }[]>();
  private readonly credentialDates = new Map<string, { start: number; end: number; owner: Json; kind: 'application' | 'servicePrincipal' }>();
  /** Critical permissions each application's service principal holds, by appId. */
  private readonly criticalByAppId = new Map<string, Privilege[]>();
  private readonly lifetimes: LifetimePolicies;

  constructor(snapshot: InventorySnapshot, policy: LifetimePolicy = DEFAULT_MAX_LIFETIME_DAYS) {
    this.lifetimes = new LifetimePolicies(snapshot, policy);
    for (const [owners, kind] of [[snapshot.applications, 'application'], [snapshot.servicePrincipals, 'servicePrincipal']] as const) {
      for (const owner of owners) {
        for (const list of [owner.passwordCredentials, owner.keyCredentials]) {
          for (const c of Array.isArray(list) ? (list as Json[]) : []) {
            const keyId = str(c?.keyId)?.toLowerCase();
            const start = Date.parse(String(c?.startDateTime));
            const end = Date.parse(String(c?.endDateTime));
            if (keyId && Number.isFinite(start) && Number.isFinite(end)) this.credentialDates.set(keyId, { start, end, owner, kind });
          }
        }
      }
    }
    const privileges = privilegesBySp(snapshot, appRoleIndex(snapshot));
    for (const sp of snapshot.servicePrincipals) {
      const appId = str(sp.appId)?.toLowerCase();
      if (!appId) continue;
      this.ssoModeByAppId.set(appId, str(sp.preferredSingleSignOnMode) ?? 'none');
      const critical = (privileges.get(str(sp.id)?.toLowerCase() ?? '') ?? []).filter((p) => p.level === 'critical' && (p.kind === 'application' || p.kind === 'delegated'));
      if (critical.length > 0) this.criticalByAppId.set(appId, critical);
    }
    const definitions = roleDefinitionIndex(snapshot);
    for (const a of snapshot.roleAssignments) {
      const principal = str(a.principalId)?.toLowerCase();
      const role = directoryRole(definitions, a.roleDefinitionId);
      if (!principal || !role) continue;
      const roles = this.rolesByPrincipal.get(principal) ?? [];
      roles.push(role);
      this.rolesByPrincipal.set(principal, roles);
    }
  }

  /** Sets what the snapshot knows on the event and returns the context flags it implies. */
  observe(event: CanonicalEvent): string[] {
    const flags: string[] = [];
    const a = event.appwatch as Record<string, unknown> & {
      credentials?: { added: { type: string; keyId?: string; lifetimeDays?: number; policyDays?: number; policySource?: string }[]; ssoMode?: string };
      selfConsent?: boolean;
      role?: { templateId?: string };
    };
    const appId = typeof a.appId === 'string' ? a.appId.toLowerCase() : undefined;
    if (a.credentials && a.credentials.added.length > 0) {
      for (const c of a.credentials.added) {
        const dates = c.keyId ? this.credentialDates.get(c.keyId.toLowerCase()) : undefined;
        if (!dates) continue;
        c.lifetimeDays = Math.round((dates.end - dates.start) / DAY);
        if (c.type === 'certificate' || c.type === 'password') {
          const limit = this.lifetimes.limit(dates.owner, dates.kind, c.type);
          c.policyDays = limit.days;
          c.policySource = limit.source;
          if (c.lifetimeDays > limit.days) flags.push('credential-lifetime-exceeds-policy');
        }
      }
      const mode = appId ? this.ssoModeByAppId.get(appId) : undefined;
      a.credentials.ssoMode = mode ?? 'not-in-snapshot';
      if (mode === 'saml' && a.credentials.added.every((c) => c.type === 'certificate')) flags.push('saml-signing-certificate');
      // A credential on an app holding a tenant-takeover permission is that permission in whoever holds the
      // credential. Only what the app held at the time counts, where Graph dates the assignment (the snapshot is
      // the tenant at its end).
      const at = Date.parse(event.appwatch.time);
      const held = (appId ? this.criticalByAppId.get(appId) : undefined)?.filter((p) => p.since === undefined || !Number.isFinite(at) || p.since <= at);
      if (held && held.length > 0) {
        a.criticalPermissionsHeld = held.map((p) => ({ value: p.name, kind: p.kind, ...(p.resource ? { resource: p.resource } : {}) }));
        flags.push('app-holds-critical-permission');
      }
    }
    const by = event.initiatedBy as { user?: { id?: unknown } | null; app?: { servicePrincipalId?: unknown } | null } | undefined;
    const actorId = str(by?.user?.id) ?? str(by?.app?.servicePrincipalId);
    const roles = actorId ? this.rolesByPrincipal.get(actorId.toLowerCase()) : undefined;
    if (roles) {
      a.actorRoles = roles.map((r) => ({ displayName: r.displayName, privileged: r.privileged }));
      if (roles.some((r) => r.privileged)) {
        flags.push('privileged-actor');
        if (a.selfConsent === true) flags.push('privileged-consent');
      }
    }
    // A service principal given a directory role: the roles it already held (the snapshot holds the new one
    // too, so it is left out by template id).
    const activity = typeof event.activityDisplayName === 'string' ? event.activityDisplayName.trim().toLowerCase() : '';
    if (event.appwatch.kind === 'audit' && ROLE_ACTIVITIES.has(activity)) {
      const targets = Array.isArray(event.targetResources) ? (event.targetResources as { id?: unknown; type?: unknown }[]) : [];
      const spId = str(targets.find((t) => t?.type === 'ServicePrincipal')?.id)?.toLowerCase();
      const adding = a.role?.templateId?.toLowerCase();
      const held = (spId ? this.rolesByPrincipal.get(spId) : undefined)?.filter((r) => r.templateId !== adding);
      if (held && held.length > 0) {
        a.targetRoles = held.map((r) => ({ displayName: r.displayName, privileged: r.privileged }));
        if (held.some((r) => r.privileged)) flags.push('target-already-privileged');
      }
    }
    return [...new Set(flags)];
  }
}

/** Without a snapshot, a credential event says its app's single sign-on mode is unknown. */
export function markSsoModeUnknown(event: CanonicalEvent): void {
  const credentials = (event.appwatch as { credentials?: { added: unknown[]; ssoMode?: string } }).credentials;
  if (credentials && credentials.added.length > 0 && credentials.ssoMode === undefined) credentials.ssoMode = 'unknown';
}
