/**
 * @module sinks/delivery
 * Delivery of alerts from the store's outbox to the sinks of appwatch.yaml (`appwatch watch`): the sink
 * factory, and re-exports of what the watch command and the config loader use.
 */
import { packageVersion } from '../../cli/commands/common.js';
import type { SinkConfig } from './config.js';
import { createJsonlSink } from './jsonl.js';
import { createOcsfSink } from './ocsf.js';
import type { DeliverySink } from './sink.js';
import { createSyslogSink } from './syslog.js';
import { createWebhookSink } from './webhook.js';

export { checkSinkList, findSinkProblem, parseSinks, sinkAccepts, sinksFor, type SinkConfig, type SinkListProblem } from './config.js';
export { DeliveryError, type DeliverySink } from './sink.js';
export { OutboxWorker, type DeliveryReport, type OutboxWorkerOptions } from './outbox.js';

export interface CreateSinkOptions {
  /** Where secretEnv/urlEnv are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** appwatch's version in OCSF, CEF and User-Agent (default package.json's). */
  version?: string;
  /** RFC 5424 HOSTNAME for syslog (default os.hostname()). */
  hostname?: string;
}

/**
 * A sink for one config entry. Throws (without the secret) when an environment variable it names is missing or a
 * CA file cannot be read: better at start-up than as a delivery failure on every alert.
 */
export function createSink(config: SinkConfig, options: CreateSinkOptions = {}): DeliverySink {
  const version = options.version ?? packageVersion();
  switch (config.type) {
    case 'jsonl':
      return createJsonlSink(config);
    case 'ocsf':
      return createOcsfSink(config, version);
    case 'webhook':
      return createWebhookSink(config, { version, ...(options.env ? { env: options.env } : {}) });
    case 'syslog':
      return createSyslogSink(config, { version, ...(options.hostname ? { hostname: options.hostname } : {}) });
  }
}
