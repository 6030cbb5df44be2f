/**
 * Real third-party samples (../shared/corpus/samples): exact event counts per kind and the key fields in their
 * canonical places. Skipped, with a message, where the corpus is absent (a user's clone).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/model/event.js';
import { CORPUS, HAS_CORPUS, readAll } from '../helpers/ingest.js';

const SAMPLES = resolve(CORPUS, 'samples');
if (!HAS_CORPUS) console.warn(`[corpus] ${SAMPLES} not found: real-sample tests skipped (they need the shared corpus beside the project)`);

type Targets = { id?: string; type?: string; modifiedProperties?: { displayName?: string; newValue?: unknown }[] }[];

describe.skipIf(!HAS_CORPUS)('real samples', () => {
  it('reads every sample file with exact counts per kind', async () => {
    const { summary } = await readAll([SAMPLES]);
    expect(summary.events).toEqual({ audit: 8, signin: 92, keyvault: 1, activity: 0, event: 0 });
    // Graph inventory objects (applications, grants, assignments) are not log records: one counted skip each.
    expect(summary.skipped.byReason).toEqual({ 'unknown-format': 16 });
    expect(summary.recordsRead).toBe(8 + 92 + 1 + 16);
    expect(summary.passedOver).toEqual([resolve(SAMPLES, 'README.md')]);
  });

  it('OTRF Golden SAML audit rows (Log Analytics, JSON strings in JSON, overwritten Type)', async () => {
    const { events, summary } = await readAll([resolve(SAMPLES, 'otrf-security-datasets/AADAuditEvents.json')]);
    expect(summary.files[0]!.format).toBe('log-analytics');
    expect(events.map((e) => e.appwatch.kind)).toEqual(['audit', 'audit', 'audit', 'audit']);
    // Raw activity names: en dash and trailing space kept; matching is a later stage's job.
    expect(events.map((e) => e.activityDisplayName)).toEqual([
      'Update application \u2013 Certificates and secrets management ',
      'Update application \u2013 Certificates and secrets management ',
      'Update application',
      'Add delegated permission grant',
    ]);
    const credential = events[0]!;
    const targets = credential.targetResources as Targets;
    expect(targets[0]!.id).toBe('11b49e19-2326-4be6-93cb-7f37439bbd81');
    expect(targets[0]!.type).toBe('Application');
    expect(targets[0]!.modifiedProperties![0]).toMatchObject({ displayName: 'KeyDescription', oldValue: '[]' });
    expect(String(targets[0]!.modifiedProperties![0]!.newValue)).toContain('KeyType=Password');
    expect(credential.initiatedBy).toMatchObject({ user: { userPrincipalName: 'pgustavo@simulandlabs.com' } });
    expect(credential.category).toBe('ApplicationManagement');
    expect(credential.appwatch.time).toBe('2021-08-02T13:29:25.983Z');
    // The query's own columns have no Graph counterpart: kept, not dropped.
    expect(credential.appwatch.extra).toHaveProperty('InitiatingUserOrApp', 'pgustavo@simulandlabs.com');
    const grant = events[3]!;
    const scope = (grant.targetResources as Targets)[0]!.modifiedProperties!.find((p) => p.displayName === 'DelegatedPermissionGrant.Scope');
    expect(String(scope?.newValue)).toContain('Mail.ReadWrite');
    // Two rows say Type=Application/ServicePrincipal (overwritten by the query); they are still audit events.
    expect(events.filter((e) => e.appwatch.extra?.Type !== 'AuditLogs').length).toBe(2);
  });

  it('msticpy sign-in rows: 86 rows in, 86 events out, duplicates kept', async () => {
    const { events } = await readAll([resolve(SAMPLES, 'msticpy/aad_logons.derived.jsonl')]);
    expect(events).toHaveLength(86);
    expect(new Set(events.map((e) => e.id)).size).toBe(45);
    for (const e of events) {
      expect(e.appwatch.kind).toBe('signin');
      expect(e.signInEventTypes).toEqual(['interactiveUser']);
      expect(e.appwatch.guessed).toBeUndefined(); // Category SignInLogs says so
      expect(typeof (e.status as { errorCode: unknown }).errorCode).toBe('number'); // "0" → 0
      expect(typeof e.location).toBe('object'); // LocationDetails → location
      expect(Array.isArray(e.appliedConditionalAccessPolicies)).toBe(true); // ConditionalAccessPolicies
      expect(Array.isArray(e.authenticationProcessingDetails)).toBe(true); // JSON string parsed
      expect(e.appwatch.extra).toHaveProperty('TimeGenerated');
    }
    const first = events[0]!;
    expect(first).toMatchObject({ appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', appDisplayName: 'Azure Portal' });
    // Event time is the Microsoft time field (CreatedDateTime), not the ingestion column TimeGenerated.
    expect(first.appwatch.time).toBe('2020-05-20T18:19:04.000Z');
  });

  it('Key Vault documentation record: {"records":[…]} with URI-style claims', async () => {
    const { events } = await readAll([resolve(SAMPLES, 'microsoft-azure-docs/key-vault-general-logging.md.example-records.json')]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.appwatch.kind).toBe('keyvault');
    expect(e.operationName).toBe('VaultGet');
    expect(e.appwatch.caller).toMatchObject({ objectId: 'd9da5048-2737-4770-bd64-XXXXXXXXXXXX', appId: '1950a258-227b-4e31-a9cf-XXXXXXXXXXXX' });
    expect(e.appwatch.origin).toMatchObject({ format: 'diagnostic', index: 0 });
  });

  it('Graph documentation examples: invalid JSON repaired and said so; inventory objects named', async () => {
    const { events, summary, issues } = await readAll([resolve(SAMPLES, 'microsoft-graph-docs')]);
    const signIns = events.filter((e) => e.appwatch.kind === 'signin');
    expect(signIns).toHaveLength(6);
    const repairedFiles = summary.files.filter((f) => f.notes.some((n) => n.includes('trailing commas')));
    expect(repairedFiles.map((f) => f.file.split('microsoft-graph-docs/')[1]).sort()).toEqual([
      'beta/signin-get.response.json', 'beta/signin-list.response1.json',
      'v1.0/signin-get.response.json', 'v1.0/signin-list.response1.json', 'v1.0/signin-list.response2.json',
    ]);
    const audit = events.filter((e) => e.appwatch.kind === 'audit');
    expect(audit).toHaveLength(4);
    // v1.0 example: "targetResource" (singular) and "Type" (capital) still land in the Graph places.
    const v1 = audit.find((e) => e.appwatch.origin.file!.endsWith('v1.0/directoryaudit-get.response.json')) as CanonicalEvent;
    expect((v1.targetResources as Targets).map((t) => t.type)).toEqual(['Group', 'User']);
    expect(v1.id).toBe('id'); // ids that are not GUIDs are kept as they are
    const inventory = issues.filter((i) => i.issue.reason === 'unknown-format');
    expect(inventory).toHaveLength(16);
    expect(inventory.find((i) => i.file.endsWith('application-get.response.json'))?.issue.message).toContain('application object');
  });
});
