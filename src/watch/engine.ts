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

  constructor(ruleset: Ruleset, config: AppwatchConfig, options: { dns: boolean }, state?: EngineState) {
    this.baseline = new Baseline(state?.baseline, config.baseline.learningDays ?? 7);
    this.pipeline = new AlertPipeline(ruleset, config.context, options.dns ? config.dns : false, this.baseline);
    if (state?.correlation) this.pipeline.restoreCorrelationState(state.correlation);
  }

  /**
   * Alerts raised by a batch: rule matches, then (unless `correlate` is false) correlation windows as they now
   * stand. A stream partition passes false: its correlations are evaluated at commit, over every partition of the
   * tenant (`correlateWith`).
   */
  async process(events: CanonicalEvent[], options: { correlate?: boolean } = {}): Promise<Alert[]> {
    const alerts = await this.pipeline.processWithDns(events);
    if (options.correlate !== false) alerts.push(...this.pipeline.finish());
    return alerts;
  }

  /**
   * Correlation alerts over this engine's inputs and those of the other engines of the tenant, given as their
   * stored states (anything else is ignored). Pure, so a retried commit may call it again.
   */
  correlateWith(otherStates: readonly unknown[]): Alert[] {
    return this.pipeline.correlateWith(otherStates.flatMap(correlationInputsOf));
  }

  state(): EngineState {
    return { version: 1, baseline: this.baseline.toJSON(), correlation: this.pipeline.correlationState() };
  }

  get stats(): AlertPipeline['stats'] {
    return this.pipeline.stats;
  }
}
