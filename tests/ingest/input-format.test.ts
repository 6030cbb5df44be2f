/** `--input-format` overrides detection; the audit CSV's truncation is said; quirks land where they belong. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveField } from '../../src/model/field-resolver.js';
import { fixture, readAll } from '../helpers/ingest.js';

describe('--input-format', () => {
  it('json reads Microsoft records as plain events, untouched', async () => {
    const { events } = await readAll([fixture('diagnostic/PT1H.json')], { inputFormat: 'json' });
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.appwatch.kind === 'event' && e.appwatch.origin.format === 'json')).toBe(true);
    expect(events[0]).toHaveProperty('properties'); // not moved: no normalisation
  });

  it('a forced format that does not fit rejects each record with the reason, counted', async () => {
    const { events, summary, issues } = await readAll([fixture('log-analytics/AuditLogs.jsonl')], { inputFormat: 'graph' });
    expect(events).toHaveLength(0);
    expect(summary.skipped.byReason).toEqual({ 'unknown-shape': 3 });
    expect(issues[0]!.issue.message).toMatch(/^line 1: not a Graph audit or sign-in record/);
  });

  it('portal-csv forces CSV framing', async () => {
    const { events } = await readAll([fixture('portal-csv/MSISignIns_2026-10-01_2026-10-02.csv')], { inputFormat: 'portal-csv' });
    expect(events.map((e) => e.signInEventTypes)).toEqual([['managedIdentity']]);
  });
});

describe('quirks', () => {
  it('the admin-center audit CSV says it truncates', async () => {
    const { summary } = await readAll([fixture('portal-csv/AuditLogs_2026-10-01_2026-10-02.csv')]);
    expect(summary.files[0]!.notes.join(' ')).toContain('keeps at most 3 targets × 5 modified properties');
  });

  it('"<null>" caller IPs stay raw in extra, and rules asking for callerIpAddress get the Graph actor IP', async () => {
    const { events } = await readAll([fixture('diagnostic/PT1H.json')]);
    const consent = events.find((e) => e.activityDisplayName === 'Consent to application')!;
    expect(consent.appwatch.extra?.callerIpAddress).toBe('<null>');
    expect(resolveField(consent, 'callerIpAddress')).toEqual([
      (consent.initiatedBy as { user: { ipAddress: string } }).user.ipAddress,
    ]);
  });

  it('numbers as strings become numbers where Graph has a number', async () => {
    const { events } = await readAll([fixture('diagnostic/keyvault-PT1H.json'), fixture('diagnostic/PT1H.json')]);
    expect(events[0]!.durationMs).toBe(12); // "12" in the record
    const signIn = events.find((e) => e.appwatch.kind === 'signin')!;
    expect(signIn.appwatch.extra?.resultType).toBe('0');
    expect((signIn.status as { errorCode: unknown }).errorCode).toBe(0);
  });

  it('sign-in types that no field states are reported as guesses', async () => {
    const { summary } = await readAll([fixture('log-analytics/sp-mi-ambiguous.jsonl')]);
    expect(summary.signInTypes).toMatchObject({ managedIdentity: 1, servicePrincipal: 1 });
    expect(Object.keys(summary.guessed.byReason)).toEqual([
      'sign-in type managedIdentity from managedServiceIdentity',
      'sign-in type servicePrincipal: a service principal and no user',
    ]);
  });
});

describe('Log Analytics union queries', () => {
  it('a service-principal row with the user columns of a union (empty) stays a service-principal sign-in', async () => {
    // `union SigninLogs, AADServicePrincipalSignInLogs` gives every row every column, empty where it does not apply.
    const row = JSON.parse(readFileSync(fixture('log-analytics/AADServicePrincipalSignInLogs.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    const union = { ...row, UserPrincipalName: '', UserId: '', UserDisplayName: '', IsInteractive: false, Type: 'AADServicePrincipalSignInLogs' };
    const path = join(mkdtempSync(join(tmpdir(), 'appwatch-union-')), 'union.jsonl');
    writeFileSync(path, `${JSON.stringify(union)}\n`);
    const { events, summary } = await readAll([path]);
    expect(events.map((e) => e.signInEventTypes)).toEqual([['servicePrincipal']]);
    expect(events[0]!.servicePrincipalId).toBe(row.ServicePrincipalId);
    expect(summary.guessed.total).toBe(0);
  });
});
