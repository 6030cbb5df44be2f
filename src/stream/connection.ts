/**
 * @module stream/connection
 * From a stream source in appwatch.yaml to the client settings: brokers, TLS, SASL and the timeouts Event Hubs' Kafka
 * endpoint needs (docs/streaming.md). An Event Hubs connection string gives everything: the bootstrap
 * `<namespace>.servicebus.windows.net:9093`, TLS, and SASL PLAIN with the literal user `$ConnectionString` and the
 * whole string as password. Secrets come from environment variables; errors name the variable, never the value.
 */
import type { ConsumerConfig, KafkaConfig, SASLOptions } from 'kafkajs';
import type { EventHubsSource, KafkaSource, StreamSource } from './config.js';

/** Event Hubs closes a connection whose request is larger than this (1 MB less 2 KB of protocol overhead). */
export const MAX_REQUEST_BYTES = 1_046_528;

/**
 * Event Hubs' advice for Kafka clients (its configuration page and azure-event-hubs-for-kafka CONFIGURATION.md).
 * The service closes connections idle for 240 s: metadata is refreshed every 180 s, heartbeats go every 3 s, and
 * kafkajs turns TCP keepalive on (60 s) for every socket, so no connection stays idle that long.
 */
export const EVENT_HUBS_SETTINGS = {
  requestTimeout: 60_000,
  sessionTimeout: 30_000,
  heartbeatInterval: 3_000,
  metadataMaxAge: 180_000,
} as const;

export const DEFAULT_COMMIT_INTERVAL_MS = 1000;
/** Hubs Azure Monitor creates for diagnostic settings without a hub name: `insights-logs-<category>`. */
export const DEFAULT_TOPICS = /^insights-logs-/;

export interface EventHubsConnection {
  /** `<namespace>.servicebus.windows.net` (or another Azure cloud's suffix). */
  namespaceHost: string;
  /** The Kafka endpoint: the namespace host, port 9093. */
  bootstrap: string;
  /** Set when the string is a hub's own (shared access policy on the hub): it reaches that hub only. */
  entityPath?: string;
}

/** A connection-string or client-settings problem. The message names the variable and never holds the secret. */
export class StreamConfigError extends Error {
  override readonly name = 'StreamConfigError';
}

const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * Reads `Endpoint=sb://NS.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…[;EntityPath=hub]`.
 * `where` names the string in errors (the environment variable), which never quote the string itself.
 */
