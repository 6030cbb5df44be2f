/**
 * The KQL compiler's meaning, construct by construct, against the scan engine's where it can be checked
 * without a Kusto engine: wildcard patterns (the same parse, and the KQL test evaluated as JavaScript agrees
 * with detect/match.ts on random patterns and texts), string literals (they decode back to the value), typed
 * comparisons, null and exists, arrays, negation over nullable tests, dropped tests and their direction,
 * routing to tables, and the shapes of correlations. Whether a query returns a rule's positive fixtures needs
 * Log Analytics itself: docs/export.md says so.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { wildcardTest } from '../../src/detect/match.js';
import { Ruleset } from '../../src/detect/ruleset.js';
import { exportKql } from '../../src/export/export.js';
import { kqlName, kqlString, re2Escape } from '../../src/export/kql/escape.js';
import { analyze } from '../../src/export/kql/analyze.js';
import { comparatorPattern, parsePattern, patternTest } from '../../src/export/kql/wildcards.js';
import { wholeTerms } from '../../src/export/kql/values.js';
import { parseRuleText } from '../../src/sigma/load.js';
import { exportOptions } from './helpers.js';

/** The KQL test for a pattern, run as JavaScript with KQL's case-insensitive meaning. */
function kqlTestInJs(pattern: string): (text: string) => boolean {
  const test = patternTest(parsePattern(pattern));
  const lower = (s: string): string => s.toLowerCase();
  switch (test.op) {
    case 'any': return () => true;
    case 'equals': return (t) => lower(t) === lower(test.literal);
    case 'contains': return (t) => lower(t).includes(lower(test.literal));
    case 'startswith': return (t) => lower(t).startsWith(lower(test.literal));
    case 'endswith': return (t) => lower(t).endsWith(lower(test.literal));
    case 'regex': {
      const re = new RegExp(test.source, 'is');
      return (t) => re.test(t);
    }
  }
}

function exportText(yaml: string, placeholders: Record<string, string[]> = {}) {
  const parsed = parseRuleText(yaml, 'inline.yml');
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ruleset = new Ruleset(parsed.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders });
  return exportKql(ruleset, { ...exportOptions(), placeholders });
}

function one(service: string, detection: string, condition = 'selection'): { query: string; lost: string[]; notes: string[] } {
  const yaml = `title: t\nid: 00000000-0000-4000-8000-0000000000ff\nlogsource: {product: azure, service: ${service}}\ndetection:\n${detection.replace(/^/gm, '    ')}\n    condition: ${condition}\n`;
  const { queries, skipped } = exportText(yaml);
  expect(skipped).toEqual([]);
  const q = queries[0]!;
  expect(analyze(q.query).filter((d) => d.severity === 'Error' || d.severity === 'Warning')).toEqual([]);
  return q;
}

describe('wildcards and escaping', () => {
  it('the KQL test of a pattern agrees with the scan engine on random patterns and texts', () => {
    const alphabet = fc.constantFrom('a', 'B', '.', '*', '?', '\\', ' ', '(', '[', '$', '\n');
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', 'A', '.', '*', '?', '\\', ' ', '(', '[', '$', '\n'), maxLength: 8 }), fc.constantFrom(undefined, 'contains', 'startswith', 'endswith'), (value, text, comparator) => {
      const pattern = comparatorPattern(value, comparator);
      expect(kqlTestInJs(pattern)(text)).toBe(wildcardTest(pattern, false)(text));
    }), { numRuns: 3000 });
  });

  it('an escaped wildcard alone is the literal character (specification §4.2), in KQL and in the scan engine', () => {
    for (const test of [kqlTestInJs('\\*'), wildcardTest('\\*', false)]) {
      expect(test('*')).toBe(true);
      expect(test('anything')).toBe(false);
    }
    expect(wildcardTest('a*\\?*b', false)('axxb')).toBe(false);
    expect(wildcardTest('a*\\?*b', false)('a-?-b')).toBe(true);
  });

  it('string literals carry any text: they decode back to it and the analyser accepts them', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (s) => {
      expect(JSON.parse(kqlString(s))).toBe(s);
      expect(kqlString(s)).not.toMatch(/[\u0000-\u001f\u2028\u2029]/);
    }), { numRuns: 500 });
    for (const s of ['a"b', 'back\\slash', 'line\nbreak', 'tab\tand\u0000nul', 'en\u2013dash']) {
      expect(analyze(`print x = ${kqlString(s)}`).filter((d) => d.severity === 'Error')).toEqual([]);
    }
  });

  it('names: dotted or odd names are bracket-quoted, never single-quoted strings', () => {
    expect(kqlName('OperationName')).toBe('OperationName');
    expect(kqlName('properties.message')).toBe("['properties.message']");
    expect(kqlName("it's")).toBe("['it\\'s']");
    expect(re2Escape('a.b*(c)')).toBe('a\\.b\\*\\(c\\)');
  });

  it('an inner wildcard becomes an anchored, case-insensitive, dot-all regular expression; an escaped one stays literal', () => {
    const q = one('auditlogs', "selection:\n    OperationName:\n        - 'Add * owner'\n        - 'Add \\* literal'");
    expect(q.query).toContain('OperationName matches regex "(?is)^Add .* owner$"');
    expect(q.query).toContain('OperationName =~ "Add * literal"');
  });
});

