/**
 * appwatch posture checks (docs/posture.md) on Graph-shaped snapshots: a clean tenant gives no finding, and each
 * check is shown firing on one change to it and staying quiet on its look-alikes. Then the completeness findings
 * (gaps, data not in the snapshot), Microsoft's documentation samples read in place, and `appwatch scan --snapshot`
 * end to end: what the snapshot adds to credential and role alerts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { CHECKS, postureFindings, type PostureOptions } from '../../src/posture/checks.js';
import { isoDurationDays, type InventorySnapshot } from '../../src/posture/snapshot.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, FIXTURES, ROOT } from '../helpers/ingest.js';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
const NOW = Date.parse('2026-10-14T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const TENANT = '3f1c2b8e-5a4d-4c7e-9b2a-1d0e6f7a8b9c';
const MICROSOFT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const GRAPH = { id: 'fea94d6d-b5bf-44d2-a887-4f72a8d74f44', appId: '00000003-0000-0000-c000-000000000000' };
const ROLE = {
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
  'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
} as const;
const TEMPLATE = { globalAdmin: '62e90394-69f5-4237-9190-012177145e10', appAdmin: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b' };

/** An application as GET /applications returns it (v1.0), with the defaults a tidy tenant has. */
function application(n: number, over: Json = {}): Json {
  const appId = `a0000000-0000-4000-8000-00000000000${n}`;
  return {
    id: `0b000000-0000-4000-8000-00000000000${n}`, deletedDateTime: null, appId, applicationTemplateId: null, createdDateTime: '2025-03-02T10:11:12Z',
    displayName: `App-${n}`, isFallbackPublicClient: null, identifierUris: [`api://${appId}`], publisherDomain: 'contoso.com', signInAudience: 'AzureADMyOrg',
    api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [] }, appRoles: [],
    publicClient: { redirectUris: [] }, spa: { redirectUris: [] },
    web: { redirectUris: [`https://app${n}.contoso.com/signin-oidc`], homePageUrl: null, logoutUrl: `https://app${n}.contoso.com/signout-oidc`, implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    keyCredentials: [], passwordCredentials: [], requiredResourceAccess: [],
    servicePrincipalLockConfiguration: { isEnabled: true, allProperties: true, credentialsWithUsageVerify: true, credentialsWithUsageSign: true, identifierUris: false, tokenEncryptionKeyId: true },
    ...over,
  };
}
/** The application's service principal in this tenant. */
function servicePrincipal(app: Json, over: Json = {}): Json {
  const n = String(app.id).slice(-1);
  return {
    id: `5c000000-0000-4000-8000-00000000000${n}`, accountEnabled: true, appId: app.appId, appDisplayName: app.displayName, displayName: app.displayName,
    appOwnerOrganizationId: TENANT, appRoleAssignmentRequired: false, appRoles: [], servicePrincipalType: 'Application', servicePrincipalNames: [app.appId],
    preferredSingleSignOnMode: null, signInAudience: 'AzureADMyOrg', keyCredentials: [], passwordCredentials: [], ...over,
  };
}
const graphSp = { id: GRAPH.id, appId: GRAPH.appId, displayName: 'Microsoft Graph', appOwnerOrganizationId: MICROSOFT, servicePrincipalType: 'Application', preferredSingleSignOnMode: null, appRoles: [], keyCredentials: [], passwordCredentials: [] };
const secret = (name: string, startMs: number, days: number): Json => ({ customKeyIdentifier: null, displayName: name, endDateTime: iso(startMs + days * DAY), hint: name.slice(0, 3), keyId: `1d000000-0000-4000-8000-${String(days).padStart(12, '0')}`, secretText: null, startDateTime: iso(startMs) });
const certificate = (name: string, startMs: number, days: number): Json => ({ customKeyIdentifier: 'A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0', displayName: name, endDateTime: iso(startMs + days * DAY), key: null, keyId: `2e000000-0000-4000-8000-${String(days).padStart(12, '0')}`, startDateTime: iso(startMs), type: 'AsymmetricX509Cert', usage: 'Verify' });
/** An app role the service principal holds (GET /servicePrincipals/{id}/appRoleAssignments). */
const holds = (sp: Json, permission: keyof typeof ROLE, createdDateTime = '2025-04-01T08:00:00.1234567Z'): Json => ({
  id: `UxOIjjUXr0WvIe4TRFgqTY4z9Wu5KxpBtlEpoT${String(sp.id).slice(-1)}${permission.length}`, deletedDateTime: null, appRoleId: ROLE[permission], createdDateTime,
  principalDisplayName: sp.displayName, principalId: sp.id, principalType: 'ServicePrincipal', resourceDisplayName: 'Microsoft Graph', resourceId: GRAPH.id,
});
const user = (name: string): Json => ({ '@odata.type': '#microsoft.graph.user', id: `7a000000-0000-4000-8000-0000000${name.length}${name.charCodeAt(0)}`, displayName: name, userPrincipalName: `${name.toLowerCase()}@contoso.com` });

/** A Conditional Access policy (GET /identity/conditionalAccess/policies). */
function caPolicy(displayName: string, state: string, conditions: Json, builtInControls: string[]): Json {
  return {
    id: `ca${displayName.length}00000-0000-4000-8000-000000000000`.slice(0, 36), displayName, state, createdDateTime: '2024-05-02T08:00:00Z', modifiedDateTime: null, templateId: null,
    conditions: { userRiskLevels: [], signInRiskLevels: [], clientAppTypes: ['all'], platforms: null, locations: null, applications: { includeApplications: ['All'], excludeApplications: [] }, users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, ...conditions },
    grantControls: { operator: 'OR', builtInControls, customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null }, sessionControls: null,
  };
}

