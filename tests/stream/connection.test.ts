/**
 * Stream client settings: what an Event Hubs connection string becomes (bootstrap on 9093, TLS, SASL PLAIN with
 * `$ConnectionString`, the service's timeouts), what EntityPath restricts, and errors that name the variable without
 * ever quoting the secret. The mock cluster has no TLS or SASL, so this is the only place they are checked.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import {
  DEFAULT_TOPICS, EVENT_HUBS_SETTINGS, kafkaClientConfig, MAX_REQUEST_BYTES, parseEventHubsConnectionString, redact, StreamConfigError,
} from '../../src/stream/connection.js';

const KEY = 'q7Vb3kFz9Qp1XyLmN0sTuVwXyZaBcDeFgHiJkLmNoP8=';
const NAMESPACE = `Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=appwatch-listen;SharedAccessKey=${KEY}`;
const HUB = `${NAMESPACE};EntityPath=insights-logs-signinlogs`;

describe('parseEventHubsConnectionString', () => {
  it('derives the Kafka endpoint from a namespace connection string', () => {
    expect(parseEventHubsConnectionString(NAMESPACE)).toEqual({ namespaceHost: 'contoso-logs.servicebus.windows.net', bootstrap: 'contoso-logs.servicebus.windows.net:9093' });
  });

  it('keeps the hub of a hub-level string, reads keys in any case and order, and a key ending in =', () => {
    expect(parseEventHubsConnectionString(HUB).entityPath).toBe('insights-logs-signinlogs');
    const shuffled = `sharedaccesskey=${KEY}; ENDPOINT=sb://Contoso-Logs.servicebus.windows.net ;SharedAccessKeyName=p;`;
    expect(parseEventHubsConnectionString(shuffled)).toEqual({ namespaceHost: 'contoso-logs.servicebus.windows.net', bootstrap: 'contoso-logs.servicebus.windows.net:9093' });
  });

  it('refuses malformed strings, naming what is wrong and never quoting the string', () => {
    const cases: [string, RegExp][] = [
      [`Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=p`, /lacks SharedAccessKey/],
      [`SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /lacks Endpoint/],
      [`Endpoint=https://contoso-logs.servicebus.windows.net/;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /Endpoint that is not sb:\/\//],
      [`just-a-key-${KEY.slice(0, -1)}`, /not a connection string/],
      [`${KEY}`, /lacks Endpoint, SharedAccessKeyName, SharedAccessKey/],
      [`Endpoint=sb://contoso-logs.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=${KEY}`, /SharedAccessSignature/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseEventHubsConnectionString(value, 'the connection string in CONTOSO_EVENTHUB');
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(StreamConfigError);
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).toContain('CONTOSO_EVENTHUB');
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('sig=');
    }
  });
});

describe('kafkaClientConfig', () => {
  it('Event Hubs: TLS, SASL PLAIN with $ConnectionString and the whole string, the service timeouts, one group', () => {
    const settings = kafkaClientConfig({ eventHubs: { connectionStringEnv: 'CONTOSO_EVENTHUB', consumerGroup: 'appwatch-prod' } }, { CONTOSO_EVENTHUB: NAMESPACE });
    expect(settings.client).toMatchObject({
      brokers: ['contoso-logs.servicebus.windows.net:9093'],
      ssl: true,
      sasl: { mechanism: 'plain', username: '$ConnectionString', password: NAMESPACE },
      requestTimeout: 60_000,
    });
    expect(settings.consumer).toMatchObject({
      groupId: 'appwatch-prod', sessionTimeout: 30_000, heartbeatInterval: 3_000, metadataMaxAge: 180_000,
      maxBytesPerPartition: MAX_REQUEST_BYTES, maxWaitTimeInMs: 1000, allowAutoTopicCreation: false,
    });
    expect(EVENT_HUBS_SETTINGS.metadataMaxAge).toBeLessThan(240_000);
    expect(MAX_REQUEST_BYTES).toBe(1_046_528);
    expect(settings.topics).toEqual([DEFAULT_TOPICS]);
    expect(DEFAULT_TOPICS.test('insights-logs-serviceprincipalsigninlogs')).toBe(true);
    expect(DEFAULT_TOPICS.test('other-hub')).toBe(false);
    expect(settings.commitIntervalMs).toBe(1000);
    // The label is for logs: namespace and group, no secret; the secrets are what log lines are scrubbed of.
    expect(settings.label).toBe('eventhubs:contoso-logs.servicebus.windows.net group appwatch-prod');
    expect(settings.secrets).toEqual(expect.arrayContaining([NAMESPACE, KEY]));
    expect(redact(`SASL failed for ${NAMESPACE} (key ${KEY})`, settings.secrets)).toBe('SASL failed for [redacted] (key [redacted])');
  });

  it('a hub-level string reads its hub only, and refuses topics it cannot reach', () => {
    const one = kafkaClientConfig({ eventHubs: { connectionStringEnv: 'HUB', consumerGroup: 'g' } }, { HUB });
    expect(one.topics).toEqual(['insights-logs-signinlogs']);
    expect(() => kafkaClientConfig({ eventHubs: { connectionStringEnv: 'HUB', consumerGroup: 'g', topics: ['insights-logs-signinlogs', 'insights-logs-auditlogs'] } }, { HUB }))
      .toThrow(/for hub insights-logs-signinlogs only \(EntityPath\), but topics also lists insights-logs-auditlogs/);
  });

  it('listed topics and the tuning keys are used as given', () => {
    const settings = kafkaClientConfig({ eventHubs: { connectionStringEnv: 'C', consumerGroup: 'g', topics: ['insights-logs-auditlogs'], sessionTimeoutMs: 45_000, commitIntervalMs: 5000 } }, { C: NAMESPACE });
    expect(settings.topics).toEqual(['insights-logs-auditlogs']);
    expect(settings.consumer.sessionTimeout).toBe(45_000);
    expect(settings.commitIntervalMs).toBe(5000);
  });

  it('names an unset or malformed variable and never quotes its value', () => {
    expect(() => kafkaClientConfig({ eventHubs: { connectionStringEnv: 'CONTOSO_EVENTHUB', consumerGroup: 'g' } }, {}))
      .toThrow('eventHubs.connectionStringEnv: environment variable CONTOSO_EVENTHUB is not set');
    const broken = `Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey=${KEY}`;
    try {
      kafkaClientConfig({ eventHubs: { connectionStringEnv: 'CONTOSO_EVENTHUB', consumerGroup: 'g' } }, { CONTOSO_EVENTHUB: broken });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe('the connection string in CONTOSO_EVENTHUB lacks SharedAccessKeyName (copy the connection string of a shared access policy with Listen from the namespace or hub in the Azure portal)');
      expect((error as Error).message).not.toContain(KEY);
    }
  });

  it('Apache Kafka: brokers as given, plain TCP unless ssl, SASL password from its variable', () => {
    const plain = kafkaClientConfig({ kafka: { brokers: ['10.0.0.5:9092', '10.0.0.6:9092'], groupId: 'appwatch' } }, {});
    expect(plain.client.brokers).toEqual(['10.0.0.5:9092', '10.0.0.6:9092']);
    expect(plain.client.ssl).toBeUndefined();
    expect(plain.client.sasl).toBeUndefined();
    expect(plain.label).toBe('kafka:10.0.0.5:9092+1 group appwatch');
    const secured = kafkaClientConfig({ kafka: { brokers: ['k:9093'], groupId: 'g', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'appwatch', passwordEnv: 'KAFKA_PASSWORD' } } }, { KAFKA_PASSWORD: 's3cret-pw' });
    expect(secured.client).toMatchObject({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'appwatch', password: 's3cret-pw' } });
    expect(secured.secrets).toEqual(['s3cret-pw']);
    expect(() => kafkaClientConfig({ kafka: { brokers: ['k:9093'], groupId: 'g', sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'KAFKA_PASSWORD' } } }, {}))
      .toThrow('kafka.sasl.passwordEnv: environment variable KAFKA_PASSWORD is not set');
  });
});

describe('appwatch.yaml stream sources', () => {
  const yaml = (source: string): string => `tenants:\n  - id: contoso.onmicrosoft.com\n    sources:\n      - ${source}\n`;

  it('accepts both kinds with the tuning keys', () => {
    const config = parseConfig(yaml('{eventHubs: {connectionStringEnv: CONTOSO_EVENTHUB, consumerGroup: appwatch-prod, sessionTimeoutMs: 30000, commitIntervalMs: 1000}}'), 'appwatch.yaml');
    expect(config.tenants![0]!.sources[0]).toEqual({ eventHubs: { connectionStringEnv: 'CONTOSO_EVENTHUB', consumerGroup: 'appwatch-prod', sessionTimeoutMs: 30000, commitIntervalMs: 1000 } });
    expect(() => parseConfig(yaml('{kafka: {brokers: ["127.0.0.1:9092"], groupId: g, topics: [insights-logs-auditlogs]}}'), 'appwatch.yaml')).not.toThrow();
  });

  it('refuses out-of-range tuning and unknown keys, with the line', () => {
    expect(() => parseConfig(yaml('{kafka: {brokers: ["k:9092"], groupId: g, sessionTimeoutMs: 1000}}'), 'appwatch.yaml')).toThrow(/appwatch.yaml:2: .*kafka.sessionTimeoutMs must be a whole number of milliseconds from 6000 to 300000/);
    expect(() => parseConfig(yaml('{eventHubs: {connectionStringEnv: C, consumerGroup: g, commitIntervalMs: 100}}'), 'appwatch.yaml')).toThrow(/eventHubs.commitIntervalMs must be .* at least 250/);
    expect(() => parseConfig(yaml('{eventHubs: {connectionString: "Endpoint=sb://x", consumerGroup: g}}'), 'appwatch.yaml')).toThrow(/eventHubs has unknown key connectionString/);
  });
});
