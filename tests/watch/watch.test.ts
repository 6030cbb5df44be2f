/**
 * `appwatch watch` end to end: a simulated tenant's Graph logs served by a local server that speaks Graph (with
 * its filters, paging and newest-first order), its Key Vault and Activity logs as a diagnostic-export folder.
 * The watch must read every record once, raise the alerts a scan of the same logs raises, pick up records that
 * arrive late within the overlap, never store an alert twice, and say plainly when sign-ins are not licensed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Alert } from '../../src/alerts/types.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runCli } from '../helpers/cli.js';
import { startGraphServer, type GraphServer, type GraphTenant } from '../helpers/graph-server.js';
import { simulateRecentTenant } from '../helpers/simulated-logs.js';
import { startWebhookReceiver, waitFor } from '../helpers/receivers.js';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from '../helpers/ingest.js';

type Json = Record<string, unknown>;
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJ3YXRjaCI6dHJ1ZX0.d2F0Y2gtdGVzdA';

let work: string;
let sim: string;
let tenant: GraphTenant;
let server: GraphServer;

/** appwatch.yaml for the watch: the simulation's own context, plus the tenant, store and poll settings. */
async function watchConfig(name: string, extra: Json = {}): Promise<string> {
  const { parse } = await import('yaml');
  const base = parse(await readFile(join(sim, 'appwatch.yaml'), 'utf8')) as Json;
  const config = {
    ...base,
    tenants: [{ id: tenant.tenantId, name: 'contoso', graphUrl: server.url, auth: { accessTokenEnv: 'CONTOSO_GRAPH_TOKEN' }, sources: ['audit', 'signins', { diagnosticFolder: join(sim, 'logs', 'azure') }] }],
    store: join(work, `${name}.db`),
    poll: { intervalSeconds: 1, overlapMinutes: 15, lookbackMinutes: 6 * 1440 },
    ...extra,
  };
  const path = join(work, `${name}.yaml`);
  await writeFile(path, stringify(config));
  return path;
}

const watchOnce = (config: string) => runCli(['watch', '--once', '--config', config], { env: { CONTOSO_GRAPH_TOKEN: TOKEN } });

