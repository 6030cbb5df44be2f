/**
 * @module posture/collect
 * Reads the tenant's inventory through Microsoft Graph into a snapshot (docs/contracts.md). Lists come with
 * `$select` (smaller answers, fewer resource units); per-object relationships (owners, federated credentials,
 * app-role assignments) go through `$batch`. What cannot be read — a 403, a missing licence, throttling that
 * outlasts the retries, an endpoint that does not answer — is recorded in `gaps` with Graph's status and reason,
 * never left out silently: posture turns each gap into a finding.
 */
import { AuthError } from './graph/auth.js';
import { GraphClient, GraphError, type BatchRequest } from './graph/client.js';
import type { CollectionGap, InventorySnapshot, SnapshotPolicies } from './snapshot.js';

type Json = Record<string, unknown>;

const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

const SELECT = {
  applications: 'id,appId,displayName,createdDateTime,signInAudience,publisherDomain,identifierUris,isFallbackPublicClient,keyCredentials,passwordCredentials,web,spa,publicClient,requiredResourceAccess,servicePrincipalLockConfiguration,verifiedPublisher,tags',
  servicePrincipals: 'id,appId,displayName,appDisplayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled,preferredSingleSignOnMode,keyCredentials,passwordCredentials,servicePrincipalNames,alternativeNames,replyUrls,logoutUrl,signInAudience,appRoles,tags,verifiedPublisher',
  owners: 'id,displayName,userPrincipalName,appId',
  roleDefinitions: 'id,displayName,templateId,isBuiltIn,isEnabled',
  roleAssignments: 'id,principalId,roleDefinitionId,directoryScopeId',
  domains: 'id,isVerified,isDefault,authenticationType',
} as const;

/** The least Graph application permissions each part needs (README "Posture"). */
export const REQUIRED_PERMISSIONS: Record<string, string> = {
  organization: 'Organization.Read.All or Directory.Read.All',
  applications: 'Application.Read.All',
  servicePrincipals: 'Application.Read.All',
  owners: 'Application.Read.All',
  federatedIdentityCredentials: 'Application.Read.All',
  appRoleAssignments: 'Application.Read.All',
  oauth2PermissionGrants: 'Directory.Read.All',
  directoryObjects: 'Directory.Read.All',
  roleDefinitions: 'RoleManagement.Read.Directory',
  roleAssignments: 'RoleManagement.Read.Directory',
  roleEligibilitySchedules: 'RoleManagement.Read.Directory (and Entra ID P2)',
  domains: 'Domain.Read.All or Directory.Read.All',
  appManagementPolicies: 'Policy.Read.All',
  conditionalAccessPolicies: 'Policy.Read.All (and Entra ID P1)',
  authorizationPolicy: 'Policy.Read.All',
  directorySettings: 'Directory.Read.All',
};

export interface CollectOptions {
  tenantId?: string;
  /** Told as each part is read (for the progress lines on stderr). */
  onProgress?: (message: string) => void;
  now?: () => number;
}

function gapOf(resource: string, error: unknown): CollectionGap {
  // No token is no collection at all: that is an error for the caller, not a gap in the tenant.
  if (error instanceof AuthError) throw error;
  if (error instanceof GraphError) {
    const permission = REQUIRED_PERMISSIONS[resource.split('/')[0]!];
    const hint = error.code === 'AadPremiumLicenseRequired' ? ' (the tenant has no Entra ID P2 or Governance licence)' : error.status === 403 && permission ? ` (needs ${permission})` : '';
    return { resource, ...(error.status !== undefined ? { status: error.status } : {}), ...(error.code ? { code: error.code } : {}), reason: `${error.message}${hint}` };
  }
  return { resource, reason: (error as Error).message };
}

