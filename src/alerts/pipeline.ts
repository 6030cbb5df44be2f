/**
 * @module alerts/pipeline
 * From events to alerts: each event is matched against the ruleset, each match becomes an alert (one per
 * rule and event: the same record read twice gives one alert), and the matches that correlations reference
 * are kept so correlations can be evaluated when the input ends.
 */
import { markSsoModeUnknown, type SnapshotFacts } from '../posture/snapshot.js';
import type { CanonicalEvent } from '../model/event.js';
import { classifySteps, evaluateCorrelations, fieldsFor, forgetUnchainedSteps, valuesOf, type CorrelationInput, type CorrelationResult } from '../detect/correlate.js';
import type { ContextConfig } from '../config/config.js';
import { ContextFlags } from '../enrich/context.js';
import type { Baseline } from '../enrich/baseline.js';
import { DanglingChecker, type DnsOptions } from '../enrich/dns.js';
import { addFlags, enrichEvent } from '../enrich/index.js';
import type { UriChanges } from '../enrich/uris.js';
import type { Ruleset } from '../detect/ruleset.js';
import { buildAlert, correlationAlertId, eventFacts, ruleInfo, type EventFacts } from './build.js';
import type { Alert } from './types.js';
import { RecentKeys } from './recent-keys.js';

/**
 * How long a long-running engine keeps a later step of an ordered chain that has nothing before it (measured from
 * the newest input): the takeover chain's last step matches every successful service-principal sign-in, and kept
 * for the whole horizon (two of the longest timespans: four days with the built-in rules) they would make up most
 * of a large tenant's engine state. Audit and sign-in logs arrive within hours (Graph's overlap re-reads, Event
 * Hubs' partitions lag apart); 6 h covers that.
 */
export const UNCHAINED_STEP_MS = 6 * 3_600_000;

/** The newest time among inputs ('' for none); ISO UTC times compare as text. */
function newestTime(inputs: readonly CorrelationInput[]): string {
  let newest = '';
  for (const input of inputs) if (input.time > newest) newest = input.time;
  return newest;
}

/**
 * What a correlation alert keeps of an event: its identity, time, origin and the entities it names, not the
 * whole record (a scan keeps every referenced match until the input ends).
 */
function slim(event: CanonicalEvent): CanonicalEvent {
  const a = event.appwatch;
  const kept: CanonicalEvent = {
    appwatch: { kind: a.kind, time: a.time, origin: a.origin, ...(a.caller ? { caller: a.caller } : {}), ...(a.appId ? { appId: a.appId } : {}) },
  };
  for (const field of ['id', 'correlationId', 'activityDisplayName', 'operationName', 'appId', 'appDisplayName', 'servicePrincipalId',
    'servicePrincipalName', 'userPrincipalName', 'userId', 'ipAddress', 'callerIpAddress', 'resourceId', 'initiatedBy', 'signInEventTypes']) {
    if (event[field] !== undefined) kept[field] = event[field];
  }
  return kept;
}

/**
 * The identity of a directory change for folding: Entra logs some changes twice, once on the application and
 * once on its service principal, with one correlationId. Same rule, correlation id, application, permissions
 * added and role: the same change. Undefined for events that are not audit changes.
 */
function foldKey(ruleId: string, event: CanonicalEvent): string | undefined {
  if (event.appwatch.kind !== 'audit' || typeof event.correlationId !== 'string' || event.correlationId === '') return undefined;
  const a = event.appwatch as { appId?: string; permissions?: { added: { value: string }[] }; role?: { templateId?: string } };
  const targets = (Array.isArray(event.targetResources) ? (event.targetResources as { id?: string; type?: string }[]) : [])
    .filter((t) => t?.type !== 'Application' && t?.type !== 'ServicePrincipal').map((t) => t?.id ?? '');
  return [ruleId, event.correlationId, a.appId ?? '', (a.permissions?.added ?? []).map((p) => p.value).join(' '), a.role?.templateId ?? '', targets.join(',')].join('\u0000');
}

