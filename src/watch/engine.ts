/**
 * @module watch/engine
 * One tenant's detection state in a long-running watch: the alert pipeline (rules, context, DNS), the baseline
 * and the correlation windows. After each batch its state is exported as JSON and committed with the batch's
 * alerts and checkpoint, so a restart resumes with the same baseline and open windows.
 */
import type { Alert } from '../alerts/types.js';
import { AlertPipeline } from '../alerts/pipeline.js';
import type { AppwatchConfig } from '../config/config.js';
import type { CorrelationInput } from '../detect/correlate.js';
import type { Ruleset } from '../detect/ruleset.js';
import { Baseline, type BaselineState } from '../enrich/baseline.js';
import type { CanonicalEvent } from '../model/event.js';

export interface EngineState {
  version: 1;
  baseline: BaselineState;
  correlation: CorrelationInput[];
}

/**
 * Where a tenant's engine states are stored: `<tenant>/engine` for the polled sources, `<tenant>/engine/stream:…`
 * for each stream partition; this prefix covers them all (correlations across them read every one).
 */
export const engineStatePrefix = (tenant: string): string => `${tenant}/engine`;

/** The correlation inputs a stored engine state holds; none for anything that is not a version-1 state. */
export function correlationInputsOf(state: unknown): CorrelationInput[] {
  const s = state as Partial<EngineState> | null;
  return s && typeof s === 'object' && s.version === 1 && Array.isArray(s.correlation) ? s.correlation : [];
}

export class TenantEngine {
  private readonly pipeline: AlertPipeline;
  private readonly baseline: Baseline;

  /**
   * `shared`: one of several engines of a tenant (a stream partition, or the polled engine of a tenant that also
   * streams), whose correlations are evaluated together at each commit (`shareWith`).
   */
  constructor(ruleset: Ruleset, config: AppwatchConfig, options: { dns: boolean; shared?: boolean }, state?: EngineState) {
    this.baseline = new Baseline(state?.baseline, config.baseline.learningDays ?? 7);
    this.pipeline = new AlertPipeline(ruleset, config.context, options.dns ? config.dns : false, this.baseline);
    this.pipeline.sharedCorrelation = Boolean(options.shared);
    if (state?.correlation) this.pipeline.restoreCorrelationState(state.correlation);
  }

  /**
   * Alerts raised by a batch: rule matches, then (unless `correlate` is false) correlation windows as they now
   * stand. A stream partition passes false: its correlations are evaluated at commit, over every partition of the
   * tenant (`shareWith`).
   */
  async process(events: CanonicalEvent[], options: { correlate?: boolean } = {}): Promise<Alert[]> {
    // What the last state left out is forgotten now, not when the state was taken: that batch's commit still
    // correlated over it.
    this.pipeline.forgetOldInputs();
    const alerts = await this.pipeline.processWithDns(events);
    if (options.correlate !== false) alerts.push(...this.pipeline.finish());
    return alerts;
  }

  /**
   * What the tenant's other engines (given as their stored states; anything else is ignored) add to this one, at a
   * commit: their baselines are learned (a union, so a caller one partition knows is not new in another, and
   * learning ends counting from the tenant's first event), for the batches that follow; and the correlation alerts
   * over all their inputs and this engine's are returned. Idempotent, so a retried commit may call it again.
   */
  shareWith(otherStates: readonly unknown[]): Alert[] {
    for (const state of otherStates) {
      const baseline = (state as Partial<EngineState> | null)?.baseline;
      if ((state as Partial<EngineState> | null)?.version === 1 && baseline && typeof baseline === 'object') this.baseline.merge(baseline);
    }
    return this.pipeline.correlateWith(otherStates.map(correlationInputsOf));
  }

  state(): EngineState {
    return { version: 1, baseline: this.baseline.toJSON(), correlation: this.pipeline.correlationState() };
  }

  get stats(): AlertPipeline['stats'] {
    return this.pipeline.stats;
  }
}
