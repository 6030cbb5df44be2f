/**
 * SigmaHQ's Azure rules (../shared/corpus/sigmahq, DRL 1.1; read in place, never copied): every rule loads;
 * placeholder rules are refused clearly without values and load with them; the v1 aggregation is refused by
 * name; and each application rule of sigma-notes §1.4 matches a realistic positive event and stays quiet on
 * a realistic negative one, after mapping and repair.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ruleset } from '../../src/detect/ruleset.js';
import { normalizeDiagnosticRecord } from '../../src/ingest/formats/diagnostic.js';
import { normalizeGraphRecord } from '../../src/ingest/formats/graph.js';
import { isRejection } from '../../src/ingest/types.js';
import type { CanonicalEvent } from '../../src/model/event.js';
import { loadRules } from '../../src/sigma/load.js';
import { CORPUS } from '../helpers/ingest.js';
import { existsSync } from 'node:fs';

const SIGMAHQ = resolve(CORPUS, 'sigmahq');
const HAS_SIGMAHQ = existsSync(SIGMAHQ);
if (!HAS_SIGMAHQ) console.warn(`[corpus] ${SIGMAHQ} not found: SigmaHQ rule tests skipped (they need the shared corpus beside the project)`);

const origin = { source: 'file' as const, format: 'graph' as const, file: 'sigmahq.test' };
const context = { file: 'sigmahq.test', baseName: 'sigmahq.test', framing: 'json-lines' as const, source: 'file' as const };

function canonical(result: ReturnType<typeof normalizeGraphRecord>): CanonicalEvent {
  if (isRejection(result)) throw new Error(result.message);
  return result;
}

/** A Graph directoryAudit shaped like the real ones (see tests/fixtures/ingest/graph). */
function audit(activity: string, options: { targets?: Record<string, unknown>[]; result?: string; resultReason?: string } = {}): CanonicalEvent {
  return canonical(normalizeGraphRecord({
    id: `Directory_${Math.random().toString(16).slice(2)}`,
    category: 'ApplicationManagement',
    correlationId: '9d2f1c3a-7b6e-4f58-a1d0-3c4b5e6f7a8b',
    result: options.result ?? 'success',
    resultReason: options.resultReason ?? '',
    activityDisplayName: activity,
    activityDateTime: '2026-10-01T09:15:02.0003172Z',
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy: { app: null, user: { id: 'aeba2680-2743-4f93-a122-cb9d76828c3f', displayName: 'Alice', userPrincipalName: 'alice@contoso.com', ipAddress: '203.0.113.10' } },
    targetResources: options.targets ?? [{ id: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4', displayName: 'Payroll-Sync', type: 'Application', modifiedProperties: [] }],
    additionalDetails: [{ key: 'User-Agent', value: 'Mozilla/5.0' }],
  }, origin, context));
}

const app = (props: [string, string, string][]): Record<string, unknown>[] => [{
  id: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4', displayName: 'Payroll-Sync', type: 'Application',
  modifiedProperties: props.map(([displayName, oldValue, newValue]) => ({ displayName, oldValue, newValue })),
}];

function signIn(protocol: string, transfer = 'none'): CanonicalEvent {
  return canonical(normalizeGraphRecord({
    id: '66ea54eb-6301-4ee5-be62-ff5a759b8100', createdDateTime: '2026-10-01T12:05:19Z', userDisplayName: 'Carol',
    userPrincipalName: 'carol@contoso.com', userId: '3336281c-ed57-4b7d-b82a-8074a59dd505', appId: 'c030ac0d-1864-4a25-b828-951a740d5949',
    appDisplayName: 'Contoso HR Portal', ipAddress: '203.0.113.45', status: { errorCode: 0 }, authenticationProtocol: protocol,
    originalTransferMethod: transfer, signInEventTypes: ['interactiveUser'], isInteractive: true,
  }, origin, context));
}

function activity(operation: string): CanonicalEvent {
  const result = normalizeDiagnosticRecord({
    time: '2026-10-01T15:10:06.9231150Z',
    resourceId: '/SUBSCRIPTIONS/D4E3212D-C88D-42FA-907E-9887DB34365C/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD',
    operationName: operation, category: 'Administrative', resultType: 'Success', resultSignature: 'Succeeded.OK',
    callerIpAddress: '203.0.113.10', correlationId: 'f5d9447d-a67a-4241-a9a8-72bb82a7c248', level: 'Information',
    identity: { claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'alice@contoso.com' } },
    properties: { statusCode: 'OK', eventCategory: 'Administrative' },
  }, { ...origin, format: 'diagnostic' });
  return canonical(result);
}

describe.skipIf(!HAS_SIGMAHQ)('SigmaHQ Azure rules', () => {
  let ruleset: Ruleset;
  let withPlaceholders: Ruleset;
  let diagnostics: Awaited<ReturnType<typeof loadRules>>['diagnostics'];
  beforeAll(async () => {
    const loaded = await loadRules([SIGMAHQ]);
    diagnostics = loaded.diagnostics;
    ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders: {} });
    const values = Object.fromEntries(['ApprovedUserUpn', 'Approved_Inviters', 'Important_AppIds', 'Known_Location', 'KNOWN_LOCATION',
      'UnLegitCountries', 'UnApprovedIp', 'UnApprovedDevice', 'HomeTenantID', 'LegitCountries', 'ClosingTime'].map((k) => [k, ['x']]));
    withPlaceholders = new Ruleset(loaded.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders: values });
  });

  it('all 123 rules under rules/ load and compile', () => {
    const underRules = ruleset.rules.filter((r) => r.rule.location.file!.includes('/sigmahq/rules/'));
    expect(underRules).toHaveLength(123);
    expect(underRules.filter((r) => r.refused)).toEqual([]);
    expect(diagnostics.filter((d) => d.location.file!.includes('/sigmahq/rules/') && d.severity === 'error')).toEqual([]);
  });

  it('placeholder rules are refused without values, naming the placeholder, and load with them', () => {
    const placeholderRules = ruleset.rules.filter((r) => r.rule.location.file!.includes('rules-placeholder'));
    expect(placeholderRules).toHaveLength(7);
    for (const r of placeholderRules) expect(r.refused, r.rule.title).toMatch(/placeholder %\w+% has no values/);
    expect(withPlaceholders.rules.filter((r) => r.rule.location.file!.includes('rules-placeholder') && r.refused)).toEqual([]);
  });

  it('the unsupported rule is refused, naming the v1 aggregation; deprecated rules load', () => {
    const unsupported = diagnostics.filter((d) => d.location.file!.includes('/unsupported/'));
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0]!.message).toContain('Sigma v1 aggregation');
    const deprecated = withPlaceholders.rules.filter((r) => r.rule.location.file!.includes('/deprecated/'));
    expect(deprecated).toHaveLength(7);
    expect(deprecated.filter((r) => r.refused)).toEqual([]);
  });

  it('rules for log sources appwatch cannot read are inactive with the reason', () => {
    const inactive = ruleset.inactive;
    expect(inactive).toHaveLength(26); // 19 identity protection + 7 PIM
    expect(new Set(inactive.map((r) => r.routing.inactive))).toEqual(new Set([
      'Identity Protection risk detections (riskEventType) are not among the logs appwatch reads',
      'Privileged Identity Management alerts (riskEventType) are not among the logs appwatch reads',
    ]));
  });

  const matched = (event: CanonicalEvent): string[] => ruleset.match(event).map((m) => m.rule.rule.id!);

  const cases: [string, string, () => CanonicalEvent, () => CanonicalEvent][] = [
    ['cbb67ecc-fb70-4467-9350-c910bdf7c628', 'credential added (en dash and trailing space, as logged)',
      () => audit('Update application \u2013 Certificates and secrets management ', { targets: app([['KeyDescription', '[]', '["[KeyIdentifier=1,KeyType=Password]"]']]) }),
      () => audit('Update application', { targets: app([['Notes', '', 'x']]) })],
    ['cbb67ecc-fb70-4467-9350-c910bdf7c628', 'credential added (hyphen) and service principal KeyDescription',
      () => audit('Update service principal', { targets: app([['KeyDescription', '[]', '["[KeyIdentifier=1]"]']]) }),
      () => audit('Update service principal', { targets: app([['AccountEnabled', '[true]', '[false]']]) })],
    ['1b45b0d1-773f-4f23-aedc-814b759563b1', 'AppID URI changes', () => audit('Update application'), () => audit('Add application')],
    ['0055ad1f-be85-4798-83cf-a6da17c993b3', 'URI modifications (AppAddress)',
      () => audit('Update application', { targets: app([['AppAddress', '[]', '[{"Address":"https://evil.example"}]']]) }),
      () => audit('Update application', { targets: app([['Notes', '', 'x']]) })],
    ['74298991-9fc4-460e-a92e-511aa60baec1', 'owner added', () => audit('Add owner to application'), () => audit('Remove owner from application')],
    ['a6355fbe-f36f-45d8-8efc-ab42465cbc52', 'delegated permission grant', () => audit('Add delegated permission grant'), () => audit('Remove delegated permission grant')],
    ['c1d147ae-a951-48e5-8b41-dcd0170c7213', 'Microsoft permissions', () => audit('Add app role assignment to service principal'), () => audit('Add app role assignment grant to user')],
    ['5aecf3d5-f8a0-48e7-99be-3a759df7358f', 'privileged app permissions', () => audit('Add app role assignment to service principal'), () => audit('Add delegated permission grant')],
    ['b04934b2-0a68-4845-8a19-bdfed3a68a7a', 'app assigned to a role (target type ServicePrincipal)',
      () => audit('Add member to role', { targets: [{ id: 'r', displayName: 'Global Administrator', type: 'Role' }, { id: 's', displayName: 'Payroll-Sync', type: 'ServicePrincipal' }] }),
      () => audit('Add member to role', { targets: [{ id: 'r', displayName: 'Global Administrator', type: 'Role' }, { id: 'u', displayName: 'bob', type: 'User' }] })],
    ['9b2cc4c4-2ad4-416d-8e8e-ee6aa6f5035a', 'end-user consent (IsAdminConsent is a modified property)',
      () => audit('Consent to application', { targets: app([['ConsentContext.IsAdminConsent', '', '"False"'], ['ConsentContext.IsAppOnly', '', '"False"']]) }),
      () => audit('Consent to application', { targets: app([['ConsentContext.IsAdminConsent', '', '"True"'], ['ConsentContext.IsAppOnly', '', '"False"']]) })],
    ['7091372f-623c-4293-bc37-20c32b3492be', 'consent blocked by risk-based consent',
      () => audit('Consent to application', { result: 'failure', resultReason: 'Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException' }),
      () => audit('Consent to application')],
    ['248649b7-d64f-46f0-9fb2-a52774166fb5', 'device code flow', () => signIn('deviceCode'), () => signIn('oAuth2')],
    ['248649b7-d64f-46f0-9fb2-a52774166fb5', 'device code flow (refreshed token)', () => signIn('none', 'deviceCodeFlow'), () => signIn('none')],
    ['55695bc0-c8cf-461f-a379-2535f563c854', 'ROPC', () => signIn('ropc'), () => signIn('none')],
    ['0ddcff6d-d262-40b0-804b-80eb592de8e3', 'service principal created', () => audit('Add service principal'), () => audit('Update service principal')],
    ['448fd1ea-2116-4c62-9cde-a92d120e0f08', 'service principal removed', () => audit('Remove service principal'), () => audit('Add service principal')],
    ['636e30d5-3736-42ea-96b1-e6e2f8429fd6', 'owner removed', () => audit('Remove owner from service principal'), () => audit('Add owner to service principal')],
    ['410d2a41-1e6d-452f-85e5-abdd8257a823', 'application deleted', () => audit('Delete application'), () => audit('Restore application')],
    ['80eeab92-0979-4152-942d-96749e11df40', 'Key Vault key modified', () => activity('MICROSOFT.KEYVAULT/VAULTS/KEYS/CREATE'), () => activity('MICROSOFT.KEYVAULT/VAULTS/KEYS/READ')],
    ['459a2970-bb84-4e6a-a32e-ff0fbd99448d', 'Key Vault modified', () => activity('MICROSOFT.KEYVAULT/VAULTS/WRITE'), () => activity('MICROSOFT.KEYVAULT/VAULTS/READ')],
    ['b831353c-1971-477b-abb6-2828edc3bca1', 'Key Vault secrets modified', () => activity('Microsoft.KeyVault/vaults/secrets/write'), () => activity('Microsoft.KeyVault/vaults/secrets/read')],
  ];

  it.each(cases)('%s %s: positive matches, negative does not', (id, _what, positive, negative) => {
    expect(matched(positive())).toContain(id);
    expect(matched(negative())).not.toContain(id);
  });

  it('repaired rules carry their repairs; the others none', () => {
    const repaired = Object.fromEntries(ruleset.rules.filter((r) => r.repairs.length > 0).map((r) => [r.rule.id, r.repairs.map((x) => x.id)]));
    expect(repaired).toEqual({
      'cbb67ecc-fb70-4467-9350-c910bdf7c628': ['AW-R001', 'AW-R002'],
      '0055ad1f-be85-4798-83cf-a6da17c993b3': ['AW-R003'],
      'b04934b2-0a68-4845-8a19-bdfed3a68a7a': ['AW-R004'],
      '9b2cc4c4-2ad4-416d-8e8e-ee6aa6f5035a': ['AW-R005'],
      '7091372f-623c-4293-bc37-20c32b3492be': ['AW-R006'],
      '248649b7-d64f-46f0-9fb2-a52774166fb5': ['AW-R007'],
      '55695bc0-c8cf-461f-a379-2535f563c854': ['AW-R008'],
    });
  });

  it('the index never drops a match a full scan finds (differential)', async () => {
    const { readAll } = await import('../helpers/ingest.js');
    const { FIXTURES } = await import('../helpers/ingest.js');
    const { events } = await readAll([FIXTURES, resolve(CORPUS, 'samples')]);
    const all = [...events, ...cases.flatMap(([, , p, n]) => [p(), n()])];
    let compared = 0;
    for (const e of all) {
      const indexed = ruleset.match(e).map((m) => m.rule.rule.id).sort();
      // A rule for some sign-in categories only (signinlogs: interactive) is not tested on the others.
      const category = (e.signInEventTypes as string[] | undefined)?.[0];
      const routed = (r: (typeof ruleset.rules)[number]): boolean => e.appwatch.kind === 'event'
        || (r.routing.kinds.includes(e.appwatch.kind) && (e.appwatch.kind !== 'signin' || !r.routing.signInTypes || r.routing.signInTypes.includes(category as never)));
      const naive = ruleset.rules.filter((r) => r.predicate && routed(r) && r.predicate(e)).map((r) => r.rule.id).sort();
      expect(indexed).toEqual(naive);
      compared += naive.length;
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe('sign-in log sources', () => {
  const rules = (service: string): string => `title: single factor\nid: 00000000-0000-4000-8000-0000000000a1\nlogsource: {product: azure, service: ${service}}\ndetection:\n    selection:\n        Status: Success\n        AuthenticationRequirement: singleFactorAuthentication\n    condition: selection\n`;
  const signIn = (type: string): CanonicalEvent => ({
    id: `8949d7dd-3a72-4ec3-a426-2f462e69ae4${type.length % 10}`, createdDateTime: '2026-10-01T12:05:19Z', userPrincipalName: 'carol@contoso.com',
    appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', status: { errorCode: 0 }, authenticationRequirement: 'singleFactorAuthentication', signInEventTypes: [type],
    appwatch: { kind: 'signin', time: '2026-10-01T12:05:19.000Z', origin: { source: 'file', format: 'graph', file: 'signIns.json', line: 1 } },
  });
  const types = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'];
  const matching = async (service: string): Promise<string[]> => {
    const { compile } = await import('../helpers/sigma.js');
    const { ruleset } = compile(rules(service));
    return types.filter((t) => ruleset.match(signIn(t)).length > 0);
  };
  it('signinlogs is the SignInLogs category (interactive), as SigmaHQ writes its rules and Sentinel runs them', async () => {
    expect(await matching('signinlogs')).toEqual(['interactiveUser']);
  });
  it("appwatch's extensions name the other categories, and usersigninlogs both user ones", async () => {
    expect(await matching('noninteractiveusersigninlogs')).toEqual(['nonInteractiveUser']);
    expect(await matching('serviceprincipalsigninlogs')).toEqual(['servicePrincipal']);
    expect(await matching('managedidentitysigninlogs')).toEqual(['managedIdentity']);
    expect(await matching('usersigninlogs')).toEqual(['interactiveUser', 'nonInteractiveUser']);
  });
});
