/**
 * @module sinks/delivery/outbox
 * Delivers what the store's outbox holds, at least once: an entry is marked delivered only after its sink said the
 * receiver has the alert, so a crash in between sends it again (same alert id, which every format carries for
 * deduplication). Failures stay in the outbox with a next attempt time: exponential backoff with jitter, or the
 * receiver's Retry-After. Nothing is ever dropped: a rejection (an HTTP 4xx, say from a misconfigured receiver)
 * is retried on a slower schedule, capped at an hour by default, and `appwatch status` shows why it is waiting.
 *
 * Sinks are worked in parallel, each in queue order. A retryable failure (receiver down, throttling) stops that
 * sink's round and pauses it until the failed entry's next attempt, so a down receiver sees one attempt per
 * backoff step, not one per pending alert. A rejection only concerns that alert: the round goes on.
 */
import { inertLine } from '../../cli/terminal.js';
import type { AlertStore } from '../../store/types.js';
import { DeliveryError, type DeliverySink } from './sink.js';

export interface OutboxWorkerOptions {
  /** Entries taken per sink per round (default 100). */
  batch?: number;
  /** First retry delay after a retryable failure, doubled per attempt (default 1 s). */
  baseDelayMs?: number;
  /** Longest retry delay after retryable failures (default 5 min). */
  maxDelayMs?: number;
  /** First retry delay after a rejection, doubled per attempt (default 1 min). */
  rejectedBaseDelayMs?: number;
  /** Longest retry delay after rejections (default 1 h). */
  rejectedMaxDelayMs?: number;
  /** Longest Retry-After honoured as given (default 1 h); longer ones are cut to this. */
  maxRetryAfterMs?: number;
  /**
   * How long an entry is this sender's once claimed (default 30 s): workers sharing a store never send one entry at
   * the same time, and an entry whose sender died mid-send is due again after this.
   */
  claimMs?: number;
  now?: () => Date;
  /** In [0, 1): the jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface DeliveryFailure {
  sink: string;
  alertId: string;
  /** What was recorded in the outbox (no secrets). */
  error: string;
  retryable: boolean;
  nextAttemptAt: string;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  /** Entries still in the outbox per sink after the round (every sink of the store, configured or not). */
  pending: Record<string, number>;
  failures: DeliveryFailure[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function duration(ms: number): string {
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= MINUTE && ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.round(ms / 1000)} s`;
}

export class OutboxWorker {
  private readonly batch: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly rejectedBaseDelayMs: number;
  private readonly rejectedMaxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly claimMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  /** Sinks resting after a retryable failure, until this time (ms since epoch). In memory: a restart tries at once. */
  private readonly pausedUntil = new Map<string, number>();
  /**
   * Retryable failures in a row per sink. An outage is the receiver's, not an entry's: the next round tries another
   * entry (0 attempts), and without this count the backoff would restart from the base delay for each of them.
   */
  private readonly outageSteps = new Map<string, number>();
  private running: Promise<DeliveryReport> | undefined;

  constructor(
    private readonly store: AlertStore,
    private readonly sinks: DeliverySink[],
    options: OutboxWorkerOptions = {},
  ) {
    this.batch = options.batch ?? 100;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * MINUTE;
    this.rejectedBaseDelayMs = options.rejectedBaseDelayMs ?? MINUTE;
    this.rejectedMaxDelayMs = options.rejectedMaxDelayMs ?? HOUR;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? HOUR;
    this.claimMs = options.claimMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    const names = new Set<string>();
    for (const sink of sinks) {
      if (names.has(sink.name)) throw new Error(`two sinks are named ${sink.name}`);
      names.add(sink.name);
    }
  }

  /** One round over every sink's due entries. Calls made while a round runs share it. */
  deliverDue(): Promise<DeliveryReport> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<DeliveryReport> {
    const failures: DeliveryFailure[] = [];
    let delivered = 0;
    const results = await Promise.allSettled(this.sinks.map((sink) => this.deliverSink(sink, failures)));
    for (const result of results) {
      // A store error is the caller's to see; what other sinks delivered is already recorded.
      if (result.status === 'rejected') throw result.reason;
      delivered += result.value;
    }
    const depth = await this.store.outboxDepth();
    const pending: Record<string, number> = {};
    for (const sink of this.sinks) pending[sink.name] = 0;
    Object.assign(pending, depth);
    return { delivered, failed: failures.length, pending, failures };
  }

  private async deliverSink(sink: DeliverySink, failures: DeliveryFailure[]): Promise<number> {
    const start = this.now();
    if ((this.pausedUntil.get(sink.name) ?? 0) > start.getTime()) return 0;
    this.pausedUntil.delete(sink.name);
    const due = await this.store.dueDeliveries(sink.name, start.toISOString(), this.batch);
    let delivered = 0;
    for (const entry of due) {
      // Another worker on the same store may have taken it since it was listed: then it is that worker's to send.
      const claimedUntil = new Date(this.now().getTime() + this.claimMs).toISOString();
      if (!(await this.store.claimDelivery(sink.name, entry.alertId, entry.nextAttemptAt, claimedUntil))) continue;
      let failure: { message: string; retryable: boolean; retryAfterMs?: number } | undefined;
      try {
        await sink.send(entry.alert);
      } catch (error) {
        failure = error instanceof DeliveryError
          ? { message: error.message, retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) }
          // Not a delivery condition but a fault (a bug rendering this alert, say): it will not pass by itself
          // quickly, so the slow schedule, and the message shows what happened.
          : { message: `unexpected error: ${inertLine(String((error as Error)?.message ?? error))}`, retryable: false };
      }
      if (!failure) {
        await this.store.markDelivered(sink.name, entry.alertId, this.now().toISOString());
        this.outageSteps.delete(sink.name);
        delivered++;
        continue;
      }
      const at = this.now().getTime();
      const steps = failure.retryable ? Math.max(entry.attempts, this.outageSteps.get(sink.name) ?? 0) : entry.attempts;
      const delay = this.delay(steps, failure);
      const nextAttemptAt = new Date(at + delay).toISOString();
      const error = failure.retryable
        ? `${failure.message}${failure.retryAfterMs !== undefined ? ` (Retry-After ${duration(failure.retryAfterMs)})` : ''}`
        : `${failure.message}; kept in the outbox and retried, backing off up to ${duration(this.rejectedMaxDelayMs)}`;
      await this.store.markFailed(sink.name, entry.alertId, error, nextAttemptAt);
      failures.push({ sink: sink.name, alertId: entry.alertId, error, retryable: failure.retryable, nextAttemptAt });
      if (failure.retryable) {
        // The receiver, not this alert, is the problem: the rest of the batch would fail the same way.
        this.pausedUntil.set(sink.name, at + delay);
        this.outageSteps.set(sink.name, steps + 1);
        break;
      }
    }
    return delivered;
  }

  /** The wait before the next attempt, given the failures already counted (0 on the first). */
  private delay(attempts: number, failure: { retryable: boolean; retryAfterMs?: number }): number {
    if (failure.retryable && failure.retryAfterMs !== undefined) return Math.min(Math.max(failure.retryAfterMs, 0), this.maxRetryAfterMs);
    const [base, max] = failure.retryable ? [this.baseDelayMs, this.maxDelayMs] : [this.rejectedBaseDelayMs, this.rejectedMaxDelayMs];
    const ceiling = Math.min(max, base * 2 ** Math.min(attempts, 40));
    // "Equal jitter": at least half the step, so retries do not bunch up yet never come back almost at once.
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}
