/**
 * @module detect/correlate
 * Sigma correlation rules over the matches of the rules they reference: event_count, value_count, temporal,
 * temporal_ordered, value_sum, value_avg, value_percentile; group-by with aliases; chaining (a correlation
 * may reference another correlation, whose results then act as its events).
 *
 * Windows run on event time. A scan collects every referenced match first and evaluates each group sorted
 * by time, so the order in which files or records arrive does not change the result (no tolerance window
 * is needed). A window is anchored at an event and spans `timespan` inclusive: events exactly `timespan`
 * apart are in one window. When a window satisfies the condition it fires once and the next window starts
 * after its last event. value_percentile fires for each value of `field` whose share of the window's events
 * (0–100) satisfies the condition: a rare value when the condition is `lte: 1`.
 */
import type { CanonicalEvent } from '../model/event.js';
import { resolveField } from '../model/field-resolver.js';
import type { ConditionNode, CorrelationCondition, SigmaCorrelation } from '../sigma/types.js';

/** One input to a correlation: an event matched by a referenced rule (or a result of a chained correlation). */
export interface CorrelationInput {
  /** The referenced rule's id and name (either may be used in `rules:`). */
  ruleKeys: string[];
  time: string;
  events: CanonicalEvent[];
  /** For chained correlations: the group values already computed. */
  groupValues?: Record<string, string>;
  /**
   * A later step of an ordered chain whose earlier step another engine of the tenant holds (seen at a commit): kept
   * for the chain's whole horizon, like one whose earlier step is in its own engine (`forgetUnchainedSteps`).
   */
  chained?: boolean;
  /**
   * Field values read when the match was made (field name → first text value), so the events themselves need
   * not be kept: a scan holds every referenced match until the end, and must stay flat in memory.
   */
  values?: Record<string, string | undefined>;
}

/** The fields a correlation reads from a referenced rule's matches: its group-by (through aliases) and condition field. */
export function fieldsFor(correlation: SigmaCorrelation, ruleKeys: readonly string[]): string[] {
  const input = { ruleKeys: [...ruleKeys], time: '', events: [] };
  const names = correlation.groupBy.map((g) => fieldFor(correlation, g, input));
  if (correlation.condition.field) names.push(fieldFor(correlation, correlation.condition.field, input));
  return names;
}

/** Reads the fields now, for a match that will be kept as a correlation input. */
export function valuesOf(event: CanonicalEvent, fields: readonly string[]): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const f of fields) values[f] = firstText([event], f);
  return values;
}

function valueOf(input: CorrelationInput, field: string): string | undefined {
  if (input.values && field in input.values) return input.values[field];
  return firstText(input.events, field);
}

export interface CorrelationResult {
  correlation: SigmaCorrelation;
  group: Record<string, string>;
  inputs: CorrelationInput[];
  /** The aggregate compared with the condition (count, distinct count, sum, average or share). */
  value: number;
  /** value_percentile: the rare value. */
  subject?: string;
  time: string;
}

function satisfies(condition: CorrelationCondition, value: number): boolean {
  if (condition.gt !== undefined && !(value > condition.gt)) return false;
  if (condition.gte !== undefined && !(value >= condition.gte)) return false;
  if (condition.lt !== undefined && !(value < condition.lt)) return false;
  if (condition.lte !== undefined && !(value <= condition.lte)) return false;
  if (condition.eq !== undefined && !(value === condition.eq)) return false;
  if (condition.neq !== undefined && !(value !== condition.neq)) return false;
  return true;
}

