/**
 * The simulator end to end, through the CLI as a user runs it: `appwatch simulate` then `appwatch scan`.
 * - the same seed gives the same bytes; another seed does not;
 * - every export format reads back with nothing skipped and gives the same alerts;
 * - every labelled scenario step alerts at its expected severity (recall per detection in the output);
 * - seven benign days for 500 users, with the named look-alikes in them, raise nothing high or critical.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Alert } from '../../src/alerts/types.js';
import { formatReport, scoreAlerts } from '../../src/simulate/accuracy.js';
import type { Label } from '../../src/simulate/scenarios.js';
import { runCli } from '../helpers/cli.js';
import { startDnsServer, type Zone } from '../helpers/dns-server.js';
import { listFiles } from '../helpers/simulated-logs.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-simulate-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const path of await listFiles(dir)) hash.update(path.slice(dir.length)).update(await readFile(path));
  return hash.digest('hex');
}

async function simulate(out: string, args: string[]): Promise<void> {
  const result = await runCli(['simulate', '--out', out, '-q', ...args]);
  expect(result.code, result.stderr).toBe(0);
}

const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

/** Scans a simulation's logs with its own appwatch.yaml (and --dns against a resolver serving its zone). */
async function scan(dir: string, dns = false, snapshot = true): Promise<{ alerts: Alert[]; stderr: string }> {
  const config = parse(await readFile(join(dir, 'appwatch.yaml'), 'utf8')) as Record<string, unknown>;
  const server = dns ? await startDnsServer(JSON.parse(await readFile(join(dir, 'dns.json'), 'utf8')) as Zone) : undefined;
  try {
    if (server) config.dns = { servers: [server.address], timeoutMs: 1000 };
    await writeFile(join(dir, 'scan.yaml'), stringify(config));
    const out = join(dir, 'alerts.jsonl');
    const result = await runCli(['scan', join(dir, 'logs'), '--config', join(dir, 'scan.yaml'), '--format', 'jsonl', '--out', out, ...(dns ? ['--dns'] : []), ...(snapshot ? ['--snapshot', join(dir, 'snapshot.json')] : [])]);
    expect(result.code, result.stderr).toBe(0);
    return { alerts: await readJsonl<Alert>(out), stderr: result.stderr };
  } finally {
    await server?.close();
  }
}

