/**
 * `appwatch alerts …` end to end on real alerts: `appwatch simulate` and `appwatch scan` produce them, the test
 * commits them to a store (as `watch` will), then runs the built CLI as a user would: list in every format with
 * the filters, show, ack, resolve, suppress, unsuppress, suppressions, and the usage errors (exit 2). One alert
 * carries an attacker's app name (a spreadsheet formula and an ANSI escape) that must come out inert.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { severityRank } from '../../src/model/severity.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { StoredAlert, Suppression } from '../../src/store/types.js';
import { runCli } from '../helpers/cli.js';

const HOSTILE_APP = '=HYPERLINK("http://x")\u001b[2J\u001b]0;pwned\u0007';
const HOSTILE_ID = 'ffffffffffffffffffffffffffffff01';

let work: string;
let store: string;
let alerts: Alert[];
let hostile: Alert;

const lines = <T>(text: string): T[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
const alertsCli = (args: string[]) => runCli(['alerts', ...args, '--store', store]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-alerts-cli-'));
  const sim = join(work, 'sim');
  const simulated = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '20', '--apps', '4', '--seed', '3', '-q']);
  expect(simulated.code, simulated.stderr).toBe(0);
  const out = join(work, 'alerts.jsonl');
  const scanned = await runCli(['scan', join(sim, 'logs'), '--config', join(sim, 'appwatch.yaml'), '--format', 'jsonl', '--out', out, '-q']);
  expect(scanned.code, scanned.stderr).toBe(0);
  alerts = lines<Alert>(await readFile(out, 'utf8'));
  expect(alerts.length).toBeGreaterThanOrEqual(5);

  // A real alert whose application an attacker named.
  hostile = structuredClone(alerts.find((a) => a.entities.application) ?? alerts[0]!);
  hostile.id = HOSTILE_ID;
  hostile.time = '2030-01-01T00:00:00.000Z'; // newest, so first in every list
  hostile.entities.application = { displayName: HOSTILE_APP, appId: '00000000-0000-4000-8000-0000000000aa' };

  store = join(work, 'store', 'appwatch.db');
  const s = await openSqliteStore(store);
  await s.commitBatch({ tenant: 'contoso', alerts: [...alerts, hostile], checkpoints: { 'contoso/audit': { n: 1 } }, state: {}, sinksFor: () => ['webhook'], now: new Date().toISOString() });
  await s.close();
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('appwatch alerts', () => {
  it('lists open alerts newest first as stored records (jsonl), with counts on stderr', async () => {
    const r = await alertsCli(['list', '--format', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const listed = lines<StoredAlert>(r.stdout);
    expect(listed).toHaveLength(alerts.length + 1);
    expect(listed[0]!.alert).toEqual(hostile);
    const byId = new Map(alerts.map((a) => [a.id, a]));
    for (const s of listed.slice(1)) {
      expect(s.alert).toEqual(byId.get(s.alert.id));
      expect(s).toMatchObject({ state: 'new', tenant: 'contoso', history: [] });
    }
    const times = listed.map((s) => s.alert.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(r.stderr).toMatch(new RegExp(`\\[\\+\\] ${alerts.length + 1} alerts shown \\(new, acknowledged\\); matching the other filters: ${alerts.length + 1} new, 0 acknowledged, 0 resolved, 0 suppressed`));
  });

  it('renders the attacker\'s app name inert in the table and formula-safe in CSV', async () => {
    const table = await alertsCli(['list', '--format', 'table', '--full']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const header = table.stdout.split('\n')[0]!;
    expect(header).toMatch(/^id\s+time \(UTC\)\s+severity\s+state\s+rule\s+application\s+summary$/);
    const row = table.stdout.split('\n').find((l) => l.startsWith(HOSTILE_ID))!;
    expect(row).toContain('=HYPERLINK("http://x")\\u001b[2J\\u001b]0;pwned\\u0007');
    expect(row).toMatch(/\bnew\b/);

    const csv = await alertsCli(['list', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const [head, ...rows] = csv.stdout.trimEnd().split('\n');
    expect(head).toBe('time,severity,rule_id,rule_title,guide_rows,summary,application,app_id,actor,actor_ip,evidence_ids,alert_id,state');
    expect(rows).toHaveLength(alerts.length + 1);
    expect(rows[0]).toContain(`"'=HYPERLINK(""http://x"")`);
    expect(rows[0]).toMatch(new RegExp(`,"${HOSTILE_ID}","new"$`));
    // No cell anywhere starts a formula.
    expect(csv.stdout).not.toMatch(/(^|,)"[=+\-@]/m);
  });

  it('filters by minimum severity, rule, tenant, since and limit (json carries the counts)', async () => {
    const high = await alertsCli(['list', '--min-severity', 'high', '--format', 'json']);
    expect(high.code, high.stderr).toBe(0);
    const body = JSON.parse(high.stdout) as { alerts: StoredAlert[]; counts: Record<string, number> };
    const expected = [...alerts, hostile].filter((a) => severityRank(a.severity) >= severityRank('high'));
    expect(body.alerts.map((s) => s.alert.id).sort()).toEqual(expected.map((a) => a.id).sort());
    expect(body.counts).toEqual({ new: expected.length, acknowledged: 0, resolved: 0, suppressed: 0 });

    const rule = alerts[0]!.rule.id;
    const byRule = lines<StoredAlert>((await alertsCli(['list', '--rule', rule, '--format', 'jsonl'])).stdout);
    expect(byRule.length).toBe([...alerts, hostile].filter((a) => a.rule.id === rule).length);
    expect(byRule.every((s) => s.alert.rule.id === rule)).toBe(true);

    expect(lines((await alertsCli(['list', '--tenant', 'fabrikam', '--format', 'jsonl'])).stdout)).toEqual([]);
    expect(lines((await alertsCli(['list', '--tenant', 'contoso', '--format', 'jsonl'])).stdout)).toHaveLength(alerts.length + 1);
    const since = lines<StoredAlert>((await alertsCli(['list', '--since', '2029-12-31T00:00:00Z', '--format', 'jsonl'])).stdout);
    expect(since.map((s) => s.alert.id)).toEqual([HOSTILE_ID]);
    const limited = lines<StoredAlert>((await alertsCli(['list', '--limit', '2', '--format', 'jsonl'])).stdout);
    expect(limited).toHaveLength(2);
    expect(limited[0]!.alert.id).toBe(HOSTILE_ID);

    const ocsf = lines<{ class_uid: number; status: string; finding_info: { uid: string } }>((await alertsCli(['list', '--limit', '1', '--format', 'ocsf'])).stdout);
    expect(ocsf[0]).toMatchObject({ class_uid: 2004, status: 'New', finding_info: { uid: HOSTILE_ID } });
  });

  it('acknowledges and resolves with who and why; show gives the state and history', async () => {
    const [a, b] = [alerts[0]!.id, alerts[1]!.id];
    const ack = await alertsCli(['ack', a, b, '--note', 'investigating', '--by', 'bob@contoso.com']);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stderr).toContain(`[+] acknowledged ${a}`);
    const resolved = await alertsCli(['resolve', b, '--note', 'secret rotated']);
    expect(resolved.code, resolved.stderr).toBe(0);

    const show = await alertsCli(['show', b]);
    expect(show.code, show.stderr).toBe(0);
    const stored = JSON.parse(show.stdout) as StoredAlert;
    expect(stored.alert).toEqual(alerts[1]);
    expect(stored.state).toBe('resolved');
    expect(stored.history).toMatchObject([
      { state: 'acknowledged', by: 'bob@contoso.com', note: 'investigating' },
      { state: 'resolved', by: userInfo().username, note: 'secret rotated' },
    ]);

    const acked = lines<StoredAlert>((await alertsCli(['list', '--state', 'acknowledged', '--format', 'jsonl'])).stdout);
    expect(acked.map((s) => s.alert.id)).toEqual([a]);
    const open = await alertsCli(['list', '--format', 'jsonl']);
    expect(lines(open.stdout)).toHaveLength(alerts.length); // b is resolved: not open
    expect(open.stderr).toContain(`${alerts.length - 1} new, 1 acknowledged, 1 resolved, 0 suppressed`);
    const all = lines<StoredAlert>((await alertsCli(['list', '--state', 'all', '--format', 'jsonl'])).stdout);
    expect(all).toHaveLength(alerts.length + 1);
  });

  it('refuses unknown alert ids (exit 2, naming them) and changes nothing', async () => {
    const known = alerts[2]!.id;
    const r = await alertsCli(['ack', known, 'no-such-alert', 'also-missing']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[x\] no alert no-such-alert, also-missing in .*appwatch\.db; nothing changed/);
    expect((JSON.parse((await alertsCli(['show', known])).stdout) as StoredAlert).state).toBe('new');
    const show = await alertsCli(['show', 'no-such-alert']);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain('no alert no-such-alert');
    expect((await alertsCli(['resolve', 'nope'])).code).toBe(2);
    expect((await alertsCli(['list', '--state', 'open'])).code).toBe(2);
  });

  it('refuses a suppression without scope, without reason or expiring in the past (exit 2)', async () => {
    const noScope = await alertsCli(['suppress', '--reason', 'quiet please']);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toMatch(/at least one of --rule, --app/);
    const noReason = await alertsCli(['suppress', '--rule', alerts[0]!.rule.id]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/needs --reason/);
    const past = await alertsCli(['suppress', '--rule', alerts[0]!.rule.id, '--reason', 'x', '--expires', '2020-01-01T00:00:00Z']);
    expect(past.code).toBe(2);
    expect((await alertsCli(['suppress', '--rule', 'r', '--reason', 'x', '--expires', 'soon'])).code).toBe(2);
    expect(lines((await alertsCli(['suppressions', '--all', '--format', 'jsonl'])).stdout)).toEqual([]);
  });

  it('suppresses by scope with a reason and expiry; the store applies it to later alerts; unsuppress removes it', async () => {
    const target = alerts.find((a) => a.entities.application?.appId) ?? alerts[0]!;
    const appId = target.entities.application?.appId ?? target.entities.servicePrincipal?.appId;
    const added = await alertsCli(['suppress', '--rule', target.rule.id, '--app', appId!, '--reason', 'approved automation', '--expires', '7d', '--by', 'carol']);
    expect(added.code, added.stderr).toBe(0);
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.stderr).toContain(`[+] suppression ${id}: rule ${target.rule.id}, app ${appId}`);
    const byName = await alertsCli(['suppress', '--app', 'Payroll-Sync', '--tenant', 'fabrikam', '--reason', 'lab tenant']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stderr).toMatch(/\[!\] --app 'Payroll-Sync' also matches display names/);

    const listed = lines<Suppression>((await alertsCli(['suppressions', '--format', 'jsonl'])).stdout);
    const mine = listed.find((s) => s.id === id)!;
    expect(mine).toMatchObject({ scope: { ruleId: target.rule.id, application: appId }, reason: 'approved automation', author: 'carol', hits: 0 });
    expect(Date.parse(mine.expiresAt!) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    // watch would record the same detection later (another event): the suppression applies.
    const s = await openSqliteStore(store);
    const later = { ...structuredClone(target), id: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeee02' };
    const result = await s.commitBatch({ tenant: 'contoso', alerts: [later], checkpoints: {}, state: {}, sinksFor: () => ['webhook'], now: new Date().toISOString() });
    await s.close();
    expect(result.suppressed.map((a) => a.id)).toEqual([later.id]);
    const suppressed = lines<StoredAlert>((await alertsCli(['list', '--state', 'suppressed', '--format', 'jsonl'])).stdout);
    expect(suppressed.map((x) => [x.alert.id, x.suppressionId])).toEqual([[later.id, id]]);
    const shown = JSON.parse((await alertsCli(['show', later.id])).stdout) as StoredAlert & { suppression: Suppression };
    expect(shown.suppression).toMatchObject({ id, reason: 'approved automation', hits: 1 });

    const table = await alertsCli(['suppressions', '--format', 'table']);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+1\\s+rule `));
    // A log that cannot be written refuses the removal (here its path is taken by a folder).
    const logPath = `${store}.dashboard-log.jsonl`;
    mkdirSync(logPath);
    const refused = await alertsCli(['unsuppress', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`suppression ${id} not removed: the log ${logPath} could not be written`);
    expect(lines<Suppression>((await alertsCli(['suppressions', '--format', 'jsonl'])).stdout).map((x) => x.id)).toContain(id);
    rmSync(logPath, { recursive: true });
    // Removed, and logged first (as the dashboard logs its removals): who, when, and the suppression as it was.
    const removed = await alertsCli(['unsuppress', id, '--by', 'dave']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain(`[+] suppression ${id} removed (logged in ${logPath})`);
    const logged = lines<Record<string, unknown>>(readFileSync(logPath, 'utf8'));
    expect(logged).toEqual([{ at: expect.any(String), by: 'dave', action: 'remove-suppression', via: 'cli', suppression: { ...mine, hits: 1 } }]);
    expect(Date.now() - Date.parse(String(logged[0]!.at))).toBeLessThan(60_000);
    expect(statSync(logPath).mode & 0o777).toBe(0o600);
    const again = await alertsCli(['unsuppress', id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no suppression ${id}`);
    expect(lines<Suppression>((await alertsCli(['suppressions', '--all', '--format', 'jsonl'])).stdout).map((x) => x.id)).not.toContain(id);
  });

  it('lists expired suppressions only with --all', async () => {
    const s = await openSqliteStore(store);
    const old = await s.addSuppression({ scope: { actor: 'old-admin@contoso.com' }, reason: 'left the company', author: 'ops', createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-02-01T00:00:00Z' });
    await s.close();
    expect(lines<Suppression>((await alertsCli(['suppressions', '--format', 'jsonl'])).stdout).map((x) => x.id)).not.toContain(old.id);
    const all = await alertsCli(['suppressions', '--all', '--format', 'table']);
    expect(all.stdout).toMatch(new RegExp(`${old.id}\\s+2026-02-01 00:00:00 \\(expired\\)`));
  });

  it('finds the store through the config file\'s store key (relative to that file) when --store is absent', async () => {
    const config = join(work, 'store', 'appwatch.yaml');
    await writeFile(config, 'store: appwatch.db\n');
    const r = await runCli(['alerts', 'list', '--state', 'all', '--format', 'jsonl', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).length).toBeGreaterThan(alerts.length);
    const missing = await runCli(['alerts', 'list', '--config', join(work, 'no-such.yaml')]);
    expect(missing.code).toBe(2);
  });

  it('names a missing store instead of creating one (exit 2)', async () => {
    const missing = join(work, 'nowhere', 'appwatch.db');
    const r = await runCli(['alerts', 'list', '--store', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no alert store at ${missing}`);
    expect((await runCli(['alerts', 'ack', 'x', '--store', missing])).code).toBe(2);
    // status and report ask about a store too: neither leaves an empty one behind.
    for (const args of [['status'], ['report', '--out', join(work, 'missing.html')]]) {
      const other = await runCli([...args, '--store', missing]);
      expect(other.code, args[0]).toBe(2);
      expect(other.stderr, args[0]).toContain(`no alert store at ${missing}`);
    }
    expect(existsSync(missing)).toBe(false);
  });
});
