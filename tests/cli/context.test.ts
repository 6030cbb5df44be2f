/** `context:` in appwatch.yaml: business hours, change windows, approved and high-profile actors, allow-lists. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { runCli } from '../helpers/cli.js';
import { fixture, ROOT } from '../helpers/ingest.js';

const ROOT_RULES = join(ROOT, 'rules/azure');

const dir = mkdtempSync(join(tmpdir(), 'appwatch-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scan(config: string): Promise<{ alerts: Alert[]; stats: { allowListed: number } }> {
  const file = join(dir, `c${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(file, config);
  const r = await runCli(['scan', fixture('diagnostic/PT1H.json'), '--config', file, '--format', 'json', '-q']);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { alerts: Alert[]; summary: { detection: { allowListed: number } } };
  return { alerts: doc.alerts, stats: doc.summary.detection };
}

const credential = (alerts: Alert[]): Alert => alerts.find((a) => a.rule.title === 'Credential added to an application or service principal')!;

describe('context', () => {
  it('without context, alerts stay at their rule level', async () => {
    const { alerts } = await scan('output:\n  format: json\n');
    expect(credential(alerts)).toMatchObject({ severity: 'high', context: { flags: ['first-credential', 'password-credential-added'] } });
  });

  it('outside business hours (a holiday in the tenant\'s time zone) raises the alert one step, and says why', async () => {
    const { alerts } = await scan('context:\n  businessHours:\n    timeZone: Europe/Paris\n    days: [mon, tue, wed, thu, fri]\n    start: "08:00"\n    end: "18:00"\n    holidays: ["2026-10-01"]\n');
    const a = credential(alerts);
    expect(a.severity).toBe('critical');
    expect(a.context.flags).toContain('outside-business-hours');
    expect(a.context.severityReasons).toEqual(['rule level high', 'raised: outside business hours']);
  });

  it('inside business hours nothing moves (09:15 UTC is 11:15 in Paris on a Thursday)', async () => {
    const { alerts } = await scan('context:\n  businessHours:\n    timeZone: Europe/Paris\n');
    expect(credential(alerts).severity).toBe('high');
    expect(credential(alerts).context.flags).not.toContain('outside-business-hours');
  });

  it('an approved actor inside a change window lowers it one step; a high-profile actor raises it', async () => {
    const lowered = credential((await scan('context:\n  approvedActors: [alice@contoso.com]\n  changeWindows:\n    - {start: "2026-10-01T09:00:00Z", end: "2026-10-01T10:00:00Z"}\n')).alerts);
    expect(lowered.severity).toBe('medium');
    expect(lowered.context.severityReasons).toContain('lowered: an approved actor, inside a change window');
    const raised = credential((await scan('context:\n  highProfileAccounts: [ALICE@contoso.com]\n')).alerts);
    expect(raised.severity).toBe('critical');
  });

  it('an allow-listed app is not alerted, and the drop is counted', async () => {
    const ropc = '8d1e3f5a-6b7c-4d9e-8f1a-5b6c7d8e9f0a';
    const before = await scan('output:\n  format: json\n');
    expect(before.alerts.some((a) => a.rule.id === ropc)).toBe(true);
    const after = await scan(`context:\n  allowLists:\n    ${ropc}:\n      appIds: [C030AC0D-1864-4A25-B828-951A740D5949]\n`);
    expect(after.alerts.some((a) => a.rule.id === ropc)).toBe(false);
    expect(after.stats.allowListed).toBe(1);
  });

  it('a wrong time zone or an unknown key is a configuration error naming it', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'context:\n  businessHours:\n    timeZone: Mars/Olympus\n');
    const r = await runCli(['scan', fixture('diagnostic/PT1H.json'), '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('context.businessHours.timeZone "Mars/Olympus" is not an IANA time zone');
  });
});

describe('scan --dns', () => {
  it('checks added redirect hosts with the configured resolver; without --dns the alert says DNS was not checked', async () => {
    const { startDnsServer } = await import('../helpers/dns-server.js');
    const server = await startDnsServer({ 'payroll.contoso.com': { A: ['203.0.113.5'] } });
    try {
      const input = join(ROOT_RULES, 'auditlogs/redirect_uri_dangling.positive.jsonl');
      const config = join(dir, 'dns.yaml');
      writeFileSync(config, `dns:\n  servers: ["${server.address}"]\n  timeoutMs: 1000\n`);
      const checked = await runCli(['scan', input, '--dns', '--config', config, '--format', 'jsonl', '-q']);
      const alerts = checked.stdout.trim().split('\n').map((l) => JSON.parse(l) as Alert);
      expect(alerts.map((a) => a.rule.title)).toContain('Dangling redirect URI added to an application');
      expect(alerts[0]!.context.flags).toContain('redirect-uri-dangling');
      const unchecked = await runCli(['scan', input, '--config', config, '--format', 'jsonl', '-q']);
      const plain = unchecked.stdout.trim().split('\n').map((l) => JSON.parse(l) as Alert);
      expect(plain.map((a) => a.rule.title)).not.toContain('Dangling redirect URI added to an application');
      expect(plain[0]!.context.flags).toContain('dns-not-checked');
    } finally {
      await server.close();
    }
  });
});

describe('scan --baseline', () => {
  it('learns callers during the learning days, flags a new one after, and saves the baseline for the next scan', async () => {
    const base = JSON.parse(readFileSync(join(ROOT_RULES, 'keyvault/vault_access_control_changed.negative.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown> & { identity: { claim: Record<string, string> } };
    const at = (day: number, oid: string): string => JSON.stringify({ ...base, operationName: 'SecretGet', time: `2026-10-${String(day).padStart(2, '0')}T10:00:00.0000000Z`, identity: { claim: { ...base.identity.claim, oid } } });
    const history = join(dir, 'kv-history.jsonl');
    writeFileSync(history, [at(1, 'known'), at(2, 'known'), at(9, 'known'), at(9, 'stranger')].join('\n'));
    const baselineFile = join(dir, 'baseline.json');
    const first = await runCli(['scan', history, '--baseline', baselineFile, '--format', 'jsonl', '-q']);
    const alerts = first.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    expect(alerts.filter((a) => a.rule.title === 'Key Vault used by a caller never seen on it before').map((a) => a.entities.actor?.id)).toEqual(['stranger']);
    const saved = JSON.parse(readFileSync(baselineFile, 'utf8')) as { start: string; vaultCallers: Record<string, string[]> };
    expect(saved.start).toBe('2026-10-01T10:00:00.000Z');
    expect(Object.values(saved.vaultCallers)[0]).toEqual(['known', 'stranger']);
    // The next day's scan builds on it: the stranger is known now.
    const today = join(dir, 'kv-today.jsonl');
    writeFileSync(today, at(10, 'stranger'));
    const second = await runCli(['scan', today, '--baseline', baselineFile, '--format', 'jsonl', '-q']);
    expect(second.stdout.trim()).toBe('');
  });
});

describe('thresholds', () => {
  it('thresholds.consentUsers lowers the consent-phishing bound without editing the rule', async () => {
    const input = join(ROOT_RULES, 'correlations/consent_by_many_users.negative.jsonl'); // 4 users in an hour
    const title = 'Many users consented to the same application within an hour';
    const run = async (config: string): Promise<string[]> => {
      const file = join(dir, `t${Math.random().toString(16).slice(2)}.yaml`);
      writeFileSync(file, config);
      const r = await runCli(['scan', input, '--config', file, '--format', 'jsonl', '-q']);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Alert).rule.title);
    };
    expect(await run('output:\n  format: jsonl\n')).not.toContain(title);
    expect(await run('thresholds:\n  consentUsers: 4\n')).toContain(title);
  });
});
