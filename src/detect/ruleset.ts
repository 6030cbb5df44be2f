/**
 * @module detect/ruleset
 * Compiles loaded Sigma documents into an index of predicates and evaluates events against it. An event is
 * tested only against the rules that can match it: those routed to its kind, narrowed by the exact activity
 * (operation) names a rule requires. Rules that defeat the index (keywords, wildcards) are always tested.
 */
import type { CanonicalEvent, EventKind } from '../model/event.js';
import { diagnostic, SigmaError, type SigmaDiagnostic } from '../sigma/diagnostics.js';
import { parseModifierChain } from '../sigma/modifiers.js';
import type { ConditionNode, SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule, SigmaSearch } from '../sigma/types.js';
import { compileCondition, compileSearch, type Predicate } from './match.js';
import { mapRule, type AppliedRepair, type Routing } from './pipeline.js';
import type { Placeholders } from './value-transforms.js';

export type RuleSource = 'builtin' | 'sigma';

export interface CompiledRule {
  rule: SigmaRule;
  source: RuleSource;
  routing: Routing;
  repairs: AppliedRepair[];
  /** The searches as run: after repairs, rewrites and field mapping. */
  searches: Map<string, SigmaSearch>;
  /** Undefined when the rule could not be compiled (see `refused`). */
  predicate?: Predicate;
  refused?: string;
  /** Exact activity/operation names (lower case) the rule requires, when it requires one. */
  activities?: Set<string>;
  /** Filters applied to it (ids or titles). */
  filters: string[];
  /** Referenced by a correlation and not `generate: true`: its matches feed the correlation only. */
  correlationOnly: boolean;
}

export interface RuleMatch {
  rule: CompiledRule;
  event: CanonicalEvent;
}

/** The activity field per kind: audit events' activity name; Key Vault and Activity operations. */
const ACTIVITY_FIELD: Partial<Record<EventKind, string>> = { audit: 'activityDisplayName', keyvault: 'operationName', activity: 'operationName' };

