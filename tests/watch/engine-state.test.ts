/**
 * What a long-running engine keeps between batches, on the simulated tenant's real-shaped logs (3 days, audit and
 * service-principal sign-ins). The takeover chain's last step matches every successful service-principal sign-in;
 * kept for the chain's whole horizon they would be most of the state. A sign-in with no earlier step of the chain
 * in its app's group is kept 6 h behind the newest input, then forgotten; one whose earlier steps are in this
 * engine, or in another engine of the tenant (marked at a commit), is kept. The chain is still raised.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNCHAINED_STEP_MS } from '../../src/alerts/pipeline.js';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { parseConfig, type AppwatchConfig } from '../../src/config/config.js';
import type { Ruleset } from '../../src/detect/ruleset.js';
import type { CanonicalEvent } from '../../src/model/event.js';
import { readMessage } from '../../src/stream/records.js';
import { TenantEngine, type EngineState } from '../../src/watch/engine.js';
import { runCli } from '../helpers/cli.js';
import { diagnosticRecordsOf } from '../helpers/simulated-logs.js';

const TAKEOVER = 'Application takeover: owner added, then credential added, then the app signs in';
const SIGN_IN_STEP = 'takeover_sp_sign_in';
let work: string;
let config: AppwatchConfig;
let ruleset: Ruleset;
let audit: CanonicalEvent[];
let signIns: CanonicalEvent[];

const byTime = (a: CanonicalEvent, b: CanonicalEvent): number => a.appwatch.time.localeCompare(b.appwatch.time);

async function eventsOf(sim: string, category: string): Promise<CanonicalEvent[]> {
  const records = await diagnosticRecordsOf(sim, category);
  return readMessage(Buffer.from(JSON.stringify({ records })), { topic: `insights-logs-${category}`, partition: 0, offset: '0' }).events.sort(byTime);
}

const signInInputs = (state: EngineState): EngineState['correlation'] => state.correlation.filter((i) => i.ruleKeys.includes(SIGN_IN_STEP));
const newestOf = (state: EngineState): number => Math.max(...state.correlation.map((i) => Date.parse(i.time)));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-engine-state-'));
  const sim = join(work, 'sim');
  const made = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '20', '--apps', '4', '--seed', '21', '-q']);
  expect(made.code, made.stderr).toBe(0);
  config = parseConfig('tenants: []\n', 'appwatch.yaml');
  ruleset = (await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config)).ruleset;
  audit = await eventsOf(sim, 'auditlogs');
  signIns = await eventsOf(sim, 'serviceprincipalsigninlogs');
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a long-running engine\'s correlation inputs', () => {
  it('forgets service-principal sign-ins no chain can use once they are 6 h behind, keeps the chain\'s, and still raises it', async () => {
    const engine = new TenantEngine(ruleset, config, { dns: false });
    const alerts = [];
    // In hourly batches, as a watch reads them.
    const all = [...audit, ...signIns].sort(byTime);
    for (let i = 0; i < all.length; i += 50) alerts.push(...(await engine.process(all.slice(i, i + 50))));
    expect(alerts.filter((a) => a.rule.title === TAKEOVER)).toHaveLength(1);
    const state = engine.state();
    const kept = signInInputs(state);
    const matching = signIns.filter((e) => e.signInEventTypes === 'servicePrincipal' || (Array.isArray(e.signInEventTypes) && e.signInEventTypes.includes('servicePrincipal')));
    // Most sign-ins are forgotten: only the last 6 h, and the chain's (its app had an owner and a credential added).
    expect(kept.length).toBeLessThan(matching.length / 2);
    const cutoff = newestOf(state) - UNCHAINED_STEP_MS;
    // Older than that: only sign-ins of an app that had an owner or a credential added in the 24 h before.
    const earlier = state.correlation.filter((i) => i.ruleKeys.includes('takeover_owner_added') || i.ruleKeys.includes('takeover_credential_added'));
    const old = kept.filter((i) => Date.parse(i.time) < cutoff);
    for (const input of old) {
      const t = Date.parse(input.time);
      expect(earlier.some((e) => e.values?.['appwatch.appId'] === input.values?.['appwatch.appId'] && Date.parse(e.time) <= t && t - Date.parse(e.time) <= 86_400_000), JSON.stringify(input.values)).toBe(true);
    }
    const chainApp = alerts.find((a) => a.rule.title === TAKEOVER)!.entities.application?.appId;
    expect(old.some((i) => i.values?.['appwatch.appId'] === chainApp)).toBe(true);
    console.log(`service-principal sign-ins matched ${matching.length}, kept ${kept.length} (${old.length} older than 6 h, each of an app with an earlier chain step)`);
  });

  it('keeps a sign-in whose earlier steps are in another engine once a commit has seen them there', async () => {
    const auditEngine = new TenantEngine(ruleset, config, { dns: false, shared: true });
    const signInEngine = new TenantEngine(ruleset, config, { dns: false, shared: true });
    await auditEngine.process(audit, { correlate: false });
    const auditState = auditEngine.state();
    // The sign-in partition reads its log in hourly-ish batches; each commit shares with the audit engine.
    const raised = [];
    for (let i = 0; i < signIns.length; i += 20) {
      await signInEngine.process(signIns.slice(i, i + 20), { correlate: false });
      signInEngine.state();
      raised.push(...signInEngine.shareWith([auditState]));
    }
    // Each commit evaluates afresh (the store keeps one alert per id): one chain, one id.
    expect(new Set(raised.filter((a) => a.rule.title === TAKEOVER).map((a) => a.id)).size).toBe(1);
    const chainApp = raised.find((a) => a.rule.title === TAKEOVER)!.entities.application?.appId;
    const state = signInEngine.state();
    // Past 6 h behind what both engines have reached: only sign-ins a commit saw an earlier step for in the audit
    // engine are kept, the chain's among them.
    const cutoff = Math.min(newestOf(state), newestOf(auditState)) - UNCHAINED_STEP_MS;
    const old = signInInputs(state).filter((i) => Date.parse(i.time) < cutoff);
    for (const input of old) expect(input.chained).toBe(true);
    expect(old.some((i) => i.values?.['appwatch.appId'] === chainApp)).toBe(true);
    expect(old.length).toBeLessThan(signInInputs(state).length);
    // Alone, the sign-in engine forgets them all.
    const alone = new TenantEngine(ruleset, config, { dns: false });
    await alone.process(signIns, { correlate: false });
    const aloneState = alone.state();
    expect(signInInputs(aloneState).filter((i) => Date.parse(i.time) < newestOf(aloneState) - UNCHAINED_STEP_MS)).toEqual([]);
  });
});
