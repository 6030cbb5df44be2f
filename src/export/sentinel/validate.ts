/**
 * @module export/sentinel/validate
 * The constraints the Azure-Sentinel repository's CI enforces on a scheduled analytics rule (its
 * detection-template schema validation; appwatch research notes kql-export.md §1.1–1.2) and those of the ARM
 * resource (§1.3), as checks that return what is wrong. An exported rule that fails is not written.
 */
import { attackData } from './attack.js';
import { LEGACY_RULE_TYPE } from './arm.js';
import { parseIsoDuration, parseYamlDuration } from './schedule.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'];
export const TACTICS = ['Reconnaissance', 'ResourceDevelopment', 'InitialAccess', 'Execution', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion',
  'CredentialAccess', 'Discovery', 'LateralMovement', 'Collection', 'CommandAndControl', 'Exfiltration', 'Impact', 'ImpairProcessControl', 'InhibitResponseFunction'];
/** The connector ids appwatch's rules name (all in the repository's ValidConnectorIds.json). */
export const CONNECTORS = ['AzureActiveDirectory', 'AzureActivity', 'AzureKeyVault'];
export const ENTITY_IDENTIFIERS: Readonly<Record<string, readonly string[]>> = {
  Account: ['Name', 'FullName', 'NTDomain', 'DnsDomain', 'UPNSuffix', 'Sid', 'AadTenantId', 'AadUserId', 'PUID', 'IsDomainJoined', 'DisplayName', 'ObjectGuid'],
  IP: ['Address', 'AddressScope'],
  CloudApplication: ['AppId', 'Name', 'InstanceName'],
  AzureResource: ['ResourceId'],
};
const REQUIRED_ONE_OF: Readonly<Record<string, readonly string[]>> = {
  Account: ['FullName', 'Sid', 'Name', 'AadUserId', 'PUID', 'ObjectGuid'], IP: ['Address'], CloudApplication: ['AppId', 'Name'], AzureResource: ['ResourceId'],
};
const LEGACY_ENTITY_COLUMNS = ['AccountCustomEntity', 'HostCustomEntity', 'IPCustomEntity', 'URLCustomEntity', 'ProcessCustomEntity', 'FileHashCustomEntity'];

type Json = Record<string, unknown>;

function durationChecks(problems: string[], frequency: number | undefined, period: number | undefined): void {
  if (frequency === undefined) problems.push('queryFrequency is not a duration');
  if (period === undefined) problems.push('queryPeriod is not a duration');
  if (frequency === undefined || period === undefined) return;
  for (const [name, ms] of [['queryFrequency', frequency], ['queryPeriod', period]] as const) {
    if (ms < 5 * MINUTE || ms > 14 * DAY) problems.push(`${name} must be between 5m and 14d`);
  }
  if (period < frequency) problems.push('queryPeriod must be at least queryFrequency');
  if (period >= 2 * DAY && frequency < HOUR) problems.push('a queryPeriod of 2 days or more needs a queryFrequency of at least 1 hour');
}

function entityChecks(problems: string[], mappings: unknown, query: string): void {
  if (mappings === undefined) return;
  if (!Array.isArray(mappings) || mappings.length < 1 || mappings.length > 10) {
    problems.push('entityMappings must hold 1 to 10 mappings');
    return;
  }
  for (const mapping of mappings as Json[]) {
    const type = String(mapping.entityType);
    const identifiers = ENTITY_IDENTIFIERS[type];
    if (!identifiers) problems.push(`entity type ${type} is not one appwatch maps`);
    const fields = mapping.fieldMappings as { identifier: string; columnName: string }[] | undefined;
    if (!Array.isArray(fields) || fields.length < 1 || fields.length > 3) {
      problems.push(`${type}: 1 to 3 field mappings`);
      continue;
    }
    const seen = new Set<string>();
    for (const f of fields) {
      if (identifiers && !identifiers.includes(f.identifier)) problems.push(`${type}: unknown identifier ${f.identifier}`);
      if (seen.has(f.identifier)) problems.push(`${type}: identifier ${f.identifier} mapped twice`);
      seen.add(f.identifier);
      if (typeof f.columnName !== 'string' || f.columnName.length > 500 || !/^[a-zA-Z_]+\w*$/.test(f.columnName)) problems.push(`${type}: column name ${String(f.columnName)} is not a plain column name`);
      else if (!new RegExp(`\\b${f.columnName}\\b`).test(query)) problems.push(`${type}: column ${f.columnName} is not in the query`);
    }
    if (REQUIRED_ONE_OF[type] && !fields.some((f) => REQUIRED_ONE_OF[type]!.includes(f.identifier))) problems.push(`${type}: needs one of ${REQUIRED_ONE_OF[type]!.join(', ')}`);
  }
  for (const legacy of LEGACY_ENTITY_COLUMNS) {
    if (new RegExp(`\\b${legacy}\\b`).test(query) && !(mappings as Json[]).some((m) => (m.fieldMappings as { columnName: string }[]).some((f) => f.columnName === legacy))) {
      problems.push(`the query has the legacy column ${legacy} but no mapping uses it`);
    }
  }
}