/** A tenant with nothing to report: two apps (one a daemon with a certificate and a read permission), tidy policies. */
function cleanTenant(): InventorySnapshot & { policies: NonNullable<InventorySnapshot['policies']> } {
  const web = application(1);
  const daemon = application(2, { web: { redirectUris: [], logoutUrl: null }, keyCredentials: [certificate('CN=daemon', NOW - 100 * DAY, 300)] });
  const webSp = servicePrincipal(web);
  const daemonSp = servicePrincipal(daemon);
  const admin = user('Alice');
  return {
    tenantId: TENANT, collectedAt: iso(NOW),
    applications: [web, daemon],
    servicePrincipals: [webSp, daemonSp, graphSp],
    appRoleAssignments: [holds(daemonSp, 'User.Read.All')],
    oauth2PermissionGrants: [{ id: 'grant-1', clientId: webSp.id, consentType: 'AllPrincipals', principalId: null, resourceId: GRAPH.id, scope: 'openid profile User.Read' }],
    roleAssignments: [{ id: 'ra-1', principalId: admin.id, roleDefinitionId: TEMPLATE.appAdmin, directoryScopeId: '/' }],
    roleEligibilitySchedules: [],
    roleDefinitions: [{ id: TEMPLATE.appAdmin, templateId: TEMPLATE.appAdmin, displayName: 'Application Administrator', isBuiltIn: true }],
    owners: { [String(web.id)]: [admin], [String(daemon.id)]: [admin] },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }, { id: 'contoso.onmicrosoft.com', isVerified: true }],
    policies: {
      defaultAppManagementPolicy: { id: '00000000-0000-0000-0000-000000000000', displayName: 'Default app management tenant policy', isEnabled: false, applicationRestrictions: { passwordCredentials: [], keyCredentials: [] }, servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] } },
      appManagementPolicies: [], appManagementPolicyTargets: {},
      conditionalAccessPolicies: [
        caPolicy('Require MFA for all users', 'enabled', {}, ['mfa']),
        caPolicy('Block device code flow', 'enabled', { authenticationFlows: { transferMethods: 'deviceCodeFlow' } }, ['block']),
      ],
      authorizationPolicy: { id: 'authorizationPolicy', displayName: 'Authorization Policy', defaultUserRolePermissions: { allowedToCreateApps: false, permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'] } },
      directorySettings: [{ id: 'ds-1', displayName: 'Consent Policy Settings', templateId: 'dffd5d46-495d-40a9-8e21-954ff55e198a', values: [{ name: 'EnableGroupSpecificConsent', value: 'false' }, { name: 'BlockUserConsentForRiskyApps', value: 'true' }, { name: 'EnableAdminConsentRequests', value: 'true' }] }],
    },
    gaps: [],
  };
}

const OPTIONS: PostureOptions = { policy: { password: 180, certificate: 365 }, now: NOW, file: 'snapshot.json', detectedAt: '2026-10-14T09:00:00.000Z' };
const run = (snapshot: InventorySnapshot, options: Partial<PostureOptions> = {}): Alert[] => postureFindings(snapshot, { ...OPTIONS, ...options });
const only = (snapshot: InventorySnapshot, id: string, options: Partial<PostureOptions> = {}): Alert[] => run(snapshot, options).filter((f) => f.rule.id === id);
const ids = (findings: Alert[]): string[] => findings.map((f) => f.rule.id).sort();
const app = (t: InventorySnapshot, n: number): Json => t.applications[n - 1]!;
const sp = (t: InventorySnapshot, n: number): Json => t.servicePrincipals[n - 1]!;

