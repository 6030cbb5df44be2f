/**
 * @module sinks/delivery/sink
 * The seam between the outbox worker and the places alerts go. A sink sends one alert and resolves only once the
 * receiver has it (HTTP 2xx, bytes flushed to a TCP/TLS socket, a file fsync'd), so the worker can mark the outbox
 * entry delivered; it throws a DeliveryError saying whether trying again later could help.
 */
import type { Alert } from '../../alerts/types.js';

export interface DeliverySink {
  readonly name: string;
  /** False when success only means "sent" (syslog over UDP): the receiver never confirms anything. */
  readonly reliable: boolean;
  /** Resolves when the receiver has the alert; throws DeliveryError. */
  send(alert: Alert): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryErrorOptions {
  /** A transient condition (network, timeout, 408/429/5xx, disk full): try again with backoff. */
  retryable: boolean;
  /** The receiver said when to come back (HTTP Retry-After). */
  retryAfterMs?: number;
  /** HTTP status, when there was one. */
  status?: number;
}

/** Messages never carry secrets (tokens, webhook URL paths): they end up in the outbox and in `appwatch status`. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;

  constructor(message: string, options: DeliveryErrorOptions) {
    super(message);
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** Runs sends one after another: each sink writes to one connection or file, and frames must not interleave. */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