function activityOf(event: CanonicalEvent): string | undefined {
  const field = ACTIVITY_FIELD[event.appwatch.kind];
  const value = field ? event[field] : undefined;
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/** The exact names a search requires on the activity field, if every alternative requires one. */
function requiredActivities(search: SigmaSearch, kinds: EventKind[]): Set<string> | undefined {
  const out = new Set<string>();
  for (const alt of search.alternatives) {
    const item = alt.find((i) => {
      if (i.field === null) return false;
      const f = i.field.toLowerCase();
      const isActivity = kinds.every((k) => (ACTIVITY_FIELD[k] ?? '').toLowerCase() === f) && kinds.length > 0;
      if (!isActivity) return false;
      const chain = parseModifierChain(i.modifiers);
      return !chain.comparator && !chain.negate && !chain.all && chain.transforms.length === 0
        && i.values.every((v) => typeof v === 'string' && !/[*?\\]/.test(v));
    });
    if (!item) return undefined;
    for (const v of item.values) out.add(String(v).trim().toLowerCase());
  }
  return out;
}

function indexableActivities(node: ConditionNode, searches: Map<string, SigmaSearch>, kinds: EventKind[]): Set<string> | undefined {
  if (node.type === 'id') {
    const s = searches.get(node.name);
    return s ? requiredActivities(s, kinds) : undefined;
  }
  if (node.type === 'and') {
    for (const child of node.children) {
      const found = indexableActivities(child, searches, kinds);
      if (found) return found;
    }
  }
  return undefined;
}

export interface RulesetOptions {
  placeholders: Placeholders;
}

export class Ruleset {
  readonly rules: CompiledRule[] = [];
  readonly correlations: SigmaCorrelation[] = [];
  readonly filters: SigmaFilter[] = [];
  readonly diagnostics: SigmaDiagnostic[] = [];
  private readonly byKind = new Map<EventKind, { always: CompiledRule[]; byActivity: Map<string, CompiledRule[]> }>();
  private readonly evaluable: CompiledRule[] = [];

  constructor(documents: readonly { document: SigmaDocument; source: RuleSource }[], private readonly options: RulesetOptions) {
    for (const { document } of documents) {
      if (document.kind === 'correlation') this.correlations.push(document);
      else if (document.kind === 'filter') this.filters.push(document);
    }
    const referenced = new Set(this.correlations.filter((c) => !c.generate).flatMap((c) => c.rules));
    for (const { document, source } of documents) {
      if (document.kind !== 'rule') continue;
      this.rules.push(this.compile(document, source, referenced.has(document.id ?? '') || referenced.has(document.name ?? '')));
    }
    for (const rule of this.rules) {
      if (!rule.predicate) continue;
      this.evaluable.push(rule);
      for (const kind of rule.routing.kinds) {
        let slot = this.byKind.get(kind);
        if (!slot) this.byKind.set(kind, (slot = { always: [], byActivity: new Map() }));
        if (rule.activities) {
          for (const a of rule.activities) slot.byActivity.set(a, [...(slot.byActivity.get(a) ?? []), rule]);
        } else slot.always.push(rule);
      }
    }
  }

  private compile(rule: SigmaRule, source: RuleSource, correlationOnly: boolean): CompiledRule {
    const mapped = mapRule(rule);
    const compiled: CompiledRule = { rule, source, routing: mapped.routing, repairs: mapped.repairs, searches: mapped.searches, filters: [], correlationOnly };
    try {
      const predicates = new Map<string, Predicate>();
      for (const [name, search] of mapped.searches) predicates.set(name, compileSearch(search, this.options));
      let predicate = compileCondition(rule.condition, predicates);
      for (const filter of this.filters) {
        if (!this.filterApplies(filter, rule)) continue;
        const fp = new Map<string, Predicate>();
        for (const [name, search] of filter.searches) fp.set(name, compileSearch(search, this.options));
        const filterPredicate = compileCondition(filter.condition, fp);
        const inner = predicate;
        // pySigma's semantics: the rule matches only where the filter's condition also holds; an excluding
        // filter therefore says `not …` (docs/sigma.md).
        predicate = (t) => inner(t) && filterPredicate(t);
        compiled.filters.push(filter.id ?? filter.title);
      }
      compiled.predicate = predicate;
      if (mapped.routing.kinds.length > 0) {
        const activities = indexableActivities(rule.condition, mapped.searches, mapped.routing.kinds);
        if (activities) compiled.activities = activities;
      }
    } catch (error) {
      if (!(error instanceof SigmaError)) throw error;
      compiled.refused = error.message;
      this.diagnostics.push(diagnostic(error.code, `rule refused: ${error.message}`, { ...rule.location, ...error.location }, { ...(rule.id ? { id: rule.id } : {}), title: rule.title }));
    }
    return compiled;
  }

  private filterApplies(filter: SigmaFilter, rule: SigmaRule): boolean {
    if (filter.rules !== 'any') return filter.rules.some((r) => r === rule.id || r === rule.name);
    return Object.entries(filter.logsource).every(([k, v]) => rule.logsource[k as keyof typeof rule.logsource] === v);
  }

  /** Rules that matched the event. Plain JSON events (`kind: event`) are tested against every rule. */
  match(event: CanonicalEvent, out: RuleMatch[] = []): RuleMatch[] {
    const kind = event.appwatch.kind;
    if (kind === 'event') {
      for (const rule of this.evaluable) if (rule.predicate!(event)) out.push({ rule, event });
      return out;
    }
    const slot = this.byKind.get(kind);
    if (!slot) return out;
    for (const rule of slot.always) if (rule.predicate!(event)) out.push({ rule, event });
    const activity = activityOf(event);
    if (activity !== undefined) {
      const candidates = slot.byActivity.get(activity);
      if (candidates) for (const rule of candidates) if (rule.predicate!(event)) out.push({ rule, event });
    }
    return out;
  }

  /** Rules routed to no event kind appwatch reads, with the reason. */
  get inactive(): CompiledRule[] {
    return this.rules.filter((r) => r.routing.inactive !== undefined);
  }
}
