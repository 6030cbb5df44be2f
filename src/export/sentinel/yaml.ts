/**
 * @module export/sentinel/yaml
 * An analytics rule in the Azure-Sentinel repository's YAML format (Detections/, Solutions/…/Analytic Rules/):
 * its keys in the repository's usual order, the query as a literal block.
 */
import { Document } from 'yaml';
import type { SentinelRule } from './rule.js';

export function sentinelYaml(rule: SentinelRule): string {
  const { lost: _lost, sigmaId: _sigmaId, ...body } = rule;
  const ordered = {
    id: body.id, name: body.name, description: body.description, severity: body.severity,
    requiredDataConnectors: body.requiredDataConnectors, queryFrequency: body.queryFrequency, queryPeriod: body.queryPeriod,
    triggerOperator: body.triggerOperator, triggerThreshold: body.triggerThreshold, tactics: body.tactics, relevantTechniques: body.relevantTechniques,
    query: `${body.query}\n`, entityMappings: body.entityMappings, customDetails: body.customDetails,
    incidentConfiguration: body.incidentConfiguration, eventGroupingSettings: body.eventGroupingSettings,
    version: body.version, kind: body.kind, tags: body.tags,
  };
  const document = new Document(ordered);
  return document.toString({ lineWidth: 0, blockQuote: 'literal', indentSeq: true });
}
