/**
 * @module stream/config
 * A streaming source in appwatch.yaml: Azure Event Hubs through its Kafka endpoint (a connection string, named by
 * environment variable, and a consumer group), or any Apache Kafka cluster. Secrets are never in the file.
 */

/** Consumer tuning both kinds accept; the defaults suit Event Hubs (docs/streaming.md). */
export interface StreamTuning {
  /**
   * Kafka session timeout (6000–300000 ms, default 30000, Event Hubs' advice). A consumer that dies without leaving
   * keeps its partitions this long before the group moves them; the liveness watchdog allows three times this.
   */
  sessionTimeoutMs?: number;
  /**
   * Offsets are committed to the broker at most this often per partition (default 1000 ms, at least 250: Event Hubs
   * throttles commits to 4 a second per partition). Always after the store commit; a longer interval only means more
   * messages delivered again after a crash, which the store's checkpoint recognises and skips.
   */
  commitIntervalMs?: number;
}

/** Event Hubs' Kafka endpoint: bootstrap, TLS and SASL PLAIN (`$ConnectionString`) are derived from the string. */
export interface EventHubsSource extends StreamTuning {
  /** The environment variable holding the namespace (or hub) connection string. */
  connectionStringEnv: string;
  /** The Kafka group.id: one per deployment (a group spans the whole namespace). */
  consumerGroup: string;
  /** Hubs to read; default: every `insights-logs-*` hub (or the connection string's EntityPath hub). */
  topics?: string[];
}

/** Apache Kafka (or anything speaking its protocol). */
export interface KafkaSource extends StreamTuning {
  brokers: string[];
  groupId: string;
  topics?: string[];
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; passwordEnv: string };
}

export type StreamSource = { eventHubs: EventHubsSource } | { kafka: KafkaSource };

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v !== '';
const stringList = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every(nonEmpty);

const TUNING_KEYS = ['sessionTimeoutMs', 'commitIntervalMs'];

function checkTuning(value: Record<string, unknown>, where: string): string | null {
  const session = value.sessionTimeoutMs;
  if (session !== undefined && !(Number.isInteger(session) && (session as number) >= 6000 && (session as number) <= 300_000)) {
    return `${where}.sessionTimeoutMs must be a whole number of milliseconds from 6000 to 300000`;
  }
  const commit = value.commitIntervalMs;
  if (commit !== undefined && !(Number.isInteger(commit) && (commit as number) >= 250)) {
    return `${where}.commitIntervalMs must be a whole number of milliseconds, at least 250 (Event Hubs allows 4 commits a second per partition)`;
  }
  return null;
}

function unknownKey(value: Record<string, unknown>, known: string[], where: string): string | null {
  for (const k of Object.keys(value)) if (!known.includes(k)) return `${where} has unknown key ${k} (known: ${known.join(', ')})`;
  return null;
}

/** Whether a tenant source entry is a stream source at all (a mapping keyed eventHubs or kafka). */
export function isStreamSource(v: unknown): v is StreamSource {
  return isMap(v) && Object.keys(v).length === 1 && ('eventHubs' in v || 'kafka' in v);
}

/** null when the stream source is well formed, else what is wrong with it (the config loader adds the path and line). */
export function checkStreamSource(v: StreamSource): string | null {
  if ('eventHubs' in v) {
    const e = v.eventHubs as unknown;
    if (!isMap(e)) return 'eventHubs must be a mapping {connectionStringEnv, consumerGroup, topics?}';
    const bad = unknownKey(e, ['connectionStringEnv', 'consumerGroup', 'topics', ...TUNING_KEYS], 'eventHubs');
    if (bad) return bad;
    if (!nonEmpty(e.connectionStringEnv)) return 'eventHubs.connectionStringEnv must name the environment variable holding the connection string';
    if (!nonEmpty(e.consumerGroup) || (e.consumerGroup as string).length > 256) return 'eventHubs.consumerGroup must be a group id of 1 to 256 characters';
    if (e.topics !== undefined && !stringList(e.topics)) return 'eventHubs.topics must be a list of hub names';
    return checkTuning(e, 'eventHubs');
  }
  const k = v.kafka as unknown;
  if (!isMap(k)) return 'kafka must be a mapping {brokers, groupId, topics?, ssl?, sasl?}';
  const bad = unknownKey(k, ['brokers', 'groupId', 'topics', 'ssl', 'sasl', ...TUNING_KEYS], 'kafka');
  if (bad) return bad;
  if (!stringList(k.brokers) || !(k.brokers as string[]).every((b) => /^[^\s:]+:\d+$/.test(b))) return 'kafka.brokers must list host:port';
  if (!nonEmpty(k.groupId)) return 'kafka.groupId must be a non-empty string';
  if (k.topics !== undefined && !stringList(k.topics)) return 'kafka.topics must be a list of topic names';
  if (k.ssl !== undefined && typeof k.ssl !== 'boolean') return 'kafka.ssl must be true or false';
  if (k.sasl !== undefined) {
    if (!isMap(k.sasl)) return 'kafka.sasl must be a mapping {mechanism, username, passwordEnv}';
    const badSasl = unknownKey(k.sasl, ['mechanism', 'username', 'passwordEnv'], 'kafka.sasl');
    if (badSasl) return badSasl;
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(k.sasl.mechanism as string)) return 'kafka.sasl.mechanism must be plain, scram-sha-256 or scram-sha-512';
    if (!nonEmpty(k.sasl.username) || !nonEmpty(k.sasl.passwordEnv)) return 'kafka.sasl needs username and passwordEnv (the environment variable holding the password)';
  }
  return checkTuning(k, 'kafka');
}
