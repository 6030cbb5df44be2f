/**
 * @module simulate/simulate
 * `appwatch simulate`: a deterministic synthetic tenant written as real exports. Day by day (so memory stays
 * flat however long the period), benign background and scenario records are merged in time order and rendered
 * in the chosen export format; then the ground truth (`labels.jsonl`), the inventory snapshot, the tenant's
 * `appwatch.yaml` and the DNS answers for dangling hosts (`dns.json`) are written next to the logs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { backgroundDay, changeWindowOf, DAY, ropcKioskApp } from './background.js';
import { Rng } from './random.js';
import type { SimRecord } from './records.js';
import { diagnosticRenderer } from './render/diagnostic.js';
import { graphRenderer } from './render/graph.js';
import { logAnalyticsRenderer } from './render/log-analytics.js';
import { portalCsvRenderer } from './render/portal-csv.js';
import type { LogRenderer, RenderContext } from './render/types.js';
import { RULE, runScenarios, SCENARIOS, type Label } from './scenarios.js';
import { buildSnapshot } from './snapshot.js';
import { buildTenant, type Tenant } from './tenant.js';

export const LOG_FORMATS = ['graph', 'diagnostic', 'log-analytics', 'portal-csv'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface SimulateOptions {
  days: number;
  users: number;
  apps: number;
  seed: string;
  /** Scenario names; [] for none. */
  scenarios: string[];
  logFormat: LogFormat;
  out: string;
  /** Midnight UTC of the first day. */
  startMs: number;
  onDay?: (day: number, records: number) => void;
}

export interface SimulateResult {
  records: Record<SimRecord['kind'], number>;
  labels: Label[];
  files: string[];
  attackDay: string | null;
}

export const DEFAULT_START = '2026-10-05';
export const SCENARIO_NAMES = Object.keys(SCENARIOS);

const RENDERERS: Record<LogFormat, (ctx: RenderContext) => LogRenderer> = {
  graph: graphRenderer,
  diagnostic: (ctx) => diagnosticRenderer(ctx),
  'log-analytics': logAnalyticsRenderer,
  'portal-csv': portalCsvRenderer,
};

/** The tenant's appwatch.yaml: what is normal here (the scenarios are judged against it). */
export function tenantConfig(tenant: Tenant, startMs: number, days: number): Record<string, unknown> {
  const windows: { start: string; end: string }[] = [];
  for (let d = 0; d < days; d++) {
    const w = changeWindowOf(startMs + d * DAY);
    if (w) windows.push({ start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() });
  }
  return {
    context: {
      businessHours: { timeZone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00' },
      changeWindows: windows,
      approvedActors: [...tenant.admins.map((u) => u.userPrincipalName), tenant.deployBot.appId],
      highProfileAccounts: [tenant.executive.userPrincipalName, tenant.globalAdmin.userPrincipalName],
      verifiedDomains: [tenant.domain, 'contoso.onmicrosoft.com'],
      allowLists: { [RULE.ropc]: { appIds: [ropcKioskApp(tenant).appId] } },
    },
    baseline: { learningDays: Math.max(1, Math.min(7, days - 2)) },
  };
}

/**
 * The DNS answers of the tenant's own redirect hosts (A records, hosts under its domain), in the shape of the test
 * resolver's zone: every name not in it answers NXDOMAIN, like the deleted azurewebsites.net host of the hijack.
 */
export function tenantZone(tenant: Tenant): Record<string, { A: string[] }> {
  const zone: Record<string, { A: string[] }> = {};
  for (const app of [...tenant.apps, tenant.deployBot]) {
    for (const uri of [...app.redirectUris, ...(app.logoutUrl ? [app.logoutUrl] : [])]) {
      const host = /^https:\/\/([^/:]+)/i.exec(uri)?.[1]?.toLowerCase();
      // Only the tenant's own zone: a name elsewhere (a deleted azurewebsites.net site) is not the tenant's to answer.
      if (host && (host === tenant.domain || host.endsWith(`.${tenant.domain}`))) zone[host] = { A: [tenant.officeIps[0]!] };
    }
  }
  return zone;
}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const rng = new Rng(options.seed);
  const tenant = buildTenant(rng.fork('tenant'), { users: options.users, apps: options.apps, startMs: options.startMs });
  if (options.scenarios.length > 0 && options.days < 3) {
    throw new Error('scenarios need at least 3 days: the baseline learns from the days before the attack day');
  }
  const attackDayMs = options.startMs + (options.days - 2) * DAY;
  const scenarios = runScenarios(options.scenarios, rng.fork('scenarios'), tenant, attackDayMs);
  const byDay = new Map<number, SimRecord[]>();
  for (const r of scenarios.records) {
    const day = Math.max(0, Math.min(options.days - 1, Math.floor((r.timeMs - options.startMs) / DAY)));
    let list = byDay.get(day);
    if (!list) byDay.set(day, (list = []));
    list.push(r);
  }
  await mkdir(options.out, { recursive: true });
  // Logs under logs/, the ground truth and the tenant's files beside them (so a scan of logs/ reads only logs).
  const renderer = RENDERERS[options.logFormat]({ dir: join(options.out, 'logs'), tenant });
  const counts: SimulateResult['records'] = { audit: 0, signin: 0, keyvault: 0, activity: 0 };
  for (let d = 0; d < options.days; d++) {
    const dayMs = options.startMs + d * DAY;
    const records = [...backgroundDay(rng.fork(`day-${d}`), tenant, dayMs), ...(byDay.get(d) ?? [])];
    records.sort((a, b) => a.timeMs - b.timeMs);
    for (const r of records) counts[r.kind]++;
    await renderer.writeDay(dayMs, records);
    options.onDay?.(d, records.length);
  }
  const files = await renderer.finish();
  const side = async (name: string, text: string): Promise<void> => {
    await writeFile(join(options.out, name), text);
    files.push(join(options.out, name));
  };
  await side('labels.jsonl', scenarios.labels.map((l) => JSON.stringify(l)).join('\n') + (scenarios.labels.length ? '\n' : ''));
  await side('snapshot.json', `${JSON.stringify(buildSnapshot(tenant, options.startMs + options.days * DAY, scenarios.snapshot), null, 1)}\n`);
  await side('appwatch.yaml', `# The simulated tenant's context (appwatch simulate --seed ${options.seed}).\n${stringify(tenantConfig(tenant, options.startMs, options.days))}`);
  await side('dns.json', `${JSON.stringify(tenantZone(tenant), null, 1)}\n`);
  return { records: counts, labels: scenarios.labels, files, attackDay: options.scenarios.length > 0 ? new Date(attackDayMs).toISOString().slice(0, 10) : null };
}
