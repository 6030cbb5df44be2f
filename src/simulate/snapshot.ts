/**
 * @module simulate/snapshot
 * The tenant's inventory as the posture collector would read it from Microsoft Graph at the end of the simulated
 * period, in the contract's shape (docs/contracts.md "Inventory snapshot") with Graph's own object shapes.
 * Scenario changes that leave state behind (the long-lived secret, the apps an attacker registered) are in it.
 * The tenant's policies are the ones its logs imply: people sign in with ROPC and device code without MFA and
 * consent for themselves, so no enforced Conditional Access policy stops either flow; risk-based step-up consent
 * is on (it stops a consent); the user consent policy lets people consent to anything only when the logs show
 * them consenting to more than low-impact permissions. The deploy pipeline has its own app management policy.
 */
import { createHash } from 'node:crypto';
import { classifyPermission } from '../enrich/catalogue.js';
import type { SnapshotChange } from './scenarios.js';
import { EXCHANGE_FULL_ACCESS_ROLE_ID, GRAPH_APP_ROLE_IDS, MICROSOFT_TENANT, type SimApp, type SimCredential, type Tenant } from './tenant.js';

type Json = Record<string, unknown>;

function passwordCredential(c: SimCredential): Json {
  return { customKeyIdentifier: null, displayName: c.displayName, endDateTime: c.endDateTime, hint: c.displayName.slice(0, 3), keyId: c.keyId, secretText: null, startDateTime: c.startDateTime };
}
function keyCredential(c: SimCredential): Json {
  return { customKeyIdentifier: c.thumbprint ?? null, displayName: c.displayName, endDateTime: c.endDateTime, key: null, keyId: c.keyId, startDateTime: c.startDateTime, type: 'AsymmetricX509Cert', usage: c.usage };
}

/** App instance property lock, as the tenant's administrators set it on the apps they run. */
const LOCKED = { isEnabled: true, allProperties: true, credentialsWithUsageVerify: true, credentialsWithUsageSign: true, identifierUris: true, tokenEncryptionKeyId: true };

function application(app: SimApp, tenant: Tenant, own: boolean): Json {
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
    // Apps that scenarios register or bring back (the attacker's, the forgotten legacy one) have no lock.
    servicePrincipalLockConfiguration: own ? LOCKED : null,
  };
}

function servicePrincipal(app: SimApp, tenant: Tenant): Json {
  return {
    id: app.servicePrincipalId, appId: app.appId, displayName: app.displayName, appOwnerOrganizationId: tenant.tenantId,
    servicePrincipalType: 'Application', accountEnabled: true, preferredSingleSignOnMode: app.preferredSingleSignOnMode,
    servicePrincipalNames: [app.appId, ...app.identifierUris], passwordCredentials: [], keyCredentials: [],
  };
}

