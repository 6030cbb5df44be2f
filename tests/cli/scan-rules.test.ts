/** `appwatch scan` with rules, and `appwatch rules lint|list`, as users run them. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, fixture, HAS_CORPUS, ROOT } from '../helpers/ingest.js';

const RULES = resolve(ROOT, 'tests/fixtures/rules');
const dir = mkdtempSync(join(tmpdir(), 'appwatch-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alertsOf = (stdout: string): Alert[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);

describe('scan with rules', () => {
  it('writes one alert per line with the contract shape; the summary goes to stderr', async () => {
    const r = await runCli(['scan', fixture('diagnostic/PT1H.json'), fixture('graph/signIns.beta.json'), '--rules', RULES, '--no-builtin', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const alerts = alertsOf(r.stdout);
    expect(alerts.map((a) => a.rule.title).sort()).toEqual(['ROPC sign-in (test rule)', 'Service principal credential added (test rule)']);
    const credential = alerts.find((a) => a.severity === 'high')!;
    expect(credential).toMatchObject({
      severity: 'high',
      rule: { id: '0b9e7c6a-4d3f-4e2a-9b1c-8d7e6f5a4b3c', author: 'appwatch tests', source: 'sigma', tags: ['attack.persistence', 'attack.t1098.001'], guideRows: [], repairs: [] },
      entities: { actor: { type: 'user', userPrincipalName: 'alice@contoso.com' }, servicePrincipal: { displayName: 'Payroll-Sync' } },
    });
    expect(credential.id).toMatch(/^[0-9a-f]{32}$/);
    expect(credential.summary).toMatch(/^Service principal credential added \(test rule\): Add service principal credentials on 'Payroll-Sync'.* by alice@contoso\.com/);
    expect(credential.evidence[0]!.origin).toMatchObject({ format: 'diagnostic', line: 1 });
    expect(credential.fields['properties.message'] ?? credential.fields.activityDisplayName).toBeDefined();
    expect(r.stderr).toContain('2 alerts from');
  });

  it('the same events give the same alert ids (stable fingerprint), whatever the form', async () => {
    const a = alertsOf((await runCli(['scan', fixture('graph/signIns.beta.json'), '--rules', RULES, '--no-builtin', '--format', 'jsonl', '-q'])).stdout);
    const b = alertsOf((await runCli(['scan', fixture('log-analytics/SigninLogs.jsonl'), '--rules', RULES, '--no-builtin', '--format', 'jsonl', '-q'])).stdout);
    expect(a.map((x) => x.id)).toEqual(b.map((x) => x.id));
  });

  it('--fail-on exits 1 at or above the severity, 0 below', async () => {
    const args = ['scan', fixture('diagnostic/PT1H.json'), '--rules', RULES, '--no-builtin', '--format', 'jsonl', '-q'];
    expect((await runCli([...args, '--fail-on', 'high'])).code).toBe(1);
    expect((await runCli([...args, '--fail-on', 'critical'])).code).toBe(0);
  });

  it('CSV neutralises formulas; OCSF is a Detection Finding; the table shows escapes, never control characters', async () => {
    const line = readFileSync(fixture('diagnostic/PT1H.json'), 'utf8').split('\n')[0]!
      .replace(/"displayName": ?"Payroll-Sync"/g, '"displayName":"=HYPERLINK(\\"http://x\\")\\u001b[31m"');
    const hostile = join(dir, 'hostile.json');
    writeFileSync(hostile, `${line}\n`);
    const csv = await runCli(['scan', hostile, '--rules', RULES, '--no-builtin', '--format', 'csv', '-q']);
    const [header, row] = csv.stdout.trim().split('\n');
    expect(header).toBe('time,severity,rule_id,rule_title,guide_rows,summary,application,app_id,actor,actor_ip,evidence_ids');
    expect(row).toContain(`"'=HYPERLINK(""http://x"")`);
    const ocsf = JSON.parse((await runCli(['scan', hostile, '--rules', RULES, '--no-builtin', '--format', 'ocsf', '-q'])).stdout) as Record<string, unknown>;
    expect(ocsf).toMatchObject({ class_uid: 2004, category_uid: 2, type_uid: 200401, severity_id: 4, metadata: { version: '1.3.0' } });
    const table = await runCli(['scan', hostile, '--rules', RULES, '--no-builtin', '--format', 'table', '-q', '--full']);
    expect(table.stdout).not.toMatch(/\u001b/);
    expect(table.stdout).toContain('\\u001b[31m');
  });

  it('--input-format json runs every rule on plain events, with 1-based line origins', async () => {
    const r = await runCli(['scan', fixture('plain/events.jsonl'), '--input-format', 'json', '--rules', RULES, '--no-builtin', '--format', 'jsonl', '-q']);
    const alerts = alertsOf(r.stdout);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence[0]!.origin).toMatchObject({ format: 'json', line: 3 });
    expect(alerts[0]!.time).toBe('2026-10-01T08:30:00.000Z');
  });

  it('--format json writes {alerts, summary}', async () => {
    const r = await runCli(['scan', fixture('diagnostic/PT1H.json'), '--rules', RULES, '--no-builtin', '--format', 'json', '-q']);
    const doc = JSON.parse(r.stdout) as { alerts: Alert[]; summary: { recordsRead: number; detection: { alerts: number } } };
    expect(doc.alerts.map((a) => a.rule.title).sort()).toEqual(['ROPC sign-in (test rule)', 'Service principal credential added (test rule)']);
    expect(doc.summary).toMatchObject({ recordsRead: 6, detection: { alerts: 2 } });
  });
});

describe('rules lint and list', () => {
  it('lint passes clean rules (exit 0) and reports errors with file and line (exit 1)', async () => {
    expect((await runCli(['rules', 'lint', RULES])).code).toBe(0);
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'title: broken\nlogsource: {product: azure, service: auditlogs}\ndetection:\n    selection:\n        f|contain: x\n    condition: selection\n');
    const r = await runCli(['rules', 'lint', broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${broken}:5: rule 'broken': at detection.selection.f|contain: f|contain: unknown modifier "contain"`);
  });

  it.skipIf(!HAS_CORPUS)('lint on SigmaHQ shows repairs, unresolved placeholders and the v1 aggregation', async () => {
    const r = await runCli(['rules', 'lint', resolve(CORPUS, 'sigmahq')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('repair AW-R001: Added Credentials to Existing Application');
    expect(r.stdout).toContain('placeholder %Important_AppIds% has no values');
    expect(r.stdout).toContain('Sigma v1 aggregation');
    expect(r.stdout).toMatch(/inactive: .*riskEventType/);
  });

  it('explain shows the kinds, the index key and the searches after mapping', async () => {
    const r = await runCli(['rules', 'explain', '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c', '--rules', RULES, '--no-builtin', '--json']);
    expect(r.code).toBe(0);
    const [explained] = JSON.parse(r.stdout) as { kinds: string[]; indexedOn: { field: string; values: string[] }; searches: Record<string, string[][]> }[];
    expect(explained!.kinds).toEqual(['signin']);
    expect(explained!.indexedOn).toEqual({ field: 'AuthenticationProtocol', values: ['ropc'] });
    expect(explained!.searches.selection).toEqual([['AuthenticationProtocol: "ropc"', 'ResultType: 0']]);
    expect((await runCli(['rules', 'explain', 'no such rule', '--rules', RULES, '--no-builtin'])).code).toBe(2);
  });

  it('list shows id, level, log source and status', async () => {
    const r = await runCli(['rules', 'list', '--rules', RULES, '--no-builtin', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; logsource: string });
    expect(rows.find((x) => x.id === '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c')).toMatchObject({ logsource: 'azure/signinlogs', status: 'active (signin)' });
    expect(rows.find((x) => x.id === '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d')!.status).toMatch(/^inactive: log source github/);
  });
});

describe('coverage', () => {
  it('says, row by row, what covers it and what data is missing', async () => {
    const r = await runCli(['coverage', fixture('graph/signIns.beta.json'), '--format', 'json', '-q']);
    expect(r.code).toBe(0);
    const { rows } = JSON.parse(r.stdout) as { rows: { row: number; status: string; rules: unknown[]; missing: string[] }[] };
    expect(rows).toHaveLength(18);
    const byRow = new Map(rows.map((x) => [x.row, x]));
    expect(byRow.get(12)).toMatchObject({ status: 'covered' }); // sign-ins are in the input
    expect(byRow.get(1)!.missing).toEqual(['no Entra audit logs in the inputs']);
    expect(byRow.get(2)!.missing).toContain("needs the tenant's inventory (posture), not logs; credentials added in the logs are checked against credentials.maxLifetimeDays by scan --snapshot");
    expect(byRow.get(9)!.missing[0]).toContain('no Key Vault AuditEvent logs');
    expect(byRow.get(9)!.rules.length).toBeGreaterThan(0);
  });
});