export function parseEventHubsConnectionString(s: string, where = 'the Event Hubs connection string'): EventHubsConnection {
  const parts = new Map<string, string>();
  for (const part of s.trim().split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    // The key's value is base64 and may end in '=': split at the first one only.
    if (eq <= 0) throw new StreamConfigError(`${where} is not a connection string (expected Key=Value pairs separated by ';')`);
    parts.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (parts.has('sharedaccesssignature')) {
    throw new StreamConfigError(`${where} holds a SharedAccessSignature: Event Hubs' Kafka endpoint accepts only a shared access policy's connection string (Endpoint, SharedAccessKeyName, SharedAccessKey)`);
  }
  const missing = ['Endpoint', 'SharedAccessKeyName', 'SharedAccessKey'].filter((k) => !parts.get(k.toLowerCase()));
  if (missing.length > 0) {
    throw new StreamConfigError(`${where} lacks ${missing.join(', ')} (copy the connection string of a shared access policy with Listen from the namespace or hub in the Azure portal)`);
  }
  const endpoint = /^sb:\/\/([^/:]+)\/?$/i.exec(parts.get('endpoint')!);
  if (!endpoint || !HOST.test(endpoint[1]!)) {
    throw new StreamConfigError(`${where} has an Endpoint that is not sb://<namespace>.servicebus.windows.net/`);
  }
  const namespaceHost = endpoint[1]!.toLowerCase();
  const entityPath = parts.get('entitypath');
  return { namespaceHost, bootstrap: `${namespaceHost}:9093`, ...(entityPath ? { entityPath } : {}) };
}

export interface StreamClientConfig {
  /** For kafkajs' `new Kafka(…)` (without logging, which the consumer adds). */
  client: KafkaConfig;
  /** For `kafka.consumer(…)`. */
  consumer: ConsumerConfig;
  /** What to subscribe to. */
  topics: (string | RegExp)[];
  /** How often offsets may be committed, per partition. */
  commitIntervalMs: number;
  /** The source in log lines and health keys: brokers or namespace, and group. Never a secret. */
  label: string;
  /** Values no log line may contain (passwords, connection strings). */
  secrets: string[];
}

function secretFrom(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new StreamConfigError(`${what}: environment variable ${name} is not set`);
  return value.trim();
}

function tuning(source: EventHubsSource | KafkaSource): { sessionTimeout: number; commitIntervalMs: number } {
  return {
    sessionTimeout: source.sessionTimeoutMs ?? EVENT_HUBS_SETTINGS.sessionTimeout,
    commitIntervalMs: source.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
  };
}

function consumerConfig(groupId: string, sessionTimeout: number): ConsumerConfig {
  return {
    groupId,
    sessionTimeout,
    heartbeatInterval: EVENT_HUBS_SETTINGS.heartbeatInterval,
    metadataMaxAge: EVENT_HUBS_SETTINGS.metadataMaxAge,
    // One partition's fetch stays within what the service accepts as one request (a single larger message is still
    // returned whole: Fetch v3+ always returns the first message).
    maxBytesPerPartition: MAX_REQUEST_BYTES,
    // kafkajs heartbeats only between fetches, and an idle fetch waits this long for data (its default is 5 s): 1 s
    // keeps heartbeats near the 3 s the service expects and lets a rebalance be noticed quickly.
    maxWaitTimeInMs: 1000,
    // Hubs are made by Azure Monitor (and ARM), never by a consumer; a missing topic is an error to report.
    allowAutoTopicCreation: false,
  };
}

const BASE_CLIENT = {
  clientId: 'appwatch',
  requestTimeout: EVENT_HUBS_SETTINGS.requestTimeout,
  // The service is across the internet, not in the rack: kafkajs' 1 s connect timeout is too tight.
  connectionTimeout: 10_000,
  authenticationTimeout: 10_000,
} as const;

function eventHubsConfig(source: EventHubsSource, env: NodeJS.ProcessEnv): StreamClientConfig {
  const variable = source.connectionStringEnv;
  const connectionString = secretFrom(env, variable, 'eventHubs.connectionStringEnv');
  const connection = parseEventHubsConnectionString(connectionString, `the connection string in ${variable}`);
  let topics: (string | RegExp)[] = source.topics ?? [DEFAULT_TOPICS];
  if (connection.entityPath) {
    // A hub-level policy authenticates for that hub only: reading any other would fail at the broker.
    const other = (source.topics ?? []).filter((t) => t !== connection.entityPath);
    if (other.length > 0) {
      throw new StreamConfigError(`the connection string in ${variable} is for hub ${connection.entityPath} only (EntityPath), but topics also lists ${other.join(', ')}: use a namespace-level policy or list only that hub`);
    }
    topics = [connection.entityPath];
  }
  const { sessionTimeout, commitIntervalMs } = tuning(source);
  return {
    client: {
      ...BASE_CLIENT,
      brokers: [connection.bootstrap],
      ssl: true,
      sasl: { mechanism: 'plain', username: '$ConnectionString', password: connectionString },
    },
    consumer: consumerConfig(source.consumerGroup, sessionTimeout),
    topics,
    commitIntervalMs,
    label: `eventhubs:${connection.namespaceHost} group ${source.consumerGroup}`,
    // The key alone too: a client error could quote the part it choked on.
    secrets: [connectionString, ...[...connectionString.matchAll(/SharedAccessKey=([^;]+)/gi)].map((m) => m[1]!.trim())],
  };
}

function plainKafkaConfig(source: KafkaSource, env: NodeJS.ProcessEnv): StreamClientConfig {
  let sasl: SASLOptions | undefined;
  const secrets: string[] = [];
  if (source.sasl) {
    const password = secretFrom(env, source.sasl.passwordEnv, 'kafka.sasl.passwordEnv');
    secrets.push(password);
    sasl = { mechanism: source.sasl.mechanism, username: source.sasl.username, password } as SASLOptions;
  }
  const { sessionTimeout, commitIntervalMs } = tuning(source);
  return {
    client: { ...BASE_CLIENT, brokers: [...source.brokers], ...(source.ssl ? { ssl: true } : {}), ...(sasl ? { sasl } : {}) },
    consumer: consumerConfig(source.groupId, sessionTimeout),
    topics: source.topics ?? [DEFAULT_TOPICS],
    commitIntervalMs,
    label: `kafka:${source.brokers[0]}${source.brokers.length > 1 ? `+${source.brokers.length - 1}` : ''} group ${source.groupId}`,
    secrets,
  };
}

/** The client and consumer settings of a stream source; secrets read from `env`. Throws StreamConfigError. */
export function kafkaClientConfig(source: StreamSource, env: NodeJS.ProcessEnv = process.env): StreamClientConfig {
  return 'eventHubs' in source ? eventHubsConfig(source.eventHubs, env) : plainKafkaConfig(source.kafka, env);
}

/** The group id of a stream source (for keys and messages, before any secret is read). */
export function groupIdOf(source: StreamSource): string {
  return 'eventHubs' in source ? source.eventHubs.consumerGroup : source.kafka.groupId;
}

/** Replaces every secret in a text (a client log line, an error) before it is printed. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