describe('values by the column type', () => {
  it('numbers on a string column are compared as text; on a numeric column as numbers; booleans as booleans', () => {
    const q = one('signinlogs', "selection:\n    ResultType: [0, 50126]\n    DurationMs: 5\n    IsInteractive: 'true'\n    ProcessingTimeInMilliseconds|gte: 10");
    expect(q.query).toContain('ResultType in ("0", "50126")');
    expect(q.query).toContain('DurationMs == 5');
    expect(q.query).toContain('IsInteractive == true');
    expect(q.query).toContain('todouble(ProcessingTimeInMilliseconds) >= 10');
  });

  it('a dynamic value is compared as its text, never with =~ on dynamic', () => {
    const q = one('signinlogs', "selection:\n    DeviceDetail.isCompliant: 'false'");
    expect(q.query).toContain('tostring(DeviceDetail.isCompliant) =~ "false"');
  });

  it('a negation over a test that can be null keeps rows with no value, as the engine does', () => {
    const q = one('signinlogs', 'selection:\n    DurationMs|neq: 5');
    expect(q.query).toContain('not(coalesce(DurationMs == 5, false))');
  });

  it('cidr: IPv4 networks also take IPv4-mapped IPv6 addresses; IPv6 networks never take IPv4 addresses', () => {
    const q = one('signinlogs', 'selection:\n    IPAddress|cidr:\n        - 10.0.0.0/8\n        - 2001:db8::/32');
    expect(q.query).toContain('ipv4_is_in_range(_aw_ipv4(IPAddress), "10.0.0.0/8")');
    expect(q.query).toContain('(IPAddress contains ":" and ipv6_is_in_range(IPAddress, "2001:db8::/32"))');
    expect(ipaddr.parseCIDR('2001:db8::/32')[1]).toBe(32);
  });

  it('contains gets has-prefilters only for whole terms inside the literal, and keeps the contains', () => {
    expect(wholeTerms('Microsoft.Compute/virtualMachines/write')).toEqual(['Compute', 'virtualMachines']);
    expect(wholeTerms('user_name.abcd')).toEqual([]);
    expect(wholeTerms('azurehound')).toEqual([]);
    const q = one('activitylogs', "selection:\n    OperationNameValue|contains: 'Microsoft.Compute/virtualMachines/write'");
    expect(q.query).toContain('OperationNameValue has "Compute" and OperationNameValue has "virtualMachines" and OperationNameValue contains "Microsoft.Compute/virtualMachines/write"');
  });

  it('re keeps its flags and RE2 syntax; no anchors are added', () => {
    const q = one('signinlogs', "selection:\n    UserAgent|re|i: 'curl/\\d'");
    expect(q.query).toContain('UserAgent matches regex "(?i)curl/\\\\d"');
  });
});

describe('null, empty, exists', () => {
  it('null on a string column is empty; on a dynamic path isnull; exists is presence', () => {
    const q = one('signinlogs', "selection:\n    ResultDescription: null\n    DeviceDetail.deviceId: null\n    UserAgent|exists: true\n    MfaDetail.authMethod|exists: false");
    expect(q.query).toContain('isempty(ResultDescription)');
    expect(q.query).toContain('isnull(DeviceDetail.deviceId)');
    expect(q.query).toContain('isnotempty(UserAgent)');
    expect(q.query).toContain('not(isnotnull(MfaDetail.authMethod))');
  });

  it('a field the table does not have: a value test never holds, a null test always does, and a note says which', () => {
    const q = one('auditlogs', "selection:\n    NoSuchField: x\nfilter:\n    AlsoMissing: null", 'selection or filter');
    expect(q.query).not.toContain('NoSuchField');
    expect(q.notes.join(' ')).toContain('AuditLogs has no column for NoSuchField');
  });
});

describe('arrays', () => {
  it('items sharing a leading path are tested on the same element (one mv-apply), others on any element', () => {
    const q = one('auditlogs', "selection:\n    targetResources.modifiedProperties.displayName: AppAddress\n    targetResources.modifiedProperties.newValue|contains: evil");
    const applies = q.query.match(/mv-apply/g) ?? [];
    expect(applies.length).toBe(2);
    expect(q.query).toMatch(/countif\(tostring\(_aw_e\d+\.displayName\) =~ "AppAddress" and tostring\(_aw_e\d+\.newValue\) contains "evil"\)/);
  });

  it('mixed-case paths are written in the logs\' casing', () => {
    const q = one('auditlogs', 'selection:\n    TargetResources.ModifiedProperties.DisplayName: AppAddress');
    expect(q.query).toContain('.modifiedProperties on');
    expect(q.query).toContain('.displayName)');
  });
});