/**
 * How many recent alert ids (and fold keys) are remembered for folding duplicates. Duplicated records (query exports,
 * overlapping downloads) sit close together; remembering every id of a long scan would grow without bound.
 */
export const DEDUPE_WINDOW = 100_000;

export interface AlertStats {
  matches: number;
  /** Matches dropped by a configured allow-list. */
  allowListed: number;
  alerts: number;
  duplicates: number;
  correlationInputs: number;
}

export class AlertPipeline {
  readonly stats: AlertStats = { matches: 0, allowListed: 0, alerts: 0, duplicates: 0, correlationInputs: 0 };
  private readonly context: ContextFlags;
  /** One change logged twice (application and service principal entries, one correlationId): seen keys. */
  private readonly folded = new RecentKeys(DEDUPE_WINDOW);
  /** Recent alert ids, to fold a record read twice into one alert; bounded so memory stays flat. */
  private readonly seen = new RecentKeys(DEDUPE_WINDOW);
  private readonly correlationInputs: CorrelationInput[] = [];
  private readonly referenced: Set<string>;
  private readonly detectedAt = new Date().toISOString();

  private readonly dns?: DanglingChecker;

  constructor(
    private readonly ruleset: Ruleset,
    context: ContextConfig = {},
    dns?: DnsOptions | false,
    private readonly baseline?: Baseline,
    private readonly snapshot?: SnapshotFacts,
  ) {
    this.context = new ContextFlags(context);
    if (dns) this.dns = new DanglingChecker(dns);
    this.referenced = new Set(ruleset.correlations.flatMap((c) => c.rules));
  }

  /**
   * Like `process`, after checking in DNS the hosts of redirect URIs the events add (with `--dns`);
   * without it those events are flagged dns-not-checked, so an alert never implies a check that was not made.
   */
  async processWithDns(events: readonly CanonicalEvent[]): Promise<Alert[]> {
    for (const event of events) {
      enrichEvent(event);
      const added = (event.appwatch.uris as UriChanges | undefined)?.redirect?.added ?? [];
      if (added.length === 0) continue;
      if (!this.dns) {
        addFlags(event, ['dns-not-checked']);
        continue;
      }
      let dangling = false;
      for (const uri of added) {
        if (!uri.host || uri.flags.includes('localhost') || uri.flags.includes('ip-literal')) continue;
        const verdict = await this.dns.check(uri.host);
        (uri as typeof uri & { dns?: unknown }).dns = verdict;
        dangling ||= verdict.dangling;
      }
      addFlags(event, [dangling ? 'redirect-uri-dangling' : 'dns-checked']);
    }
    return this.process(events, true);
  }

  /** Alerts raised by these events (duplicates of earlier alerts are counted, not repeated). */
  process(events: readonly CanonicalEvent[], enriched = false): Alert[] {
    const alerts: Alert[] = [];
    const matches: ReturnType<Ruleset['match']> = [];
    for (const event of events) {
      matches.length = 0;
      // Facts about the event (entities, evidence, summary tail) are built once, shared by its alerts.
      let facts: EventFacts | undefined;
      if (!enriched) enrichEvent(event);
      const contextFlags = this.context.flags(event);
      if (this.baseline) contextFlags.push(...this.baseline.observe(event));
      if (this.snapshot) contextFlags.push(...this.snapshot.observe(event));
      else markSsoModeUnknown(event);
      if (contextFlags.length > 0) addFlags(event, contextFlags);
      for (const match of this.ruleset.match(event, matches)) {
        this.stats.matches++;
        const rule = match.rule.rule;
        const keys = [rule.id, rule.name].filter((k): k is string => Boolean(k));
        if (keys.some((k) => this.referenced.has(k))) {
          this.correlationInputs.push({ ruleKeys: keys, time: event.appwatch.time, events: [slim(event)], values: valuesOf(event, this.fieldsOf(keys)) });
          this.stats.correlationInputs++;
        }
        if (match.rule.correlationOnly) continue;
        if (this.context.allowListed(rule.id, event)) {
          this.stats.allowListed++;
          continue;
        }
        facts ??= eventFacts([event]);
        const fold = foldKey(rule.id ?? rule.title, event);
        if (fold !== undefined) {
          if (this.folded.has(fold)) {
            this.stats.duplicates++;
            continue;
          }
          this.folded.add(fold);
        }
        this.emit(buildAlert(ruleInfo(match.rule), [event], this.detectedAt, undefined, facts), alerts);
      }
    }
    return alerts;
  }

