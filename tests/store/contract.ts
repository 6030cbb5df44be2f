/**
 * The AlertStore contract: every implementation's test file calls `storeContract(name, open)`.
 *
 * `open()` gives a fresh, migrated, empty store; `open(previous)` reopens the storage of a store that was closed
 * (the same file, the same database), for what must survive a restart. The suite closes what it opens.
 *
 * Alerts are the real alert shape: tests/golden/alert-credential-added.json with id, severity, rule, time and
 * entities varied.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import type { Severity } from '../../src/model/severity.js';
import type { AlertStore, CommitBatch, SuppressionScope } from '../../src/store/types.js';

const GOLDEN = JSON.parse(readFileSync(new URL('../golden/alert-credential-added.json', import.meta.url), 'utf8')) as Alert;

export interface AlertVariant {
  id: string;
  severity?: Severity;
  ruleId?: string;
  time?: string;
  /** Replaces the golden alert's entities (which have an actor, a service principal and an application). */
  entities?: Alert['entities'];
}

/** A real alert (the golden one) with the given variations. */
export function makeAlert(v: AlertVariant): Alert {
  const alert = structuredClone(GOLDEN);
  alert.id = v.id;
  if (v.severity) alert.severity = alert.rule.level = v.severity;
  if (v.ruleId) alert.rule.id = v.ruleId;
  if (v.time) alert.time = alert.evidence[0]!.time = v.time;
  if (v.entities) alert.entities = v.entities;
  return alert;
}

export const T0 = '2026-10-02T00:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export function batchOf(alerts: Alert[], over: Partial<CommitBatch> = {}): CommitBatch {
  return { tenant: 'contoso', alerts, checkpoints: {}, state: {}, sinksFor: () => ['webhook'], now: T0, ...over };
}

const RULE_A = '0b9e7c6a-4d3f-4e2a-9b1c-8d7e6f5a4b3c'; // the golden alert's rule
const RULE_B = '5d1f2a9e-0c3b-4f6d-8e7a-1b2c3d4e5f60';

