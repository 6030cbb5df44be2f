/**
 * posture/app-roles: an appRoleAssignment's appRoleId named as the permission it grants, from the resource service
 * principal's own appRoles first, else (Microsoft Graph only) from the bundled catalogue; the catalogue holds facts
 * only (GUID → value) and covers every application permission the classification names.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appRoleIndex, graphAppRoleCatalogue } from '../../src/posture/app-roles.js';
import type { InventorySnapshot } from '../../src/posture/snapshot.js';
import { CORPUS, ROOT } from '../helpers/ingest.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GRAPH_SP = 'fea94d6d-b5bf-44d2-a887-4f72a8d74f44';
const EXCHANGE_SP = '3b5d7e1f-2a4c-4e6b-8d0f-1a3c5e7b9d20';
const LOB_SP = '7c9e1a3b-5d7f-4a2c-9e4b-6d8f0a2c4e61';

function snapshot(servicePrincipals: Record<string, unknown>[]): InventorySnapshot {
  return { applications: [], servicePrincipals, roleAssignments: [], roleEligibilitySchedules: [], roleDefinitions: [], oauth2PermissionGrants: [], appRoleAssignments: [], domains: [], gaps: [] };
}

const graph = (appRoles: Record<string, unknown>[] = []): Record<string, unknown> => ({
  id: GRAPH_SP, appId: GRAPH_APP_ID, displayName: 'Microsoft Graph', appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', servicePrincipalType: 'Application', appRoles,
});
const exchange = {
  id: EXCHANGE_SP, appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online', appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  appRoles: [{ allowedMemberTypes: ['Application'], description: 'Full access to all mailboxes.', displayName: 'Use Exchange Web Services with full access to all mailboxes', id: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40', isEnabled: true, origin: 'Application', value: 'full_access_as_app' }],
};
const lineOfBusiness = { id: LOB_SP, appId: '5f1c3e5a-7b9d-4f2a-8c4e-6a8b0c2d4e6f', displayName: 'Records-API', appRoles: [] };

describe('appRoleIndex', () => {
  it("names Microsoft Graph application permissions from the catalogue when the snapshot has no Graph appRoles", () => {
    const index = appRoleIndex(snapshot([graph()]));
    expect(index.name(GRAPH_SP, 'e2a3a72e-5f79-4c64-b1b1-878b674786c9')).toBe('Mail.ReadWrite');
    expect(index.name(GRAPH_SP, '1BFEFB4E-E0B5-418B-A88F-73C46D2CC8E9')).toBe('Application.ReadWrite.All'); // ids in any case
    expect(index.name(GRAPH_SP.toUpperCase(), '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8')).toBe('RoleManagement.ReadWrite.Directory');
    expect(index.name(GRAPH_SP, '2f1c3e5a-0000-4000-8000-000000000000')).toBeUndefined(); // not a Graph role
  });

  it("prefers the resource's own appRoles, and names other APIs' roles only from them", () => {
    const renamed = graph([{ id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9', value: 'Mail.ReadWrite.Tenant', allowedMemberTypes: ['Application'], isEnabled: true }]);
    const index = appRoleIndex(snapshot([renamed, exchange, lineOfBusiness]));
    expect(index.name(GRAPH_SP, 'e2a3a72e-5f79-4c64-b1b1-878b674786c9')).toBe('Mail.ReadWrite.Tenant');
    expect(index.name(GRAPH_SP, '810c84a8-4a9e-49e6-bf7d-12d183f40d01')).toBe('Mail.Read'); // not among its appRoles: catalogue
    expect(index.name(EXCHANGE_SP, 'dc890d15-9560-4a4c-9b7f-a736ec74ec40')).toBe('full_access_as_app');
    // A Graph role id on another API is not a Graph role: the catalogue is for Microsoft Graph only.
    expect(index.name(LOB_SP, 'e2a3a72e-5f79-4c64-b1b1-878b674786c9')).toBeUndefined();
    expect(index.name('00000000-1111-4222-8333-444444444444', 'e2a3a72e-5f79-4c64-b1b1-878b674786c9')).toBeUndefined(); // resource not in the snapshot
  });

  it("reads the all-zero app role id as default access, whatever the resource", () => {
    const index = appRoleIndex(snapshot([lineOfBusiness]));
    expect(index.name(LOB_SP, '00000000-0000-0000-0000-000000000000')).toBe('default access');
    expect(index.name('not-in-snapshot', '00000000-0000-0000-0000-000000000000')).toBe('default access');
  });
});

describe('catalogues/permissions/graph-app-roles.json', () => {
  it('holds facts only: GUID → permission value, plus its source line', async () => {
    const data = JSON.parse(await readFile(resolve(ROOT, 'catalogues/permissions/graph-app-roles.json'), 'utf8')) as Record<string, unknown>;
    const entries = Object.entries(data).filter(([k]) => k !== '_source');
    expect(String(data._source)).toMatch(/merill\/microsoft-info.*MIT/);
    expect(entries.length).toBeGreaterThan(600);
    for (const [id, value] of entries) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(value).toMatch(/^[A-Za-z0-9_.-]+$/); // a permission name, never a description
    }
    expect(graphAppRoleCatalogue().size).toBe(entries.length);
  });

  it('names every Graph application permission the classification lists, and the common read permissions', async () => {
    const classification = parse(await readFile(resolve(ROOT, 'catalogues/permissions/classification.yaml'), 'utf8')) as Record<string, { value: string }[]>;
    const values = new Set(graphAppRoleCatalogue().values());
    // Exchange's full_access_as_app and delegated-only scopes (openid, Mail.Read.Shared, EWS.AccessAsUser.All…) are not Graph application permissions.
    const graphApplication = ['critical', 'high', 'low'].flatMap((c) => classification[c]!.map((e) => e.value))
      .filter((v) => !['full_access_as_app', 'openid', 'profile', 'email', 'offline_access', 'User.Read', 'user_impersonation', 'SMTP.Send'].includes(v) && !/\.Shared$|AccessAsUser/.test(v));
    expect(graphApplication.filter((v) => !values.has(v))).toEqual([]);
    for (const v of ['User.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Application.Read.All', 'AuditLog.Read.All', 'Reports.Read.All', 'Sites.Read.All', 'Files.Read.All', 'Mail.Read', 'Calendars.Read']) expect(values.has(v), v).toBe(true);
  });

  const SOURCE = join(CORPUS, 'catalogues/merill-microsoft-info/GraphAppRoles.json');
  const HAS_SOURCE = existsSync(SOURCE);
  if (!HAS_SOURCE) console.warn(`app-roles: ${SOURCE} not found: the check against the catalogue's source is skipped (it needs the shared corpus beside the project)`);

  it.skipIf(!HAS_SOURCE)('agrees with its source (merill/microsoft-info, read in place) on every id', async () => {
    const source = JSON.parse(await readFile(SOURCE, 'utf8')) as { Id: string; Value: string; AllowedMemberTypes: string[] }[];
    const catalogue = graphAppRoleCatalogue();
    expect(source.every((r) => r.AllowedMemberTypes.includes('Application'))).toBe(true);
    expect(source.filter((r) => catalogue.get(r.Id.toLowerCase()) !== r.Value).map((r) => r.Value)).toEqual([]);
    expect(catalogue.size).toBe(source.length);
  });
});
