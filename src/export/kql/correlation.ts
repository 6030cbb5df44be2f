/**
 * @module export/kql/correlation
 * Sigma correlations (detect/correlate.ts) as KQL over the events of the rules they reference: event_count,
 * value_count, value_sum and value_avg as `summarize … by <group>, bin(TimeGenerated, timespan)`; temporal
 * as the set of rules seen per group and bin; temporal_ordered as inner joins on the group, each step at or
 * after the one before and all within the timespan of the first (exact, no bins). Group values are each
 * event's first value of the field, through aliases; an event without one is left out, as in appwatch.
 */
import type { CompiledRule, Ruleset } from '../../detect/ruleset.js';
import { SigmaError } from '../../sigma/diagnostics.js';
import type { ConditionNode, CorrelationCondition, SigmaCorrelation } from '../../sigma/types.js';
import { kqlMember, kqlString, kqlTimespan } from './escape.js';
import { ruleIdOf, rulePipelines, unexportable, type KqlOptions, type KqlQuery, type Skipped } from './compile.js';
import type { Location } from './fields.js';
import { locateField } from './condition.js';
import { renderPipelines, withLets } from './pipeline.js';
import { QueryBuild, type Scope } from './scope.js';
import { textOf } from './values.js';

/** A group-by name as an output column (letters, digits, underscores). */
export function groupColumn(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(clean) ? clean : `g_${clean}`;
}

class CorrelationRefused extends Error {}

/**
 * Operators that set `column` to the event's first non-empty value of a field: an extend for a value outside
 * arrays, an mv-apply taking the first element that has one when the path crosses one array.
 */
function firstValue(scope: Scope, location: Location, column: string, field: string): string[] {
  switch (location.k) {
    case 'absent': return [`extend ${column} = ""`];
    case 'constant': return [`extend ${column} = ${kqlString(String(Array.isArray(location.value) ? location.value[0] : location.value))}`];
    case 'flags': case 'unsupported': throw new CorrelationRefused(`the group-by or condition field ${field} is not computed in KQL`);
    case 'node': break;
  }
  let expr = location.expr;
  let type = location.type;
  let key = location.key;
  let arrayAt: { expr: string; element: string } | undefined;
  const isArray = (k: string, first: boolean): boolean => (first && location.isArray === true) || scope.table.arrays.has(k);
  const steps = [...location.segments];
  for (let i = 0; ; i++) {
    if (isArray(key, i === 0) && !(i === 0 && location.expanded)) {
      if (arrayAt) throw new CorrelationRefused(`the group-by field ${field} crosses more than one array`);
      const element = scope.build.fresh('_aw_e');
      arrayAt = { expr, element };
      expr = element;
      type = 'dynamic';
    }
    const next = steps.shift();
    if (next === undefined) break;
    if (type === 'string') expr = `parse_json(${expr})`;
    else if (scope.table.jsonText.has(key)) expr = `parse_json(tostring(${expr}))`;
    expr = `${expr}${kqlMember(next)}`;
    type = 'dynamic';
    key = `${key}.${next.toLowerCase()}`;
  }
  const value = textOf({ expr, type, deps: [] });
  if (!arrayAt) return [`extend ${column} = ${value}`];
  const index = scope.build.fresh('_aw_i');
  return [`mv-apply with_itemindex=${index} ${arrayAt.element} = ${arrayAt.expr} on (where isnotempty(${value}) | top 1 by ${index} asc | project ${column} = ${value})`];
}

function fieldFor(correlation: SigmaCorrelation, name: string, rule: CompiledRule): string {
  const alias = correlation.aliases[name];
  if (!alias) return name;
  return (rule.rule.id && alias[rule.rule.id]) ?? (rule.rule.name && alias[rule.rule.name]) ?? name;
}

