/**
 * @module detect/ruleset
 * Compiles loaded Sigma documents into an index of predicates and evaluates events against it. An event is
 * tested only against the rules that can match it: those routed to its kind, narrowed by the exact activity
 * (operation) names a rule requires. Rules that defeat the index (keywords, wildcards) are always tested.
 */
import { SIGNIN_TYPES, type CanonicalEvent, type EventKind } from '../model/event.js';
import { candidatePaths, fieldAccessor, fieldEpoch } from '../model/field-resolver.js';
import { diagnostic, SigmaError, type SigmaDiagnostic } from '../sigma/diagnostics.js';
import { parseModifierChain } from '../sigma/modifiers.js';
import type { ConditionNode, SigmaCorrelation, SigmaDocument, SigmaFieldItem, SigmaFilter, SigmaRule, SigmaSearch } from '../sigma/types.js';
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
  /** An equality the rule requires, used to test it only against events that can match. */
  indexKey?: IndexKey;
  /** Filters applied to it (ids or titles). */
  filters: string[];
  /** Referenced by a correlation and not `generate: true`: its matches feed the correlation only. */
  correlationOnly: boolean;
}

export interface RuleMatch {
  rule: CompiledRule;
  event: CanonicalEvent;
}

/** The activity field per kind: preferred index key, as the most selective field of Entra and Azure rules. */
const ACTIVITY_FIELD: Partial<Record<EventKind, string>> = { audit: 'activityDisplayName', keyvault: 'operationName', activity: 'operationName' };

/** An equality a rule requires: every event it matches has one of these values in this field. */
export interface IndexKey {
  field: string;
  values: Set<string>;
}

function equalityItem(item: SigmaFieldItem): boolean {
  if (item.field === null) return false;
  const chain = parseModifierChain(item.modifiers);
  return !chain.comparator && !chain.negate && !chain.all && !chain.cased && chain.transforms.length === 0
    && item.values.every((v) => v !== null && (typeof v !== 'string' || !/[*?\\]/.test(v)));
}

/** The equalities a search requires: a field that every alternative tests for equality. */
function requiredEqualities(search: SigmaSearch): IndexKey[] {
  const keys: IndexKey[] = [];
  const first = search.alternatives[0] ?? [];
  for (const candidate of first) {
    if (!equalityItem(candidate)) continue;
    const field = candidate.field!;
    const values = new Set<string>();
    let everywhere = true;
    for (const alt of search.alternatives) {
      const item = alt.find((i) => i.field?.toLowerCase() === field.toLowerCase() && equalityItem(i));
      if (!item) {
        everywhere = false;
        break;
      }
      for (const v of item.values) values.add(String(v).trim().toLowerCase());
    }
    if (everywhere) keys.push({ field, values });
  }
  return keys;
}

function conditionEqualities(node: ConditionNode, searches: Map<string, SigmaSearch>): IndexKey[] {
  if (node.type === 'id') {
    const s = searches.get(node.name);
    return s ? requiredEqualities(s) : [];
  }
  if (node.type === 'and') return node.children.flatMap((c) => conditionEqualities(c, searches));
  return [];
}

/** The index key for a rule: the activity field when it requires one, else its first required equality. */
function indexKeyOf(node: ConditionNode, searches: Map<string, SigmaSearch>, kinds: EventKind[]): IndexKey | undefined {
  const keys = conditionEqualities(node, searches);
  if (keys.length === 0) return undefined;
  const activity = keys.find((k) => kinds.length > 0 && kinds.every((kind) => {
    const target = ACTIVITY_FIELD[kind];
    const first = candidatePaths(kind, k.field)[0]!;
    return target !== undefined && (first === target || first.toLowerCase() === target.toLowerCase());
  }));
  if (activity) return activity;
  // Otherwise the most selective equality: fields whose values most events share (success codes, result,
  // category) narrow nothing.
  const broad = (k: IndexKey): boolean => kinds.some((kind) => LOW_SELECTIVITY.has(candidatePaths(kind, k.field)[0]!.toLowerCase()));
  return keys.find((k) => !broad(k)) ?? keys[0];
}

/** Canonical paths whose values are shared by most events of a kind: poor index keys. */
const LOW_SELECTIVITY = new Set([
  'status.errorcode', 'status', 'result', 'resulttype', 'resultsignature', 'category', 'level', 'conditionalaccessstatus',
  'usertype', 'isinteractive', 'loggedbyservice', 'operationtype',
]);

interface KindIndex {
  always: CompiledRule[];
  /** field → (value in lower case → rules). */
  byField: Map<string, { access: (e: CanonicalEvent) => readonly unknown[]; byValue: Map<string, CompiledRule[]> }>;
}