describe('appwatch simulate', () => {
  it('is deterministic for a seed', async () => {
    const args = ['--days', '3', '--users', '30', '--apps', '6', '--log-format', 'log-analytics'];
    await simulate(join(work, 'a'), [...args, '--seed', 's1']);
    await simulate(join(work, 'b'), [...args, '--seed', 's1']);
    await simulate(join(work, 'c'), [...args, '--seed', 's2']);
    expect(await treeHash(join(work, 'a'))).toBe(await treeHash(join(work, 'b')));
    expect(await treeHash(join(work, 'a'))).not.toBe(await treeHash(join(work, 'c')));
  });

  it('refuses what it cannot do, naming the option', async () => {
    const days = await runCli(['simulate', '--out', join(work, 'x'), '--days', '0']);
    expect(days.code).toBe(2);
    expect(days.stderr).toMatch(/--days must be a whole number/);
    const users = await runCli(['simulate', '--out', join(work, 'x'), '--users', '5']);
    expect(users.stderr).toMatch(/--users must be a whole number from 20/);
    const scenario = await runCli(['simulate', '--out', join(work, 'x'), '--scenarios', 'row-01-credential-added,phishing-by-fax']);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toMatch(/unknown scenario phishing-by-fax; known: .*midnight-blizzard/);
    const short = await runCli(['simulate', '--out', join(work, 'x'), '--days', '2']);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/at least 3 days/);
  });

  const formats = ['diagnostic', 'graph', 'log-analytics', 'portal-csv'] as const;
  const byFormat = new Map<string, Alert[]>();

  for (const format of formats) {
    it(`every labelled step alerts at its severity: ${format}`, async () => {
      const dir = join(work, `scenarios-${format}`);
      await simulate(dir, ['--days', '9', '--users', '120', '--scenarios', 'all', '--log-format', format]);
      const { alerts, stderr } = await scan(dir, true);
      expect(stderr).toMatch(/ 0 skipped/);
      const labels = await readJsonl<Label>(join(dir, 'labels.jsonl'));
      const report = scoreAlerts(labels, alerts, new Set(['posture']));
      console.log(`accuracy (${format}):\n${formatReport(report)}`);
      const failed = report.results.filter((r) => r.outcome === 'missed' || r.outcome === 'wrong-severity');
      expect(failed.map((r) => `${r.label.scenario} / ${r.label.step}: ${r.outcome}`)).toEqual([]);
      // Every guide row has a labelled step that alerted (row 2 through the snapshot's credential dates).
      const rows = new Set(report.results.filter((r) => r.outcome === 'hit').flatMap((r) => r.label.guideRows));
      expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
      byFormat.set(format, alerts);
    });
  }

  it('the snapshot is what moves the SAML certificate, the ten-year secret and the privileged consent', async () => {
    const dir = join(work, 'scenarios-diagnostic');
    const { alerts } = await scan(dir, false, false);
    const labels = (await readJsonl<Label>(join(dir, 'labels.jsonl'))).filter((l) => l.needs === 'snapshot');
    expect(labels).toHaveLength(3);
    const report = scoreAlerts(labels, alerts);
    expect(report.results.map((r) => [r.label.scenario, r.outcome, r.alert?.severity]).sort()).toEqual([
      ['row-01-saml-certificate', 'wrong-severity', 'critical'], // raised: outside the change window, SSO mode unknown
      ['row-02-long-lived-credential', 'wrong-severity', 'medium'], // routine: approved admin in a change window
      ['row-10-privileged-consent', 'wrong-severity', 'low'], // the admin's roles are unknown
    ]);
    expect(report.results[0]!.alert!.summary).toContain('single sign-on mode unknown: no --snapshot');
  });

  it('the snapshot is the tenant the logs leave behind: added secrets, redirect URIs, owners, grants and roles', async () => {
    const dir = join(work, 'scenarios-diagnostic');
    const { readAll } = await import('../helpers/ingest.js');
    const { enrichEvent } = await import('../../src/enrich/index.js');
    const snapshot = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as {
      applications: { id: string; appId: string; passwordCredentials: { keyId: string }[]; keyCredentials: { keyId: string }[]; web: { redirectUris: string[] }; publicClient: { redirectUris: string[] } }[];
      servicePrincipals: { id: string; appId: string; keyCredentials: { keyId: string }[] }[];
      owners: Record<string, { id: string }[]>;
      oauth2PermissionGrants: { clientId: string; scope: string }[];
      appRoleAssignments: { principalId: string; appRoleId: string }[];
      roleAssignments: { principalId: string }[];
    };
    const audit = (await readAll([join(dir, 'logs')])).events.filter((e) => e.appwatch.kind === 'audit').map(enrichEvent);
    const byObject = new Map(snapshot.applications.map((a) => [a.id, a]));
    let checked = 0;
    for (const e of audit) {
      const activity = String(e.activityDisplayName);
      const targets = e.targetResources as { id: string; type: string; modifiedProperties: { displayName: string; newValue: string | null }[] }[];
      const app = targets.map((t) => byObject.get(t.id)).find(Boolean);
      const added = (e.appwatch.credentials as { added: { keyId?: string }[] } | undefined)?.added ?? [];
      if (/certificates and secrets/i.test(activity) && app) {
        for (const c of added) expect([...app.passwordCredentials, ...app.keyCredentials].map((k) => k.keyId), `${activity} on ${app.id}`).toContain(c.keyId);
        checked++;
      }
      const uris = (e.appwatch.uris as { redirect?: { added: { uri: string }[] } } | undefined)?.redirect?.added ?? [];
      if (app) for (const u of uris) { expect([...app.web.redirectUris, ...app.publicClient.redirectUris]).toContain(u.uri); checked++; }
      if (activity === 'Add owner to application' && app) { expect(snapshot.owners[app.id]!.map((o) => o.id)).toContain(targets[0]!.id); checked++; }
      if (activity === 'Add delegated permission grant') { expect(snapshot.oauth2PermissionGrants.map((g) => g.clientId)).toContain(targets[1]!.id); checked++; }
      if (activity === 'Add member to role') { expect(snapshot.roleAssignments.map((r) => r.principalId)).toContain(targets[0]!.id); checked++; }
      if (activity === 'Add app role assignment to service principal') {
        const principal = targets[0]!.modifiedProperties.find((p) => p.displayName === 'ServicePrincipal.ObjectID')!.newValue!;
        expect(snapshot.appRoleAssignments.map((a) => a.principalId)).toContain(JSON.parse(principal));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("the credential lifetime policy comes from appwatch.yaml (credentials.maxLifetimeDays)", async () => {
    const dir = join(work, 'scenarios-diagnostic');
    const config = parse(await readFile(join(dir, 'appwatch.yaml'), 'utf8')) as Record<string, unknown>;
    const lenient = join(dir, 'lenient.yaml');
    await writeFile(lenient, stringify({ ...config, credentials: { maxLifetimeDays: { password: 4000 } } }));
    const out = join(dir, 'lenient.jsonl');
    const result = await runCli(['scan', join(dir, 'logs'), '--config', lenient, '--snapshot', join(dir, 'snapshot.json'), '--format', 'jsonl', '--out', out, '-q']);
    expect(result.code, result.stderr).toBe(0);
    const label = (await readJsonl<Label>(join(dir, 'labels.jsonl'))).filter((l) => l.scenario === 'row-02-long-lived-credential' && l.ruleId);
    const [r] = scoreAlerts(label, await readJsonl<Alert>(out)).results;
    expect([r!.outcome, r!.alert?.severity]).toEqual(['wrong-severity', 'medium']); // within a 4000-day policy: routine
    expect(r!.alert!.summary).toContain("password 'never-expires' valid 3652 days (policy 4000)");
    await writeFile(lenient, 'credentials:\n  maxLifetimeDays:\n    password: forever\n');
    const bad = await runCli(['scan', join(dir, 'logs', 'insights-activity-logs'), '--config', lenient]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/credentials\.maxLifetimeDays\.password.*must be a positive whole number/);
  });

  it('appwatch posture reports what is risky in the simulated tenant now, and nothing about the benign look-alikes', async () => {
    const dir = join(work, 'scenarios-diagnostic');
    const result = await runCli(['posture', '--snapshot', join(dir, 'snapshot.json'), '--format', 'jsonl', '--fail-on', 'high']);
    expect(result.code, result.stderr).toBe(1); // high findings
    const findings = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    const of = (id: string): Alert[] => findings.filter((f) => f.rule.id === id);
    expect(findings.every((f) => f.rule.source === 'posture' && f.summary.includes('Fix: '))).toBe(true);
    // Row 2: the ten-year secret (and secrets of a year against the 180-day default); the deploy pipeline's own
    // app management policy wins over appwatch.yaml, and the finding says which policy.
    expect(of('posture-credential-lifetime').some((f) => /'never-expires' .* is valid 3652 days, .* \(policy 180 days, from appwatch\.yaml credentials\.maxLifetimeDays; no app management policy/.test(f.summary))).toBe(true);
    expect(of('posture-credential-lifetime').filter((f) => f.entities.application?.displayName === 'Deploy-Pipeline').map((f) => f.summary))
      .toEqual([expect.stringMatching(/\(policy (90|180) days, from app management policy 'Deploy pipeline credentials' assigned to it\)/)]);
    // Row 3: the app made Privileged Role Administrator, and the legacy app that made itself Global Administrator.
    expect(of('posture-privileged-role').map((f) => f.entities.role?.displayName).sort()).toEqual(['Global Administrator', 'Privileged Role Administrator']);
    // Row 8: Mail.ReadWrite for all users.
    expect(of('posture-all-users-grant').map((f) => f.fields.scope)).toEqual([['Mail.ReadWrite']]);
    // Row 15: the wildcard and the deleted azurewebsites.net host; never the loopback or broker URIs of public clients.
    const uris = of('posture-redirect-uri').map((f) => String(f.fields.redirectUri![0]));
    expect(uris.some((u) => u.includes('*.contoso-login.net'))).toBe(true);
    expect(uris.some((u) => u.includes('-legacy.azurewebsites.net'))).toBe(true);
    expect(uris.filter((u) => /localhost|ms-appx-web/.test(u))).toEqual([]);
    // Row 4: application permissions named from the resource's appRoles (Exchange's full_access_as_app) or from
    // the Graph catalogue (the snapshot has no Graph appRoles); critical ones are high findings.
    const permissions = new Map(of('posture-application-permission').map((f) => [f.entities.servicePrincipal?.displayName, f]));
    expect(permissions.get('Legacy-OAuth-Test')?.fields.permission?.slice().sort()).toEqual(['RoleManagement.ReadWrite.Directory', 'full_access_as_app']);
    for (const app of ['Legacy-OAuth-Test', 'Mail-Archiver', 'Compliance-Export', 'Deploy-Pipeline']) expect(permissions.get(app)?.severity, app).toBe('high');
    expect(permissions.get('Deploy-Pipeline')?.fields.permission).toEqual(['Application.ReadWrite.All']);
    // Row 17: the legacy test account that made itself owner; owners who are application administrators (every
    // other app's) can add credentials anyway and are not reported.
    expect(of('posture-owner-of-privileged-app').map((f) => [f.entities.application?.displayName, f.fields.owner])).toEqual([['Legacy-OAuth-Test', ['svc-test-legacy@contoso.com']]]);
    // Row 16: the app ID URI on an outside domain; api://<name> URIs are not domains.
    expect(of('posture-identifier-uri').map((f) => f.fields.identifierUri)).toEqual([['https://contoso-payroll.example']]);
    // Row 18: the web app whose sign-out URL was blanked.
    expect(of('posture-no-logout-url')).toHaveLength(1);
    // The apps the attacker registered or revived have no instance lock; the tenant's own apps do.
    expect(of('posture-no-lock-configuration').map((f) => f.entities.application?.displayName).sort()).toEqual(['Compliance-Export', 'Legacy-OAuth-Test', 'Mail-Archiver']);
    // Tenant controls the logs imply: device code and ROPC not stopped (MFA for all is report-only), people consented
    // to Mail.Read for themselves (legacy user consent), risk-based step-up consent on.
    expect(of('posture-device-code-not-blocked')).toHaveLength(1);
    expect(of('posture-ropc-not-restricted').map((f) => f.summary)).toEqual([expect.stringContaining("'Require MFA for all users' is enabledForReportingButNotEnforced")]);
    expect(of('posture-user-consent-unrestricted').map((f) => f.severity)).toEqual(['high']);
    expect(of('posture-risky-consent-not-blocked')).toEqual([]);
    // Microsoft's service principals carry no credentials; the snapshot is complete.
    expect(of('posture-first-party-credential')).toEqual([]);
    expect([...of('posture-check-not-run'), ...of('posture-collection-incomplete')]).toEqual([]);
    // A longer policy in appwatch.yaml: the year-long secrets pass; the ten-year one does not, nor the deploy
    // pipeline's credential, held to its own app management policy.
    const config = join(dir, 'policy.yaml');
    await writeFile(config, 'credentials:\n  maxLifetimeDays: { password: 800, certificate: 800 }\n');
    const lenient = await runCli(['posture', '--snapshot', join(dir, 'snapshot.json'), '--config', config, '--format', 'csv']);
    const rows = lenient.stdout.split('\n').filter((l) => l.includes('Credential valid longer'));
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.includes('never-expires'))).toHaveLength(1);
    expect(rows.filter((r) => r.includes("app management policy 'Deploy pipeline credentials'"))).toHaveLength(1);
  });

  it('scan --snapshot says what the app already held: a critical permission raises a credential to critical, roles are named', async () => {
    const dir = join(work, 'scenarios-diagnostic');
    const labels = await readJsonl<Label>(join(dir, 'labels.jsonl'));
    const report = scoreAlerts(labels, byFormat.get('diagnostic') ?? []);
    const alertOf = (scenario: string, step: string): Alert => report.results.find((r) => r.label.scenario === scenario && r.label.step === step)!.alert!;
    // full_access_as_app was granted two minutes before the secret: the app held it.
    const secret = alertOf('midnight-blizzard', 'secret added to Mail-Archiver');
    expect(secret.severity).toBe('critical');
    expect(secret.context.flags).toContain('app-holds-critical-permission');
    expect(secret.context.severityReasons.join('; ')).toContain('the application holds a critical permission');
    // The legacy app's secret came before its grants (the assignments' createdDateTime): not flagged.
    expect(alertOf('midnight-blizzard', 'secret added to the legacy app').context.flags).not.toContain('app-holds-critical-permission');
    // Reports Reader to an app that already holds Privileged Role Administrator; not the other way round.
    expect(alertOf('row-03-app-assigned-role', 'non-privileged directory role').context.flags).toContain('target-already-privileged');
    expect(alertOf('row-03-app-assigned-role', 'privileged directory role').context.flags).not.toContain('target-already-privileged');
  });

  it('a snapshot that is not one is refused, naming the file', async () => {
    const bad = join(work, 'bad-snapshot.json');
    await writeFile(bad, JSON.stringify({ tenantId: 'x', applications: [] }));
    const result = await runCli(['scan', join(work, 'scenarios-diagnostic', 'logs', 'insights-activity-logs'), '--snapshot', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`snapshot ${bad}: servicePrincipals must be an array (missing)`);
    const posture = await runCli(['posture', '--snapshot', bad]);
    expect(posture.code).toBe(2);
    expect(posture.stderr).toContain(`snapshot ${bad}: servicePrincipals must be an array (missing)`);
  });

  it('gives the same alerts from every format', () => {
    const signature = (alerts: Alert[]): string[] => alerts.map((a) => `${a.rule.id} ${a.severity} ${a.time.slice(0, 19)}`).sort();
    const reference = signature(byFormat.get('diagnostic') ?? []);
    expect(reference.length).toBeGreaterThan(50);
    for (const format of formats) expect(signature(byFormat.get(format) ?? []), format).toEqual(reference);
  });

  it('raises nothing high or critical on seven benign days for 500 users, look-alikes included', async () => {
    const dir = join(work, 'benign');
    await simulate(dir, ['--days', '7', '--users', '500', '--scenarios', 'none']);
    // The named look-alikes are in the data.
    const text = await Promise.all((await listFiles(join(dir, 'logs'))).map((f) => readFile(f, 'utf8')));
    const count = (needle: string): number => text.reduce((n, t) => n + t.split(needle).length - 1, 0);
    const config = parse(await readFile(join(dir, 'appwatch.yaml'), 'utf8')) as { context: { allowLists: Record<string, { appIds: string[] }> } };
    const kiosk = Object.values(config.context.allowLists)[0]!.appIds[0]!;
    const lookalikes = {
      'managed-identity certificate rollover': count('"displayName":"Managed Service Identity"'),
      'consent to a Microsoft first-party app': count('"value":"14d82eec-204b-4c2f-b7e8-296a70dab67e"'),
      'single-user Mail.ReadBasic grant': count('Mail.ReadBasic\\""'),
      'loopback http redirect URI on a public client': count('\\"Address\\":\\"http://localhost:'),
      'ROPC by the allow-listed kiosk app': text.reduce((n, t) => n + t.split('\n').filter((l) => l.includes('"authenticationProtocol":"ropc"') && l.includes(kiosk)).length, 0),
    };
    console.log('benign look-alikes in the data:', lookalikes);
    for (const [name, n] of Object.entries(lookalikes)) expect(n, name).toBeGreaterThan(0);

    const { alerts } = await scan(dir);
    const bySeverity = new Map<string, number>();
    for (const a of alerts) bySeverity.set(`${a.severity.padEnd(13)} ${a.rule.title}`, (bySeverity.get(`${a.severity.padEnd(13)} ${a.rule.title}`) ?? 0) + 1);
    console.log(`benign background, 7 days x 500 users: ${alerts.length} alerts\n${[...bySeverity].sort().map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`).join('\n')}`);
    const loud = alerts.filter((a) => a.severity === 'high' || a.severity === 'critical');
    expect(loud.map((a) => `${a.severity}: ${a.summary}`)).toEqual([]);
    // Posture on the benign tenant: one high finding, the deploy pipeline's Application.ReadWrite.All; people
    // consent to low-impact permissions only, so the tenant keeps the low user consent policy.
    const posture = await runCli(['posture', '--snapshot', join(dir, 'snapshot.json'), '--format', 'jsonl']);
    expect(posture.code, posture.stderr).toBe(0);
    const findings = posture.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    expect(findings.filter((f) => f.severity === 'high' || f.severity === 'critical').map((f) => `${f.rule.id} ${f.entities.servicePrincipal?.displayName ?? ''}`))
      .toEqual(['posture-application-permission Deploy-Pipeline']);
    expect(findings.filter((f) => f.rule.id === 'posture-user-consent-unrestricted')).toEqual([]);
    expect(alerts.some((a) => a.rule.id === '8d1e3f5a-6b7c-4d9e-8f1a-5b6c7d8e9f0a'), 'the kiosk ROPC is allow-listed').toBe(false);
  });
});

describe('appwatch demo (npm start)', () => {
  it('simulates, scans, prints the alert table and says where the JSON Lines went', async () => {
    const out = join(work, 'demo');
    const result = await runCli(['demo', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^time \(UTC\)\s+severity\s+rule/);
    expect(result.stdout).toMatch(/critical\s+Application takeover/);
    expect(result.stderr).toContain(`alerts as JSON Lines: ${join(out, 'alerts.jsonl')}`);
    const alerts = await readJsonl<Alert>(join(out, 'alerts.jsonl'));
    expect(alerts.length).toBe(result.stdout.trim().split('\n').length - 2); // the table's rows, without its two header lines
  });
});