function conditionText(condition: CorrelationCondition, value: string): string {
  const parts: string[] = [];
  for (const [op, kql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<='], ['eq', '=='], ['neq', '!=']] as const) {
    if (condition[op] !== undefined) parts.push(`${value} ${kql} ${condition[op]}`);
  }
  return parts.length > 0 ? parts.join(' and ') : 'true';
}

function ruleExpression(node: ConditionNode): string {
  switch (node.type) {
    case 'id': return `set_has_element(Rules, ${kqlString(node.name)})`;
    case 'not': return `not(${ruleExpression(node.child)})`;
    case 'and': return node.children.map((c) => (c.type === 'or' ? `(${ruleExpression(c)})` : ruleExpression(c))).join(' and ');
    case 'or': return node.children.map(ruleExpression).join(' or ');
    case 'of': throw new CorrelationRefused('"1 of" / "all of" in a temporal condition');
  }
}

export function compileCorrelation(correlation: SigmaCorrelation, ruleset: Ruleset, options: KqlOptions): KqlQuery | Skipped {
  const ruleId = ruleIdOf(correlation);
  const skip = (reason: string): Skipped => ({ ruleId, title: correlation.title, reason });
  if (correlation.type === 'value_percentile') return skip('value_percentile correlations are not exported to KQL');
  const referenced: { key: string; rule: CompiledRule }[] = [];
  for (const key of correlation.rules) {
    if (ruleset.correlations.some((c) => c.id === key || c.name === key)) return skip(`it chains the correlation ${key}; chained correlations are not exported`);
    const rule = ruleset.rules.find((r) => r.rule.id === key || r.rule.name === key);
    if (!rule) return skip(`it references ${key}, which is not a loaded rule`);
    const reason = unexportable(rule);
    if (reason) return skip(`its rule ${key} is not exported: ${reason}`);
    referenced.push({ key, rule });
  }
  const build = new QueryBuild({ placeholders: options.placeholders, ...(options.context ? { context: options.context } : {}) });
  const groups = correlation.groupBy.map((name, i) => ({ name, column: `aw_g${i + 1}`, output: groupColumn(name) }));
  const valueField = correlation.condition.field;
  const entityNames = options.columnNames ?? [];
  const timespan = kqlTimespan(correlation.timespanMs);
  try {
    const lets: string[] = [];
    const tables = new Set<string>();
    referenced.forEach(({ key, rule }, i) => {
      const pipelines = rulePipelines(build, rule, ruleset.filters, options, {
        after: (scope) => [
          `extend aw_rule = ${kqlString(key)}`,
          ...groups.flatMap((g) => firstValue(scope, locateField(scope, fieldFor(correlation, g.name, rule)), g.column, g.name)),
          ...(valueField ? firstValue(scope, locateField(scope, fieldFor(correlation, valueField, rule)), 'aw_v', valueField) : []),
          ...(groups.length > 0 ? [`where ${groups.map((g) => `isnotempty(${g.column})`).join(' and ')}`] : []),
        ],
        keep: ['TimeGenerated', 'aw_rule', ...groups.map((g) => g.column), ...(valueField ? ['aw_v'] : []), ...entityNames],
      });
      for (const p of pipelines) tables.add(p.table.name);
      lets.push(`let aw_r${i + 1} = ${renderPipelines(pipelines, '    ')};`);
    });
    const by = groups.map((g) => g.column);
    const rename = groups.length > 0 ? [`project-rename ${groups.map((g) => `${g.output} = ${g.column}`).join(', ')}`] : [];
    const take = entityNames.map((n) => `${n} = take_any(${n})`);
    const events = referenced.length === 1 ? 'aw_r1' : `union ${referenced.map((_, i) => `aw_r${i + 1}`).join(', ')}`;
    let body: string[];
    let aggregate: string | undefined;
    const binned = (aggregates: string[], where: string, drop: string[] = []): string[] => [
      events,
      `summarize ${[...aggregates, 'FirstSeen = min(TimeGenerated)', 'LastSeen = max(TimeGenerated)', ...take].join(', ')} by ${[...by, `aw_window = bin(TimeGenerated, ${timespan})`].join(', ')}`,
      `where ${where}`,
      `project-away ${['aw_window', ...drop].join(', ')}`,
      ...rename,
    ];
    const windowNote = `windows are fixed ${timespan} bins (bin(TimeGenerated, ${timespan})): events less than ${timespan} apart on both sides of a bin edge are not counted together; appwatch's windows start at each event`;
    switch (correlation.type) {
      case 'event_count':
        body = binned(['EventCount = count()'], conditionText(correlation.condition, 'EventCount'));
        aggregate = 'EventCount';
        build.note(windowNote);
        break;
      case 'value_count':
        body = binned(['ValueCount = array_length(make_set_if(aw_v, isnotempty(aw_v)))'], conditionText(correlation.condition, 'ValueCount'));
        aggregate = 'ValueCount';
        build.note(windowNote);
        break;
      case 'value_sum': case 'value_avg': {
        const expression = correlation.type === 'value_sum' ? 'ValueSum = sum(todouble(aw_v))' : 'ValueAvg = avg(todouble(aw_v))';
        const name = correlation.type === 'value_sum' ? 'ValueSum' : 'ValueAvg';
        body = binned([expression, 'aw_numbers = countif(isnotnull(todouble(aw_v)))'], `aw_numbers > 0 and ${conditionText(correlation.condition, name)}`, ['aw_numbers']);
        aggregate = name;
        build.note(windowNote);
        break;
      }
      case 'temporal': {
        const where = correlation.condition.expression ? ruleExpression(correlation.condition.expression) : correlation.rules.map((r) => `set_has_element(Rules, ${kqlString(r)})`).join(' and ');
        body = binned(['Rules = make_set(aw_rule)'], where);
        build.note(windowNote);
        break;
      }
      case 'temporal_ordered': {
        const n = referenced.length;
        const keys = by.length > 0 ? by.join(', ') : undefined;
        if (!keys) throw new CorrelationRefused('temporal_ordered without group-by would join every event with every other');
        body = [`aw_r1 | project ${[...by, 'aw_t1 = TimeGenerated', ...entityNames].join(', ')}`];
        for (let i = 2; i <= n; i++) {
          body.push(`join kind=inner (aw_r${i} | project ${[...by, `aw_t${i} = TimeGenerated`].join(', ')}) on ${keys}`);
          body.push(`where aw_t${i} >= aw_t${i - 1} and aw_t${i} - aw_t1 <= ${timespan}`);
        }
        body.push(`summarize ${['FirstSeen = min(aw_t1)', `LastSeen = max(aw_t${n})`, ...take].join(', ')} by ${by.join(', ')}`, ...rename);
        build.inform('each group that completes the sequence in the query period gives one row (first and last time); appwatch alerts once per window');
        break;
      }
    }
    const query = withLets(build, [...lets, body.join('\n| ')].join('\n'));
    return {
      ruleId, title: correlation.title, table: [...tables].join(', '), tables: [...tables], query,
      lost: [...build.lost], notes: [...build.notes], kind: 'correlation', periodMs: correlation.timespanMs, document: correlation,
      resultColumns: [...groups.map((g) => g.output), ...(aggregate ? [aggregate] : [])],
    };
  } catch (error) {
    if (error instanceof CorrelationRefused || error instanceof SigmaError) return skip(error.message);
    throw error;
  }
}