/** The index form of an event value: as the matcher compares it (objects as JSON text), folded. */
function textKey(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value).trim().toLowerCase();
    } catch {
      return undefined;
    }
  }
  return String(value).trim().toLowerCase();
}

export interface RulesetOptions {
  placeholders: Placeholders;
  /**
   * Tenant thresholds by name: a correlation whose `threshold:` key names one gets it as its lower bound
   * (`condition.gte`), without editing the rule. The parsed rule is not changed: a copy is.
   */
  thresholds?: Readonly<Record<string, number>>;
}

export class Ruleset {
  readonly rules: CompiledRule[] = [];
  readonly correlations: SigmaCorrelation[] = [];
  readonly filters: SigmaFilter[] = [];
  readonly diagnostics: SigmaDiagnostic[] = [];
  /** Rules by routing key: event kind, sign-ins by category (routingKeys). */
  private readonly byKind = new Map<string, KindIndex>();
  private readonly evaluable: CompiledRule[] = [];

  constructor(documents: readonly { document: SigmaDocument; source: RuleSource }[], private readonly options: RulesetOptions) {
    for (const { document } of documents) {
      if (document.kind === 'correlation') this.correlations.push(this.withThreshold(document));
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
      for (const key of routingKeys(rule.routing)) {
        let slot = this.byKind.get(key);
        if (!slot) this.byKind.set(key, (slot = { always: [], byField: new Map() }));
        if (rule.indexKey) {
          let entry = slot.byField.get(rule.indexKey.field);
          if (!entry) slot.byField.set(rule.indexKey.field, (entry = { access: fieldAccessor(rule.indexKey.field), byValue: new Map() }));
          for (const v of rule.indexKey.values) entry.byValue.set(v, [...(entry.byValue.get(v) ?? []), rule]);
        } else slot.always.push(rule);
      }
    }
  }

  private withThreshold(c: SigmaCorrelation): SigmaCorrelation {
    const name = typeof c.raw.threshold === 'string' ? c.raw.threshold : undefined;
    const value = name ? this.options.thresholds?.[name] : undefined;
    if (value === undefined) return c;
    const { gt: _gt, gte: _gte, ...rest } = c.condition;
    return { ...c, condition: { ...rest, gte: value } };
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
      if (mapped.routing.kinds.length > 0 && compiled.filters.length === 0) {
        const key = indexKeyOf(rule.condition, mapped.searches, mapped.routing.kinds);
        if (key) compiled.indexKey = key;
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
    fieldEpoch(); // the event may have changed since its fields were last read (enrichment, context flags)
    const kind = event.appwatch.kind;
    if (kind === 'event') {
      for (const rule of this.evaluable) if (rule.predicate!(event)) out.push({ rule, event });
      return out;
    }
    const slot = this.byKind.get(kind === 'signin' ? `signin:${signInTypeOf(event)}` : kind);
    if (!slot) return out;
    for (const rule of slot.always) if (rule.predicate!(event)) out.push({ rule, event });
    for (const { access, byValue } of slot.byField.values()) {
      const values = access(event);
      if (values.length === 1) {
        const key = textKey(values[0]);
        const candidates = key === undefined ? undefined : byValue.get(key);
        if (candidates) for (const rule of candidates) if (rule.predicate!(event)) out.push({ rule, event });
      } else if (values.length > 1) {
        const tested = new Set<CompiledRule>();
        for (const value of values) {
          const key = textKey(value);
          for (const rule of (key === undefined ? undefined : byValue.get(key)) ?? []) {
            if (tested.has(rule)) continue;
            tested.add(rule);
            if (rule.predicate!(event)) out.push({ rule, event });
          }
        }
      }
    }
    return out;
  }

  /** Rules routed to no event kind appwatch reads, with the reason. */
  get inactive(): CompiledRule[] {
    return this.rules.filter((r) => r.routing.inactive !== undefined);
  }
}

/**
 * The index slots a rule lives in: its event kinds, sign-ins split by category (`signin:interactiveUser`, …) so
 * a rule for one category is never tested on the others; `signin:?` holds events whose category is unknown.
 */
function routingKeys(routing: Routing): string[] {
  return routing.kinds.flatMap((kind) => {
    if (kind !== 'signin') return [kind];
    return routing.signInTypes ? routing.signInTypes.map((t) => `signin:${t}`) : [...SIGNIN_TYPES.map((t) => `signin:${t}`), 'signin:?'];
  });
}

function signInTypeOf(event: CanonicalEvent): string {
  const types = event.signInEventTypes;
  const first = Array.isArray(types) ? types[0] : undefined;
  return typeof first === 'string' && (SIGNIN_TYPES as readonly string[]).includes(first) ? first : '?';
}