describe('what cannot be expressed is dropped towards matching more, and said', () => {
  it('a dropped test is true where the rule wants it and false under not', () => {
    const positive = one('auditlogs', "selection:\n    OperationName: Update application\n    appwatch.flags: redirect-uri-wildcard");
    expect(positive.query).toContain('where OperationName =~ "Update application"');
    expect(positive.lost.join(' ')).toMatch(/redirect-uri-wildcard.*left out, so the query matches more/);
    const negative = one('auditlogs', "selection:\n    OperationName: Update application\nfilter:\n    appwatch.flags: redirect-uri-wildcard", 'selection and not filter');
    expect(negative.query).toContain('where OperationName =~ "Update application"');
    expect(negative.lost.join(' ')).toMatch(/left out of the exclusion/);
  });

  it('a derived field appwatch never sets on the table is missing there, as in a scan (no loss)', () => {
    const q = one('signinlogs', "selection:\n    appwatch.permissions.highest: critical");
    expect(q.lost).toEqual([]);
    expect(q.query).toContain('where false');
  });
});

describe('routing', () => {
  const tablesOf = (service: string): string => {
    const yaml = `title: t\nid: 00000000-0000-4000-8000-0000000000fe\nlogsource: {product: azure${service ? `, service: ${service}` : ''}}\ndetection:\n    selection:\n        CorrelationId: x\n    condition: selection\n`;
    return exportText(yaml).queries[0]!.table;
  };
  it('each log source goes to its tables', () => {
    expect(tablesOf('auditlogs')).toBe('AuditLogs');
    expect(tablesOf('signinlogs')).toBe('SigninLogs');
    expect(tablesOf('usersigninlogs')).toBe('SigninLogs, AADNonInteractiveUserSignInLogs');
    expect(tablesOf('noninteractiveusersigninlogs')).toBe('AADNonInteractiveUserSignInLogs');
    expect(tablesOf('serviceprincipalsigninlogs')).toBe('AADServicePrincipalSignInLogs');
    expect(tablesOf('managedidentitysigninlogs')).toBe('AADManagedIdentitySignInLogs');
    expect(tablesOf('activitylogs')).toBe('AzureActivity');
    expect(tablesOf('keyvault')).toBe('AZKVAuditLogs');
    expect(tablesOf('').split(', ').length).toBe(7);
  });

  it('Key Vault in AzureDiagnostics: the Key Vault rows only, flattened columns through column_ifexists', () => {
    const yaml = 'title: t\nid: 00000000-0000-4000-8000-0000000000fd\nlogsource: {product: azure, service: keyvault}\ndetection:\n    selection:\n        requestUri|contains: /secrets/\n        identity.claim.appid: abc\n    condition: selection\n';
    const parsed = parseRuleText(yaml, 'inline.yml');
    const ruleset = new Ruleset(parsed.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders: {} });
    const q = exportKql(ruleset, exportOptions('AzureDiagnostics')).queries[0]!;
    expect(q.query).toContain('where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"');
    expect(q.query).toContain('column_ifexists("requestUri_s", "") contains "/secrets/"');
    expect(q.query).toContain('column_ifexists("identity_claim_appid_g", "") =~ "abc"');
  });
});

describe('correlations', () => {
  const steps = `title: a\nid: 00000000-0000-4000-8000-0000000000a1\nname: step_a\nlogsource: {product: azure, service: auditlogs}\ndetection:\n    selection:\n        OperationName: A\n    condition: selection\n---\ntitle: b\nid: 00000000-0000-4000-8000-0000000000a2\nname: step_b\nlogsource: {product: azure, service: auditlogs}\ndetection:\n    selection:\n        OperationName: B\n    condition: selection\n`;
  const correlation = (body: string): string => `${steps}---\ntitle: c\nid: 00000000-0000-4000-8000-0000000000a3\ncorrelation:\n${body.replace(/^/gm, '    ')}\n`;

  it('temporal_ordered joins with an explicit kind, each step at or after the previous, within the timespan of the first', () => {
    const { queries } = exportText(correlation('type: temporal_ordered\nrules: [step_a, step_b]\ngroup-by: [CorrelationId]\ntimespan: 1h'));
    const q = queries.find((x) => x.kind === 'correlation')!;
    expect(q.query).toContain('join kind=inner');
    expect(q.query).not.toMatch(/\| join \(/);
    expect(q.query).toContain('where aw_t2 >= aw_t1 and aw_t2 - aw_t1 <= 1h');
    expect(queries.filter((x) => x.kind === 'rule')).toEqual([]);
  });

  it('chained correlations and value_percentile are not exported, with the reason', () => {
    const chained = exportText(`${correlation('type: event_count\nrules: [step_a]\ngroup-by: [CorrelationId]\ntimespan: 1h\ncondition: {gte: 2}')}name: first\n---\ntitle: d\nid: 00000000-0000-4000-8000-0000000000a4\ncorrelation:\n    type: event_count\n    rules: [first]\n    timespan: 1d\n    condition: {gte: 2}\n`);
    expect(chained.skipped.map((s) => s.reason).join(' ')).toContain('chained correlations are not exported');
    const percentile = exportText(correlation('type: value_percentile\nrules: [step_a]\ngroup-by: [CorrelationId]\ntimespan: 1h\ncondition: {field: Result, lte: 1}'));
    expect(percentile.skipped.map((s) => s.reason).join(' ')).toContain('value_percentile');
  });
});
