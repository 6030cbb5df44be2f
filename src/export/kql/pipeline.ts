/**
 * @module export/kql/pipeline
 * One rule's condition on one table, as a KQL pipeline: the table, its own filter (AzureDiagnostics holds more
 * than Key Vault), the tests that read only the record first (so the term index and cheap filters run before
 * any mv-apply), then the operators computed tests need, then those tests, then appwatch's helper columns
 * dropped. Several tables become a union of such pipelines.
 */
import type { ConditionNode, SigmaSearch } from '../../sigma/types.js';
import { and, depsOf, FALSE, print, type Bool } from './expr.js';
import { kqlTimespan } from './escape.js';
import { compileCondition } from './condition.js';
import { QueryBuild, Scope } from './scope.js';
import type { TableInfo } from './tables.js';

export interface ConditionSource {
  condition: ConditionNode;
  searches: ReadonlyMap<string, SigmaSearch>;
}

export interface TablePipeline {
  table: TableInfo;
  /** Operators after the table name, each without the leading pipe. */
  operators: string[];
  /** False when the condition can never hold on this table. */
  matches: boolean;
}

/** What runs after the condition: operators that read the helper columns, and the columns to keep. */
export interface PipelineEnd {
  after?: (scope: Scope) => string[];
  /** Keep only these columns (correlation inputs); otherwise every column of the table. */
  keep?: readonly string[];
}

/** Compiles the condition (AND the filters) for one table; helper columns are dropped at the end. */
export function tablePipeline(build: QueryBuild, table: TableInfo, sources: readonly ConditionSource[], end: PipelineEnd = {}): TablePipeline {
  const scope = new Scope(build, table);
  let condition: Bool = and(sources.map((s) => compileCondition(scope, s.condition, s.searches)));
  const conjuncts = condition.k === 'and' ? condition.items : [condition];
  const early = conjuncts.filter((c) => depsOf(c).size === 0);
  const late = conjuncts.filter((c) => depsOf(c).size > 0);
  const matches = !(condition.k === 'const' && !condition.value);
  if (!matches) condition = FALSE;
  // The end operators may need computed columns of their own: computed after the condition has cut the rows.
  const conditionSteps = scope.steps.length;
  const extra = matches && end.after ? end.after(scope) : [];
  const operators: string[] = [];
  if (build.lookback) operators.push(`where TimeGenerated > ago(${kqlTimespan(build.lookback.recentMs)})`);
  if (table.filter) operators.push(`where ${table.filter}`);
  if (!matches) operators.push('where false');
  else {
    if (early.length > 0 && condition.k !== 'const') operators.push(`where ${print(and(early))}`);
    operators.push(...scope.steps.slice(0, conditionSteps));
    if (late.length > 0) operators.push(`where ${print(and(late))}`);
    operators.push(...scope.steps.slice(conditionSteps));
  }
  operators.push(...extra);
  if (end.keep) operators.push(`project ${end.keep.join(', ')}`);
  else if (matches && scope.steps.length > 0) operators.push('project-away _aw_*');
  return { table, operators, matches };
}

/** Splits `a | b` into operators at the top level only (never inside parentheses or string literals). */
export function splitOperators(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '|' && depth === 0 && text[i - 1] === ' ' && text[i + 1] === ' ') {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((o) => o !== '');
}

/** Pipelines as KQL: one table as a pipeline, several as a union of parenthesised pipelines. */
export function renderPipelines(pipelines: readonly TablePipeline[], indent = ''): string {
  const one = (p: TablePipeline, pad: string): string => [p.table.name, ...p.operators.flatMap(splitOperators).map((o) => `${pad}| ${o}`)].join('\n');
  if (pipelines.length === 1) return one(pipelines[0]!, indent);
  return `union isfuzzy=false\n${pipelines.map((p) => `${indent}    (${one(p, `${indent}    `)})`).join(',\n')}`;
}

/** The `let` definitions the query uses (directly or through another), first, then the query. */
export function withLets(build: QueryBuild, body: string): string {
  const used = new Set<string>();
  const uses = (text: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(text);
  for (let changed = true; changed;) {
    changed = false;
    for (const name of build.lets.keys()) {
      if (used.has(name)) continue;
      if (uses(body, name) || [...used].some((u) => uses(build.lets.get(u)!.slice(build.lets.get(u)!.indexOf('=')), name))) {
        used.add(name);
        changed = true;
      }
    }
  }
  return [...[...build.lets].filter(([name]) => used.has(name)).map(([, text]) => text), body].join('\n');
}