/** Entities covering every scope field, with values distinct per field. */
const FULL_ENTITIES: Alert['entities'] = {
  application: { displayName: 'Payroll-Sync', appId: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' },
  servicePrincipal: { id: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4', displayName: 'Payroll-Sync SP', appId: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' },
  actor: { type: 'user', id: 'aeba2680-2743-4f93-a122-cb9d76828c3f', displayName: 'Alice Nakamura', userPrincipalName: 'alice@contoso.com', ip: '203.0.113.10' },
  resource: { id: 'res-0001', displayName: 'Microsoft Graph' },
  keyVault: { id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payroll', displayName: 'kv-payroll' },
  role: { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator' },
};

export function storeContract(name: string, open: (previous?: AlertStore) => Promise<AlertStore>): void {
  describe(`AlertStore contract: ${name}`, () => {
    const opened: AlertStore[] = [];
    const fresh = async (previous?: AlertStore): Promise<AlertStore> => {
      const store = await open(previous);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });

    describe('schema', () => {
      it('migrate is idempotent and keeps the data', async () => {
        const store = await fresh();
        const version = await store.migrate();
        expect(version).toBeGreaterThan(0);
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })], { checkpoints: { 'contoso/audit': { skipToken: 'x' } } }));
        expect(await store.migrate()).toBe(version);
        expect(await store.migrate()).toBe(version);
        expect((await store.getAlert('a1'))?.alert.id).toBe('a1');
        expect(await store.getCheckpoint('contoso/audit')).toEqual({ skipToken: 'x' });
      });
    });

    describe('commitBatch', () => {
      it('stores alerts whole, with tenant, state new, first-seen time and empty history', async () => {
        const store = await fresh();
        const alert = makeAlert({ id: 'a1' });
        const result = await store.commitBatch(batchOf([alert]));
        expect(result).toEqual({ inserted: [alert], suppressed: [], duplicates: 0 });
        expect(await store.getAlert('a1')).toEqual({ alert, tenant: 'contoso', state: 'new', firstSeen: T0, updatedAt: T0, history: [] });
        expect(await store.getAlert('nope')).toBeUndefined();
      });

      it('deduplicates by alert id across commits and within a batch: stored once, counted, queued once', async () => {
        const store = await fresh();
        const first = makeAlert({ id: 'dup', severity: 'high' });
        const r1 = await store.commitBatch(batchOf([first, makeAlert({ id: 'other' })], { sinksFor: () => ['webhook', 'syslog'] }));
        expect(r1.inserted.map((a) => a.id)).toEqual(['dup', 'other']);
        // Re-read after a restart: the same id, even with other content, is not stored or queued again.
        const again = makeAlert({ id: 'dup', severity: 'low' });
        const r2 = await store.commitBatch(batchOf([again, again, makeAlert({ id: 'third' })], { sinksFor: () => ['webhook', 'syslog'], now: at(5) }));
        expect(r2.duplicates).toBe(2);
        expect(r2.inserted.map((a) => a.id)).toEqual(['third']);
        const stored = await store.getAlert('dup');
        expect(stored?.alert.severity).toBe('high');
        expect(stored?.firstSeen).toBe(T0);
        expect(await store.outboxDepth()).toEqual({ syslog: 3, webhook: 3 });
        const due = await store.dueDeliveries('webhook', at(10), 100);
        expect(due.map((d) => d.alertId)).toEqual(['dup', 'other', 'third']);
        expect((await store.listAlerts()).length).toBe(3);
      });

      it('queues each new alert for the sinks sinksFor names, none when it names none', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'crit', severity: 'critical' }), makeAlert({ id: 'low', severity: 'low' })], {
          sinksFor: (a) => (a.severity === 'critical' ? ['pager', 'webhook'] : []),
        }));
        expect(await store.outboxDepth()).toEqual({ pager: 1, webhook: 1 });
        expect((await store.getAlert('low'))?.state).toBe('new');
      });

      it('is atomic: when sinksFor throws mid-batch nothing of the batch is stored', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'before' })], { checkpoints: { 'contoso/audit': 1 }, state: { 'contoso/correlation': { n: 1 } } }));
        const s = await store.addSuppression({ scope: { ruleId: RULE_B }, reason: 'noisy', author: 'ops' });
        let calls = 0;
        const failing = batchOf([
          makeAlert({ id: 'x1' }), makeAlert({ id: 'x2', ruleId: RULE_B }), makeAlert({ id: 'x3' }), makeAlert({ id: 'x4' }),
        ], {
          checkpoints: { 'contoso/audit': 2, 'contoso/signin': 7 },
          state: { 'contoso/correlation': { n: 2 } },
          sinksFor: () => {
            if (++calls === 2) throw new Error('sink configuration broken');
            return ['webhook'];
          },
          now: at(1),
        });
        await expect(store.commitBatch(failing)).rejects.toThrow('sink configuration broken');
        expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['before']);
        expect(await store.getCheckpoint('contoso/audit')).toBe(1);
        expect(await store.getCheckpoint('contoso/signin')).toBeUndefined();
        expect(await store.getState('contoso/correlation')).toEqual({ n: 1 });
        expect(await store.outboxDepth()).toEqual({ webhook: 1 });
        expect((await store.listSuppressions())[0]).toMatchObject({ id: s.id, hits: 0 });
        // The store is still usable, and the same batch commits when retried.
        calls = 10;
        const retried = await store.commitBatch(failing);
        expect(retried.inserted.map((a) => a.id)).toEqual(['x1', 'x3', 'x4']);
        expect(retried.suppressed.map((a) => a.id)).toEqual(['x2']);
        expect(await store.getCheckpoint('contoso/audit')).toBe(2);
      });

      it('upserts checkpoints and engine state (opaque JSON) and keeps them across close and reopen', async () => {
        const store = await fresh();
        const cursor = { deltaLink: 'https://graph.microsoft.com/beta/auditLogs/directoryAudits?$deltatoken=abc', seen: ['e1', 'e2'], lastTime: T0 };
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })], {
          checkpoints: { 'contoso/audit': cursor, 'contoso/signin': 'token-1' },
          state: { 'contoso/correlation': { windows: [{ key: 'app-1', count: 3 }] }, 'contoso/baseline': { vaultCallers: { kv: ['app-1'] } } },
        }));
        await store.commitBatch(batchOf([], { checkpoints: { 'contoso/signin': 'token-2' }, state: { 'contoso/baseline': { vaultCallers: {} } }, now: at(1) }));
        await store.close();
        const reopened = await fresh(store);
        expect(await reopened.getCheckpoint('contoso/audit')).toEqual(cursor);
        expect(await reopened.getCheckpoint('contoso/signin')).toBe('token-2');
        expect(await reopened.getState('contoso/correlation')).toEqual({ windows: [{ key: 'app-1', count: 3 }] });
        expect(await reopened.getState('contoso/baseline')).toEqual({ vaultCallers: {} });
        expect(await reopened.getState('unknown')).toBeUndefined();
        expect((await reopened.getAlert('a1'))?.alert).toEqual(makeAlert({ id: 'a1' }));
        expect(await reopened.outboxDepth()).toEqual({ webhook: 1 });
      });

      it('correlates across writers of a tenant: evaluate sees the other states under the prefix, and its alerts are committed with the batch', async () => {
        const store = await fresh();
        // Two partitions of a stream have stored their engines' states; another tenant and a key outside the prefix too.
        await store.commitBatch(batchOf([], { state: {
          'contoso/engine/stream:insights-logs-auditlogs:0': { inputs: ['credential added'] },
          'contoso/engine/stream:insights-logs-signinlogs:1': { inputs: ['old'] },
          'contoso/checkpoint-like': { inputs: ['not an engine'] },
          'fabrikam/engine/stream:insights-logs-auditlogs:0': { inputs: ['another tenant'] },
        } }));
        const seen: unknown[][] = [];
        const result = await store.commitBatch(batchOf([makeAlert({ id: 'rule-hit' })], {
          state: { 'contoso/engine/stream:insights-logs-signinlogs:1': { inputs: ['sign-in'] } },
          correlate: {
            statePrefix: 'contoso/engine',
            evaluate: (others) => {
              seen.push(others);
              // What a correlation over both partitions raises; the rule hit again (already in the batch) is dropped.
              return [makeAlert({ id: 'chain', ruleId: RULE_B }), makeAlert({ id: 'rule-hit' })];
            },
          },
        }));
        // Its own partition's key (being written) is not among the others; only this tenant's engines are.
        expect(seen).toEqual([[{ inputs: ['credential added'] }]]);
        expect(result.inserted.map((a) => a.id)).toEqual(['rule-hit', 'chain']);
        expect(result.duplicates).toBe(1);
        expect((await store.getAlert('chain'))?.alert).toEqual(makeAlert({ id: 'chain', ruleId: RULE_B }));
        expect(await store.outboxDepth()).toEqual({ webhook: 2 });
        expect(await store.getState('contoso/engine/stream:insights-logs-signinlogs:1')).toEqual({ inputs: ['sign-in'] });
        // Raised again by a later commit of another partition: stored once.
        const again = await store.commitBatch(batchOf([], { now: at(1), correlate: { statePrefix: 'contoso/engine', evaluate: () => [makeAlert({ id: 'chain', ruleId: RULE_B })] } }));
        expect(again).toEqual({ inserted: [], suppressed: [], duplicates: 1 });
      });
    });

    describe('suppressions', () => {
      const cases: [string, SuppressionScope, Alert['entities'] | undefined, boolean][] = [
        ['rule id', { ruleId: RULE_A }, undefined, true],
        ['another rule id', { ruleId: RULE_B }, undefined, false],
        ['application appId', { application: '8E7FE5EB-B7DE-4337-8701-00C8D8969CA0' }, undefined, true],
        ['application display name, any case', { application: 'payroll-sync' }, undefined, true],
        ['service principal object id', { application: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4' }, FULL_ENTITIES, true],
        ['service principal display name', { application: 'PAYROLL-SYNC SP' }, FULL_ENTITIES, true],
        ['another application', { application: 'HR-Sync' }, undefined, false],
        ['actor UPN, any case', { actor: 'Alice@Contoso.com' }, undefined, true],
        ['actor object id', { actor: 'aeba2680-2743-4f93-a122-cb9d76828c3f' }, undefined, true],
        ['actor display name', { actor: 'alice nakamura' }, undefined, true],
        ['actor appId', { actor: '11111111-2222-3333-4444-555555555555' }, { actor: { type: 'app', appId: '11111111-2222-3333-4444-555555555555', displayName: 'deploy-bot' } }, true],
        ['actor the application is not', { actor: 'Payroll-Sync' }, undefined, false],
        ['resource display name', { resource: 'microsoft graph' }, FULL_ENTITIES, true],
        ['resource id', { resource: 'res-0001' }, FULL_ENTITIES, true],
        ['key vault display name', { resource: 'KV-Payroll' }, FULL_ENTITIES, true],
        ['key vault resource id', { resource: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payroll' }, FULL_ENTITIES, true],
        ['role display name', { resource: 'global administrator' }, FULL_ENTITIES, true],
        ['role id', { resource: '62e90394-69f5-4237-9190-012177145e10' }, FULL_ENTITIES, true],
        ['resource on an alert without one', { resource: 'Microsoft Graph' }, undefined, false],
        ['tenant, any case', { tenant: 'CONTOSO' }, undefined, true],
        ['another tenant', { tenant: 'fabrikam' }, undefined, false],
        ['rule and actor, both matching', { ruleId: RULE_A, actor: 'alice@contoso.com' }, undefined, true],
        ['rule matching, actor not', { ruleId: RULE_A, actor: 'bob@contoso.com' }, undefined, false],
        ['every field matching', { ruleId: RULE_A, application: 'Payroll-Sync', actor: 'alice@contoso.com', resource: 'kv-payroll', tenant: 'contoso' }, FULL_ENTITIES, true],
        ['every field but the tenant', { ruleId: RULE_A, application: 'Payroll-Sync', actor: 'alice@contoso.com', resource: 'kv-payroll', tenant: 'fabrikam' }, FULL_ENTITIES, false],
        // KELVIN SIGN lower-cases to ASCII k under Unicode folding: a look-alike vault must not be covered.
        ['a look-alike name (Kelvin sign for K)', { resource: 'kv-payroll' }, { keyVault: { displayName: '\u212Av-payroll' } }, false],
      ];
      it.each(cases)('by %s', async (_label, scope, entities, suppressed) => {
        const store = await fresh();
        const s = await store.addSuppression({ scope, reason: 'known automation', author: 'ops@contoso.com' });
        const alert = makeAlert({ id: 'a1', ...(entities ? { entities } : {}) });
        const result = await store.commitBatch(batchOf([alert]));
        expect(result.suppressed.length, JSON.stringify(scope)).toBe(suppressed ? 1 : 0);
        expect(result.inserted.length).toBe(suppressed ? 0 : 1);
        const stored = await store.getAlert('a1');
        expect(stored?.state).toBe(suppressed ? 'suppressed' : 'new');
        expect(stored?.suppressionId).toBe(suppressed ? s.id : undefined);
        expect(await store.outboxDepth()).toEqual(suppressed ? {} : { webhook: 1 });
      });

      it('stores, counts and never queues suppressed alerts; counts hits (not for duplicates)', async () => {
        const store = await fresh();
        const s = await store.addSuppression({ scope: { ruleId: RULE_B }, reason: 'noisy rule during migration', author: 'ops', createdAt: T0 });
        expect(s).toMatchObject({ scope: { ruleId: RULE_B }, reason: 'noisy rule during migration', author: 'ops', createdAt: T0, hits: 0 });
        expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
        const r = await store.commitBatch(batchOf([makeAlert({ id: 'b1', ruleId: RULE_B }), makeAlert({ id: 'a1' }), makeAlert({ id: 'b2', ruleId: RULE_B })]));
        expect(r.suppressed.map((a) => a.id)).toEqual(['b1', 'b2']);
        expect(r.inserted.map((a) => a.id)).toEqual(['a1']);
        await store.commitBatch(batchOf([makeAlert({ id: 'b1', ruleId: RULE_B })], { now: at(1) }));
        expect((await store.listSuppressions(false, at(2)))[0]?.hits).toBe(2);
        expect(await store.countAlerts()).toEqual({ new: 1, acknowledged: 0, resolved: 0, suppressed: 2 });
        expect((await store.dueDeliveries('webhook', at(5), 10)).map((d) => d.alertId)).toEqual(['a1']);
        expect((await store.listAlerts({ states: ['suppressed'] })).map((a) => a.alert.id).sort()).toEqual(['b1', 'b2']);
      });

      it('applies while live only: an expired suppression does not suppress; listing hides expired ones unless asked', async () => {
        const store = await fresh();
        const expired = await store.addSuppression({ scope: { ruleId: RULE_A }, reason: 'change window', author: 'ops', createdAt: at(-120), expiresAt: at(-1) });
        const live = await store.addSuppression({ scope: { ruleId: RULE_B }, reason: 'change window', author: 'ops', createdAt: at(-120), expiresAt: at(60) });
        const r = await store.commitBatch(batchOf([makeAlert({ id: 'a1' }), makeAlert({ id: 'b1', ruleId: RULE_B })]));
        expect(r.inserted.map((a) => a.id)).toEqual(['a1']);
        expect(r.suppressed.map((a) => a.id)).toEqual(['b1']);
        // The live one expires exactly at its time.
        const later = await store.commitBatch(batchOf([makeAlert({ id: 'b2', ruleId: RULE_B })], { now: at(60) }));
        expect(later.inserted.map((a) => a.id)).toEqual(['b2']);
        expect((await store.listSuppressions(false, T0)).map((s) => s.id)).toEqual([live.id]);
        expect((await store.listSuppressions(false, at(60))).map((s) => s.id)).toEqual([]);
        expect((await store.listSuppressions(true, T0)).map((s) => s.id).sort()).toEqual([expired.id, live.id].sort());
        expect((await store.listSuppressions(true)).find((s) => s.id === live.id)).toMatchObject({ expiresAt: at(60), hits: 1 });
      });

      it('removes a suppression: it no longer applies; the alerts it suppressed keep its id', async () => {
        const store = await fresh();
        const s = await store.addSuppression({ scope: { actor: 'alice@contoso.com' }, reason: 'admin', author: 'ops' });
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        expect(await store.removeSuppression(s.id)).toBe(true);
        expect(await store.removeSuppression(s.id)).toBe(false);
        expect(await store.listSuppressions(true)).toEqual([]);
        const r = await store.commitBatch(batchOf([makeAlert({ id: 'a2' })], { now: at(1) }));
        expect(r.inserted.map((a) => a.id)).toEqual(['a2']);
        expect((await store.getAlert('a1'))?.suppressionId).toBe(s.id);
      });

      it('refuses a suppression without scope or reason', async () => {
        const store = await fresh();
        await expect(store.addSuppression({ scope: {}, reason: 'everything', author: 'ops' })).rejects.toThrow(/scope/);
        await expect(store.addSuppression({ scope: { actor: '' }, reason: 'x', author: 'ops' })).rejects.toThrow(/empty/);
        await expect(store.addSuppression({ scope: { ruleId: RULE_A }, reason: '  ', author: 'ops' })).rejects.toThrow(/reason/);
        expect(await store.listSuppressions(true)).toEqual([]);
      });
    });

    describe('triage', () => {
      it('changes state and appends to the history (who, note, when), oldest first', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        expect(await store.setAlertState('a1', 'acknowledged', 'bob@contoso.com', 'looking', at(10))).toBe(true);
        expect(await store.setAlertState('a1', 'resolved', 'carol@contoso.com', 'rotated the secret', at(20))).toBe(true);
        expect(await store.setAlertState('a1', 'new', undefined, undefined, at(30))).toBe(true);
        const stored = await store.getAlert('a1');
        expect(stored?.state).toBe('new');
        expect(stored?.updatedAt).toBe(at(30));
        expect(stored?.firstSeen).toBe(T0);
        expect(stored?.history).toEqual([
          { at: at(10), state: 'acknowledged', by: 'bob@contoso.com', note: 'looking' },
          { at: at(20), state: 'resolved', by: 'carol@contoso.com', note: 'rotated the secret' },
          { at: at(30), state: 'new' },
        ]);
        expect((await store.listAlerts())[0]?.history).toHaveLength(3);
      });

      it('returns false for an unknown alert and refuses the suppressed state', async () => {
        const store = await fresh();
        expect(await store.setAlertState('missing', 'acknowledged', 'bob')).toBe(false);
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        await expect(store.setAlertState('a1', 'suppressed' as 'new')).rejects.toThrow();
        expect((await store.getAlert('a1'))?.state).toBe('new');
      });

      it('can acknowledge or resolve a suppressed alert, keeping its suppression id', async () => {
        const store = await fresh();
        const s = await store.addSuppression({ scope: { ruleId: RULE_A }, reason: 'r', author: 'ops' });
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        await store.setAlertState('a1', 'resolved', 'bob', 'false positive', at(1));
        expect(await store.getAlert('a1')).toMatchObject({ state: 'resolved', suppressionId: s.id });
      });
    });

    describe('triage for people (dashboard): state with close reason, assignee, notes, audit', () => {
      it('acknowledges, assigns, notes and resolves with a reason; each change audited with who, when, from and to', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        expect(await store.triage(['a1'], { state: 'acknowledged', note: 'looking' }, 'bob', at(1))).toEqual({ changed: ['a1'], unchanged: [], unknown: [] });
        await store.triage(['a1'], { assignee: 'carol@contoso.com' }, 'bob', at(2));
        await store.triage(['a1'], { note: 'the secret was added by the deploy pipeline' }, 'carol@contoso.com', at(3));
        await store.triage(['a1'], { state: 'resolved', closeReason: 'benign_positive' }, 'carol@contoso.com', at(4));
        const stored = await store.getAlert('a1');
        expect(stored).toMatchObject({ state: 'resolved', closeReason: 'benign_positive', assignee: 'carol@contoso.com', updatedAt: at(4) });
        // State changes go to the history too, as the CLI's do.
        expect(stored?.history).toEqual([
          { at: at(1), state: 'acknowledged', by: 'bob', note: 'looking' },
          { at: at(4), state: 'resolved', by: 'carol@contoso.com' },
        ]);
        const trail = await store.auditTrail({ alertId: 'a1' });
        expect(trail.map(({ seq: _seq, ...e }) => e)).toEqual([
          { alertId: 'a1', at: at(1), by: 'bob', action: 'state', from: 'new', to: 'acknowledged', note: 'looking' },
          { alertId: 'a1', at: at(2), by: 'bob', action: 'assignee', to: 'carol@contoso.com' },
          { alertId: 'a1', at: at(3), by: 'carol@contoso.com', action: 'note', note: 'the secret was added by the deploy pipeline' },
          { alertId: 'a1', at: at(4), by: 'carol@contoso.com', action: 'state', from: 'acknowledged', to: 'resolved' },
          { alertId: 'a1', at: at(4), by: 'carol@contoso.com', action: 'close_reason', to: 'benign_positive' },
        ]);
        expect(trail.map((e) => e.seq)).toEqual([...trail.map((e) => e.seq)].sort((a, b) => a - b));

        // Reopening drops the close reason (audited); unassigning is a change to nothing.
        await store.triage(['a1'], { state: 'new', assignee: null }, 'dave', at(5));
        const reopened = await store.getAlert('a1');
        expect(reopened?.state).toBe('new');
        expect(reopened?.closeReason).toBeUndefined();
        expect(reopened?.assignee).toBeUndefined();
        expect((await store.auditTrail({ alertId: 'a1' })).slice(-3).map(({ action, from, to }) => ({ action, from, to }))).toEqual([
          { action: 'state', from: 'resolved', to: 'new' },
          { action: 'close_reason', from: 'benign_positive', to: undefined },
          { action: 'assignee', from: 'carol@contoso.com', to: undefined },
        ]);
      });

      it('applies one change to many alerts at once; unknown and already-as-asked ids are reported, not written', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'b1' }), makeAlert({ id: 'b2' }), makeAlert({ id: 'b3' })]));
        await store.triage(['b2'], { state: 'acknowledged' }, 'bob', at(1));
        const r = await store.triage(['b1', 'b2', 'b3', 'missing', 'b1'], { state: 'acknowledged' }, 'carol', at(2));
        expect(r).toEqual({ changed: ['b1', 'b3'], unchanged: ['b2'], unknown: ['missing'] });
        expect(await store.countAlerts()).toEqual({ new: 0, acknowledged: 3, resolved: 0, suppressed: 0 });
        expect((await store.auditTrail({ since: at(2) })).map((e) => `${e.alertId} ${e.from}->${e.to} ${e.by}`)).toEqual(['b1 new->acknowledged carol', 'b3 new->acknowledged carol']);
        const resolved = await store.triage(['b1', 'b2', 'b3'], { state: 'resolved', closeReason: 'duplicate', note: 'same incident as INC-42' }, 'carol', at(3));
        expect(resolved.changed).toEqual(['b1', 'b2', 'b3']);
        for (const id of ['b1', 'b2', 'b3']) expect(await store.getAlert(id)).toMatchObject({ state: 'resolved', closeReason: 'duplicate' });
        // A different reason on resolved alerts is a change of the reason only.
        const recl = await store.triage(['b1'], { state: 'resolved', closeReason: 'true_positive' }, 'dave', at(4));
        expect(recl.changed).toEqual(['b1']);
        expect((await store.auditTrail({ alertId: 'b1', since: at(4) })).map(({ action, from, to }) => ({ action, from, to }))).toEqual([{ action: 'close_reason', from: 'duplicate', to: 'true_positive' }]);
        expect((await store.getAlert('b1'))?.history.map((h) => h.state)).toEqual(['acknowledged', 'resolved']);
      });

      it('refuses what is not a triage change, writing nothing', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        await expect(store.triage(['a1'], { state: 'resolved' }, 'bob')).rejects.toThrow(/close reason/);
        await expect(store.triage(['a1'], { state: 'acknowledged', closeReason: 'duplicate' }, 'bob')).rejects.toThrow(/close reason/);
        await expect(store.triage(['a1'], { state: 'resolved', closeReason: 'automated_closure' as 'other' }, 'bob')).rejects.toThrow(/close reason/);
        await expect(store.triage(['a1'], { state: 'suppressed' as 'new' }, 'bob')).rejects.toThrow(/state/);
        await expect(store.triage(['a1'], {}, 'bob')).rejects.toThrow();
        await expect(store.triage(['a1'], { note: '   ' }, 'bob')).rejects.toThrow();
        await expect(store.triage(['a1'], { state: 'acknowledged' }, '  ')).rejects.toThrow(/who/);
        await expect(store.triage(['a1'], { note: 'x'.repeat(10_001) }, 'bob')).rejects.toThrow(/note/);
        await expect(store.triage(['a1'], { assignee: 'x'.repeat(201) }, 'bob')).rejects.toThrow(/assignee/);
        expect(await store.getAlert('a1')).toMatchObject({ state: 'new', history: [] });
        expect(await store.auditTrail()).toEqual([]);
      });

      it('audits the CLI\'s state changes too, and they reopen without the close reason', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' })]));
        await store.triage(['a1'], { state: 'resolved', closeReason: 'false_positive' }, 'bob', at(1));
        expect(await store.setAlertState('a1', 'acknowledged', 'carol', 'not so fast', at(2))).toBe(true);
        expect((await store.getAlert('a1'))?.closeReason).toBeUndefined();
        expect((await store.auditTrail({ alertId: 'a1', since: at(2) })).map(({ seq: _seq, ...e }) => e)).toEqual([
          { alertId: 'a1', at: at(2), by: 'carol', action: 'state', from: 'resolved', to: 'acknowledged', note: 'not so fast' },
          { alertId: 'a1', at: at(2), by: 'carol', action: 'close_reason', from: 'false_positive' },
        ]);
      });

      it('gives the newest entries of the whole trail, oldest first, and keeps it across close and reopen', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'a1' }), makeAlert({ id: 'a2' })]));
        for (let i = 1; i <= 5; i++) await store.triage([i % 2 ? 'a1' : 'a2'], { note: `note ${i}` }, 'bob', at(i));
        expect((await store.auditTrail({ limit: 2 })).map((e) => e.note)).toEqual(['note 4', 'note 5']);
        expect((await store.auditTrail({ since: at(4) })).map((e) => e.note)).toEqual(['note 4', 'note 5']);
        expect((await store.auditTrail({ alertId: 'a2' })).map((e) => e.note)).toEqual(['note 2', 'note 4']);
        await store.close();
        const reopened = await fresh(store);
        expect(await reopened.auditTrail()).toHaveLength(5);
      });
    });

    describe('suppression impact preview and applying a suppression to stored alerts', () => {
      const seedMixed = async (store: AlertStore): Promise<void> => {
        await store.commitBatch(batchOf([
          makeAlert({ id: 'p-new', time: '2026-10-01T10:00:00.000Z' }),
          makeAlert({ id: 'p-ack', time: '2026-10-01T11:00:00.000Z' }),
          makeAlert({ id: 'p-res', time: '2026-10-01T12:00:00.000Z' }),
          makeAlert({ id: 'p-other-rule', ruleId: RULE_B, time: '2026-10-01T13:00:00.000Z' }),
          makeAlert({ id: 'p-other-actor', time: '2026-10-01T14:00:00.000Z', entities: { actor: { type: 'user', userPrincipalName: 'bob@contoso.com' } } }),
        ]));
        await store.triage(['p-ack'], { state: 'acknowledged' }, 'bob', at(1));
        await store.triage(['p-res'], { state: 'resolved', closeReason: 'other' }, 'bob', at(1));
      };

      it('previews which stored alerts a scope covers, by state, newest first, without writing anything', async () => {
        const store = await fresh();
        await seedMixed(store);
        const before = await store.auditTrail();
        const preview = await store.previewSuppression({ ruleId: RULE_A, actor: 'ALICE@contoso.com' });
        expect(preview.total).toBe(3);
        expect(preview.byState).toEqual({ new: 1, acknowledged: 1, resolved: 1, suppressed: 0 });
        expect(preview.alerts.map((a) => a.alert.id)).toEqual(['p-res', 'p-ack', 'p-new']);
        expect((await store.previewSuppression({ actor: 'alice@contoso.com' }, 1)).alerts.map((a) => a.alert.id)).toEqual(['p-other-rule']);
        expect((await store.previewSuppression({ actor: 'alice@contoso.com' }, 1)).total).toBe(4);
        expect((await store.previewSuppression({ tenant: 'fabrikam' })).total).toBe(0);
        // The same ASCII-only folding as commits: a look-alike does not match.
        expect((await store.previewSuppression({ actor: 'alice@\u212Aontoso.com' })).total).toBe(0);
        await expect(store.previewSuppression({})).rejects.toThrow(/scope/);
        expect(await store.auditTrail()).toEqual(before);
        expect(await store.listSuppressions(true)).toEqual([]);
      });

      it('applies a saved suppression to the open alerts it covers: suppressed, audited, in the history, counted as hits', async () => {
        const store = await fresh();
        await seedMixed(store);
        const s = await store.addSuppression({ scope: { ruleId: RULE_A, actor: 'alice@contoso.com' }, reason: 'deploy pipeline', author: 'bob', createdAt: at(2) });
        const hidden = await store.applySuppression(s.id, 'bob', at(3));
        expect(hidden.sort()).toEqual(['p-ack', 'p-new']);
        expect(await store.getAlert('p-new')).toMatchObject({ state: 'suppressed', suppressionId: s.id, updatedAt: at(3) });
        expect((await store.getAlert('p-ack'))?.history.at(-1)).toEqual({ at: at(3), state: 'suppressed', by: 'bob', note: 'deploy pipeline' });
        // Resolved work and alerts outside the scope stay as they are.
        expect((await store.getAlert('p-res'))?.state).toBe('resolved');
        expect((await store.getAlert('p-other-rule'))?.state).toBe('new');
        expect((await store.auditTrail({ alertId: 'p-ack', since: at(3) })).map(({ seq: _seq, ...e }) => e)).toEqual([
          { alertId: 'p-ack', at: at(3), by: 'bob', action: 'state', from: 'acknowledged', to: 'suppressed', note: 'deploy pipeline', suppressionId: s.id },
        ]);
        expect((await store.listSuppressions(true))[0]?.hits).toBe(2);
        // Again: nothing left to hide.
        expect(await store.applySuppression(s.id, 'bob', at(4))).toEqual([]);
        // A suppressed alert can still be resolved, keeping its suppression.
        await store.triage(['p-new'], { state: 'resolved', closeReason: 'benign_positive' }, 'bob', at(5));
        expect(await store.getAlert('p-new')).toMatchObject({ state: 'resolved', suppressionId: s.id, closeReason: 'benign_positive' });
      });

      it('refuses to apply an unknown or expired suppression', async () => {
        const store = await fresh();
        await seedMixed(store);
        await expect(store.applySuppression('nope', 'bob')).rejects.toThrow(/no suppression/);
        const s = await store.addSuppression({ scope: { ruleId: RULE_A }, reason: 'window', author: 'bob', createdAt: at(-10), expiresAt: at(1) });
        await expect(store.applySuppression(s.id, 'bob', at(2))).rejects.toThrow(/expired/);
        expect((await store.getAlert('p-new'))?.state).toBe('new');
      });
    });

    describe('dashboard visits', () => {
      it('records a visit per person and gives back the previous one', async () => {
        const store = await fresh();
        expect(await store.recordVisit('bob', at(1))).toBeUndefined();
        expect(await store.recordVisit('bob', at(5))).toBe(at(1));
        expect(await store.recordVisit('carol', at(6))).toBeUndefined();
        expect(await store.recordVisit('bob', at(9))).toBe(at(5));
      });
    });

    describe('listAlerts and countAlerts', () => {
      const seed = async (store: AlertStore): Promise<void> => {
        await store.commitBatch(batchOf([
          makeAlert({ id: 'c-crit', severity: 'critical', time: '2026-10-01T10:00:00.000Z' }),
          makeAlert({ id: 'c-info', severity: 'informational', time: '2026-10-01T12:00:00.000Z', ruleId: RULE_B }),
          makeAlert({ id: 'c-med', severity: 'medium', time: '2026-10-01T08:00:00.000Z' }),
        ]));
        await store.commitBatch(batchOf([
          makeAlert({ id: 'f-high', severity: 'high', time: '2026-10-01T11:00:00.000Z' }),
          makeAlert({ id: 'f-low', severity: 'low', time: '2026-09-30T11:00:00.000Z', ruleId: RULE_B }),
        ], { tenant: 'fabrikam', now: at(1) }));
        await store.setAlertState('c-med', 'acknowledged', 'bob', undefined, at(2));
        await store.setAlertState('f-low', 'resolved', 'bob', undefined, at(3));
      };
      const ids = (list: { alert: Alert }[]): string[] => list.map((s) => s.alert.id);

      it('lists newest alert time first, all tenants and states by default', async () => {
        const store = await fresh();
        await seed(store);
        expect(ids(await store.listAlerts())).toEqual(['c-info', 'f-high', 'c-crit', 'c-med', 'f-low']);
      });

      it('filters by tenant, states, minimum severity, rule, since and limit, together', async () => {
        const store = await fresh();
        await seed(store);
        expect(ids(await store.listAlerts({ tenant: 'fabrikam' }))).toEqual(['f-high', 'f-low']);
        expect(ids(await store.listAlerts({ states: ['acknowledged', 'resolved'] }))).toEqual(['c-med', 'f-low']);
        expect(ids(await store.listAlerts({ states: [] }))).toEqual([]);
        expect(ids(await store.listAlerts({ minSeverity: 'high' }))).toEqual(['f-high', 'c-crit']);
        expect(ids(await store.listAlerts({ minSeverity: 'medium' }))).toEqual(['f-high', 'c-crit', 'c-med']);
        expect(ids(await store.listAlerts({ minSeverity: 'informational' }))).toHaveLength(5);
        expect(ids(await store.listAlerts({ ruleId: RULE_B }))).toEqual(['c-info', 'f-low']);
        expect(ids(await store.listAlerts({ since: '2026-10-01T10:00:00Z' }))).toEqual(['c-info', 'f-high', 'c-crit']);
        expect(ids(await store.listAlerts({ limit: 2 }))).toEqual(['c-info', 'f-high']);
        expect(ids(await store.listAlerts({ limit: 0 }))).toEqual([]);
        expect(ids(await store.listAlerts({ tenant: 'contoso', states: ['new'], minSeverity: 'low', since: '2026-10-01T00:00:00.000Z', limit: 5 }))).toEqual(['c-crit']);
      });

      it('counts all four states, zeros included, under the same filters', async () => {
        const store = await fresh();
        expect(await store.countAlerts()).toEqual({ new: 0, acknowledged: 0, resolved: 0, suppressed: 0 });
        await seed(store);
        expect(await store.countAlerts()).toEqual({ new: 3, acknowledged: 1, resolved: 1, suppressed: 0 });
        expect(await store.countAlerts({ tenant: 'fabrikam' })).toEqual({ new: 1, acknowledged: 0, resolved: 1, suppressed: 0 });
        expect(await store.countAlerts({ minSeverity: 'high', states: ['new'] })).toEqual({ new: 2, acknowledged: 0, resolved: 0, suppressed: 0 });
      });
    });

    describe('outbox', () => {
      it('gives a sink its due entries oldest first with the alert; failures move them later; delivery removes them', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'o1' }), makeAlert({ id: 'o2' })], { sinksFor: () => ['webhook', 'syslog'] }));
        await store.commitBatch(batchOf([makeAlert({ id: 'o3' })], { sinksFor: () => ['webhook'], now: at(1) }));
        expect(await store.dueDeliveries('webhook', at(-1), 10)).toEqual([]);
        expect((await store.dueDeliveries('webhook', T0, 10)).map((d) => d.alertId)).toEqual(['o1', 'o2']);
        const due = await store.dueDeliveries('webhook', at(1), 10);
        expect(due.map((d) => d.alertId)).toEqual(['o1', 'o2', 'o3']);
        expect(due[0]).toEqual({ sink: 'webhook', alertId: 'o1', attempts: 0, nextAttemptAt: T0, alert: makeAlert({ id: 'o1' }) });
        expect((await store.dueDeliveries('webhook', at(1), 2)).map((d) => d.alertId)).toEqual(['o1', 'o2']);

        await store.markFailed('webhook', 'o1', 'HTTP 503 Service Unavailable', at(4));
        expect((await store.dueDeliveries('webhook', at(2), 10)).map((d) => d.alertId)).toEqual(['o2', 'o3']);
        const retried = await store.dueDeliveries('webhook', at(4), 10);
        expect(retried.map((d) => d.alertId)).toEqual(['o2', 'o3', 'o1']);
        expect(retried[2]).toMatchObject({ attempts: 1, lastError: 'HTTP 503 Service Unavailable', nextAttemptAt: at(4) });
        await store.markFailed('webhook', 'o1', 'timeout', at(8));
        expect((await store.dueDeliveries('webhook', at(8), 10)).find((d) => d.alertId === 'o1')).toMatchObject({ attempts: 2, lastError: 'timeout' });

        await store.markDelivered('webhook', 'o2', at(5));
        await store.markDelivered('webhook', 'o2', at(6)); // again: nothing left to change
        expect((await store.dueDeliveries('webhook', at(9), 10)).map((d) => d.alertId)).toEqual(['o3', 'o1']);
        expect(await store.outboxDepth()).toEqual({ syslog: 2, webhook: 2 });
        // Other sinks keep their own entries.
        expect((await store.dueDeliveries('syslog', at(9), 10)).map((d) => d.alertId)).toEqual(['o1', 'o2']);
        for (const id of ['o1', 'o3']) await store.markDelivered('webhook', id, at(9));
        expect(await store.outboxDepth()).toEqual({ syslog: 2 });
        expect(await store.dueDeliveries('unknown-sink', at(9), 10)).toEqual([]);
      });

      it('lets one sender claim a due entry: a second claim on what it saw fails; the entry is due again when the claim ends', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'c1' }), makeAlert({ id: 'c2' })]));
        const [first] = await store.dueDeliveries('webhook', T0, 10);
        expect(first!.nextAttemptAt).toBe(T0);
        // Two workers saw the same entry; only the first claim takes it.
        expect(await Promise.all([store.claimDelivery('webhook', 'c1', first!.nextAttemptAt, at(1)), store.claimDelivery('webhook', 'c1', first!.nextAttemptAt, at(1))])).toEqual([true, false]);
        expect((await store.dueDeliveries('webhook', T0, 10)).map((d) => d.alertId)).toEqual(['c2']);
        // A sender that died holding it: the entry is due again at the end of the claim, attempts unchanged.
        expect(await store.dueDeliveries('webhook', at(1), 10)).toEqual([
          expect.objectContaining({ alertId: 'c2' }),
          expect.objectContaining({ alertId: 'c1', attempts: 0, nextAttemptAt: at(1) }),
        ]);
        expect(await store.claimDelivery('webhook', 'c1', T0, at(2))).toBe(false);
        expect(await store.claimDelivery('webhook', 'c1', at(1), at(2))).toBe(true);
        await store.markDelivered('webhook', 'c1', at(1));
        expect(await store.claimDelivery('webhook', 'c1', at(2), at(3))).toBe(false);
        expect(await store.claimDelivery('nowhere', 'c2', T0, at(3))).toBe(false);
      });

      it('keeps the outbox across close and reopen', async () => {
        const store = await fresh();
        await store.commitBatch(batchOf([makeAlert({ id: 'o1' })]));
        await store.markFailed('webhook', 'o1', 'refused', at(3));
        await store.close();
        const reopened = await fresh(store);
        expect(await reopened.dueDeliveries('webhook', at(3), 10)).toMatchObject([{ alertId: 'o1', attempts: 1, lastError: 'refused' }]);
      });
    });

    describe('source health', () => {
      it('upserts the health of each source', async () => {
        const store = await fresh();
        expect(await store.sourceHealth()).toEqual({});
        await store.recordSourceHealth('contoso/audit', { lastAttempt: T0, lastSuccess: T0, newestEvent: at(-5), throttled: 0 });
        await store.recordSourceHealth('contoso/signin', { lastAttempt: T0, throttled: 2, lastError: 'HTTP 403', gap: 'not licensed (Entra ID P1/P2 needed)' });
        await store.recordSourceHealth('contoso/audit', { lastAttempt: at(1), lastSuccess: at(1), throttled: 1 });
        expect(await store.sourceHealth()).toEqual({
          'contoso/audit': { lastAttempt: at(1), lastSuccess: at(1), throttled: 1 },
          'contoso/signin': { lastAttempt: T0, throttled: 2, lastError: 'HTTP 403', gap: 'not licensed (Entra ID P1/P2 needed)' },
        });
      });
    });
  });
}
