/**
 * What the fleet tests share: tenants made distinct copies of one simulated audit log, each behind its own local
 * Graph-speaking server; `appwatch watch` workers as child processes; the alert ids the detections must raise over
 * every record (the oracle the store is compared with); waiting for the fleet to catch up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { loadConfig } from '../../src/config/config.js';
import { normalizeGraphRecord } from '../../src/ingest/formats/graph.js';
import { isRejection } from '../../src/ingest/types.js';
import type { CanonicalEvent } from '../../src/model/event.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import { TenantEngine } from '../../src/watch/engine.js';
import { startGraphServer, type GraphServer, type GraphTenant } from './graph-server.js';
import { ROOT } from './ingest.js';
import { simulateRecentTenant } from './simulated-logs.js';

type Json = Record<string, unknown>;

export const FLEET_TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJmbGVldCI6dHJ1ZX0.ZmxlZXQtdGVzdA';

export interface FleetTenant { key: string; server: GraphServer; graph: GraphTenant; records: Json[] }

/** A GUID of its own per tenant for every id, so the tenants' events (and alerts) are distinct. */
export function tenantGuid(tenant: number, id: string): string {
  const h = createHash('sha256').update(`${tenant}:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function cloneFor(tenant: number, records: Json[]): Json[] {
  return records.map((r) => ({ ...structuredClone(r), id: tenantGuid(tenant, String(r.id)), ...(r.correlationId ? { correlationId: tenantGuid(tenant, String(r.correlationId)) } : {}) }));
}

/**
 * `count` tenants over one simulated tenant's audit log (written to `simDir`, with its appwatch.yaml), each served
 * by its own Graph server answering after `latencyMs`; the audit lists start empty (push records into
 * `graph.directoryAudits` as rounds go by).
 */
export async function startFleetTenants(simDir: string, count: number, options: { seed: number; latencyMs: number }): Promise<FleetTenant[]> {
  const simulated = await simulateRecentTenant(simDir, { users: 20, apps: 4, seed: options.seed });
  // Oldest first, so each round's records are newer than what was read before (late arrivals: tests/watch/crash).
  const audits = [...simulated.directoryAudits].sort((a, b) => String(a.activityDateTime).localeCompare(String(b.activityDateTime)));
  const tenants: FleetTenant[] = [];
  for (let i = 0; i < count; i++) {
    const graph: GraphTenant = { tenantId: tenantGuid(i, 'tenant'), applications: [], servicePrincipals: [], oauth2PermissionGrants: [], appRoleAssignments: [], roleAssignments: [], roleDefinitions: [], domains: [], directoryAudits: [], signIns: [] };
    const server = await startGraphServer(graph, { token: FLEET_TOKEN, pageSize: 1000, latencyMs: options.latencyMs });
    tenants.push({ key: `t${String(i).padStart(2, '0')}`, server, graph, records: cloneFor(i, audits) });
  }
  return tenants;
}

/** Makes round `round` of `rounds` of every tenant's records visible to Graph. */
export function pushRound(tenants: FleetTenant[], round: number, rounds: number): void {
  for (const t of tenants) {
    const per = Math.ceil(t.records.length / rounds);
    t.graph.directoryAudits!.push(...t.records.slice(round * per, (round + 1) * per));
  }
}

export interface FleetWorker { child: ChildProcess; stderr: () => string; exited: Promise<number | null> }

/** `appwatch watch --config <config> --worker-id <name>` with the tenants' token in FLEET_TOKEN. */
export function startWorker(config: string, name: string): FleetWorker {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/appwatch.js'), 'watch', '--config', config, '--worker-id', name], { env: { ...process.env, NO_COLOR: '1', FLEET_TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

/** What the detections raise over every record of every tenant: the same engine, one tenant at a time. */
export async function expectedAlertIds(simDir: string, tenants: FleetTenant[]): Promise<Set<string>> {
  const { config } = loadConfig(join(simDir, 'appwatch.yaml'));
  const { ruleset } = await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config);
  const expected = new Set<string>();
  for (const t of tenants) {
    const events = t.records.map((r) => normalizeGraphRecord(r, { source: 'graph', format: 'graph', file: 'audit' }, { file: 'audit', baseName: 'audit', framing: 'json-document', source: 'file' }))
      .filter((e): e is CanonicalEvent => !isRejection(e))
      .sort((a, b) => a.appwatch.time.localeCompare(b.appwatch.time));
    const engine = new TenantEngine(ruleset, config, { dns: false });
    for (const alert of await engine.process(events)) expected.add(alert.id);
  }
  return expected;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the store holds at least `expected` alerts and the outbox is empty; returns the stored ids. Throws
 * after `timeoutMs` with `describe()` (the workers' logs) in the message.
 */
export async function waitForCatchUp(store: PostgresStore, expected: number, timeoutMs: number, describe: () => string): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stored = (await store.listAlerts({})).map((a) => a.alert.id);
    const depth = Object.values(await store.outboxDepth()).reduce((a, b) => a + b, 0);
    if (stored.length >= expected && depth === 0) return stored;
    if (Date.now() > until) throw new Error(`no catch-up: ${stored.length} of ${expected} alerts, ${depth} pending\n${describe()}`);
    await sleep(500);
  }
}

export interface FleetSettings { store: string; intervalSeconds: number; leaseSeconds: number; heartbeatSeconds: number; appRequestsPer10Seconds: number; webhookUrl: string }

/**
 * Writes `config`: the simulated tenant's appwatch.yaml (rules context) with the fleet's tenants, each read with
 * FLEET_TOKEN from its own Graph server, the store, the poll and fleet settings, and every alert to a webhook.
 * Graph's per-tenant limit is 5 requests in 10 s.
 */
export async function writeFleetConfig(config: string, simDir: string, tenants: FleetTenant[], settings: FleetSettings): Promise<void> {
  const base = parse(await readFile(join(simDir, 'appwatch.yaml'), 'utf8')) as Json;
  await writeFile(config, stringify({
    ...base,
    tenants: tenants.map((t) => ({ id: t.graph.tenantId, name: t.key, graphUrl: t.server.url, auth: { accessTokenEnv: 'FLEET_TOKEN' }, sources: ['audit'] })),
    store: settings.store,
    poll: { intervalSeconds: settings.intervalSeconds, overlapMinutes: 15, lookbackMinutes: 5 * 1440, requestsPer10Seconds: 5 },
    fleet: { leaseSeconds: settings.leaseSeconds, heartbeatSeconds: settings.heartbeatSeconds, appRequestsPer10Seconds: settings.appRequestsPer10Seconds },
    sinks: [{ name: 'hook', type: 'webhook', url: settings.webhookUrl, minSeverity: 'informational' }],
  }));
}
