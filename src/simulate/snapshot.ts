/**
 * @module simulate/snapshot
 * The tenant's inventory as the posture collector would read it from Microsoft Graph at the end of the simulated
 * period, in the contract's shape (docs/contracts.md "Inventory snapshot") with Graph's own object shapes.
 * Scenario changes that leave state behind (the long-lived secret, the apps an attacker registered) are in it.
 */
import type { SnapshotChange } from './scenarios.js';
import { GRAPH_APP_ROLE_IDS, MICROSOFT_TENANT, type SimApp, type SimCredential, type Tenant } from './tenant.js';

type Json = Record<string, unknown>;

function passwordCredential(c: SimCredential): Json {
  return { customKeyIdentifier: null, displayName: c.displayName, endDateTime: c.endDateTime, hint: c.displayName.slice(0, 3), keyId: c.keyId, secretText: null, startDateTime: c.startDateTime };
}
function keyCredential(c: SimCredential): Json {
  return { customKeyIdentifier: c.thumbprint ?? null, displayName: c.displayName, endDateTime: c.endDateTime, key: null, keyId: c.keyId, startDateTime: c.startDateTime, type: 'AsymmetricX509Cert', usage: c.usage };
}

function application(app: SimApp, tenant: Tenant): Json {
  return {
    id: app.objectId, appId: app.appId, displayName: app.displayName, createdDateTime: app.createdDateTime,
    signInAudience: 'AzureADMyOrg', publisherDomain: tenant.domain, identifierUris: app.identifierUris,
    isFallbackPublicClient: app.publicClient,
    passwordCredentials: app.credentials.filter((c) => c.type === 'Password').map(passwordCredential),
    keyCredentials: app.credentials.filter((c) => c.type === 'AsymmetricX509Cert').map(keyCredential),
    web: { redirectUris: app.publicClient ? [] : app.redirectUris, logoutUrl: app.logoutUrl ?? null, implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false } },
    publicClient: { redirectUris: app.publicClient ? app.redirectUris : [] },
    spa: { redirectUris: [] },
    requiredResourceAccess: app.graphAppRoles.length > 0 ? [{ resourceAppId: tenant.resources.graph.appId, resourceAccess: app.graphAppRoles.map((v) => ({ id: GRAPH_APP_ROLE_IDS[v] ?? v, type: 'Role' })) }] : [],
  };
}

function servicePrincipal(app: SimApp, tenant: Tenant): Json {
  return {
    id: app.servicePrincipalId, appId: app.appId, displayName: app.displayName, appOwnerOrganizationId: tenant.tenantId,
    servicePrincipalType: 'Application', accountEnabled: true, preferredSingleSignOnMode: app.preferredSingleSignOnMode,
    servicePrincipalNames: [app.appId, ...app.identifierUris], passwordCredentials: [], keyCredentials: [],
  };
}

export function buildSnapshot(tenant: Tenant, collectedAtMs: number, changes: readonly SnapshotChange[]): Json {
  const apps = [...tenant.apps, tenant.deployBot, ...changes.map((c) => c.app)];
  const applications = apps.map((a) => application(a, tenant));
  const resources = Object.values(tenant.resources);
  const servicePrincipals: Json[] = [
    ...apps.map((a) => servicePrincipal(a, tenant)),
    ...tenant.managedIdentities.map((mi) => ({
      id: mi.servicePrincipalId, appId: mi.appId, displayName: mi.displayName, servicePrincipalType: 'ManagedIdentity', accountEnabled: true,
      appOwnerOrganizationId: null, alternativeNames: [mi.msiType === 'systemAssigned' ? 'isExplicit=False' : 'isExplicit=True', mi.associatedResourceId],
      preferredSingleSignOnMode: null, passwordCredentials: [], keyCredentials: [],
    })),
    ...resources.map((r) => ({ id: r.servicePrincipalId, appId: r.appId, displayName: r.displayName, servicePrincipalType: 'Application', accountEnabled: true, appOwnerOrganizationId: MICROSOFT_TENANT, preferredSingleSignOnMode: null, servicePrincipalNames: r.servicePrincipalNames.split(';') })),
  ];
  const graph = tenant.resources.graph;
  const appRoleAssignments = apps.flatMap((a) => a.graphAppRoles.map((value) => ({
    id: `${a.servicePrincipalId.slice(0, 8)}-${GRAPH_APP_ROLE_IDS[value]?.slice(0, 8) ?? value}`, appRoleId: GRAPH_APP_ROLE_IDS[value] ?? value, principalId: a.servicePrincipalId, principalDisplayName: a.displayName,
    principalType: 'ServicePrincipal', resourceId: graph.servicePrincipalId, resourceDisplayName: graph.displayName, createdDateTime: a.createdDateTime,
  })));
  const roleDefinitions = Object.entries(tenant.directoryRoles).map(([displayName, r]) => ({ id: r.templateId, templateId: r.templateId, displayName, isBuiltIn: true }));
  const roleAssignments = [
    { id: `ra-${tenant.globalAdmin.id}`, principalId: tenant.globalAdmin.id, roleDefinitionId: tenant.directoryRoles['Global Administrator']!.templateId, directoryScopeId: '/' },
    ...tenant.admins.map((u) => ({ id: `ra-${u.id}`, principalId: u.id, roleDefinitionId: tenant.directoryRoles['Application Administrator']!.templateId, directoryScopeId: '/' })),
    ...tenant.state.roleAssignments,
  ];
  const userObject = (u: Tenant['users'][number]): Json => ({ '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName });
  const owners: Record<string, Json[]> = {};
  for (const a of apps) owners[a.objectId] = a.owners.map(userObject);
  return {
    tenantId: tenant.tenantId,
    collectedAt: new Date(collectedAtMs).toISOString(),
    applications,
    servicePrincipals,
    oauth2PermissionGrants: tenant.state.grants,
    appRoleAssignments: [...appRoleAssignments, ...tenant.state.appRoleAssignments],
    roleAssignments,
    roleDefinitions,
    owners,
    domains: [
      { id: tenant.domain, isVerified: true, isDefault: true, authenticationType: 'Managed' },
      { id: 'contoso.onmicrosoft.com', isVerified: true, isDefault: false, authenticationType: 'Managed' },
    ],
    policies: {},
    gaps: [],
  };
}