function firstText(events: CanonicalEvent[], field: string): string | undefined {
  for (const e of events) {
    const values = resolveField(e, field);
    for (const v of values) if (v !== null && v !== undefined && v !== '') return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return undefined;
}

/** The field a group-by name stands for in a given rule (aliases), else the name itself. */
function fieldFor(correlation: SigmaCorrelation, name: string, input: CorrelationInput): string {
  const alias = correlation.aliases[name];
  if (!alias) return name;
  for (const key of input.ruleKeys) if (alias[key]) return alias[key]!;
  return name;
}

function groupOf(correlation: SigmaCorrelation, input: CorrelationInput): Record<string, string> | undefined {
  const group: Record<string, string> = {};
  for (const name of correlation.groupBy) {
    const fromChain = input.groupValues?.[name];
    const value = fromChain ?? valueOf(input, fieldFor(correlation, name, input));
    if (value === undefined) return undefined; // no value: left out rather than grouped on nothing
    group[name] = value;
  }
  return group;
}

function matchesRule(input: CorrelationInput, rule: string): boolean {
  return input.ruleKeys.includes(rule);
}

function evalExpression(node: ConditionNode, present: (rule: string) => boolean): boolean {
  switch (node.type) {
    case 'id': return present(node.name);
    case 'not': return !evalExpression(node.child, present);
    case 'and': return node.children.every((c) => evalExpression(c, present));
    case 'or': return node.children.some((c) => evalExpression(c, present));
    case 'of': return false;
  }
}

/** Whether the window satisfies the correlation; returns the aggregate (and, for percentiles, the value). */
function aggregate(correlation: SigmaCorrelation, window: CorrelationInput[]): { fires: boolean; value: number; subject?: string }[] {
  const c = correlation.condition;
  const fieldValues = (): string[] => window.map((w) => valueOf(w, fieldFor(correlation, c.field!, w))).filter((v): v is string => v !== undefined);
  switch (correlation.type) {
    case 'event_count':
      return [{ fires: satisfies(c, window.length), value: window.length }];
    case 'value_count': {
      const distinct = new Set(fieldValues()).size;
      return [{ fires: satisfies(c, distinct), value: distinct }];
    }
    case 'value_sum':
    case 'value_avg': {
      const numbers = fieldValues().map(Number).filter((n) => Number.isFinite(n));
      const sum = numbers.reduce((a, b) => a + b, 0);
      const value = correlation.type === 'value_sum' ? sum : numbers.length > 0 ? sum / numbers.length : 0;
      return [{ fires: numbers.length > 0 && satisfies(c, value), value }];
    }
    case 'value_percentile': {
      const values = fieldValues();
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts].map(([subject, n]) => {
        const share = (n / values.length) * 100;
        return { fires: satisfies(c, share), value: share, subject };
      }).filter((r) => r.fires);
    }
    case 'temporal':
    case 'temporal_ordered': {
      const present = (rule: string): boolean => window.some((w) => matchesRule(w, rule));
      let fires = c.expression ? evalExpression(c.expression, present) : correlation.rules.every(present);
      if (fires && correlation.type === 'temporal_ordered') {
        // Each rule must match after the previous one: a greedy walk in time order.
        let from = 0;
        for (const rule of correlation.rules) {
          const at = window.findIndex((w, i) => i >= from && matchesRule(w, rule));
          if (at === -1) {
            fires = false;
            break;
          }
          from = at + 1;
        }
      }
      const distinctRules = correlation.rules.filter(present).length;
      return [{ fires, value: distinctRules }];
    }
  }
}

/** Evaluates one correlation over its inputs (any order). */
export function evaluateCorrelation(correlation: SigmaCorrelation, inputs: readonly CorrelationInput[]): CorrelationResult[] {
  const groups = new Map<string, { group: Record<string, string>; inputs: CorrelationInput[] }>();
  for (const input of inputs) {
    if (!correlation.rules.some((r) => matchesRule(input, r))) continue;
    const group = groupOf(correlation, input);
    if (!group) continue;
    const key = JSON.stringify(correlation.groupBy.map((g) => group[g]));
    let slot = groups.get(key);
    if (!slot) groups.set(key, (slot = { group, inputs: [] }));
    slot.inputs.push(input);
  }
  const results: CorrelationResult[] = [];
  for (const { group, inputs: list } of groups.values()) {
    const sorted = [...list].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    const times = sorted.map((s) => Date.parse(s.time));
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && times[j + 1]! - times[i]! <= correlation.timespanMs) j++;
      const window = sorted.slice(i, j + 1);
      const outcomes = aggregate(correlation, window).filter((o) => o.fires);
      if (outcomes.length > 0) {
        for (const o of outcomes) {
          results.push({
            correlation, group, inputs: window, value: o.value, time: window[window.length - 1]!.time,
            ...(o.subject !== undefined ? { subject: o.subject } : {}),
          });
        }
        i = j + 1;
      } else i++;
    }
  }
  return results;
}

/**
 * What a long-running engine may forget early. A later step of a `temporal_ordered` chain (the takeover chain's
 * app sign-in matches every successful service-principal sign-in) can only complete a chain if an earlier step of
 * its group comes before it within the timespan. `classifySteps` sorts `candidates` by that, looking for earlier
 * steps in `all`:
 * - 'unchained': a later step of every chain that references it, with no earlier step in `all`; no other kind of
 *   correlation references it;
 * - 'chained': a later step that has an earlier step in `all`;
 * - anything else (a first step, an input another kind of correlation counts) is not in the map.
 */