describe('posture checks', () => {
  it('a clean tenant gives no finding; every check is documented with a fix', async () => {
    expect(run(cleanTenant()).map((f) => f.summary)).toEqual([]);
    const docs = await readFile(resolve(ROOT, 'docs/posture.md'), 'utf8');
    for (const check of Object.values(CHECKS)) {
      expect(check.fix.length, check.id).toBeGreaterThan(20);
      expect(docs, check.id).toContain(`## ${check.id}`);
    }
  });

  it('findings are alerts: posture source, guide rows, evidence in the snapshot, a stable id, a fix', () => {
    const t = cleanTenant();
    app(t, 2).passwordCredentials = [secret('daemon-secret', NOW - 10 * DAY, 400)];
    const findings = run(t);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.rule.source).toBe('posture');
      expect(f.summary).toMatch(/ Fix: .+/);
      expect(f.time).toBe(iso(NOW).replace('Z', '.000Z'));
      expect(f.evidence.every((e) => e.origin.file === 'snapshot.json' && typeof e.origin.index === 'number')).toBe(true);
    }
    expect(run(t).map((f) => f.id)).toEqual(findings.map((f) => f.id));
  });

  describe('credential lifetime', () => {
    it('judges against appwatch.yaml when the tenant has no app management policy, and says so', () => {
      const t = cleanTenant();
      app(t, 1).passwordCredentials = [secret('web-long', NOW - 10 * DAY, 200), secret('web-ok', NOW - 10 * DAY, 170)];
      const [f, ...rest] = only(t, 'posture-credential-lifetime');
      expect(rest).toEqual([]);
      expect(f!.summary).toContain("password 'web-long' on 'App-1' (appId a0000000-0000-4000-8000-000000000001) is valid 200 days");
      expect(f!.summary).toContain('(policy 180 days, from appwatch.yaml credentials.maxLifetimeDays; no app management policy of the tenant limits it)');
      delete t.policies.defaultAppManagementPolicy;
      delete t.policies.appManagementPolicies;
      delete t.policies.appManagementPolicyTargets;
      expect(only(t, 'posture-credential-lifetime')[0]!.summary).toContain("the tenant's app management policies are not in the snapshot");
      // …and an informational note that the check ran without them.
      expect(only(t, 'posture-check-not-run').map((c) => [c.severity, c.fields.source])).toEqual([['informational', ['defaultAppManagementPolicy']]]);
    });

    it("the tenant's enabled default policy wins over appwatch.yaml, for the objects it restricts", () => {
      const t = cleanTenant();
      app(t, 1).passwordCredentials = [secret('web-120', NOW - 10 * DAY, 120)];
      app(t, 2).keyCredentials = [certificate('CN=daemon', NOW - 10 * DAY, 200)];
      expect(only(t, 'posture-credential-lifetime')).toEqual([]); // within 180 / 365
      t.policies.defaultAppManagementPolicy = {
        id: '00000000-0000-0000-0000-000000000000', displayName: 'Default app management tenant policy', isEnabled: true,
        applicationRestrictions: {
          passwordCredentials: [{ restrictionType: 'passwordAddition', maxLifetime: null, restrictForAppsCreatedAfterDateTime: '2019-10-19T10:37:00Z' }, { restrictionType: 'passwordLifetime', maxLifetime: 'P90D', restrictForAppsCreatedAfterDateTime: '2017-01-01T10:37:00Z' }],
          keyCredentials: [{ restrictionType: 'asymmetricKeyLifetime', maxLifetime: 'P180D', restrictForAppsCreatedAfterDateTime: '2019-10-19T10:37:00Z' }],
        },
        servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
      };
      const found = only(t, 'posture-credential-lifetime');
      expect(found.map((f) => f.fields.policyDays)).toEqual([[90], [180]]);
      expect(found.every((f) => f.summary.includes("from the tenant's default app management policy"))).toBe(true);
      // Apps created before restrictForAppsCreatedAfterDateTime are not restricted: appwatch.yaml again.
      app(t, 1).createdDateTime = '2016-05-01T00:00:00Z';
      expect(only(t, 'posture-credential-lifetime').map((f) => f.entities.application?.displayName)).toEqual(['App-2']);
      // A disabled restriction, or a disabled policy, restricts nothing.
      app(t, 1).createdDateTime = '2025-03-02T10:11:12Z';
      ((t.policies.defaultAppManagementPolicy.applicationRestrictions as Json).passwordCredentials as Json[])[1]!.state = 'disabled';
      expect(only(t, 'posture-credential-lifetime').map((f) => f.entities.application?.displayName)).toEqual(['App-2']);
      t.policies.defaultAppManagementPolicy.isEnabled = false;
      expect(only(t, 'posture-credential-lifetime')).toEqual([]);
    });

    it('an app management policy assigned to the app overrides the tenant default, both ways', () => {
      const t = cleanTenant();
      app(t, 1).passwordCredentials = [secret('web-200', NOW - 10 * DAY, 200)];
      t.policies.defaultAppManagementPolicy = { id: '00000000-0000-0000-0000-000000000000', isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }] } };
      t.policies.appManagementPolicies = [{ id: 'db9d4b58-3488-4da4-9994-49773c454e33', displayName: 'Partner integration secrets', isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P1Y', state: 'enabled' }], keyCredentials: [] } }];
      t.policies.appManagementPolicyTargets = { 'db9d4b58-3488-4da4-9994-49773c454e33': [String(app(t, 1).id)] };
      expect(only(t, 'posture-credential-lifetime')).toEqual([]); // 200 days within its own policy's year
      (t.policies.appManagementPolicies[0]!.restrictions as Json).passwordCredentials = [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D', state: 'enabled' }];
      expect(only(t, 'posture-credential-lifetime').map((f) => f.summary)).toEqual([expect.stringContaining("(policy 30 days, from app management policy 'Partner integration secrets' assigned to it)")]);
    });

    it('reads ISO 8601 durations', () => {
      expect(isoDurationDays('P90D')).toBe(90);
      expect(isoDurationDays('P1Y')).toBe(365);
      expect(isoDurationDays('P2W')).toBe(14);
      expect(isoDurationDays('P4DT12H')).toBe(4.5);
      expect(isoDurationDays('P')).toBeUndefined();
      expect(isoDurationDays('90 days')).toBeUndefined();
      expect(isoDurationDays(null)).toBeUndefined();
    });
  });

  it('expired credentials, and credentials expiring within N days (default 30)', () => {
    const t = cleanTenant();
    app(t, 1).passwordCredentials = [secret('old', NOW - 100 * DAY, 90), secret('soon', NOW - 160 * DAY, 170), secret('later', NOW - 130 * DAY, 170)];
    expect(only(t, 'posture-credential-expired').map((f) => f.fields.keyId)).toEqual([[String((app(t, 1).passwordCredentials as Json[])[0]!.keyId)]]);
    const soon = only(t, 'posture-credential-expiring');
    expect(soon.map((f) => [f.severity, f.summary.slice(0, 80)])).toEqual([['low', "password 'soon' on 'App-1' (appId a0000000-0000-4000-8000-000000000001) expires "]]);
    expect(soon[0]!.summary).toContain('in 10 days');
    expect(only(t, 'posture-credential-expiring', { expiringWithinDays: 60 })).toHaveLength(2);
    expect(only(t, 'posture-credential-expiring', { expiringWithinDays: 5 })).toEqual([]);
  });

  it('a secret on an app that signs in as itself: low, medium when it carries a high or critical permission', () => {
    const t = cleanTenant();
    app(t, 2).passwordCredentials = [secret('daemon-secret', NOW - 10 * DAY, 150)];
    expect(only(t, 'posture-secret-instead-of-certificate').map((f) => [f.severity, f.fields.secret])).toEqual([['low', ['daemon-secret']]]);
    t.appRoleAssignments.push(holds(sp(t, 2), 'Mail.Read'));
    const [f] = only(t, 'posture-secret-instead-of-certificate');
    expect([f!.severity, f!.context.severityReasons[1]]).toEqual(['medium', 'raised: the secret carries high or critical privileges']);
    expect(f!.summary).toContain('Mail.Read (application, Microsoft Graph)');
    // Not: a public client, an app without application permissions, an expired secret.
    app(t, 2).isFallbackPublicClient = true;
    expect(only(t, 'posture-secret-instead-of-certificate')).toEqual([]);
    app(t, 2).isFallbackPublicClient = null;
    app(t, 1).passwordCredentials = [secret('web-secret', NOW - 10 * DAY, 150)];
    app(t, 2).passwordCredentials = [secret('expired', NOW - 100 * DAY, 90)];
    expect(only(t, 'posture-secret-instead-of-certificate')).toEqual([]);
  });

  it('credentials on Microsoft first-party service principals, by owner tenant or by the first-party catalogue', () => {
    const t = cleanTenant();
    const exchange = { id: '9f3c8a62-1b7d-4e5f-a2c4-6d8e0f1a3b5c', appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online', appOwnerOrganizationId: MICROSOFT, servicePrincipalType: 'Application', keyCredentials: [], passwordCredentials: [] };
    const teams = { id: '4e2b7d91-8c3a-4f6e-b1d5-9a0c2e4f6a8b', appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', displayName: 'Microsoft Teams', servicePrincipalType: 'Application', keyCredentials: [], passwordCredentials: [] };
    t.servicePrincipals.push(exchange, teams);
    expect(only(t, 'posture-first-party-credential')).toEqual([]); // without credentials
    exchange.keyCredentials = [certificate('CN=hybrid', NOW - 10 * DAY, 365)] as never[];
    teams.passwordCredentials = [secret('x', NOW - DAY, 30)] as never[]; // no owner tenant: the catalogue knows its appId
    const found = only(t, 'posture-first-party-credential');
    expect(found.map((f) => [f.severity, f.entities.servicePrincipal?.displayName])).toEqual([['high', 'Office 365 Exchange Online'], ['high', 'Microsoft Teams']]);
    expect(found[0]!.summary).toContain("carries certificate 'CN=hybrid' until");
    // The tenant's own service principal with a credential is not first-party.
    sp(t, 1).passwordCredentials = [secret('sp-secret', NOW - DAY, 30)];
    expect(only(t, 'posture-first-party-credential')).toHaveLength(2);
  });

  it('application permissions: critical → high finding, high → medium, the rest and the other direction nothing', () => {
    const t = cleanTenant();
    expect(only(t, 'posture-application-permission')).toEqual([]); // User.Read.All is medium
    t.appRoleAssignments.push(holds(sp(t, 2), 'RoleManagement.ReadWrite.Directory'), holds(sp(t, 1), 'Mail.Read'));
    // The other direction (a user assigned to the app's default role) and unnamed roles are not permissions it holds.
    t.appRoleAssignments.push({ id: 'u1', appRoleId: '00000000-0000-0000-0000-000000000000', principalId: '7a000000-0000-4000-8000-000000000099', principalType: 'User', resourceId: sp(t, 1).id, resourceDisplayName: 'App-1' });
    t.appRoleAssignments.push({ ...holds(sp(t, 1), 'Mail.Read'), id: 'x', appRoleId: '5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e' });
    const found = only(t, 'posture-application-permission');
    expect(found.map((f) => [f.entities.servicePrincipal?.displayName, f.severity, f.fields.permission])).toEqual([
      ['App-2', 'high', ['RoleManagement.ReadWrite.Directory']],
      ['App-1', 'medium', ['Mail.Read']],
    ]);
    expect(found[0]!.evidence.map((e) => [e.kind, e.origin.index])).toEqual([['appRoleAssignment', 1]]);
  });

  it('owners of privileged apps, through the application or the service principal; not administrators who can anyway', () => {
    const t = cleanTenant();
    const bob = user('Bob');
    t.owners![String(app(t, 2).id)]!.push(bob);
    expect(only(t, 'posture-owner-of-privileged-app')).toEqual([]); // the daemon holds nothing high
    t.appRoleAssignments.push(holds(sp(t, 2), 'Application.ReadWrite.All'));
    const [f, ...rest] = only(t, 'posture-owner-of-privileged-app');
    expect(rest).toEqual([]);
    expect([f!.severity, f!.fields.owner]).toEqual(['high', ['bob@contoso.com']]);
    expect(f!.summary).toContain("user 'bob@contoso.com' (owner of the application) can add a credential to 'App-2'");
    // Alice holds Application Administrator: owning adds nothing. Bob owning the service principal as well:
    t.owners![String(sp(t, 2).id)] = [bob];
    expect(only(t, 'posture-owner-of-privileged-app')[0]!.summary).toContain('(owner of the application and the service principal)');
    // Owner of a service principal only, of an app whose privilege is a directory role.
    t.appRoleAssignments.pop();
    t.owners![String(app(t, 2).id)] = [];
    t.roleAssignments.push({ id: 'ra-sp', principalId: sp(t, 2).id, roleDefinitionId: TEMPLATE.globalAdmin, directoryScopeId: '/' });
    expect(only(t, 'posture-owner-of-privileged-app')[0]!.summary).toMatch(/'bob@contoso.com' \(owner of the service principal\) .* Global Administrator \(directory role\)/);
  });

  it('all-users grants, privileged roles and risky redirect URIs (the first checks) on the same tenant', () => {
    const t = cleanTenant();
    t.roleDefinitions.push({ id: TEMPLATE.directoryReaders, templateId: TEMPLATE.directoryReaders, displayName: 'Directory Readers', isBuiltIn: true });
    t.roleAssignments.push({ id: 'ra-readers', principalId: sp(t, 2).id, roleDefinitionId: TEMPLATE.directoryReaders, directoryScopeId: '/' });
    (app(t, 1).publicClient as Json).redirectUris = ['http://localhost:8400', 'ms-appx-web://microsoft.aad.brokerplugin/a0000000-0000-4000-8000-000000000001'];
    expect(ids(run(t))).toEqual([]); // the clean tenant's low-scope grant, a non-privileged role, native-client URIs
    t.oauth2PermissionGrants[0]!.scope = 'openid profile User.Read Mail.ReadWrite';
    t.roleAssignments.push({ id: 'ra-ga', principalId: sp(t, 2).id, roleDefinitionId: TEMPLATE.globalAdmin, directoryScopeId: '/' });
    (app(t, 1).web as Json).redirectUris = ['https://*.contoso-login.net/callback'];
    const findings = run(t);
    expect(findings.find((f) => f.rule.id === 'posture-all-users-grant')!.fields.scope).toEqual(['Mail.ReadWrite']);
    expect(findings.find((f) => f.rule.id === 'posture-privileged-role')!.entities.role?.displayName).toBe('Global Administrator');
    expect(findings.find((f) => f.rule.id === 'posture-redirect-uri')!.fields.flags).toEqual(['wildcard', 'unverified-domain']);
  });

  it('multi-tenant apps with high privileges', () => {
    const t = cleanTenant();
    app(t, 2).signInAudience = 'AzureADMultipleOrgs';
    expect(only(t, 'posture-multi-tenant-privileged')).toEqual([]); // User.Read.All only
    t.appRoleAssignments.push(holds(sp(t, 2), 'Directory.Read.All'));
    expect(only(t, 'posture-multi-tenant-privileged').map((f) => [f.severity, f.entities.application?.displayName])).toEqual([['high', 'App-2']]);
    app(t, 2).signInAudience = 'AzureADMyOrg';
    expect(only(t, 'posture-multi-tenant-privileged')).toEqual([]);
  });

  it('redirect URIs: the same one on several apps (web addresses only)', () => {
    const t = cleanTenant();
    (app(t, 2).web as Json).redirectUris = ['https://app1.contoso.com/signin-oidc/'];
    (app(t, 2).web as Json).logoutUrl = 'https://app2.contoso.com/signout';
    const [f, ...rest] = only(t, 'posture-duplicate-redirect-uri');
    expect(rest).toEqual([]);
    expect([f!.severity, f!.evidence.map((e) => e.origin.index)]).toEqual(['low', [0, 1]]);
    // Loopback addresses of native clients are shared by design.
    (app(t, 1).publicClient as Json).redirectUris = ['http://localhost'];
    (app(t, 2).publicClient as Json).redirectUris = ['http://localhost'];
    (app(t, 2).web as Json).redirectUris = ['https://app2.contoso.com/signin-oidc'];
    expect(only(t, 'posture-duplicate-redirect-uri')).toEqual([]);
  });

  it('application ID URIs on unverified domains; api://<appId>, api://<tenantId>/…, plain names and verified domains are fine', () => {
    const t = cleanTenant();
    app(t, 1).identifierUris = [`api://${String(app(t, 1).appId)}`, `api://${TENANT}/payroll`, 'api://payroll-sync', 'https://api.contoso.com/payroll', 'https://contoso-payroll.example'];
    expect(only(t, 'posture-identifier-uri').map((f) => [f.severity, f.fields.identifierUri])).toEqual([['medium', ['https://contoso-payroll.example']]]);
  });

  it('web apps without a sign-out URL', () => {
    const t = cleanTenant();
    (app(t, 1).web as Json).logoutUrl = null;
    expect(only(t, 'posture-no-logout-url').map((f) => [f.severity, f.entities.application?.displayName])).toEqual([['low', 'App-1']]);
    (app(t, 1).web as Json).redirectUris = [];
    (app(t, 1).spa as Json).redirectUris = ['https://app1.contoso.com/'];
    expect(only(t, 'posture-no-logout-url')).toEqual([]); // a single-page app has no front-channel sign-out URL
  });

  it('public client flows allowed on an app holding application permissions', () => {
    const t = cleanTenant();
    app(t, 1).isFallbackPublicClient = true;
    expect(only(t, 'posture-fallback-public-client')).toEqual([]); // no application permissions
    app(t, 2).isFallbackPublicClient = true;
    expect(only(t, 'posture-fallback-public-client').map((f) => [f.severity, f.entities.application?.displayName])).toEqual([['medium', 'App-2']]);
  });

  it('no app instance lock, reported only for privileged or multi-tenant apps', () => {
    const t = cleanTenant();
    app(t, 1).servicePrincipalLockConfiguration = null;
    app(t, 2).servicePrincipalLockConfiguration = { isEnabled: false, allProperties: true };
    expect(only(t, 'posture-no-lock-configuration')).toEqual([]);
    t.appRoleAssignments.push(holds(sp(t, 2), 'Mail.Read'));
    app(t, 1).signInAudience = 'AzureADandPersonalMicrosoftAccount';
    expect(only(t, 'posture-no-lock-configuration').map((f) => [f.severity, f.entities.application?.displayName])).toEqual([['low', 'App-1'], ['low', 'App-2']]);
    app(t, 2).servicePrincipalLockConfiguration = { isEnabled: true, allProperties: false, credentialsWithUsageVerify: true };
    expect(only(t, 'posture-no-lock-configuration').map((f) => f.entities.application?.displayName)).toEqual(['App-1']);
  });

  describe('tenant controls', () => {
    it('device code: an enabled blocking policy or a finding (naming report-only ones)', () => {
      const t = cleanTenant();
      const block = t.policies.conditionalAccessPolicies![1]!;
      (block.conditions as Json).authenticationFlows = { transferMethods: 'deviceCodeFlow,authenticationTransfer' };
      expect(only(t, 'posture-device-code-not-blocked')).toEqual([]);
      block.state = 'enabledForReportingButNotEnforced';
      const [f] = only(t, 'posture-device-code-not-blocked');
      expect(f!.severity).toBe('medium');
      expect(f!.summary).toContain("'Block device code flow' would, but is enabledForReportingButNotEnforced");
      block.state = 'enabled';
      (block.grantControls as Json).builtInControls = ['mfa'];
      expect(only(t, 'posture-device-code-not-blocked')).toHaveLength(1);
    });

    it('ROPC: MFA or block for all users and all resources, or a finding listing the fallback public clients', () => {
      const t = cleanTenant();
      const mfa = t.policies.conditionalAccessPolicies![0]!;
      app(t, 1).isFallbackPublicClient = true;
      expect(only(t, 'posture-ropc-not-restricted')).toEqual([]);
      for (const change of [
        () => { mfa.state = 'disabled'; },
        () => { (mfa.conditions as Json).applications = { includeApplications: ['Office365'] }; },
        () => { (mfa.conditions as Json).clientAppTypes = ['exchangeActiveSync', 'other']; },
        () => { (mfa.conditions as Json).signInRiskLevels = ['high']; },
      ]) {
        const copy = structuredClone(t);
        const saved = structuredClone(mfa);
        change();
        const [f] = only(t, 'posture-ropc-not-restricted');
        expect(f?.summary).toContain("applications allowing public client flows: 'App-1'");
        Object.assign(mfa, saved);
        expect(only(copy, 'posture-ropc-not-restricted')).toEqual([]);
      }
    });

    it('Conditional Access not licensed: no policy can stop these flows, and the gap says why', () => {
      const t = cleanTenant();
      delete t.policies.conditionalAccessPolicies;
      t.gaps.push({ resource: 'conditionalAccessPolicies', status: 403, code: 'AadPremiumLicenseRequired', reason: 'Conditional Access needs a Microsoft Entra ID P1 licence' });
      const findings = run(t);
      expect(ids(findings)).toEqual(['posture-collection-incomplete', 'posture-device-code-not-blocked', 'posture-ropc-not-restricted']);
      expect(findings.find((f) => f.rule.id === 'posture-collection-incomplete')!.severity).toBe('informational');
      expect(findings.find((f) => f.rule.id === 'posture-device-code-not-blocked')!.summary).toContain('(Conditional Access is not licensed in the tenant)');
    });

    it('user consent: the legacy policy (v1.0 or beta property) is high; the low-impact one is fine', () => {
      const t = cleanTenant();
      const permissions = t.policies.authorizationPolicy!.defaultUserRolePermissions as Json;
      permissions.permissionGrantPoliciesAssigned = ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy', 'ManageOwnTeamsAndGroups'];
      expect(only(t, 'posture-user-consent-unrestricted').map((f) => f.severity)).toEqual(['high']);
      permissions.permissionGrantPoliciesAssigned = [];
      expect(only(t, 'posture-user-consent-unrestricted')).toEqual([]);
      // beta: a collection, the assignment at the top level
      t.policies.authorizationPolicy = { value: [{ id: 'authorizationPolicy', permissionGrantPolicyIdsAssignedToDefaultUserRole: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'] }] };
      expect(only(t, 'posture-user-consent-unrestricted')).toHaveLength(1);
    });

    it("risk-based step-up consent: BlockUserConsentForRiskyApps false is a finding; absent keeps the default (on)", () => {
      const t = cleanTenant();
      const values = t.policies.directorySettings![0]!.values as Json[];
      values[1]!.value = 'False';
      expect(only(t, 'posture-risky-consent-not-blocked').map((f) => f.severity)).toEqual(['medium']);
      values.splice(1, 1);
      expect(only(t, 'posture-risky-consent-not-blocked')).toEqual([]);
      t.policies.directorySettings = [];
      expect(only(t, 'posture-risky-consent-not-blocked')).toEqual([]);
    });
  });

  describe('completeness: an incomplete snapshot never reads as clean', () => {
    it('every gap is a finding naming the resource, status and reason; the checks it feeds say they ran on part of it', () => {
      const t = cleanTenant();
      t.gaps.push(
        { resource: 'directorySettings', code: 'timeout', reason: 'no answer within 60 s' },
        { resource: 'applications/0b000000-0000-4000-8000-000000000002/owners', status: 403, code: 'Authorization_RequestDenied', reason: 'Insufficient privileges to complete the operation.' },
      );
      const findings = run(t);
      const gaps = findings.filter((f) => f.rule.id === 'posture-collection-incomplete');
      expect(gaps.map((g) => [g.severity, g.fields.resource])).toEqual([['medium', ['directorySettings']], ['medium', ['applications/0b000000-0000-4000-8000-000000000002/owners']]]);
      expect(gaps[1]!.summary).toContain('(403 Authorization_RequestDenied: Insufficient privileges to complete the operation.)');
      const notRun = findings.filter((f) => f.rule.id === 'posture-check-not-run');
      expect(notRun.map((f) => f.fields.source)).toEqual([['owners'], ['directorySettings']]);
      expect(notRun[0]!.summary).toContain('posture-owner-of-privileged-app ran on part of the data and may miss findings');
    });

    it('a hand-made snapshot with applications and service principals only: every other check says it could not run', async () => {
      const work = await mkdtemp(join(tmpdir(), 'appwatch-posture-'));
      try {
        const t = cleanTenant();
        const file = join(work, 'snapshot.json');
        await writeFile(file, JSON.stringify({ tenantId: TENANT, collectedAt: iso(NOW), applications: t.applications, servicePrincipals: t.servicePrincipals }));
        const result = await runCli(['posture', '--snapshot', file, '--format', 'jsonl', '--fail-on', 'medium']);
        expect(result.code, result.stderr).toBe(1);
        const findings = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
        const notRun = findings.filter((f) => f.rule.id === 'posture-check-not-run');
        expect(notRun.map((f) => [f.severity, f.fields.source![0]]).sort()).toEqual([
          ['informational', 'defaultAppManagementPolicy'], ['informational', 'roleEligibilitySchedules'],
          ['medium', 'appRoleAssignments'], ['medium', 'authorizationPolicy'], ['medium', 'conditionalAccessPolicies'], ['medium', 'directorySettings'],
          ['medium', 'domains'], ['medium', 'oauth2PermissionGrants'], ['medium', 'owners'], ['medium', 'roleAssignments'],
        ]);
        expect(notRun.find((f) => f.fields.source![0] === 'conditionalAccessPolicies')!.summary).toBe(
          `conditionalAccessPolicies is not in the snapshot: posture-device-code-not-blocked, posture-ropc-not-restricted could not run. Fix: ${CHECKS.checkNotRun.fix}`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  });

  it('tenant values are embedded as values: a hostile display name stays one quoted value', () => {
    const t = cleanTenant();
    app(t, 1).displayName = "=HYPERLINK(\"http://x\")' \u001b[31m\nFix: nothing";
    (app(t, 1).web as Json).logoutUrl = null;
    const [f] = only(t, 'posture-no-logout-url');
    expect(f!.summary.startsWith(`'=HYPERLINK("http://x")' \u001b[31m\nFix: nothing' (appId`)).toBe(true);
    expect(f!.summary.endsWith(`Fix: ${CHECKS.noLogoutUrl.fix}`)).toBe(true);
  });
});

// Microsoft's Graph documentation examples, read in place: the checks read Graph's own shapes.
const SAMPLES = join(CORPUS, 'samples/microsoft-graph-docs/v1.0');
const HAS_SAMPLES = existsSync(join(SAMPLES, 'serviceprincipal-list-approleassignments.response.json'));
if (!HAS_SAMPLES) console.warn(`posture checks: ${SAMPLES} not found: the Graph documentation samples test is skipped (it needs the shared corpus beside the project)`);

describe.skipIf(!HAS_SAMPLES)('posture on Microsoft Graph documentation samples', () => {
  it('an application, its service principal and the app role it holds, as Graph returns them', async () => {
    const read = async (name: string): Promise<Json> => JSON.parse(await readFile(join(SAMPLES, name), 'utf8')) as Json;
    const application = await read('application-get.response.json');
    const principal = await read('serviceprincipal-get.response.json');
    const [assignment] = (await read('serviceprincipal-list-approleassignments.response.json')).value as Json[];
    const [assignedTo] = (await read('serviceprincipal-list-approleassignedto.response.json')).value as Json[];
    const secretSample = await read('application-addpassword.response.json');
    // Join the samples into one tenant (they come from different example tenants): the sample service principal
    // is the application's and the assignment's principal, and Microsoft Graph is the resource.
    const sp = { ...principal, id: assignment!.principalId, appId: application.appId };
    const snapshot: InventorySnapshot = {
      ...cleanTenant(),
      applications: [{ ...application, passwordCredentials: [{ ...secretSample, secretText: null }] }],
      servicePrincipals: [sp, { ...graphSp, id: assignment!.resourceId }],
      appRoleAssignments: [assignment!, assignedTo!],
      oauth2PermissionGrants: [], owners: {},
    };
    const findings = postureFindings(snapshot, { ...OPTIONS, now: Date.parse('2020-06-01T00:00:00Z') });
    // Mail.ReadWrite (e2a3a72e…, named from the catalogue) held by 'dxprovisioning-graphapi-client': high, not critical.
    const permission = findings.find((f) => f.rule.id === 'posture-application-permission')!;
    expect([permission.severity, permission.fields.permission]).toEqual(['medium', ['Mail.ReadWrite']]);
    // The sample app is AzureADandPersonalMicrosoftAccount with no lock, holding a high permission; its two-year
    // secret outlives 180 days; it signs in as itself with that secret.
    expect(ids(findings)).toEqual([
      'posture-application-permission', 'posture-credential-lifetime', 'posture-multi-tenant-privileged', 'posture-no-lock-configuration', 'posture-secret-instead-of-certificate',
    ]);
    expect(findings.find((f) => f.rule.id === 'posture-credential-lifetime')!.summary).toContain("password 'Password friendly name' on 'Display name' (appId 631a96bc-a705-4eda-9f99-fdaf9f54f6a2) is valid 731 days");
  });
});

describe('appwatch scan --snapshot: what the snapshot adds to alerts', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'appwatch-scan-snapshot-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  // tests/fixtures/ingest: 'Add service principal credentials' on Payroll-Sync (2026-10-01T09:15 UTC) and the rule
  // fixtures' 'Add member to role' (Directory Readers, 2026-10-02) on the same service principal.
  const PAYROLL_SP = 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4';
  const PAYROLL_APP_ID = '8e7fe5eb-b7de-4337-8701-00c8d8969ca0';
  const payroll = { id: PAYROLL_SP, appId: PAYROLL_APP_ID, displayName: 'Payroll-Sync', appOwnerOrganizationId: TENANT, servicePrincipalType: 'Application', preferredSingleSignOnMode: null, keyCredentials: [], passwordCredentials: [] };
  const payrollHolds = (permission: keyof typeof ROLE, createdDateTime: string): Json => ({ ...holds(payroll, permission, createdDateTime) });

  async function scan(records: string, snapshot: Json | undefined, name: string): Promise<Alert[]> {
    const input = join(work, `${name}.json`);
    await writeFile(input, records);
    const args = ['scan', input, '--format', 'jsonl', '-q'];
    if (snapshot) {
      await writeFile(join(work, `${name}.snapshot.json`), JSON.stringify({ tenantId: TENANT, collectedAt: '2026-10-14T00:00:00Z', applications: [], roleDefinitions: [], ...snapshot }));
      args.push('--snapshot', join(work, `${name}.snapshot.json`));
    }
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
  }

  it('a credential added to an app holding a critical permission is critical, and says why', async () => {
    const record = await readFile(join(FIXTURES, 'graph/directoryAudit.single.json'), 'utf8');
    const credentialAlert = (alerts: Alert[]): Alert => alerts.find((a) => a.rule.title === 'Credential added to an application or service principal')!;
    const without = credentialAlert(await scan(record, undefined, 'no-snapshot'));
    expect(without.severity).toBe('high');
    const critical = credentialAlert(await scan(record, { servicePrincipals: [payroll, graphSp], appRoleAssignments: [payrollHolds('Application.ReadWrite.All', '2026-09-01T08:00:00Z')] }, 'critical-permission'));
    expect(critical.severity).toBe('critical');
    expect(critical.context.flags).toContain('app-holds-critical-permission');
    expect(critical.context.severityReasons).toContain('raised: the application holds a critical permission: whoever holds the credential can take over the tenant');
    // A delegated grant for all users with a critical scope counts too.
    const delegated = credentialAlert(await scan(record, { servicePrincipals: [payroll, graphSp], oauth2PermissionGrants: [{ id: 'g1', clientId: PAYROLL_SP, consentType: 'AllPrincipals', principalId: null, resourceId: GRAPH.id, scope: 'User.Read Directory.ReadWrite.All' }] }, 'critical-delegated'));
    expect([delegated.severity, delegated.context.flags.includes('app-holds-critical-permission')]).toEqual(['critical', true]);
    // Not: a high permission; a critical one granted after the credential was added.
    const high = credentialAlert(await scan(record, { servicePrincipals: [payroll, graphSp], appRoleAssignments: [payrollHolds('Mail.Read', '2026-09-01T08:00:00Z')] }, 'high-permission'));
    expect([high.severity, high.context.flags.includes('app-holds-critical-permission')]).toEqual(['high', false]);
    const later = credentialAlert(await scan(record, { servicePrincipals: [payroll, graphSp], appRoleAssignments: [payrollHolds('Application.ReadWrite.All', '2026-10-02T08:00:00Z')] }, 'granted-later'));
    expect([later.severity, later.context.flags.includes('app-holds-critical-permission')]).toEqual(['high', false]);
  });

  it('a service principal given a role while it already holds a privileged one is flagged; the new role itself does not count', async () => {
    const rules = await readFile(resolve(ROOT, 'rules/azure/auditlogs/service_principal_assigned_role.positive.jsonl'), 'utf8');
    const record = rules.split('\n').find((l) => l.includes('Directory Readers'))!;
    const roleAlert = (alerts: Alert[]): Alert => alerts.find((a) => a.rule.title === 'Application assigned to a directory role (not privileged)')!;
    const assignment = (templateId: string): Json => ({ id: `ra-${templateId.slice(0, 8)}`, principalId: PAYROLL_SP, roleDefinitionId: templateId, directoryScopeId: '/' });
    const already = roleAlert(await scan(record, { servicePrincipals: [payroll], roleAssignments: [assignment(TEMPLATE.globalAdmin), assignment(TEMPLATE.directoryReaders)] }, 'already-privileged'));
    expect(already.context.flags).toContain('target-already-privileged');
    const fresh = roleAlert(await scan(record, { servicePrincipals: [payroll], roleAssignments: [assignment(TEMPLATE.directoryReaders)] }, 'first-role'));
    expect(fresh.context.flags).not.toContain('target-already-privileged');
    expect(fresh.severity).toBe(already.severity); // context, not a reason to raise: the new role is not privileged
  });
});
