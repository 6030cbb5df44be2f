/**
 * @module export/sentinel/arm
 * An analytics rule as an ARM template in the legacy form Sentinel's own export and Sentinel Repositories use
 * (`Microsoft.OperationalInsights/workspaces/providers/alertRules`, named `<workspace>/Microsoft.SecurityInsights/
 * <id>`), one rule per file with a `workspace` parameter, so a Repositories connection deploys it as an analytics
 * rule. The YAML model converted: durations in ISO 8601, operator spelled out, repository-only keys dropped.
 * A rule whose query cannot express all of its Sigma rule is deployed disabled, for review first.
 */
import type { SentinelRule } from './rule.js';
import { isoDuration, parseYamlDuration } from './schedule.js';

export const ALERT_RULES_API_VERSION = '2023-02-01';
export const LEGACY_RULE_TYPE = 'Microsoft.OperationalInsights/workspaces/providers/alertRules';

/** Stable API versions take techniques as T####; sub-techniques stay in the YAML. */
function baseTechniques(techniques: readonly string[]): string[] {
  return [...new Set(techniques.map((t) => t.split('.')[0]!))];
}

export function sentinelArm(rule: SentinelRule): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { workspace: { type: 'String', metadata: { description: 'The Log Analytics workspace Microsoft Sentinel runs on' } } },
    resources: [{
      type: LEGACY_RULE_TYPE,
      name: `[concat(parameters('workspace'),'/Microsoft.SecurityInsights/${rule.id}')]`,
      apiVersion: ALERT_RULES_API_VERSION,
      kind: rule.kind,
      properties: {
        displayName: rule.name,
        description: rule.description,
        severity: rule.severity,
        enabled: rule.lost.length === 0,
        query: rule.query,
        queryFrequency: isoDuration(parseYamlDuration(rule.queryFrequency)!),
        queryPeriod: isoDuration(parseYamlDuration(rule.queryPeriod)!),
        triggerOperator: 'GreaterThan',
        triggerThreshold: rule.triggerThreshold,
        suppressionEnabled: false,
        suppressionDuration: 'PT5H',
        tactics: rule.tactics,
        techniques: baseTechniques(rule.relevantTechniques),
        entityMappings: rule.entityMappings,
        customDetails: rule.customDetails,
        incidentConfiguration: rule.incidentConfiguration,
        eventGroupingSettings: rule.eventGroupingSettings,
      },
    }],
  };
}
