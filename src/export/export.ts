/**
 * @module export/export
 * What `appwatch export` produces from a loaded rule set: one KQL query per exportable rule and correlation
 * (rules that only feed a correlation are exported through it), or the same as Sentinel analytics rules,
 * each checked against the Azure-Sentinel CI constraints. Whatever cannot be exported is listed with why.
 */
import type { ContextConfig } from '../config/config.js';
import type { Ruleset } from '../detect/ruleset.js';
import type { Placeholders } from '../detect/value-transforms.js';
import { compileRule, type KqlQuery, type Skipped } from './kql/compile.js';
import { compileCorrelation } from './kql/correlation.js';
import type { KeyVaultTable } from './kql/tables.js';
import { ENTITY_COLUMNS, entityColumnList } from './sentinel/entities.js';
import { sentinelRule, type SentinelRule } from './sentinel/rule.js';
import { validateYamlRule } from './sentinel/validate.js';
import { sentinelArm } from './sentinel/arm.js';
import { validateArmTemplate } from './sentinel/validate.js';

export interface ExportOptions {
  keyVaultTable: KeyVaultTable;
  placeholders: Placeholders;
  context?: ContextConfig;
}

export interface KqlExport {
  queries: KqlQuery[];
  skipped: Skipped[];
}

function compileAll(ruleset: Ruleset, options: ExportOptions, sentinel: boolean): KqlExport {
  const kql = {
    keyVaultTable: options.keyVaultTable, placeholders: options.placeholders,
    ...(options.context ? { context: options.context } : {}),
    ...(sentinel ? { columns: entityColumnList, columnNames: [...ENTITY_COLUMNS] } : {}),
  };
  const queries: KqlQuery[] = [];
  const skipped: Skipped[] = [];
  for (const rule of ruleset.rules) {
    if (rule.correlationOnly) continue;
    const result = compileRule(rule, ruleset.filters, kql);
    if ('reason' in result) skipped.push(result);
    else queries.push(result);
  }
  for (const correlation of ruleset.correlations) {
    const result = compileCorrelation(correlation, ruleset, kql);
    if ('reason' in result) skipped.push(result);
    else queries.push(result);
  }
  return { queries, skipped };
}

export function exportKql(ruleset: Ruleset, options: ExportOptions): KqlExport {
  return compileAll(ruleset, options, false);
}

export interface SentinelExport {
  rules: { rule: SentinelRule; query: KqlQuery }[];
  skipped: Skipped[];
}

export function exportSentinel(ruleset: Ruleset, options: ExportOptions): SentinelExport {
  const { queries, skipped } = compileAll(ruleset, options, true);
  const rules: SentinelExport['rules'] = [];
  for (const query of queries) {
    if (query.neverMatches) {
      skipped.push({ ruleId: query.ruleId, title: query.title, reason: `its query can never match: ${query.notes.join('; ')}` });
      continue;
    }
    const rule = sentinelRule(query);
    const problems = [...validateYamlRule(rule as unknown as Record<string, unknown>), ...validateArmTemplate(sentinelArm(rule))];
    if (problems.length > 0) skipped.push({ ruleId: query.ruleId, title: query.title, reason: `not a valid Sentinel rule: ${[...new Set(problems)].join('; ')}` });
    else rules.push({ rule, query });
  }
  return { rules, skipped };
}
