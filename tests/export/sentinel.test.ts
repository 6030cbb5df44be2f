/**
 * Every exported analytics rule passes the constraints the Azure-Sentinel repository's CI enforces (required
 * keys, allowed values, technique → tactic consistency, frequency and period limits, query length, entity
 * mapping and custom-detail limits; appwatch research notes kql-export.md §1), as YAML read back and as an
 * ARM template; ids are stable across exports and unique; severities and tactics map as documented.
 */
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportSentinel } from '../../src/export/export.js';
import { attackOf } from '../../src/export/sentinel/attack.js';
import { sentinelArm } from '../../src/export/sentinel/arm.js';
import { uuidv5, sentinelRuleId } from '../../src/export/sentinel/ids.js';
import { isoDuration, scheduleOf, yamlDuration } from '../../src/export/sentinel/schedule.js';
import { validateArmTemplate, validateYamlRule } from '../../src/export/sentinel/validate.js';
import { sentinelYaml } from '../../src/export/sentinel/yaml.js';
import { BUSINESS_HOURS, exportOptions, HAS_SIGMAHQ, ruleSet } from './helpers.js';

describe('Sentinel analytics rules pass the Azure-Sentinel CI constraints', () => {
  for (const source of ['builtin', 'constructs', 'sigmahq'] as const) {
    it.skipIf(source === 'sigmahq' && !HAS_SIGMAHQ)(`${source} rules, as YAML and as ARM templates`, async () => {
      const { rules, skipped } = exportSentinel(await ruleSet(source), exportOptions('AZKVAuditLogs', BUSINESS_HOURS));
      expect(skipped.filter((s) => s.reason.startsWith('not a valid Sentinel rule'))).toEqual([]);
      expect(rules.length).toBeGreaterThan(0);
      const ids = new Set<string>();
      for (const { rule } of rules) {
        const yaml = parseYaml(sentinelYaml(rule)) as Record<string, unknown>;
        expect(validateYamlRule(yaml), rule.name).toEqual([]);
        expect(yaml.query).toBe(`${rule.query}\n`);
        const arm = JSON.parse(JSON.stringify(sentinelArm(rule))) as Record<string, unknown>;
        expect(validateArmTemplate(arm), rule.name).toEqual([]);
        expect(ids.has(rule.id), `duplicate id ${rule.id}`).toBe(false);
        ids.add(rule.id);
      }
      console.info(`${source}: ${rules.length} analytics rules valid; ${skipped.length} rules not exported (${[...new Set(skipped.map((s) => s.reason.split(':')[0]))].join(', ')})`);
    });
  }

  it('ids are UUIDv5 of the Sigma id: the same on every export, different per rule', async () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    const first = exportSentinel(await ruleSet('builtin'), exportOptions()).rules.map(({ rule }) => rule.id);
    const second = exportSentinel(await ruleSet('builtin'), exportOptions()).rules.map(({ rule }) => rule.id);
    expect(second).toEqual(first);
    expect(sentinelRuleId('4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c')).toBe(sentinelRuleId('4B1F7C2E-8A3D-4E5F-9B6C-1D2E3F4A5B6C'));
  });

  it('severity: critical → High; ARM rules that cannot express their Sigma rule are disabled', async () => {
    const { rules } = exportSentinel(await ruleSet('builtin'), exportOptions());
    const takeover = rules.find(({ rule }) => rule.sigmaId === '4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b')!.rule;
    expect(takeover.severity).toBe('High');
    const lossy = rules.find(({ rule }) => rule.lost.length > 0)!.rule;
    const resource = (sentinelArm(lossy).resources as { properties: { enabled: boolean; description: string } }[])[0]!;
    expect(resource.properties.enabled).toBe(false);
    expect(resource.properties.description).toContain('What this query cannot express');
  });

  it('tactics include every tactic of each technique (T1098 is Persistence only in the CI map)', () => {
    const attack = attackOf(['attack.privilege-escalation', 'attack.t1098.003', 'attack.t1078.004', 'attack.t1621']);
    expect(attack.tactics).toEqual(['InitialAccess', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion']);
    expect(attack.techniques).toEqual(['T1098.003', 'T1078.004']);
    expect(attack.dropped).toEqual(['T1621 (not in the Azure-Sentinel technique map)']);
  });

  it('schedules stay inside the limits: 5m–14d, period ≥ frequency, 2d or more needs hourly or slower', () => {
    expect(scheduleOf({ kind: 'rule' })).toEqual({ frequencyMs: 3_600_000, periodMs: 3_600_000 });
    expect(scheduleOf({ kind: 'correlation', periodMs: 600_000 })).toEqual({ frequencyMs: 600_000, periodMs: 1_200_000 });
    expect(scheduleOf({ kind: 'correlation', periodMs: 2 * 86_400_000 })).toEqual({ frequencyMs: 3_600_000, periodMs: 2 * 86_400_000 + 3_600_000 });
    expect(yamlDuration(49 * 3_600_000)).toBe('49h');
    expect(isoDuration(49 * 3_600_000)).toBe('P2DT1H');
    expect(isoDuration(300_000)).toBe('PT5M');
  });

  it('the validator catches what the CI would refuse', () => {
    const problems = validateYamlRule({
      id: 'not-a-guid', name: 'Ends with a period.', description: 'x', severity: 'Critical', requiredDataConnectors: [{ connectorId: 'Nope', dataTypes: [] }],
      queryFrequency: '1m', queryPeriod: '15d', triggerOperator: 'gte', triggerThreshold: 20000, tactics: ['PrivilegeEscalation'], relevantTechniques: ['T1098', 'T9999'],
      query: 'x'.repeat(10001), entityMappings: [{ entityType: 'Account', fieldMappings: [{ identifier: 'Upn', columnName: 'a.b' }] }],
      customDetails: { 'this key is far too long': 'Col', Ok: 'not a column' }, version: '1', kind: 'Batch',
    });
    for (const expected of ['id must be a GUID', 'no trailing period', 'severity Critical', 'connector Nope', 'queryFrequency must be between 5m and 14d',
      'queryPeriod must be between 5m and 14d', 'triggerOperator', 'triggerThreshold', 'technique T1098 needs the tactics Persistence', 'T9999',
      'query: 1 to 10000', 'unknown identifier Upn', 'customDetails key', 'the value must be a column name', 'version', 'kind']) {
      expect(problems.join('\n')).toContain(expected);
    }
  });
});