function customDetailChecks(problems: string[], details: unknown): void {
  if (details === undefined) return;
  const entries = Object.entries(details as Record<string, unknown>);
  if (entries.length > 20) problems.push('customDetails: at most 20');
  for (const [key, value] of entries) {
    if (key.length > 20 || !/^[a-zA-Z]+\w*$/.test(key)) problems.push(`customDetails key ${key}: at most 20 characters, a letter first, then letters, digits or _`);
    if (typeof value !== 'string' || value.length > 500 || !/^[a-zA-Z_]+\w*$/.test(value)) problems.push(`customDetails ${key}: the value must be a column name`);
  }
}

function attackChecks(problems: string[], tactics: unknown, techniques: unknown): void {
  const listed = Array.isArray(tactics) ? (tactics as string[]) : [];
  for (const t of listed) if (!TACTICS.includes(t)) problems.push(`unknown tactic ${t}`);
  if (techniques === undefined) return;
  for (const technique of techniques as string[]) {
    if (!/^T\d{4}(\.\d{3})?$/.test(technique)) {
      problems.push(`technique ${technique} is not T#### or T####.###`);
      continue;
    }
    const needed = attackData().techniques[technique.split('.')[0]!];
    if (!needed) problems.push(`technique ${technique} is not in the Azure-Sentinel technique map`);
    else if (!needed.every((t) => listed.includes(t))) problems.push(`technique ${technique} needs the tactics ${needed.join(', ')}`);
  }
}

