/**
 * The HTML report from each command that makes one, on a simulated tenant: `scan --report` (alerts, timelines,
 * inventory and consent with --snapshot), `posture --report` (findings) and `appwatch report` from the alert
 * store (triage states; suppressed alerts kept apart, not dropped). The page itself is tested in a browser in
 * tests/report; here, that each report carries exactly what its command found.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import type { ReportData } from '../../src/report/model.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runCli } from '../helpers/cli.js';

let work: string;
let sim: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-report-cli-'));
  sim = join(work, 'sim');
  const result = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '25', '--apps', '5', '--seed', '8', '-q']);
  expect(result.code, result.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The report's data island, as the page's script reads it. */
async function island(path: string): Promise<ReportData> {
  const html = await readFile(path, 'utf8');
  const match = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html);
  expect(match, 'data island').not.toBeNull();
  // The island may not contain a raw "<" (so no "</script>" can end it early).
  expect(match![1]).not.toMatch(/</);
  return JSON.parse(match![1]!) as ReportData;
}

const jsonl = (text: string): Alert[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);

describe('report commands', () => {
  it('scan --report carries every alert, with the inventory, consent grants and timelines of the snapshot', async () => {
    const report = join(work, 'scan.html');
    const scan = await runCli(['scan', join(sim, 'logs'), '--config', join(sim, 'appwatch.yaml'), '--snapshot', join(sim, 'snapshot.json'), '--format', 'jsonl', '--report', report]);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toContain(`report written to ${report}`);
    const data = await island(report);
    expect(data.kind).toBe('scan');
    expect(data.alerts.map((a) => a.alert.id).sort()).toEqual(jsonl(scan.stdout).map((a) => a.id).sort());
    expect(data.alerts.every((a) => a.state === 'new')).toBe(true);
    // The record behind an audit alert, and what it changed.
    const credential = data.alerts.find((a) => a.alert.rule.guideRows.includes(1) && a.changes);
    expect(credential?.changes?.some((c) => c.name === 'KeyDescription')).toBe(true);
    expect(data.applications.length).toBeGreaterThan(3);
    expect(data.applications[0]!.risk).toBeGreaterThanOrEqual(data.applications.at(-1)!.risk);
    expect(data.consent.some((r) => r.Permission === 'Mail.ReadWrite' && r.ConsentType === 'AllPrincipals')).toBe(true);
    const withAlerts = Object.values(data.timelines).flat().filter((e) => e.alertIds.length > 0);
    expect(withAlerts.length).toBeGreaterThan(0);
    expect(data.sources.some((s) => s.kind === 'snapshot')).toBe(true);
    expect(data.gaps.some((g) => g.source === 'dns')).toBe(true);
    expect(data.generator.rulePack.rules).toBeGreaterThan(20);
    expect(data.generator.rulePack.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('posture --report carries every finding', async () => {
    const report = join(work, 'posture.html');
    const posture = await runCli(['posture', '--snapshot', join(sim, 'snapshot.json'), '--format', 'jsonl', '--report', report]);
    expect(posture.code, posture.stderr).toBe(0);
    const data = await island(report);
    expect(data.kind).toBe('posture');
    expect(data.findings.map((f) => f.alert.id).sort()).toEqual(jsonl(posture.stdout).map((f) => f.id).sort());
    expect(data.alerts).toEqual([]);
    expect(Object.keys(data.guidance).some((id) => id.startsWith('posture-') && data.guidance[id]!.fix)).toBe(true);
  }, 60_000);

  it('appwatch report shows the store with triage states, suppressed alerts apart', async () => {
    const scan = await runCli(['scan', join(sim, 'logs'), '--config', join(sim, 'appwatch.yaml'), '--format', 'jsonl', '-q']);
    const alerts = jsonl(scan.stdout);
    const path = join(work, 'store.db');
    const store = await openSqliteStore(path);
    try {
      const graphCli = alerts.find((a) => a.entities.application?.displayName === 'Microsoft Graph Command Line Tools');
      expect(graphCli).toBeDefined();
      await store.addSuppression({ scope: { application: 'Microsoft Graph Command Line Tools' }, reason: 'admins use it daily', author: 'soc-lead' });
      await store.commitBatch({ tenant: 'contoso', alerts, checkpoints: {}, state: {}, sinksFor: () => [], now: new Date().toISOString() });
      await store.setAlertState(alerts.find((a) => a.id !== graphCli!.id)!.id, 'acknowledged', 'analyst', 'looking');
    } finally {
      await store.close();
    }
    const report = join(work, 'store.html');
    const result = await runCli(['report', '--store', path, '--out', report]);
    expect(result.code, result.stderr).toBe(0);
    const data = await island(report);
    expect(data.kind).toBe('store');
    expect(data.alerts).toHaveLength(alerts.length);
    const suppressed = data.alerts.filter((a) => a.state === 'suppressed');
    expect(suppressed.length).toBeGreaterThan(0);
    expect(suppressed.every((a) => a.suppressedBy === 'admins use it daily (soc-lead)')).toBe(true);
    expect(data.alerts.filter((a) => a.state === 'acknowledged')).toHaveLength(1);
    const missing = await runCli(['report', '--store', join(work, 'nope.db'), '--out', join(work, 'x.html')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no alert store at');
  }, 60_000);
});
