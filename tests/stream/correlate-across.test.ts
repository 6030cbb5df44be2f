/**
 * What a tenant's engines share, on a real SQLite store. Correlations: the simulated tenant's application-takeover chain
 * has its owner-added and credential-added steps in the audit log and its last step (the app signing in) in the
 * service-principal sign-in log. Here the audit log is read by the poller (a diagnostic-settings folder, the
 * Watcher) and the sign-ins arrive as a stream batch (the StreamRunner): whichever commits second evaluates the
 * correlation over both engines' inputs, so the chain is raised, once, in either order — and not by either side
 * alone. Baselines: a Key Vault caller one partition has learned is not new in another, and the learning days
 * count from the tenant's first event, not from the partition's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { parseConfig, type AppwatchConfig, type TenantConfig } from '../../src/config/config.js';
import type { Ruleset } from '../../src/detect/ruleset.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { AlertStore } from '../../src/store/types.js';
import { StreamRunner } from '../../src/stream/runner.js';
import { emptySummary, Watcher } from '../../src/watch/watcher.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/ingest.js';
import { diagnosticRecordsOf } from '../helpers/simulated-logs.js';

const TOPIC = 'insights-logs-serviceprincipalsigninlogs';
const TAKEOVER = 'Application takeover: owner added, then credential added, then the app signs in';
let work: string;
let sim: string;
let ruleset: Ruleset;
let signIns: Buffer[];

const log = { info: () => undefined, warn: () => undefined, error: (m: string) => { throw new Error(m); } };

function setup(name: string, polled: boolean, streamed: boolean): { config: AppwatchConfig; tenant: TenantConfig } {
  const sources = [
    ...(polled ? [`{diagnosticFolder: ${JSON.stringify(join(sim, 'logs', 'insights-logs-auditlogs'))}}`] : []),
    ...(streamed ? ['{kafka: {brokers: ["127.0.0.1:9092"], groupId: appwatch}}'] : []),
  ];
  const config = parseConfig(`tenants:\n  - id: contoso.onmicrosoft.com\n    name: ${name}\n    sources: [${sources.join(', ')}]\n`, 'appwatch.yaml');
  return { config, tenant: config.tenants![0]! };
}

async function poll(store: AlertStore, config: AppwatchConfig, tenant: TenantConfig): Promise<void> {
  const watcher = new Watcher({ store, config, ruleset, log, sinksFor: () => ['archive'], deliver: async () => undefined, graphClient: () => { throw new Error('no Graph here'); } });
  const summary = emptySummary();
  await watcher.pollTenant(tenant, summary);
  expect(summary.errors).toBe(0);
}

async function stream(store: AlertStore, config: AppwatchConfig, tenant: TenantConfig): Promise<void> {
  const runner = new StreamRunner({ store, config, ruleset, log, sinksFor: () => ['archive'], deliver: async () => undefined, createConsumer: () => { throw new Error('not used'); } });
  await runner.handleBatch(tenant, 'appwatch', { topic: TOPIC, partition: 0, highWatermark: String(signIns.length), messages: signIns.map((value, i) => ({ offset: String(i), value })) });
  expect(runner.summary.errors).toBe(0);
}

const takeovers = async (store: AlertStore): Promise<string[]> => (await store.listAlerts({})).filter((a) => a.alert.rule.title === TAKEOVER).map((a) => a.alert.id);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-correlate-across-'));
  sim = join(work, 'sim');
  const made = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '20', '--apps', '4', '--seed', '21', '-q']);
  expect(made.code, made.stderr).toBe(0);
  const { config } = setup('x', true, true);
  ruleset = (await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config)).ruleset;
  // Each record of the sign-in export as its own {"records":[…]} message, as Event Hubs delivers them.
  signIns = (await diagnosticRecordsOf(sim, 'serviceprincipalsigninlogs')).map((r) => Buffer.from(JSON.stringify({ records: [r] })));
  expect(signIns.length).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('correlations across a tenant\'s engines (polled audit log, streamed sign-ins)', () => {
  it('raises the takeover chain once, whether the audit log or the sign-ins are committed first', async () => {
    for (const order of ['poll first', 'stream first'] as const) {
      const store = await openSqliteStore(join(work, `${order.replace(' ', '-')}.db`));
      const { config, tenant } = setup('contoso', true, true);
      if (order === 'poll first') {
        await poll(store, config, tenant);
        expect(await takeovers(store), order).toEqual([]);
        await stream(store, config, tenant);
      } else {
        await stream(store, config, tenant);
        expect(await takeovers(store), order).toEqual([]);
        await poll(store, config, tenant);
      }
      expect(await takeovers(store), order).toHaveLength(1);
      await store.close();
    }
  });

  it('does not raise it from either log alone', async () => {
    const store = await openSqliteStore(join(work, 'alone.db'));
    const polled = setup('audit-only', true, false);
    await poll(store, polled.config, polled.tenant);
    const streamed = setup('signins-only', false, true);
    await stream(store, streamed.config, streamed.tenant);
    expect(await takeovers(store)).toEqual([]);
    // Both tenants' other alerts are there: the chain is missing only for want of the other log.
    expect((await store.listAlerts({ tenant: 'audit-only' })).length).toBeGreaterThan(5);
    await store.close();
  });
});

describe('baselines shared across a stream\'s partitions (Key Vault callers)', () => {
  const base = JSON.parse(readFileSync(join(ROOT, 'rules/azure/keyvault/vault_access_control_changed.negative.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown> & { identity: { claim: Record<string, string> } };
  const secretGet = (day: number, oid: string): Buffer => Buffer.from(JSON.stringify({ records: [{ ...base, operationName: 'SecretGet', time: `2026-10-${String(day).padStart(2, '0')}T10:00:00.0000000Z`, identity: { claim: { ...base.identity.claim, oid } } }] }));
  const NEW_CALLER = 'Key Vault used by a caller never seen on it before';

  it('flags a caller new to the tenant in a partition that has not seen the tenant\'s first days, and not one another partition knows', async () => {
    const store = await openSqliteStore(join(work, 'baseline.db'));
    const { config, tenant } = setup('contoso', false, true);
    const runner = new StreamRunner({ store, config, ruleset, log, sinksFor: () => ['archive'], deliver: async () => undefined, createConsumer: () => { throw new Error('not used'); } });
    const send = (partition: number, first: number, messages: Buffer[]): Promise<void> => runner.handleBatch(tenant, 'appwatch', {
      topic: 'insights-logs-auditevent', partition, highWatermark: String(first + messages.length), messages: messages.map((value, i) => ({ offset: String(first + i), value })),
    });
    // Partition 0 learns the tenant's first days; 'known' uses the vault.
    await send(0, 0, [secretGet(1, 'known'), secretGet(2, 'known'), secretGet(9, 'known')]);
    // Partition 1 starts on day 9: alone it would still be learning for a week.
    await send(1, 0, [secretGet(9, 'partner')]);
    await send(1, 1, [secretGet(10, 'known'), secretGet(10, 'stranger')]);
    const flagged = (await store.listAlerts({})).filter((a) => a.alert.rule.title === NEW_CALLER).map((a) => a.alert.entities.actor?.id);
    expect(flagged).toEqual(['stranger']);
    expect(runner.summary.errors).toBe(0);
    // What partition 1 stores has the tenant's start and every caller either partition has seen.
    const state = await store.getState('contoso/engine/stream:insights-logs-auditevent:1') as { baseline: { start: string; vaultCallers: Record<string, string[]> } };
    expect(state.baseline.start).toBe('2026-10-01T10:00:00.000Z');
    expect(Object.values(state.baseline.vaultCallers)[0]).toEqual(['known', 'partner', 'stranger']);
    await store.close();
  });
});