/** What is wrong with a rule in the repository's YAML model (empty when it passes). */
export function validateYamlRule(rule: Json): string[] {
  const problems: string[] = [];
  const required = ['id', 'name', 'description', 'severity', 'requiredDataConnectors', 'queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'query', 'kind'];
  for (const key of required) if (rule[key] === undefined || rule[key] === null || rule[key] === '') problems.push(`missing ${key}`);
  if (typeof rule.id !== 'string' || !GUID.test(rule.id)) problems.push('id must be a GUID');
  if (typeof rule.name !== 'string' || rule.name.length > 256) problems.push('name: at most 256 characters');
  else if (/\.$/.test(rule.name)) problems.push('name: no trailing period');
  if (typeof rule.description !== 'string' || rule.description.length > 5000) problems.push('description: at most 5000 characters');
  if (!SEVERITIES.includes(String(rule.severity))) problems.push(`severity ${String(rule.severity)} is not one of ${SEVERITIES.join(', ')}`);
  const connectors = rule.requiredDataConnectors as { connectorId: string; dataTypes: string[] }[] | undefined;
  if (!Array.isArray(connectors) || connectors.length === 0) problems.push('requiredDataConnectors: at least one');
  else for (const c of connectors) {
    if (!CONNECTORS.includes(c.connectorId)) problems.push(`connector ${c.connectorId} is not a known connector id`);
    if (!Array.isArray(c.dataTypes) || c.dataTypes.length === 0) problems.push(`connector ${c.connectorId}: dataTypes needed`);
  }
  durationChecks(problems, parseYamlDuration(String(rule.queryFrequency)), parseYamlDuration(String(rule.queryPeriod)));
  if (!['gt', 'lt', 'eq', 'ne', 'GreaterThan', 'LessThan', 'Equal', 'NotEqual'].includes(String(rule.triggerOperator))) problems.push('triggerOperator: gt, lt, eq or ne');
  if (!Number.isInteger(rule.triggerThreshold) || (rule.triggerThreshold as number) < 0 || (rule.triggerThreshold as number) > 10000) problems.push('triggerThreshold: a whole number 0–10000');
  attackChecks(problems, rule.tactics, rule.relevantTechniques);
  const query = String(rule.query ?? '');
  if (query.length < 1 || query.length > 10000) problems.push(`query: 1 to 10000 characters (has ${query.length})`);
  entityChecks(problems, rule.entityMappings, query);
  customDetailChecks(problems, rule.customDetails);
  if (rule.version !== undefined && (typeof rule.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(rule.version) || rule.version.length > 20)) problems.push('version: X.Y.Z');
  if (!['Scheduled', 'NRT'].includes(String(rule.kind))) problems.push('kind: Scheduled or NRT');
  const grouping = rule.eventGroupingSettings as { aggregationKind?: string } | undefined;
  if (grouping && !['SingleAlert', 'AlertPerResult'].includes(String(grouping.aggregationKind))) problems.push('eventGroupingSettings.aggregationKind: SingleAlert or AlertPerResult');
  const incident = rule.incidentConfiguration as { createIncident?: unknown; groupingConfiguration?: { matchingMethod?: string; groupByEntities?: unknown[] } } | undefined;
  if (incident) {
    if (typeof incident.createIncident !== 'boolean') problems.push('incidentConfiguration.createIncident must be true or false');
    const g = incident.groupingConfiguration;
    if (g && !['AllEntities', 'AnyAlert', 'Selected'].includes(String(g.matchingMethod))) problems.push('groupingConfiguration.matchingMethod: AllEntities, AnyAlert or Selected');
    if (g?.matchingMethod === 'Selected' && (g.groupByEntities ?? []).length === 0) problems.push('matchingMethod Selected needs groupByEntities');
  }
  return problems;
}

/** What is wrong with an exported ARM template (the legacy one-rule form Repositories deploys). */
export function validateArmTemplate(template: Json): string[] {
  const problems: string[] = [];
  const parameters = template.parameters as Record<string, { type?: string }> | undefined;
  if (parameters?.workspace?.type?.toLowerCase() !== 'string') problems.push('a string parameter named workspace');
  const resources = template.resources as Json[] | undefined;
  if (!Array.isArray(resources) || resources.length !== 1) return [...problems, 'exactly one resource (one rule per file)'];
  const resource = resources[0]!;
  if (resource.type !== LEGACY_RULE_TYPE) problems.push(`resource type ${String(resource.type)}`);
  if (!/^\[concat\(parameters\('workspace'\),'\/Microsoft\.SecurityInsights\/[0-9a-f-]{36}'\)\]$/.test(String(resource.name))) problems.push('name: <workspace>/Microsoft.SecurityInsights/<guid>');
  if (resource.kind !== 'Scheduled') problems.push('kind: Scheduled (NRT needs a preview api-version)');
  const p = resource.properties as Json;
  for (const key of ['displayName', 'enabled', 'severity', 'query', 'queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'suppressionEnabled', 'suppressionDuration']) {
    if (p?.[key] === undefined) problems.push(`properties.${key} missing`);
  }
  if (!p) return problems;
  durationChecks(problems, parseIsoDuration(String(p.queryFrequency)), parseIsoDuration(String(p.queryPeriod)));
  const suppression = parseIsoDuration(String(p.suppressionDuration));
  if (suppression === undefined || suppression > DAY) problems.push('suppressionDuration: an ISO 8601 duration of at most 24 hours');
  if (!['GreaterThan', 'LessThan', 'Equal', 'NotEqual'].includes(String(p.triggerOperator))) problems.push('triggerOperator: GreaterThan, LessThan, Equal or NotEqual');
  if (!SEVERITIES.includes(String(p.severity))) problems.push(`severity ${String(p.severity)}`);
  if (typeof p.displayName !== 'string' || p.displayName.length > 256) problems.push('displayName: at most 256 characters');
  const query = String(p.query ?? '');
  if (query.length < 1 || query.length > 10000) problems.push(`query: 1 to 10000 characters (has ${query.length})`);
  for (const t of (p.techniques as string[] | undefined) ?? []) if (!/^T\d{4}$/.test(t)) problems.push(`technique ${t}: stable API versions take T####`);
  attackChecks(problems, p.tactics, p.techniques);
  entityChecks(problems, p.entityMappings, query);
  customDetailChecks(problems, p.customDetails);
  return problems;
}
