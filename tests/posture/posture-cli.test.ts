/**
 * `appwatch posture` options on the simulated tenant: `--dns` finds the redirect URI on a deleted
 * azurewebsites.net site (through a local resolver serving the tenant's zone) and nothing on names that resolve;
 * `--expiring-days` moves the expiring window.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Alert } from '../../src/alerts/types.js';
import { runCli } from '../helpers/cli.js';
import { startDnsServer, type Zone } from '../helpers/dns-server.js';

let work: string;
let sim: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-posture-'));
  sim = join(work, 'sim');
  const result = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '20', '--apps', '5', '--seed', '4', '-q']);
  expect(result.code, result.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const findings = (stdout: string): Alert[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);

describe('appwatch posture', () => {
  it('--dns reports the redirect URI whose host anyone can claim, and only that one', async () => {
    const zone = JSON.parse(await readFile(join(sim, 'dns.json'), 'utf8')) as Zone;
    const server = await startDnsServer(zone);
    try {
      const config = parse(await readFile(join(sim, 'appwatch.yaml'), 'utf8')) as Record<string, unknown>;
      config.dns = { servers: [server.address], timeoutMs: 1000 };
      await writeFile(join(work, 'dns.yaml'), stringify(config));
      const withDns = await runCli(['posture', '--snapshot', join(sim, 'snapshot.json'), '--config', join(work, 'dns.yaml'), '--dns', '--format', 'jsonl']);
      expect(withDns.code, withDns.stderr).toBe(0);
      const dangling = findings(withDns.stdout).filter((f) => f.rule.id === 'posture-dangling-redirect-uri');
      // The scenario's hijack target: a deleted *.azurewebsites.net site (not in the tenant's zone, so it does not resolve).
      const labels = (await readFile(join(sim, 'labels.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { needs?: string });
      expect(labels.some((l) => l.needs === 'dns')).toBe(true);
      expect(dangling).toHaveLength(1);
      expect(String(dangling[0]!.fields.redirectUri![0])).toMatch(/^https:\/\/[a-z-]+-legacy\.azurewebsites\.net\/signin-oidc$/);
      expect(dangling[0]!.severity).toBe('high');
      expect(dangling[0]!.summary).toMatch(/CNAME to .*re-registrable cloud name that no longer resolves|does not exist/);
      expect(withDns.stderr).toMatch(/checked \d+ redirect URI hosts in DNS/);
      expect(server.queries).toBeGreaterThan(0);
      const without = await runCli(['posture', '--snapshot', join(sim, 'snapshot.json'), '--config', join(work, 'dns.yaml'), '--format', 'jsonl']);
      expect(findings(without.stdout).some((f) => f.rule.id === 'posture-dangling-redirect-uri')).toBe(false);
      expect(without.stderr).toContain('not checked in DNS (use --dns');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('--expiring-days widens or narrows the window of credentials about to expire', async () => {
    const snapshot = JSON.parse(await readFile(join(sim, 'snapshot.json'), 'utf8')) as { collectedAt: string; applications: { passwordCredentials: { endDateTime: string; startDateTime: string }[] }[] };
    const collected = Date.parse(snapshot.collectedAt);
    // A secret that expires in 45 days: outside the default 30, inside 60.
    snapshot.applications[0]!.passwordCredentials.push({ customKeyIdentifier: null, displayName: 'rotating', endDateTime: new Date(collected + 45 * 86_400_000).toISOString(), hint: 'rot', keyId: '9f0c1d2e-0000-4000-8000-0000000000e5', secretText: null, startDateTime: new Date(collected - 60 * 86_400_000).toISOString() } as never);
    const file = join(work, 'expiring.json');
    await writeFile(file, JSON.stringify(snapshot));
    const expiring = async (days?: string): Promise<string[]> => findings((await runCli(['posture', '--snapshot', file, '--format', 'jsonl', ...(days ? ['--expiring-days', days] : [])])).stdout)
      .filter((f) => f.rule.id === 'posture-credential-expiring').map((f) => String(f.fields.keyId?.[0]));
    expect(await expiring()).not.toContain('9f0c1d2e-0000-4000-8000-0000000000e5');
    expect(await expiring('60')).toContain('9f0c1d2e-0000-4000-8000-0000000000e5');
    const bad = await runCli(['posture', '--snapshot', file, '--expiring-days', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--expiring-days soon: a whole number of days');
  }, 60_000);
});