  private readonly correlationFields = new Map<string, string[]>();

  /** The fields the correlations referencing a rule read from its matches (computed once per rule). */
  private fieldsOf(keys: readonly string[]): string[] {
    const key = keys.join('\u0000');
    let fields = this.correlationFields.get(key);
    if (!fields) {
      fields = [...new Set(this.ruleset.correlations.filter((c) => c.rules.some((r) => keys.includes(r))).flatMap((c) => fieldsFor(c, keys)))];
      this.correlationFields.set(key, fields);
    }
    return fields;
  }

  /**
   * Set by a watch whose tenant has several engines (stream partitions, a polled engine beside them): their inputs
   * are correlated together at each commit, and a chain's later step is forgotten only once every engine that has
   * stored inputs is past it (`watermark`): a lagging partition (catching up after a restart) may still hold its
   * earlier step. Until a commit has seen the others, nothing is forgotten early.
   */
  sharedCorrelation = false;
  /** The oldest of the other engines' newest inputs, as the last commit saw them. */
  private watermark: string | undefined;

  /**
   * For a long-running watch: the correlation inputs held, as JSON, so correlation windows survive a restart.
   * Inputs older than two of the longest timespans before the newest input are left out: no window that is still
   * open can need them.
   */
  correlationState(): CorrelationInput[] {
    // A copy: the batch's commit may still correlate over what is left out here (an old sign-in of a large batch
    // whose earlier steps another engine holds); memory is pruned before the next batch (`forgetOldInputs`).
    return this.prunedInputs();
  }

  /** Drops from memory what `correlationState` leaves out (a long-running engine, before each batch). */
  forgetOldInputs(): void {
    const kept = this.prunedInputs();
    this.correlationInputs.length = 0;
    this.correlationInputs.push(...kept);
  }

  restoreCorrelationState(inputs: readonly CorrelationInput[]): void {
    this.correlationInputs.push(...inputs);
  }

  /** The oldest input time a correlation window still open at `newest` can need ('' when there is no input). */
  private horizonBefore(newest: string): string {
    if (!newest) return '';
    const longest = Math.max(0, ...this.ruleset.correlations.map((c) => c.timespanMs));
    // Two timespans: a chained correlation's window can start where its inner correlation's began.
    return new Date(Date.parse(newest) - 2 * longest).toISOString();
  }

  private prunedInputs(): CorrelationInput[] {
    if (this.correlationInputs.length === 0) return [];
    const newest = newestTime(this.correlationInputs);
    const horizon = this.horizonBefore(newest);
    const recent = this.correlationInputs.filter((input) => input.time >= horizon);
    // And a chain's later step with nothing before it is kept only as long as a late log could still supply it,
    // counted from the newest input every engine of the tenant has reached.
    if (this.sharedCorrelation && this.watermark === undefined) return recent;
    const reached = this.watermark !== undefined && this.watermark < newest ? this.watermark : newest;
    return forgetUnchainedSteps(this.ruleset.correlations, recent, Date.parse(reached), UNCHAINED_STEP_MS);
  }

