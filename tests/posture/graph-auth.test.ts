/**
 * Token acquisition through @azure/identity, end to end from the CLI: a client certificate (the guide's first
 * choice) signs a client assertion for a local HTTPS token endpoint that the CLI trusts through a test CA in
 * NODE_EXTRA_CA_CERTS, with instance discovery off; the token it gets is the one Graph then receives.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startGraphServer, type GraphServer, type GraphTenant } from '../helpers/graph-server.js';
import { makeTestPki, startTokenServer, type TestPki } from '../helpers/token-server.js';

const TENANT_ID = '72f988bf-0000-4000-8000-00000000c0de';
const CLIENT_ID = '5c4bb0f7-0000-4000-8000-0000000a11ce';
const ISSUED = 'eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6WyJBcHBsaWNhdGlvbi5SZWFkLkFsbCJdfQ.aXNzdWVkLWJ5LXRlc3Q';

let work: string;
let pki: TestPki;
let graph: GraphServer;

/** The environment a user sets, and nothing from the test runner's own (no token, no other credential). */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' };
  return { ...clean, NODE_EXTRA_CA_CERTS: pki.caFile, AZURE_CLIENT_ID: CLIENT_ID, ...extra };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-auth-'));
  pki = makeTestPki(work);
  const tenant: GraphTenant = {
    tenantId: TENANT_ID,
    applications: [{ id: 'a0000000-0000-4000-8000-000000000001', appId: '11111111-0000-4000-8000-000000000001', displayName: 'Payroll Sync', signInAudience: 'AzureADMyOrg', passwordCredentials: [], keyCredentials: [] }],
    servicePrincipals: [{ id: 's0000000-0000-4000-8000-000000000001', appId: '11111111-0000-4000-8000-000000000001', displayName: 'Payroll Sync', servicePrincipalType: 'Application', appOwnerOrganizationId: TENANT_ID }],
    oauth2PermissionGrants: [], appRoleAssignments: [], roleAssignments: [], roleDefinitions: [], domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
  };
  graph = await startGraphServer(tenant, { token: ISSUED });
}, 60_000);
afterAll(async () => {
  await graph?.close();
  await rm(work, { recursive: true, force: true });
});

describe('Graph token through @azure/identity', () => {
  it('a client certificate gets a token from the authority host, and Graph receives that token', async () => {
    const tokens = await startTokenServer(pki, { accessToken: ISSUED, clientId: CLIENT_ID });
    try {
      const out = join(work, 'snapshot.json');
      const result = await runCli(['collect', 'inventory', '--tenant', TENANT_ID, '--authority-host', tokens.authorityHost, '--graph-url', graph.url, '--out', out],
        { env: env({ AZURE_CLIENT_CERTIFICATE_PATH: pki.clientPemFile, AZURE_CLIENT_SECRET: 'a-secret-that-must-not-be-used' }) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`client certificate of app ${CLIENT_ID}`);
      // The certificate, not the secret beside it: a signed assertion, valid for the registered certificate.
      expect(tokens.seen).toHaveLength(1);
      expect(tokens.seen[0]).toMatchObject({ tenant: TENANT_ID, clientId: CLIENT_ID, grantType: 'client_credentials', assertionValid: true, thumbprintMatches: true });
      expect(tokens.seen[0]!.scope).toContain(`${new URL(graph.url).origin}/.default`);
      expect(graph.requests.filter((r) => !r.inBatch).every((r) => r.authorization === `Bearer ${ISSUED}`)).toBe(true);
      const snapshot = JSON.parse(await readFile(out, 'utf8')) as { tenantId: string; applications: unknown[]; gaps: unknown[] };
      expect(snapshot.tenantId).toBe(TENANT_ID);
      expect(snapshot.applications).toHaveLength(1);
      expect(result.stderr).not.toContain(ISSUED);
    } finally {
      await tokens.close();
    }
  }, 60_000);

  it('a refused certificate stops collection before any Graph request, with Entra\'s reason and exit 2', async () => {
    const tokens = await startTokenServer(pki, { accessToken: ISSUED, clientId: CLIENT_ID, refuse: true });
    const before = graph.requests.length;
    try {
      const result = await runCli(['collect', 'inventory', '--tenant', TENANT_ID, '--authority-host', tokens.authorityHost, '--graph-url', graph.url, '--out', join(work, 'refused.json')],
        { env: env({ AZURE_CLIENT_CERTIFICATE_PATH: pki.clientPemFile }) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/could not get a Microsoft Graph token \(client certificate of app [0-9a-f-]+\): .*AADSTS700027/);
      expect(graph.requests.length).toBe(before);
    } finally {
      await tokens.close();
    }
  }, 60_000);

  it('an authority host over plain http is refused before MSAL sees it', async () => {
    const result = await runCli(['collect', 'inventory', '--tenant', TENANT_ID, '--authority-host', 'http://login.example.com', '--graph-url', graph.url, '--out', join(work, 'x.json')],
      { env: env({ AZURE_CLIENT_CERTIFICATE_PATH: pki.clientPemFile }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--authority-host http://login.example.com: http:// is accepted only for loopback addresses');
  }, 30_000);
});
