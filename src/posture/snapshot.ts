/**
 * @module posture/snapshot
 * The inventory snapshot (docs/contracts.md: applications, service principals, role assignments… in Microsoft
 * Graph's shapes), read for `scan --snapshot`, and the facts it adds to events that logs alone cannot give:
 * - the service principal's `preferredSingleSignOnMode` where a credential is added (guide row 1: a credential on
 *   an app without SAML sign-on can authenticate as the app; a certificate on a SAML app signs its tokens);
 * - the actor's directory roles, and whether Microsoft labels one privileged (row 10: a privileged account
 *   consenting for itself exposes what it can reach);
 * - the lifetime of a credential the event adds, against the tenant's policy (row 2: audit logs carry no dates).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_LIFETIME_DAYS } from '../config/config.js';
import { findRole } from '../enrich/catalogue.js';
import type { CanonicalEvent } from '../model/event.js';

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
  const list = (key: string, required: boolean): Json[] => {
    const v = value[key];
    if (v === undefined && !required) return [];
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
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The snapshot indexed for per-event lookups. */
export interface LifetimePolicy { password: number; certificate: number }

export class SnapshotFacts {
  private readonly ssoModeByAppId = new Map<string, string>();
  private readonly rolesByPrincipal = new Map<string, { displayName: string; privileged: boolean }[]>();
  private readonly credentialDates = new Map<string, { start: number; end: number }>();

  constructor(snapshot: InventorySnapshot, private readonly policy: LifetimePolicy = DEFAULT_MAX_LIFETIME_DAYS) {
    for (const owner of [...snapshot.applications, ...snapshot.servicePrincipals]) {
      for (const list of [owner.passwordCredentials, owner.keyCredentials]) {
        for (const c of Array.isArray(list) ? (list as Json[]) : []) {
          const keyId = str(c.keyId)?.toLowerCase();
          const start = Date.parse(String(c.startDateTime));
          const end = Date.parse(String(c.endDateTime));
          if (keyId && Number.isFinite(start) && Number.isFinite(end)) this.credentialDates.set(keyId, { start, end });
        }
      }
    }
    for (const sp of snapshot.servicePrincipals) {
      const appId = str(sp.appId)?.toLowerCase();
      if (appId) this.ssoModeByAppId.set(appId, str(sp.preferredSingleSignOnMode) ?? 'none');
    }
    const definitions = new Map<string, Json>();
    for (const d of snapshot.roleDefinitions) for (const id of [str(d.id), str(d.templateId)]) if (id) definitions.set(id.toLowerCase(), d);
    for (const a of snapshot.roleAssignments) {
      const principal = str(a.principalId)?.toLowerCase();
      const definitionId = str(a.roleDefinitionId)?.toLowerCase();
      if (!principal || !definitionId) continue;
      const definition = definitions.get(definitionId);
      const templateId = str(definition?.templateId) ?? definitionId;
      const role = findRole({ templateId, ...(str(definition?.displayName) ? { displayName: str(definition?.displayName)! } : {}) });
      const roles = this.rolesByPrincipal.get(principal) ?? [];
      roles.push({ displayName: role?.displayName ?? str(definition?.displayName) ?? templateId, privileged: role?.privileged ?? false });
      this.rolesByPrincipal.set(principal, roles);
    }
  }

  /** Sets what the snapshot knows on the event and returns the context flags it implies. */
  observe(event: CanonicalEvent): string[] {
    const flags: string[] = [];
    const a = event.appwatch as Record<string, unknown> & {
      credentials?: { added: { type: string; keyId?: string; lifetimeDays?: number; policyDays?: number }[]; ssoMode?: string };
      selfConsent?: boolean;
    };
    if (a.credentials && a.credentials.added.length > 0) {
      for (const c of a.credentials.added) {
        const dates = c.keyId ? this.credentialDates.get(c.keyId.toLowerCase()) : undefined;
        if (!dates) continue;
        c.lifetimeDays = Math.round((dates.end - dates.start) / 86_400_000);
        const policy = c.type === 'certificate' ? this.policy.certificate : c.type === 'password' ? this.policy.password : undefined;
        if (policy !== undefined) {
          c.policyDays = policy;
          if (c.lifetimeDays > policy) flags.push('credential-lifetime-exceeds-policy');
        }
      }
      const appId = typeof a.appId === 'string' ? a.appId.toLowerCase() : undefined;
      const mode = appId ? this.ssoModeByAppId.get(appId) : undefined;
      a.credentials.ssoMode = mode ?? 'not-in-snapshot';
      if (mode === 'saml' && a.credentials.added.every((c) => c.type === 'certificate')) flags.push('saml-signing-certificate');
    }
    const by = event.initiatedBy as { user?: { id?: unknown } | null; app?: { servicePrincipalId?: unknown } | null } | undefined;
    const actorId = str(by?.user?.id) ?? str(by?.app?.servicePrincipalId);
    const roles = actorId ? this.rolesByPrincipal.get(actorId.toLowerCase()) : undefined;
    if (roles) {
      a.actorRoles = roles;
      if (roles.some((r) => r.privileged)) {
        flags.push('privileged-actor');
        if (a.selfConsent === true) flags.push('privileged-consent');
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
