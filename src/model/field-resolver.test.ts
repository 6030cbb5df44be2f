import { describe, expect, it } from 'vitest';
import { readAll, fixture } from '../../tests/helpers/ingest.js';
import { hasField, resolveField } from './field-resolver.js';

describe('resolveField: one field, three naming conventions', async () => {
  const audit = (await readAll([fixture('diagnostic/PT1H.json')])).events[0]!;
  const signin = (await readAll([fixture('log-analytics/AADServicePrincipalSignInLogs.jsonl')])).events[0]!;
  const keyvault = (await readAll([fixture('log-analytics/AzureDiagnostics-keyvault.jsonl')])).events;
  const activity = (await readAll([fixture('log-analytics/AzureActivity.jsonl')])).events[0]!;

  it('audit activity name by Graph, Log Analytics and diagnostic names', () => {
    for (const name of ['activityDisplayName', 'ActivityDisplayName', 'OperationName', 'operationName', 'properties.activityDisplayName']) {
      expect(resolveField(audit, name), name).toEqual(['Add service principal credentials']);
    }
  });

  it('paths through arrays match every element', () => {
    const names = resolveField(audit, 'TargetResources.ModifiedProperties.DisplayName');
    expect(names).toEqual(['KeyDescription', 'Included Updated Properties']);
    expect(resolveField(audit, 'properties.targetResources.modifiedProperties.displayName')).toEqual(names);
    expect(resolveField(audit, 'targetResources.type')).toEqual(['ServicePrincipal']);
  });

  it('sign-in result code by ResultType, resultType and status.errorCode', () => {
    for (const name of ['ResultType', 'resultType', 'status.errorCode', 'Status.ErrorCode']) {
      expect(resolveField(signin, name), name).toEqual([0]);
    }
    expect(resolveField(signin, 'ServicePrincipalId')).toEqual([signin.servicePrincipalId]);
    expect(resolveField(signin, 'IPAddress')).toEqual([signin.ipAddress]);
  });

  it('Key Vault caller from either claim style, and flattened AzureDiagnostics names', () => {
    const [short, uri] = keyvault;
    expect(resolveField(short!, 'identity_claim_appid_g')).toEqual([short!.appwatch.caller?.appId]);
    expect(resolveField(uri!, 'identity.claim.http://schemas.microsoft.com/identity/claims/objectidentifier')).toEqual([uri!.appwatch.caller?.objectId]);
    expect(resolveField(short!, 'requestUri_s')).toEqual(resolveField(short!, 'properties.requestUri'));
    expect(resolveField(short!, 'requestUri_s')[0]).toMatch(/^https:\/\/.*vault\.azure\.net/);
  });

  it('Activity fields by AzureActivity column names, and into JSON text', () => {
    expect(resolveField(activity, 'OperationNameValue')).toEqual(['MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE']);
    expect(resolveField(activity, 'operationName')).toEqual(['MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE']);
    // requestbody is a JSON string inside properties: a path can continue into it.
    expect(resolveField(activity, 'properties.requestbody.Properties.PrincipalType')).toEqual(['ServicePrincipal']);
  });

  it('fields with no Graph counterpart are found in appwatch.extra; absent fields are absent', () => {
    expect(resolveField(signin, 'SourceSystem')).toEqual(['Azure AD']);
    expect(resolveField(audit, 'noSuchField')).toEqual([]);
    expect(hasField(audit, 'noSuchField')).toBe(false);
    expect(hasField(audit, 'InitiatedBy.user.userPrincipalName')).toBe(true);
    expect(hasField(audit, 'initiatedBy.app')).toBe(false); // a user did it
  });
});

describe('shared accessors', () => {
  it('read each field once per event and epoch, and never return a value from before a change', async () => {
    const { fieldAccessor, fieldEpoch } = await import('./field-resolver.js');
    const { compile } = await import('../../tests/helpers/sigma.js');
    const event = { activityDisplayName: 'Add owner to application', appwatch: { kind: 'audit', time: '2026-10-01T09:00:00.000Z', origin: { source: 'file', format: 'graph', file: 'x' } } } as never as Record<string, unknown>;
    const access = fieldAccessor('activityDisplayName');
    expect(fieldAccessor('activityDisplayName')).toBe(access); // one accessor per field name, shared by rules
    fieldEpoch();
    expect(access(event)).toEqual(['Add owner to application']);
    expect(access(event)).toBe(access(event)); // the same walk's result within an epoch
    const { ruleset } = compile("title: owner\nid: 00000000-0000-4000-8000-0000000000b1\nlogsource: {product: azure, service: auditlogs}\ndetection:\n    selection:\n        activityDisplayName: Add owner to service principal\n    condition: selection\n");
    expect(ruleset.match(event as never)).toHaveLength(0);
    event.activityDisplayName = 'Add owner to service principal'; // changed after its fields were read
    expect(ruleset.match(event as never)).toHaveLength(1);
  });
});
