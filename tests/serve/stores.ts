/**
 * Real SQLite stores for the dashboard tests: (a) the hostile fixture tenant's alerts (tests/fixtures/report/
 * hostile.json), committed as watch would, with two of them suppressed at commit and two triaged; (b) a simulated
 * week (`appwatch simulate … --days 7 --users 40 --apps 6 --seed 5`, then `appwatch scan … --format jsonl`), its
 * alerts committed one batch per day, so "first seen" spreads over the week as it would under watch.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Alert } from '../../src/alerts/types.js';
import type { ReportData } from '../../src/report/model.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const run = promisify(execFile);
export const ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(ROOT, 'bin/appwatch.js');

export const hostile = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/report/hostile.json'), 'utf8')) as ReportData;
/** The fixture's tenant name: markup and a right-to-left override. */
export const HOSTILE_TENANT = hostile.tenant!.name!;
const APP_PAYROLL = '8e7fe5eb-b7de-4337-8701-00c8d8969ca0';

const byId = (id: string): Alert => hostile.alerts.find((a) => a.alert.id.endsWith(id))!.alert;

/** Suppressions as the fixture describes them, so alerts 7 and 8 are stored suppressed (and 3, same rule and app, is not). */
export async function fillHostileStore(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  try {
    const first = hostile.alerts.map((a) => a.alert).filter((a) => !a.id.endsWith('7') && !a.id.endsWith('8'));
    await store.commitBatch({ tenant: HOSTILE_TENANT, alerts: first, checkpoints: {}, state: {}, sinksFor: () => [], now: '2026-10-02T08:00:00.000Z' });
    await store.addSuppression({ scope: { ruleId: byId('7').rule.id, application: APP_PAYROLL }, reason: '<b>routine</b> rotation', author: 'bob@contoso.com', createdAt: '2026-10-02T09:00:00.000Z', expiresAt: '2026-12-31T00:00:00.000Z' });
    await store.addSuppression({ scope: { ruleId: byId('8').rule.id, actor: 'alice@contoso.com' }, reason: 'Accepted risk: legacy app, review 2027-01', author: 'carol@contoso.com', createdAt: '2026-10-02T09:00:00.000Z' });
    await store.commitBatch({ tenant: HOSTILE_TENANT, alerts: [byId('7'), byId('8')], checkpoints: {}, state: {}, sinksFor: () => [], now: '2026-10-02T10:00:00.000Z' });
    await store.triage([byId('4').id], { state: 'acknowledged', assignee: 'Mallory \u001b[31mAdmin\u001b[0m' }, 'bob@contoso.com', '2026-10-02T11:00:00.000Z');
    await store.triage([byId('5').id], { state: 'resolved', closeReason: 'benign_positive', note: '<img src=x onerror=alert(1)> was the user\'s own phone' }, 'bob@contoso.com', '2026-10-02T12:00:00.000Z');
  } finally {
    await store.close();
  }
}

export interface SimulatedWeek { dir: string; snapshot: string; alerts: Alert[] }

/** Simulates the week and scans it with the CLI (built in dist/), then commits its alerts a day per batch. */
export async function fillSimulatedStore(dir: string, path: string): Promise<SimulatedWeek> {
  const sim = join(dir, 'sim');
  await run(process.execPath, [CLI, 'simulate', '--out', sim, '--days', '7', '--users', '40', '--apps', '6', '--seed', '5'], { cwd: ROOT });
  const { stdout } = await run(process.execPath, [CLI, 'scan', join(sim, 'logs'), '--config', join(sim, 'appwatch.yaml'), '--format', 'jsonl', '--quiet'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const alerts = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Alert);
  const days = new Map<string, Alert[]>();
  for (const a of alerts) days.set(a.time.slice(0, 10), [...(days.get(a.time.slice(0, 10)) ?? []), a]);
  const store = await openSqliteStore(path);
  try {
    for (const [day, list] of [...days].sort(([a], [b]) => a.localeCompare(b))) {
      await store.commitBatch({ tenant: '', alerts: list, checkpoints: { 'sim/audit': { day } }, state: {}, sinksFor: () => ['webhook'], now: `${day}T23:59:00.000Z` });
    }
  } finally {
    await store.close();
  }
  return { dir: sim, snapshot: join(sim, 'snapshot.json'), alerts };
}