  /**
   * The correlation alerts over this pipeline's inputs together with those of `otherEngines` (what the other engines
   * of the same tenant hold: a stream's other partitions), as they stand now. Idempotent: called again for the same
   * batch (a commit retried) it gives the same alerts, and the store drops ids it already has. Inputs of others
   * older than two timespans before the newest input are left out, as this pipeline prunes its own. What it
   * remembers is for pruning: the others' progress (`watermark`), and this pipeline's later chain steps whose
   * earlier step the others hold, marked `chained` so they are kept.
   */
  correlateWith(otherEngines: readonly (readonly CorrelationInput[])[]): Alert[] {
    if (this.ruleset.correlations.length === 0) return [];
    const others = otherEngines.flat();
    const own = newestTime(this.correlationInputs);
    const theirs = newestTime(others);
    const horizon = this.horizonBefore(own > theirs ? own : theirs);
    const inputs = [...this.correlationInputs, ...others.filter((i) => i.time >= horizon)];
    this.watermark = undefined;
    for (const engine of otherEngines) {
      const top = newestTime(engine);
      if (top && (this.watermark === undefined || top < this.watermark)) this.watermark = top;
    }
    // Later chain steps whose earlier step is in another engine are marked, so this engine keeps them (idempotent).
    const unmarked = this.correlationInputs.filter((i) => !i.chained);
    if (unmarked.length > 0) for (const [input, v] of classifySteps(this.ruleset.correlations, unmarked, inputs)) if (v === 'chained') input.chained = true;
    const byId = new Map<string, Alert>();
    for (const result of evaluateCorrelations(this.ruleset.correlations, inputs)) {
      const alert = this.correlationAlert(result);
      if (!byId.has(alert.id)) byId.set(alert.id, alert);
    }
    return [...byId.values()];
  }

  /** Alerts of the correlations, once all input has been seen. */
  finish(): Alert[] {
    const alerts: Alert[] = [];
    if (this.ruleset.correlations.length === 0) return alerts;
    for (const result of evaluateCorrelations(this.ruleset.correlations, this.correlationInputs)) {
      this.emit(this.correlationAlert(result), alerts);
    }
    return alerts;
  }

  private correlationAlert(result: CorrelationResult): Alert {
    const c = result.correlation;
    const events = result.inputs.flatMap((i) => i.events);
    const group = Object.entries(result.group).map(([k, v]) => `${k}=${v}`).join(', ');
    const measure = c.type === 'event_count' ? `${result.value} events`
      : c.type === 'value_count' ? `${result.value} distinct ${c.condition.field}`
      : c.type === 'value_sum' ? `sum of ${c.condition.field} ${result.value}`
      : c.type === 'value_avg' ? `average ${c.condition.field} ${Number(result.value.toFixed(2))}`
      : c.type === 'value_percentile' ? `${c.condition.field} ${JSON.stringify(result.subject)} in ${Number(result.value.toFixed(2))}% of events`
      : `${c.rules.join(', ')}${c.type === 'temporal_ordered' ? ' in order' : ''}`;
    const summary = `${c.title}: ${measure}${group ? ` for ${group}` : ''} within ${c.timespanText}, ${result.inputs[0]!.time.slice(0, 16).replace('T', ' ')}–${result.time.slice(0, 16).replace('T', ' ')} UTC.`;
    const fields: Record<string, unknown[]> = Object.fromEntries(Object.entries(result.group).map(([k, v]) => [k, [v]]));
    fields[`correlation.${c.type}`] = [result.subject ?? result.value];
    const source = this.ruleset.rules.find((r) => c.rules.includes(r.rule.id ?? '') || c.rules.includes(r.rule.name ?? ''))?.source ?? 'sigma';
    const alert = buildAlert({ doc: c, source, repairs: [], fieldNames: [] }, events, this.detectedAt, { summary, fields });
    // Identified by its correlation, group and the event its window starts at, not by every event in it: a watch
    // evaluates a window while it is still filling, and the alert must keep one id as later events join it.
    return { ...alert, id: correlationAlertId(c.id ?? c.name ?? c.title, result.group, result.inputs[0]!.events) };
  }

  private emit(alert: Alert, out: Alert[]): void {
    if (this.seen.has(alert.id)) {
      this.stats.duplicates++;
      return;
    }
    this.seen.add(alert.id);
    this.stats.alerts++;
    out.push(alert);
  }
}
