/**
 * @module export/sentinel/rule
 * A compiled query as a Sentinel scheduled analytics rule (the Azure-Sentinel YAML model; arm.ts converts it):
 * stable id, severity (critical → High), schedule, tactics and techniques, entity mappings, the Entra appId as
 * a custom detail, and a description that keeps the Sigma author (the Detection Rule License asks for it) and
 * says what the query cannot express.
 */
import type { SigmaLevel } from '../../sigma/types.js';
import type { KqlQuery } from '../kql/compile.js';
import { tableInfo } from '../kql/tables.js';
import { attackOf } from './attack.js';
import { entityMappings, type EntityMapping } from './entities.js';
import { sentinelRuleId } from './ids.js';
import { scheduleOf, yamlDuration } from './schedule.js';

export type SentinelSeverity = 'Informational' | 'Low' | 'Medium' | 'High';

export interface SentinelRule {
  id: string;
  name: string;
  description: string;
  severity: SentinelSeverity;
  requiredDataConnectors: { connectorId: string; dataTypes: string[] }[];
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: 'gt';
  triggerThreshold: number;
  tactics: string[];
  relevantTechniques: string[];
  query: string;
  entityMappings: EntityMapping[];
  customDetails: Record<string, string>;
  incidentConfiguration: {
    createIncident: boolean;
    groupingConfiguration: { enabled: boolean; reopenClosedIncident: boolean; lookbackDuration: string; matchingMethod: 'AllEntities'; groupByEntities: string[]; groupByAlertDetails: string[]; groupByCustomDetails: string[] };
  };
  eventGroupingSettings: { aggregationKind: 'AlertPerResult' | 'SingleAlert' };
  version: string;
  kind: 'Scheduled';
  tags: string[];
  /** What the query cannot express (also in the description); ARM exports such rules disabled. */
  lost: string[];
  sigmaId: string;
}

const SEVERITY: Readonly<Record<SigmaLevel, SentinelSeverity>> = {
  informational: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'High',
};

const DESCRIPTION_LIMIT = 5000;

function description(query: KqlQuery, droppedTechniques: string[]): string {
  const doc = query.document;
  const parts = [doc.description?.trim() || doc.title];
  const author = doc.author ? ` by ${doc.author}` : '';
  parts.push(`Sigma rule ${query.ruleId}${author}, exported by appwatch.${doc.author && doc.author.toLowerCase() !== 'appwatch' ? ' Keep this attribution: SigmaHQ rules are shared under the Detection Rule License 1.1.' : ''}`);
  if (query.lost.length > 0) parts.push(`What this query cannot express, so it matches more than the Sigma rule or differs as said:\n${query.lost.map((l) => `- ${l}`).join('\n')}`);
  if (query.notes.length > 0) parts.push(`Notes:\n${query.notes.map((l) => `- ${l}`).join('\n')}`);
  if (droppedTechniques.length > 0) parts.push(`Techniques left out (unknown to Sentinel's technique map): ${droppedTechniques.join(', ')}.`);
  let text = parts.join('\n\n');
  if (text.length > DESCRIPTION_LIMIT) text = `${text.slice(0, DESCRIPTION_LIMIT - 2)}…`;
  return text;
}

/** A title as a rule name: at most 256 characters, no trailing period. */
function nameOf(title: string): string {
  return title.trim().replace(/\.+$/, '').slice(0, 256);
}

/** A custom-detail key for a result column: letters first, at most 20 characters (the CI's rule). */
function detailKey(column: string): string {
  return column.replace(/[^A-Za-z0-9_]/g, '').replace(/^[^A-Za-z]+/, '').slice(0, 20) || 'Group';
}

export function sentinelRule(query: KqlQuery): SentinelRule {
  const customColumns = Object.fromEntries((query.resultColumns ?? []).map((c) => [detailKey(c), c]));
  const doc = query.document;
  const attack = attackOf(doc.tags);
  const tables = query.tables.map(tableInfo);
  const connectors = new Map<string, string[]>();
  for (const t of tables) connectors.set(t.connector, [...(connectors.get(t.connector) ?? []), t.name]);
  const schedule = scheduleOf(query);
  return {
    id: sentinelRuleId(query.ruleId),
    name: nameOf(doc.title),
    description: description(query, attack.dropped),
    severity: SEVERITY[doc.level ?? 'medium'],
    requiredDataConnectors: [...connectors].map(([connectorId, dataTypes]) => ({ connectorId, dataTypes })),
    queryFrequency: yamlDuration(schedule.frequencyMs),
    queryPeriod: yamlDuration(schedule.periodMs),
    triggerOperator: 'gt',
    triggerThreshold: 0,
    tactics: attack.tactics,
    relevantTechniques: attack.techniques,
    query: query.query,
    entityMappings: entityMappings(tables),
    customDetails: { AppId: 'AppIdentifier', ...customColumns },
    incidentConfiguration: {
      createIncident: true,
      groupingConfiguration: { enabled: false, reopenClosedIncident: false, lookbackDuration: 'PT5H', matchingMethod: 'AllEntities', groupByEntities: [], groupByAlertDetails: [], groupByCustomDetails: [] },
    },
    eventGroupingSettings: { aggregationKind: 'AlertPerResult' },
    version: '1.0.0',
    kind: 'Scheduled',
    tags: ['appwatch', `Sigma:${query.ruleId}`],
    lost: query.lost,
    sigmaId: query.ruleId,
  };
}