export async function collectInventory(client: GraphClient, options: CollectOptions = {}): Promise<InventorySnapshot> {
  const gaps: CollectionGap[] = [];
  const progress = options.onProgress ?? (() => undefined);
  const list = async (resource: string, path: string): Promise<Json[] | undefined> => {
    try {
      const items = await client.list(path, resource);
      progress(`${resource}: ${items.length}`);
      return items;
    } catch (error) {
      gaps.push(gapOf(resource, error));
      progress(`${resource}: not collected (${gaps.at(-1)!.reason})`);
      return undefined;
    }
  };
  const single = async (resource: string, path: string): Promise<Json | undefined> => {
    try {
      const body = await client.request('GET', path, undefined, resource);
      // beta (and old v1.0) answer authorizationPolicy as a collection of one.
      const value = Array.isArray(body.value) ? (body.value[0] as Json | undefined) : body;
      if (value) delete value['@odata.context'];
      return value;
    } catch (error) {
      gaps.push(gapOf(resource, error));
      progress(`${resource}: not collected (${gaps.at(-1)!.reason})`);
      return undefined;
    }
  };

  // The tenant's own id (--tenant may be a domain name); it also tells first-party from third-party apps.
  const organization = (await list('organization', '/organization?$select=id,displayName'))?.[0];
  const tenantId = typeof organization?.id === 'string' ? organization.id : options.tenantId;
  const applications = (await list('applications', `/applications?$select=${SELECT.applications}&$top=999`)) ?? [];
  const servicePrincipals = (await list('servicePrincipals', `/servicePrincipals?$select=${SELECT.servicePrincipals}&$top=999`)) ?? [];
  const oauth2PermissionGrants = (await list('oauth2PermissionGrants', '/oauth2PermissionGrants')) ?? [];
  const roleDefinitions = (await list('roleDefinitions', `/roleManagement/directory/roleDefinitions?$select=${SELECT.roleDefinitions}`)) ?? [];
  const roleAssignments = (await list('roleAssignments', `/roleManagement/directory/roleAssignments?$select=${SELECT.roleAssignments}`)) ?? [];
  const roleEligibilitySchedules = (await list('roleEligibilitySchedules', '/roleManagement/directory/roleEligibilitySchedules')) ?? [];
  const domains = (await list('domains', `/domains?$select=${SELECT.domains}`)) ?? [];

  // Relationships, one request per object, batched. A failure of some objects is one gap per kind, with counts.
  const related = async (kind: string, requests: BatchRequest[]): Promise<Map<string, Json[]>> => {
    const found = new Map<string, Json[]>();
    if (requests.length === 0) return found;
    let results;
    try {
      results = await client.batch(requests, kind);
    } catch (error) {
      gaps.push(gapOf(kind, error));
      return found;
    }
    const failed = results.filter((r) => !r.ok);
    for (const r of results) if (r.ok) found.set(r.id, Array.isArray(r.body.value) ? (r.body.value as Json[]) : []);
    if (failed.length > 0) {
      const first = failed[0]!;
      const gap = first.ok ? undefined : gapOf(kind, first.error);
      gaps.push({ ...gap!, reason: `${failed.length} of ${results.length} objects not read; first: ${gap!.reason}` });
    }
    progress(`${kind}: ${results.length - failed.length} of ${results.length} objects`);
    return found;
  };
  const appOwners = await related('owners', applications.map((a) => ({ id: `app:${a.id}`, url: `/applications/${a.id}/owners?$select=${SELECT.owners}` })));
  // First-party service principals are Microsoft's; their owners are not the tenant's to review.
  const tenantSps = servicePrincipals.filter((sp) => sp.appOwnerOrganizationId !== MICROSOFT_TENANT);
  const spOwners = await related('owners', tenantSps.map((sp) => ({ id: `sp:${sp.id}`, url: `/servicePrincipals/${sp.id}/owners?$select=${SELECT.owners}` })));
  const fics = await related('federatedIdentityCredentials', applications.map((a) => ({ id: String(a.id), url: `/applications/${a.id}/federatedIdentityCredentials` })));
  const held = await related('appRoleAssignments', servicePrincipals.map((sp) => ({ id: `to:${sp.id}`, url: `/servicePrincipals/${sp.id}/appRoleAssignments` })));
  const assignedTo = await related('appRoleAssignments', tenantSps.map((sp) => ({ id: `by:${sp.id}`, url: `/servicePrincipals/${sp.id}/appRoleAssignedTo` })));

  const owners: Record<string, Json[]> = {};
  for (const [key, value] of [...appOwners, ...spOwners]) owners[key.slice(key.indexOf(':') + 1)] = value;
  const federatedIdentityCredentials: Record<string, Json[]> = {};
  for (const [id, value] of fics) if (value.length > 0) federatedIdentityCredentials[id] = value;
  const assignments = new Map<string, Json>();
  for (const value of [...held.values(), ...assignedTo.values()]) for (const a of value) assignments.set(String(a.id), a);

  const policies: SnapshotPolicies = {};
  const defaultPolicy = await single('appManagementPolicies', '/policies/defaultAppManagementPolicy');
  if (defaultPolicy) policies.defaultAppManagementPolicy = defaultPolicy;
  const appPolicies = await list('appManagementPolicies', '/policies/appManagementPolicies');
  if (appPolicies) {
    policies.appManagementPolicies = appPolicies;
    const targets = await related('appManagementPolicies', appPolicies.map((p) => ({ id: String(p.id), url: `/policies/appManagementPolicies/${p.id}/appliesTo?$select=id` })));
    policies.appManagementPolicyTargets = Object.fromEntries([...targets].map(([id, value]) => [id, value.map((o) => String(o.id))]));
  }
  const ca = await list('conditionalAccessPolicies', '/identity/conditionalAccess/policies');
  if (ca) policies.conditionalAccessPolicies = ca;
  const authorization = await single('authorizationPolicy', '/policies/authorizationPolicy');
  if (authorization) policies.authorizationPolicy = authorization;
  const settings = await list('directorySettings', '/settings');
  if (settings) policies.directorySettings = settings;

  // Display names of the people and groups that grants and assignments name (the consent report shows them).
  const known = new Set([...applications, ...servicePrincipals].map((o) => String(o.id)));
  const wanted = new Set<string>();
  for (const g of oauth2PermissionGrants) if (typeof g.principalId === 'string' && g.principalId) wanted.add(g.principalId);
  for (const r of roleAssignments) if (typeof r.principalId === 'string') wanted.add(r.principalId);
  for (const r of roleEligibilitySchedules) if (typeof r.principalId === 'string') wanted.add(r.principalId);
  const directoryObjects: Record<string, Json> = {};
  const ids = [...wanted].filter((id) => !known.has(id));
  for (let i = 0; i < ids.length; i += 1000) {
    try {
      const body = await client.request('POST', '/directoryObjects/getByIds', { ids: ids.slice(i, i + 1000), types: ['user', 'group', 'servicePrincipal'] }, 'directoryObjects');
      for (const o of Array.isArray(body.value) ? (body.value as Json[]) : []) directoryObjects[String(o.id)] = o;
    } catch (error) {
      gaps.push(gapOf('directoryObjects', error));
      break;
    }
  }

  const collectedAt = new Date((options.now ?? Date.now)()).toISOString();
  return {
    ...(tenantId ? { tenantId } : {}),
    collectedAt,
    graph: { url: client.baseUrl, version: client.baseUrl.split('/').pop() ?? 'v1.0' },
    applications, servicePrincipals, oauth2PermissionGrants,
    appRoleAssignments: [...assignments.values()],
    roleAssignments, roleEligibilitySchedules, roleDefinitions, domains,
    owners, federatedIdentityCredentials, directoryObjects, policies, gaps,
  };
}
