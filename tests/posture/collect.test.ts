/**
 * `appwatch collect inventory` and `posture --tenant` against a local server that speaks Microsoft Graph's
 * protocol, serving the simulated tenant: paging, $select, $batch, Retry-After, 503, 403, licence errors, an
 * endpoint that never answers. The snapshot must come back as the tenant was (round trip), and what could not
 * be read must be in its gaps, never silently missing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/posture/graph/client.js';
import { authorityHost, graphEndpoint } from '../../src/posture/graph/endpoint.js';
import { runCli } from '../helpers/cli.js';
import { startGraphServer, type GraphServer, type GraphTenant } from '../helpers/graph-server.js';

type Json = Record<string, unknown>;
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl';

let work: string;
let tenant: GraphTenant & Json;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-collect-'));
  const sim = await runCli(['simulate', '--out', join(work, 'sim'), '--days', '3', '--users', '20', '--apps', '6', '--seed', '7', '-q']);
  expect(sim.code, sim.stderr).toBe(0);
  tenant = JSON.parse(await readFile(join(work, 'sim', 'snapshot.json'), 'utf8')) as GraphTenant & Json;
  const app = tenant.applications[0]!;
  // What the simulator leaves out but a real tenant has: federated credentials, policies, eligible roles.
  tenant.federatedIdentityCredentials = { [String(app.id)]: [{ id: 'f1d2e3c4-0000-4000-8000-00000000fic1', name: 'github-deploy', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:contoso/payroll:environment:prod', audiences: ['api://AzureADTokenExchange'], description: null }] };
  tenant.policies = {
    defaultAppManagementPolicy: { id: '00000000-0000-0000-0000-000000000000', displayName: 'Default app management tenant policy', isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D', restrictForAppsCreatedAfterDateTime: '2020-01-01T00:00:00Z' }], keyCredentials: [] } },
    appManagementPolicies: [{ id: 'a1b2c3d4-0000-4000-8000-0000000000p1', displayName: 'Strict credentials', isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: 'passwordAddition', maxLifetime: null }] } }],
    appManagementPolicyTargets: { 'a1b2c3d4-0000-4000-8000-0000000000p1': [String(app.id)] },
    conditionalAccessPolicies: [{ id: 'c0000000-0000-4000-8000-000000000ca1', displayName: 'Block device code flow', state: 'enabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, authenticationFlows: { transferMethods: 'deviceCodeFlow' } }, grantControls: { operator: 'OR', builtInControls: ['block'] } }],
    authorizationPolicy: { id: 'authorizationPolicy', displayName: 'Authorization Policy', allowedToUseSSPR: true, defaultUserRolePermissions: { allowedToCreateApps: false, permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'] } },
    directorySettings: [{ id: 's0000000-0000-4000-8000-000000000001', displayName: 'Consent Policy Settings', templateId: 'dffd5d46-495d-40a9-8e21-954ff55e198a', values: [{ name: 'BlockUserConsentForRiskyApps', value: 'true' }, { name: 'EnableAdminConsentRequests', value: 'true' }] }],
  };
  tenant.roleEligibilitySchedules = [{ id: 'e1', principalId: String(tenant.roleAssignments[0]!.principalId), roleDefinitionId: String(tenant.roleAssignments[0]!.roleDefinitionId), directoryScopeId: '/', memberType: 'Direct', status: 'Provisioned' }];
  // People who hold roles (service principals are in the snapshot already, so they are not looked up again).
  const spIds = new Set(tenant.servicePrincipals.map((sp) => sp.id));
  tenant.directoryObjects = Object.fromEntries(tenant.roleAssignments.filter((r) => !spIds.has(r.principalId)).map((r) => [String(r.principalId), { '@odata.type': '#microsoft.graph.user', id: r.principalId, displayName: `User ${String(r.principalId).slice(0, 4)}` }]));
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function collect(server: GraphServer, out: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; stdout: string; snapshot: Json }> {
  const result = await runCli(['collect', 'inventory', '--tenant', 'contoso.com', '--graph-url', server.url, '--out', out, ...extra], { env: { APPWATCH_ACCESS_TOKEN: TOKEN } });
  const snapshot = result.code !== 2 ? JSON.parse(await readFile(out, 'utf8')) as Json : {};
  return { ...result, snapshot };
}

describe('collect inventory', () => {
  it('reads the whole tenant back: every page, every relationship, policies and eligible roles', async () => {
    const server = await startGraphServer(tenant, { token: TOKEN, pageSize: 4 });
    try {
      const out = join(work, 'round-trip.json');
      const { code, stderr, snapshot } = await collect(server, out);
      expect(code, stderr).toBe(0);
      expect(snapshot.tenantId).toBe(tenant.tenantId);
      expect(snapshot.graph).toEqual({ url: server.url, version: 'v1.0' });
      expect(snapshot.gaps).toEqual([]);
      expect(snapshot.applications).toEqual(tenant.applications);
      expect(snapshot.servicePrincipals).toEqual(tenant.servicePrincipals);
      expect(snapshot.oauth2PermissionGrants).toEqual(tenant.oauth2PermissionGrants);
      expect(snapshot.roleAssignments).toEqual(tenant.roleAssignments);
      expect(snapshot.roleDefinitions).toEqual(tenant.roleDefinitions);
      expect(snapshot.roleEligibilitySchedules).toEqual(tenant.roleEligibilitySchedules);
      expect(snapshot.domains).toEqual(tenant.domains);
      const byId = (list: unknown): Json[] => [...(list as Json[])].sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(byId(snapshot.appRoleAssignments)).toEqual(byId(tenant.appRoleAssignments));
      for (const app of tenant.applications) expect((snapshot.owners as Record<string, Json[]>)[String(app.id)]).toEqual(tenant.owners?.[String(app.id)] ?? []);
      expect(snapshot.federatedIdentityCredentials).toEqual(tenant.federatedIdentityCredentials);
      expect(snapshot.policies).toEqual(tenant.policies);
      expect(Object.keys(snapshot.directoryObjects as Json).sort()).toEqual(Object.keys(tenant.directoryObjects!).sort());
      // Paged (4 a page), every list with $select, relationships through $batch, the bearer token on every call.
      expect(server.requests.some((r) => r.url.includes('$skiptoken='))).toBe(true);
      for (const route of ['GET /applications', 'GET /servicePrincipals', 'GET /roleManagement/directory/roleAssignments', 'GET /domains']) {
        const first = server.requests.find((r) => r.route === route && !r.url.includes('$skiptoken'));
        expect(first?.url, route).toMatch(/\$select=/);
      }
      expect(server.requests.filter((r) => r.route === 'GET /applications/{id}/owners').every((r) => r.inBatch)).toBe(true);
      const batches = server.requests.filter((r) => r.route === 'POST /$batch').length;
      const inBatch = server.requests.filter((r) => r.inBatch).length;
      expect(inBatch / batches).toBeGreaterThan(5);
      expect(server.requests.filter((r) => !r.inBatch).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
      // The token is never echoed: not on stderr, not in the snapshot.
      expect(stderr).not.toContain(TOKEN.slice(20));
      expect(await readFile(out, 'utf8')).not.toContain(TOKEN.slice(20));
      expect(stderr).toMatch(/applications: \d+/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('waits as Retry-After says on 429, retries 503 (also inside a batch), and records what it could not read', async () => {
    const server = await startGraphServer(tenant, {
      token: TOKEN, pageSize: 50,
      faults: {
        'GET /servicePrincipals': { status: 429, retryAfter: '1', times: 1 },
        'GET /oauth2PermissionGrants': { status: 503, times: 2 },
        'GET /servicePrincipals/{id}/appRoleAssignments': { status: 429, retryAfter: '1', times: 3 },
        'GET /identity/conditionalAccess/policies': { status: 403 },
        'GET /roleManagement/directory/roleEligibilitySchedules': { status: 400, code: 'AadPremiumLicenseRequired', message: 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.' },
        'GET /settings': { hang: true },
        'GET /domains': { status: 429, retryAfter: '0' },
      },
    });
    try {
      const out = join(work, 'faults.json');
      const { code, stderr, snapshot } = await collect(server, out, ['--timeout', '1']);
      expect(code, stderr).toBe(0);
      // 429: the retry came no sooner than Retry-After asked.
      const sp = server.requests.filter((r) => r.route === 'GET /servicePrincipals');
      expect(sp.length).toBe(2);
      expect(sp[1]!.at - sp[0]!.at).toBeGreaterThanOrEqual(950);
      expect(snapshot.servicePrincipals).toEqual(tenant.servicePrincipals);
      expect(snapshot.oauth2PermissionGrants).toEqual(tenant.oauth2PermissionGrants);
      expect(server.requests.filter((r) => r.route === 'GET /oauth2PermissionGrants').length).toBe(3);
      // Throttled inner batch requests were sent again; the data is complete.
      expect(snapshot.appRoleAssignments as Json[]).toHaveLength(tenant.appRoleAssignments.length);
      const gaps = snapshot.gaps as { resource: string; status?: number; code?: string; reason: string }[];
      const gap = (resource: string) => gaps.find((g) => g.resource === resource);
      expect(gap('conditionalAccessPolicies')).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
      expect(gap('conditionalAccessPolicies')!.reason).toContain('Policy.Read.All');
      expect(gap('roleEligibilitySchedules')).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired' });
      expect(gap('directorySettings')).toMatchObject({ code: 'timeout' });
      expect(gap('domains')).toMatchObject({ status: 429 });
      expect(gap('domains')!.reason).toMatch(/gave up after 7 attempts/);
      expect(gaps.map((g) => g.resource).sort()).toEqual(['conditionalAccessPolicies', 'directorySettings', 'domains', 'roleEligibilitySchedules']);
      // Absent, not empty: a policy that was not read is not a tenant without policies.
      expect((snapshot.policies as Json).conditionalAccessPolicies).toBeUndefined();
      expect(stderr).toMatch(/throttled, retry 1 in 1\.0 s/);
      expect(stderr).toMatch(/INCOMPLETE, 4 parts not collected/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('posture --tenant reads the tenant live and reports the same findings as posture on the collected snapshot', async () => {
    const server = await startGraphServer(tenant, { token: TOKEN, pageSize: 10 });
    try {
      const out = join(work, 'live.json');
      expect((await collect(server, out)).code).toBe(0);
      const offline = await runCli(['posture', '--snapshot', out, '--format', 'jsonl']);
      const live = await runCli(['posture', '--tenant', 'contoso.com', '--graph-url', server.url, '--format', 'jsonl'], { env: { APPWATCH_ACCESS_TOKEN: TOKEN } });
      expect(live.code, live.stderr).toBe(0);
      const ids = (text: string) => text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { rule: { id: string }; summary: string })).map((f) => `${f.rule.id} ${f.summary}`).sort();
      expect(ids(live.stdout).length).toBeGreaterThan(0);
      expect(ids(live.stdout)).toEqual(ids(offline.stdout));
      // The consent report, live and from the collected snapshot: the same rows, with names from the tenant.
      const report = await runCli(['consent-report', '--snapshot', out, '--format', 'json']);
      const liveReport = await runCli(['consent-report', '--tenant', 'contoso.com', '--graph-url', server.url, '--format', 'json'], { env: { APPWATCH_ACCESS_TOKEN: TOKEN } });
      expect(liveReport.code, liveReport.stderr).toBe(0);
      const rows = (text: string) => (JSON.parse(text) as { rows: Record<string, string>[] }).rows;
      expect(rows(liveReport.stdout)).toEqual(rows(report.stdout));
      expect(rows(liveReport.stdout).some((r) => r.PermissionType === 'Application' && r.Privilege === 'critical')).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('refuses, with exit 2 and a reason, what would leak a token or cannot work', async () => {
    const remote = await runCli(['collect', 'inventory', '--tenant', 'contoso.com', '--graph-url', 'http://graph.example.com', '--out', join(work, 'x.json')], { env: { APPWATCH_ACCESS_TOKEN: TOKEN } });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('http:// is accepted only for loopback addresses');
    const empty = join(work, 'empty-token');
    await writeFile(empty, '\n');
    const noToken = await runCli(['collect', 'inventory', '--tenant', 'contoso.com', '--access-token-file', empty, '--out', join(work, 'x.json')]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain(`access token from ${empty}: not a bearer token`);
    const both = await runCli(['posture', '--tenant', 'contoso.com', '--snapshot', join(work, 'live.json')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --snapshot or --tenant, not both');
    const neither = await runCli(['posture']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give --snapshot FILE or --tenant ID');
  }, 30_000);

  it('a wrong token is refused by Graph and said so, not retried forever', async () => {
    const server = await startGraphServer(tenant, { token: TOKEN });
    try {
      const { code, stderr, snapshot } = await collect(server, join(work, 'bad-token.json'), []).then(async () => {
        const r = await runCli(['collect', 'inventory', '--tenant', 'contoso.com', '--graph-url', server.url, '--out', join(work, 'bad-token.json')], { env: { APPWATCH_ACCESS_TOKEN: 'not-the-token' } });
        return { ...r, snapshot: JSON.parse(await readFile(join(work, 'bad-token.json'), 'utf8')) as Json };
      });
      expect(code, stderr).toBe(3);
      const gaps = snapshot.gaps as { resource: string; status?: number }[];
      expect(gaps.find((g) => g.resource === 'applications')).toMatchObject({ status: 401 });
      expect(stderr).toContain('neither applications nor service principals could be read: 401 InvalidAuthenticationToken');
      expect(stderr).not.toContain('not-the-token');
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('Graph endpoints and Retry-After', () => {
  it('adds the version path, keeps a given one, and scopes the token to the origin', () => {
    expect(graphEndpoint()).toEqual({ baseUrl: 'https://graph.microsoft.com/v1.0', version: 'v1.0', scope: 'https://graph.microsoft.com/.default' });
    expect(graphEndpoint('https://graph.microsoft.us/beta/')).toEqual({ baseUrl: 'https://graph.microsoft.us/beta', version: 'beta', scope: 'https://graph.microsoft.us/.default' });
    expect(graphEndpoint('http://[::1]:8080').baseUrl).toBe('http://[::1]:8080/v1.0');
    expect(() => graphEndpoint('http://10.0.0.5/v1.0')).toThrow(/loopback/);
    expect(() => graphEndpoint('ftp://graph.microsoft.com')).toThrow(/https/);
    expect(authorityHost('https://login.microsoftonline.us')).toEqual({ host: 'https://login.microsoftonline.us', disableInstanceDiscovery: false });
    expect(authorityHost('https://127.0.0.1:8443')).toEqual({ host: 'https://127.0.0.1:8443', disableInstanceDiscovery: true });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