async function storedAlerts(path: string): Promise<Alert[]> {
  const store = await openSqliteStore(path);
  try {
    return (await store.listAlerts({})).map((a) => a.alert);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-watch-'));
  sim = join(work, 'sim');
  // Three days ending yesterday, so the first poll's look-back covers them.
  const simulated = await simulateRecentTenant(sim, { users: 30, apps: 5, seed: 11 });
  tenant = { ...simulated.snapshot, directoryAudits: simulated.directoryAudits, signIns: simulated.signIns };
  server = await startGraphServer(tenant, { token: TOKEN, pageSize: 1000 });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('appwatch watch', () => {
  it('reads every record once and raises what a scan of the same logs raises', async () => {
    const config = await watchConfig('first');
    const first = await watchOnce(config);
    expect(first.code, first.stderr).toBe(0);
    const scan = await runCli(['scan', join(sim, 'logs'), '--config', join(sim, 'appwatch.yaml'), '--format', 'jsonl', '-q']);
    const scanned = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    const watched = await storedAlerts(join(work, 'first.db'));
    expect(watched.length).toBeGreaterThan(10);
    expect(new Set(watched.map((a) => a.id)).size).toBe(watched.length);
    expect(watched.map((a) => a.id).sort()).toEqual(scanned.map((a) => a.id).sort());
    // Sign-ins of every type were asked for, from beta, once each per page.
    const signInRoutes = server.requests.filter((r) => r.route === 'GET /auditLogs/signIns (beta)').map((r) => decodeURIComponent(r.url));
    for (const type of ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity']) expect(signInRoutes.some((u) => u.includes(`t eq '${type}'`))).toBe(true);
    expect(first.stderr).toMatch(/\d+ events, \d+ new alerts \(0 suppressed, 0 already stored\), 0 source errors/);

    // A second pass finds nothing new: the overlap is re-read but its ids were seen.
    const second = await watchOnce(config);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/0 events, 0 new alerts/);
    expect((await storedAlerts(join(work, 'first.db'))).length).toBe(watched.length);
  }, 120_000);

  it('picks up a record that arrives late, inside the overlap window, and alerts on it once', async () => {
    const config = await watchConfig('late');
    expect((await watchOnce(config)).code).toBe(0);
    const before = await storedAlerts(join(work, 'late.db'));
    const newest = tenant.directoryAudits!.map((r) => String(r.activityDateTime)).sort().at(-1)!;
    const template = tenant.directoryAudits!.find((r) => r.activityDisplayName === 'Update application – Certificates and secrets management ')!;
    expect(template).toBeDefined();
    // Logged 10 minutes before the newest record already read, visible only now.
    const late = { ...structuredClone(template), id: 'Directory_LATE0000-0000-4000-8000-000000000001', correlationId: '7a7e0000-0000-4000-8000-00000000late', activityDateTime: new Date(Date.parse(newest) - 10 * 60_000).toISOString() };
    tenant.directoryAudits!.push(late);
    try {
      const result = await watchOnce(config);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/1 events, [1-9]\d* new alerts/);
      const after = await storedAlerts(join(work, 'late.db'));
      const added = after.filter((a) => !before.some((b) => b.id === a.id));
      expect(added.length).toBeGreaterThan(0);
      expect(added.every((a) => a.evidence.some((e) => e.id === late.id))).toBe(true);
      expect((await watchOnce(config)).stderr).toMatch(/0 events, 0 new alerts/);
    } finally {
      tenant.directoryAudits!.pop();
    }
  }, 120_000);

  it('says sign-ins are not licensed, not that there are none, and keeps reading the rest', async () => {
    server.faults.set('GET /auditLogs/signIns (beta)', { status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', message: "Neither tenant is B2C or tenant doesn't have premium license" });
    try {
      const config = await watchConfig('unlicensed');
      const result = await watchOnce(config);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('not licensed (Entra ID P1/P2 needed for sign-ins through Graph)');
      expect((await storedAlerts(join(work, 'unlicensed.db'))).length).toBeGreaterThan(0);
      const status = await runCli(['status', '--config', config, '--format', 'json']);
      const report = JSON.parse(status.stdout) as { sources: { source: string; ok: boolean; gap?: string; lastSuccess?: string }[] };
      const signIns = report.sources.filter((s) => s.source.startsWith('contoso/signins:'));
      expect(signIns).toHaveLength(4);
      expect(signIns.every((s) => !s.ok && s.gap === 'not licensed (Entra ID P1/P2 needed for sign-ins through Graph)')).toBe(true);
      expect(report.sources.find((s) => s.source === 'contoso/audit')).toMatchObject({ ok: true });
      expect(status.code).toBe(1);
    } finally {
      server.faults.delete('GET /auditLogs/signIns (beta)');
    }
  }, 120_000);

  it('delivers an alert within the poll interval plus 10 seconds of its event becoming visible in Graph', async () => {
    const hook = await startWebhookReceiver();
    const config = await watchConfig('latency', { poll: { intervalSeconds: 3, overlapMinutes: 15, lookbackMinutes: 6 * 1440, requestsPer10Seconds: 50 }, sinks: [{ name: 'hook', type: 'webhook', url: hook.url, minSeverity: 'high' }] });
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/appwatch.js'), 'watch', '--config', config], { env: { ...process.env, NO_COLOR: '1', CONTOSO_GRAPH_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const template = tenant.directoryAudits!.find((r) => r.activityDisplayName === 'Update application – Certificates and secrets management ')!;
    try {
      // The backlog first: every high alert of the three days delivered.
      await waitFor(() => hook.accepted().length > 0 && /\[\+\] \d+ events/.test(stderr), 60_000, 'the backlog');
      await new Promise((r) => setTimeout(r, 4000));
      const before = hook.accepted().length;
      // A secret added at 03:00 to an app, by an unapproved actor: visible in Graph from now on.
      const event = { ...structuredClone(template), id: 'Directory_NOW00000-0000-4000-8000-000000000001', correlationId: '7a7e0000-0000-4000-8000-0000000000n0', activityDateTime: new Date().toISOString() };
      const visible = Date.now();
      tenant.directoryAudits!.push(event);
      await waitFor(() => hook.accepted().slice(before).some((r) => r.body.includes(event.id)), 3000 + 10_000, 'delivery of the new alert');
      const delivered = Date.now() - visible;
      expect(delivered).toBeLessThanOrEqual(3000 + 10_000);
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    } finally {
      tenant.directoryAudits!.splice(tenant.directoryAudits!.findIndex((r) => r.id === 'Directory_NOW00000-0000-4000-8000-000000000001'), 1);
      if (child.exitCode === null) child.kill('SIGKILL');
      await hook.close();
    }
  }, 120_000);

  it('refuses a configuration without tenants, and names a missing token variable', async () => {
    const empty = join(work, 'empty.yaml');
    await writeFile(empty, 'poll: { intervalSeconds: 5 }\n');
    const none = await runCli(['watch', '--once', '--config', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no tenants to watch');
    const config = await watchConfig('no-token');
    const missing = await runCli(['watch', '--once', '--config', config], { env: { CONTOSO_GRAPH_TOKEN: '' } });
    expect(missing.stderr).toContain('environment variable CONTOSO_GRAPH_TOKEN, which is not set');
  }, 60_000);
});
