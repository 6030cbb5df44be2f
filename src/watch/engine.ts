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

export class TenantEngine {
  private readonly pipeline: AlertPipeline;
  private readonly baseline: Baseline;

  constructor(ruleset: Ruleset, config: AppwatchConfig, options: { dns: boolean }, state?: EngineState) {
    this.baseline = new Baseline(state?.baseline, config.baseline.learningDays ?? 7);
    this.pipeline = new AlertPipeline(ruleset, config.context, options.dns ? config.dns : false, this.baseline);
    if (state?.correlation) this.pipeline.restoreCorrelationState(state.correlation);
  }

  /** Alerts raised by a batch: rule matches, then correlation windows as they now stand. */
  async process(events: CanonicalEvent[]): Promise<Alert[]> {
    const alerts = await this.pipeline.processWithDns(events);
    alerts.push(...this.pipeline.finish());
    return alerts;
  }

  state(): EngineState {
    return { version: 1, baseline: this.baseline.toJSON(), correlation: this.pipeline.correlationState() };
  }

  get stats(): AlertPipeline['stats'] {
    return this.pipeline.stats;
  }
}
