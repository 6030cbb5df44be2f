/**
 * @module export/kql/compile
 * A loaded rule (after the scan engine's repairs and field mapping) as one KQL query over the tables its log
 * source routes to, with what the query cannot express in words. Rules the scan engine refuses or cannot run
 * are not exported, with the reason.
 */
import type { CompiledRule } from '../../detect/ruleset.js';
import { SigmaError } from '../../sigma/diagnostics.js';
import type { SigmaCorrelation, SigmaFilter } from '../../sigma/types.js';
import type { ContextConfig } from '../../config/config.js';
import type { Placeholders } from '../../detect/value-transforms.js';
import { renderPipelines, tablePipeline, withLets, type ConditionSource, type PipelineEnd, type TablePipeline } from './pipeline.js';
import { QueryBuild, type Scope } from './scope.js';
import { tablesFor, type KeyVaultTable } from './tables.js';

export interface KqlOptions {
  keyVaultTable: KeyVaultTable;
  placeholders: Placeholders;
  context?: ContextConfig;
  /** Extra columns each event pipeline computes (Sentinel's entity columns): the same names on every table. */
  columns?: (scope: Scope) => [string, string][];
  /** The names `columns` gives (correlations carry them through their aggregation). */
  columnNames?: string[];
}

export interface KqlQuery {
  ruleId: string;
  title: string;
  /** The tables, comma-separated when the query is a union. */
  table: string;
  tables: string[];
  query: string;
  /** What the query cannot express (where it matches more, or otherwise differs from appwatch). */
  lost: string[];
  /** Settings the query follows, for the reader (not losses). */
  notes: string[];
  kind: 'rule' | 'correlation';
  /** The condition can never hold on the rule's tables (the query returns nothing; notes say why). */
  neverMatches?: boolean;
  /** A correlation's result columns worth showing (group values, the aggregate), for Sentinel's custom details. */
  resultColumns?: string[];
  /** How far back the query must look to be right (a correlation's timespan, a "never seen before" lookback). */
  periodMs?: number;
  /** The newest events a lookback query judges (it filters TimeGenerated itself). */
  recentMs?: number;
  document: CompiledRule['rule'] | SigmaCorrelation;
}

export interface Skipped {
  ruleId: string;
  title: string;
  reason: string;
}

export function ruleIdOf(doc: { id?: string; name?: string; title: string }): string {
  return doc.id ?? doc.name ?? doc.title;
}

/** The condition sources of a compiled rule: its own (mapped) searches, and the filters that apply to it. */
export function conditionSources(rule: CompiledRule, filters: readonly SigmaFilter[]): ConditionSource[] {
  const applied = rule.filters.map((key) => filters.find((f) => (f.id ?? f.title) === key)).filter((f): f is SigmaFilter => f !== undefined);
  return [{ condition: rule.rule.condition, searches: rule.searches }, ...applied.map((f) => ({ condition: f.condition, searches: f.searches }))];
}

/** Why a compiled rule cannot be exported at all, if it cannot. */
export function unexportable(rule: CompiledRule): string | undefined {
  if (!rule.predicate) return `refused by the rule engine: ${rule.refused}`;
  if (rule.routing.inactive) return `inactive: ${rule.routing.inactive}`;
  if (rule.routing.kinds.length === 0) return 'its log source selects no table';
  return undefined;
}

/** The rule's pipelines on each of its tables; tables where it can never match are left out (one kept if none can). */
export function rulePipelines(build: QueryBuild, rule: CompiledRule, filters: readonly SigmaFilter[], options: KqlOptions, end: PipelineEnd = {}): TablePipeline[] {
  const tables = tablesFor(rule.routing, { keyVault: options.keyVaultTable });
  const sources = conditionSources(rule, filters);
  const all = tables.map((table) => tablePipeline(build, table, sources, {
    ...end,
    after: (scope) => [
      ...(end.after ? end.after(scope) : []),
      ...(options.columns ? [`extend ${options.columns(scope).map(([name, expr]) => `${name} = ${expr}`).join(', ')}`] : []),
    ],
  }));
  const matching = all.filter((p) => p.matches);
  if (matching.length === 0) build.inform(`${rule.rule.title}: the condition can never hold on ${tables.map((t) => t.name).join(', ')} (nor in a scan of them)`);
  return matching.length > 0 ? matching : all.slice(0, 1);
}

export function compileRule(rule: CompiledRule, filters: readonly SigmaFilter[], options: KqlOptions): KqlQuery | Skipped {
  const ruleId = ruleIdOf(rule.rule);
  const reason = unexportable(rule);
  if (reason) return { ruleId, title: rule.rule.title, reason };
  const build = new QueryBuild({ placeholders: options.placeholders, ...(options.context ? { context: options.context } : {}) });
  try {
    const pipelines = rulePipelines(build, rule, filters, options);
    const neverMatches = pipelines.every((p) => !p.matches);
    // A query that returns nothing loses nothing: what it could not express does not apply.
    if (neverMatches) build.lost.clear();
    return {
      ruleId, title: rule.rule.title, table: pipelines.map((p) => p.table.name).join(', '), tables: pipelines.map((p) => p.table.name),
      query: withLets(build, renderPipelines(pipelines)), lost: [...build.lost], notes: [...build.notes], kind: 'rule',
      ...(neverMatches ? { neverMatches: true } : {}),
      ...(build.lookback && !neverMatches ? { periodMs: build.lookback.periodMs, recentMs: build.lookback.recentMs } : {}),
      document: rule.rule,
    };
  } catch (error) {
    if (error instanceof SigmaError) return { ruleId, title: rule.rule.title, reason: error.message };
    throw error;
  }
}