/** A Conditional Access policy in Graph's shape (v1.0 conditionalAccessPolicy). */
function caPolicy(id: string, displayName: string, state: string, include: { users: string[]; excludeUsers?: string[]; applications: string[]; clientAppTypes: string[] }, builtInControls: string[]): Json {
  return {
    id, displayName, state, createdDateTime: '2024-03-11T09:12:44.5471238Z', modifiedDateTime: null, templateId: null,
    conditions: {
      userRiskLevels: [], signInRiskLevels: [], clientAppTypes: include.clientAppTypes, platforms: null, locations: null, times: null, deviceStates: null, devices: null, clientApplications: null,
      applications: { includeApplications: include.applications, excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [] },
      users: { includeUsers: include.users, excludeUsers: include.excludeUsers ?? [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null },
    },
    grantControls: { operator: 'OR', builtInControls, customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
    sessionControls: null,
  };
}

function policies(tenant: Tenant): Json {
  const ca = new Map(tenant.caPolicies.map((p) => [p.displayName, p.id]));
  const azureManagement = tenant.resources.azureManagement.appId;
  // People consented for themselves to more than low-impact permissions (consent phishing): the tenant still has
  // the legacy user consent policy. Otherwise only low-impact permissions from verified publishers.
  const consentedBeyondLow = tenant.state.grants.some((g) => String(g.consentType) === 'Principal'
    && String(g.scope ?? '').split(/\s+/).filter(Boolean).some((scope) => classifyPermission(scope).class !== 'low'));
  const deployPolicyId = '1ae4d8f4-96b5-4c2c-9bb6-3f0b3a8c1d27';
  return {
    // Graph's default tenant policy, never turned on: appwatch.yaml's limits apply to the other apps.
    defaultAppManagementPolicy: {
      id: '00000000-0000-0000-0000-000000000000', displayName: 'Default app management tenant policy', description: 'Default tenant policy that enforces app management restrictions on applications and service principals.',
      isEnabled: false, applicationRestrictions: { passwordCredentials: [], keyCredentials: [] }, servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
    },
    appManagementPolicies: [{
      id: deployPolicyId, displayName: 'Deploy pipeline credentials', description: 'Short-lived credentials for the deployment pipeline.', isEnabled: true,
      restrictions: {
        passwordCredentials: [{ restrictionType: 'passwordLifetime', state: 'enabled', maxLifetime: 'P90D', restrictForAppsCreatedAfterDateTime: '2019-01-01T00:00:00Z' }],
        keyCredentials: [{ restrictionType: 'asymmetricKeyLifetime', state: 'enabled', maxLifetime: 'P180D', restrictForAppsCreatedAfterDateTime: '2019-01-01T00:00:00Z' }],
      },
    }],
    appManagementPolicyTargets: { [deployPolicyId]: [tenant.deployBot.objectId] },
    conditionalAccessPolicies: [
      // Report-only: people (and the legacy test account) sign in with ROPC and no MFA in the logs.
      caPolicy(ca.get('Require MFA for all users')!, 'Require MFA for all users', 'enabledForReportingButNotEnforced', { users: ['All'], excludeUsers: [tenant.globalAdmin.id], applications: ['All'], clientAppTypes: ['all'] }, ['mfa']),
      caPolicy(ca.get('Block legacy authentication')!, 'Block legacy authentication', 'enabled', { users: ['All'], applications: ['All'], clientAppTypes: ['exchangeActiveSync', 'other'] }, ['block']),
      caPolicy(ca.get('Require compliant device for Office 365')!, 'Require compliant device for Office 365', 'enabled', { users: ['All'], applications: ['Office365'], clientAppTypes: ['all'] }, ['compliantDevice']),
      caPolicy(ca.get('Require MFA for Azure management')!, 'Require MFA for Azure management', 'enabled', { users: ['All'], applications: [azureManagement], clientAppTypes: ['all'] }, ['mfa']),
    ],
    authorizationPolicy: {
      id: 'authorizationPolicy', displayName: 'Authorization Policy', description: 'Used to manage authorization related settings across the company.',
      allowInvitesFrom: 'everyone', allowedToSignUpEmailBasedSubscriptions: true, allowedToUseSSPR: true, allowEmailVerifiedUsersToJoinOrganization: false, blockMsolPowerShell: false,
      guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
      defaultUserRolePermissions: {
        allowedToCreateApps: false, allowedToCreateSecurityGroups: true, allowedToCreateTenants: false, allowedToReadBitlockerKeysForOwnedDevice: true, allowedToReadOtherUsers: true,
        permissionGrantPoliciesAssigned: [`ManagePermissionGrantsForSelf.microsoft-user-default-${consentedBeyondLow ? 'legacy' : 'low'}`],
      },
    },
    // Risk-based step-up consent on (it stops a consent in the logs).
    directorySettings: [{
      id: 'b5e3a8f1-0c6d-4c2e-9f7a-2d8e6b1c4a93', displayName: 'Consent Policy Settings', templateId: 'dffd5d46-495d-40a9-8e21-954ff55e198a',
      values: [
        { name: 'EnableGroupSpecificConsent', value: 'false' }, { name: 'BlockUserConsentForRiskyApps', value: 'true' },
        { name: 'EnableAdminConsentRequests', value: 'true' }, { name: 'ConstrainGroupSpecificConsentToMembersOfGroupId', value: '' },
      ],
    }],
  };
}

export function buildSnapshot(tenant: Tenant, collectedAtMs: number, changes: readonly SnapshotChange[]): Json {
  const own = [...tenant.apps, tenant.deployBot];
  const apps = [...own, ...changes.map((c) => c.app)];
  const applications = apps.map((a) => application(a, tenant, own.includes(a)));
  const resources = Object.values(tenant.resources);
  // Microsoft's service principals carry no credentials in a healthy tenant (posture-first-party-credential).
  const firstParty = (appId: string, displayName: string, id: string, names: string[], appRoles: Json[] = []): Json => ({
    id, appId, displayName, servicePrincipalType: 'Application', accountEnabled: true, appOwnerOrganizationId: MICROSOFT_TENANT, preferredSingleSignOnMode: null,
    servicePrincipalNames: names, appRoles, passwordCredentials: [], keyCredentials: [],
  });
  const exchangeRoles = [{ allowedMemberTypes: ['Application'], description: 'Full access to every mailbox through Exchange Web Services, without a signed-in user.', displayName: 'Use Exchange Web Services with full access to all mailboxes', id: EXCHANGE_FULL_ACCESS_ROLE_ID, isEnabled: true, origin: 'Application', value: 'full_access_as_app' }];
  const servicePrincipals: Json[] = [
    ...apps.map((a) => servicePrincipal(a, tenant)),
    ...tenant.managedIdentities.map((mi) => ({
      id: mi.servicePrincipalId, appId: mi.appId, displayName: mi.displayName, servicePrincipalType: 'ManagedIdentity', accountEnabled: true,
      appOwnerOrganizationId: null, alternativeNames: [mi.msiType === 'systemAssigned' ? 'isExplicit=False' : 'isExplicit=True', mi.associatedResourceId],
      preferredSingleSignOnMode: null, passwordCredentials: [], keyCredentials: [],
    })),
    // Graph's own roles are left out, as collectors often do: appwatch names them from its catalogue.
    ...resources.map((r) => firstParty(r.appId, r.displayName, r.servicePrincipalId, r.servicePrincipalNames.split(';'), r === tenant.resources.exchange ? exchangeRoles : [])),
    ...tenant.microsoftApps.filter((m) => !resources.some((r) => r.appId === m.appId))
      .map((m) => firstParty(m.appId, m.displayName, spIdOf(tenant, m.appId), [m.appId])),
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
  for (const a of apps) {
    owners[a.objectId] = a.owners.map(userObject);
    // Registering an app in the portal makes its creator owner of the service principal as well; owners added
    // later (the audit log's 'Add owner to application') own the application only.
    if (own.includes(a) && a.owners[0]) owners[a.servicePrincipalId] = [userObject(a.owners[0])];
  }
  return {
    tenantId: tenant.tenantId,
    collectedAt: new Date(collectedAtMs).toISOString(),
    applications,
    servicePrincipals,
    oauth2PermissionGrants: tenant.state.grants,
    appRoleAssignments: [...appRoleAssignments, ...tenant.state.appRoleAssignments],
    roleAssignments,
    // The simulated tenant assigns no role through PIM.
    roleEligibilitySchedules: [],
    roleDefinitions,
    owners,
    domains: [
      { id: tenant.domain, isVerified: true, isDefault: true, authenticationType: 'Managed' },
      { id: 'contoso.onmicrosoft.com', isVerified: true, isDefault: false, authenticationType: 'Managed' },
    ],
    policies: policies(tenant),
    gaps: [],
  };
}

/** A stable service principal id for a Microsoft app in this tenant (derived, so the tenant's random stream is untouched). */
function spIdOf(tenant: Tenant, appId: string): string {
  const hex = createHash('sha256').update(`${tenant.tenantId}/${appId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