export function classifySteps(correlations: readonly SigmaCorrelation[], candidates: readonly CorrelationInput[], all: readonly CorrelationInput[]): Map<CorrelationInput, 'chained' | 'unchained'> {
  const verdict = new Map<CorrelationInput, 'chained' | 'unchained'>();
  const free = new Set<CorrelationInput>();
  for (const c of correlations) {
    const relevant = candidates.filter((input) => c.rules.some((r) => matchesRule(input, r)));
    if (relevant.length === 0) continue;
    if (c.type !== 'temporal_ordered') {
      for (const input of relevant) free.add(input);
      continue;
    }
    const stepOf = (input: CorrelationInput): number => c.rules.findIndex((r) => matchesRule(input, r));
    const keyOf = (input: CorrelationInput): string | undefined => {
      const group = groupOf(c, input);
      return group ? JSON.stringify(c.groupBy.map((g) => group[g])) : undefined;
    };
    const byGroup = new Map<string, { step: number; time: number }[]>();
    for (const input of all) {
      const step = stepOf(input);
      const key = step >= 0 ? keyOf(input) : undefined;
      if (key === undefined) continue;
      let list = byGroup.get(key);
      if (!list) byGroup.set(key, (list = []));
      list.push({ step, time: Date.parse(input.time) });
    }
    for (const input of relevant) {
      const step = stepOf(input);
      if (step === 0) {
        free.add(input);
        continue;
      }
      const key = keyOf(input);
      const t = Date.parse(input.time);
      const before = key !== undefined && (byGroup.get(key) ?? []).some((p) => p.step < step && p.time <= t && t - p.time <= c.timespanMs);
      if (before) verdict.set(input, 'chained');
      else if (verdict.get(input) !== 'chained') verdict.set(input, 'unchained');
    }
  }
  for (const input of free) verdict.delete(input);
  return verdict;
}

/**
 * The inputs a long-running engine keeps: all but the 'unchained' later steps (above) more than `lateMs` older
 * than the newest input. An earlier step arriving later than that (a log delivered hours late) is the only way such
 * an input could still complete a chain. An input marked `chained` (another engine of the tenant holds its earlier
 * step, seen at a commit) is kept.
 */
export function forgetUnchainedSteps(correlations: readonly SigmaCorrelation[], inputs: readonly CorrelationInput[], newestMs: number, lateMs: number): CorrelationInput[] {
  const cutoff = newestMs - lateMs;
  let kept = [...inputs];
  // Until nothing changes: a step whose only earlier step is forgotten (a credential added with no owner added
  // before it) can no longer complete a chain either. At most one round per step of the longest chain.
  for (;;) {
    const old = kept.filter((i) => !i.chained && Date.parse(i.time) < cutoff);
    if (old.length === 0) return kept;
    const verdict = classifySteps(correlations, old, kept);
    const next = kept.filter((i) => verdict.get(i) !== 'unchained');
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/**
 * Evaluates every correlation, chained ones after those they reference. `base` holds the matches of plain
 * rules; each correlation's results become inputs for correlations that name it.
 */
export function evaluateCorrelations(correlations: readonly SigmaCorrelation[], base: readonly CorrelationInput[]): CorrelationResult[] {
  const pending = [...correlations];
  const inputs: CorrelationInput[] = [...base];
  const results: CorrelationResult[] = [];
  const done = new Set<SigmaCorrelation>();
  const keysOf = (c: SigmaCorrelation): string[] => [c.id, c.name].filter((k): k is string => Boolean(k));
  // A correlation is ready once every correlation it references has run (cycles end the loop).
  for (let progress = true; progress && pending.length > 0;) {
    progress = false;
    for (const c of [...pending]) {
      const waitsFor = correlations.filter((o) => o !== c && !done.has(o) && keysOf(o).some((k) => c.rules.includes(k)));
      if (waitsFor.length > 0) continue;
      const found = evaluateCorrelation(c, inputs);
      results.push(...found);
      for (const r of found) {
        inputs.push({ ruleKeys: keysOf(c), time: r.time, events: r.inputs.flatMap((x) => x.events), groupValues: r.group });
      }
      done.add(c);
      pending.splice(pending.indexOf(c), 1);
      progress = true;
    }
  }
  return results;
}
