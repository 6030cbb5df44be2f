/**
 * Event Hubs message bodies → events, with the same diagnostic reader as files: `{"records":[…]}` batches (a named
 * hub mixes categories: each record is dispatched by its own category), bare records, and whatever cannot be read,
 * reported with topic, partition, offset and index. And the producer's side: records split into messages that stay
 * under Event Hubs' 1,046,528-byte request limit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeDiagnosticRecord } from '../../src/ingest/formats/diagnostic.js';
import type { CanonicalEvent } from '../../src/model/event.js';
import { MAX_REQUEST_BYTES } from '../../src/stream/connection.js';
import { DEFAULT_MAX_MESSAGE_BYTES, readMessage, splitRecordsIntoMessages } from '../../src/stream/records.js';
import { ROOT } from '../helpers/ingest.js';

type Json = Record<string, unknown>;
const DIAGNOSTIC = join(ROOT, 'tests/fixtures/ingest/diagnostic');
/** A real-shaped Event Hubs body: an AuditLogs and a ServicePrincipalSignInLogs record. */
const EVENTHUB_MESSAGE = readFileSync(join(DIAGNOSTIC, 'eventhub-message.json'));
/** One record of each Entra category appwatch reads: two audits, then interactive, non-interactive, SP and MI sign-ins. */
const PT1H = readFileSync(join(DIAGNOSTIC, 'PT1H.json'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
const at = { topic: 'insights-logs-auditlogs', partition: 2, offset: '17' };

describe('readMessage', () => {
  it('reads an Event Hubs {"records":[…]} body, each record by its category, with topic, partition, offset and index', () => {
    const read = readMessage(EVENTHUB_MESSAGE, at);
    expect(read.skipped).toEqual([]);
    expect(read.records).toBe(2);
    expect(read.categories).toEqual({ AuditLogs: 1, ServicePrincipalSignInLogs: 1 });
    expect(read.events.map((e) => e.appwatch.kind)).toEqual(['audit', 'signin']);
    expect(read.events[1]!.signInEventTypes).toEqual(['servicePrincipal']);
    expect(read.events.map((e) => e.appwatch.origin)).toEqual([
      { source: 'kafka', format: 'diagnostic', file: 'insights-logs-auditlogs/2', offset: 17, index: 0 },
      { source: 'kafka', format: 'diagnostic', file: 'insights-logs-auditlogs/2', offset: 17, index: 1 },
    ]);
  });

  it('a hub named in the diagnostic setting mixes categories: every Entra category dispatched as a file read would', () => {
    const body = Buffer.from(JSON.stringify({ records: PT1H }));
    const read = readMessage(body, { topic: 'entra-logs', partition: 0, offset: '9007199254740000' });
    expect(read.skipped).toEqual([]);
    expect(read.categories).toEqual({ AuditLogs: 2, SignInLogs: 1, NonInteractiveUserSignInLogs: 1, ServicePrincipalSignInLogs: 1, ManagedIdentitySignInLogs: 1 });
    expect(read.events.map((e) => (e.appwatch.kind === 'signin' ? (e.signInEventTypes as string[])[0] : e.appwatch.kind)))
      .toEqual(['audit', 'audit', 'interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity']);
    // The same events as the folder and file readers make, but for where they came from.
    const strip = (e: CanonicalEvent): unknown => ({ ...e, appwatch: { ...e.appwatch, origin: undefined } });
    const fromFile = PT1H.map((r, i) => normalizeDiagnosticRecord(structuredClone(r), { source: 'file', format: 'diagnostic', file: 'PT1H.json', line: i + 1 }) as CanonicalEvent);
    expect(read.events.map(strip)).toEqual(fromFile.map(strip));
  });

  it('reads a bare record and an array of records, with a byte-order mark', () => {
    const bare = readMessage(Buffer.from(`\uFEFF${JSON.stringify(PT1H[2])}`), at);
    expect(bare.events).toHaveLength(1);
    expect(bare.events[0]!.appwatch.origin.index).toBe(0);
    expect(readMessage(Buffer.from(JSON.stringify(PT1H.slice(0, 3))), at).events).toHaveLength(3);
  });

  it('counts and reports what it cannot read, never dropping it silently', () => {
    const notJson = readMessage(Buffer.from('{"records":[{"time":'), at);
    expect(notJson.events).toEqual([]);
    expect(notJson.skipped).toEqual([{ ...at, reason: expect.stringMatching(/^message is not JSON: /) }]);

    const mixed = readMessage(Buffer.from(JSON.stringify({ records: [PT1H[0], { time: '2026-11-01T00:00:00Z', category: 'Bogus', operationName: 'x' }, 42, { properties: {} }] })), at);
    expect(mixed.events).toHaveLength(1);
    expect(mixed.records).toBe(4);
    expect(mixed.categories).toEqual({ AuditLogs: 1, Bogus: 1, '(none)': 2 });
    expect(mixed.skipped).toEqual([
      { ...at, index: 1, reason: expect.stringContaining('category "Bogus" is not one appwatch reads') },
      { ...at, index: 2, reason: 'record is not a JSON object' },
      { ...at, index: 3, reason: 'diagnostic record without a category' },
    ]);

    expect(readMessage(Buffer.from('{"records":5}'), at).skipped[0]!.reason).toBe('message has "records" that is not a list');
    expect(readMessage(null, at).skipped).toEqual([{ ...at, reason: 'empty message (no body)' }]);
    expect(readMessage(Buffer.alloc(0), at).skipped).toHaveLength(1);
  });

  it('keeps a parse error short: it may quote attacker-controlled bytes', () => {
    const read = readMessage(Buffer.from(`not json ${'\u001b[31m'.repeat(200)}`), at);
    expect(read.skipped[0]!.reason.length).toBeLessThanOrEqual(201);
  });
});

describe('splitRecordsIntoMessages', () => {
  /** Sign-ins, each with its own id, until their JSON is well over Event Hubs' 1 MB. */
  const many = Array.from({ length: 700 }, (_, i) => {
    const r = structuredClone(PT1H[2 + (i % 4)]!);
    (r.properties as Json).id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return r;
  });

  it('splits a batch over 1,046,528 bytes into messages under the limit, in order, losing nothing', () => {
    expect(Buffer.byteLength(JSON.stringify({ records: many }))).toBeGreaterThan(MAX_REQUEST_BYTES);
    const messages = splitRecordsIntoMessages(many);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBeLessThan(MAX_REQUEST_BYTES);
    const ids = messages.flatMap((m, i) => readMessage(m, { topic: 't', partition: 0, offset: String(i) }).events.map((e) => e.id));
    expect(ids).toEqual(many.map((r) => (r.properties as Json).id));
    // Greedy: no two neighbouring messages could have been one.
    for (let i = 1; i < messages.length; i++) expect(messages[i - 1]!.length + messages[i]!.length).toBeGreaterThan(DEFAULT_MAX_MESSAGE_BYTES);
  });

  it('packs to the exact byte, and refuses a record that cannot fit alone', () => {
    const [a, b] = [PT1H[0]!, PT1H[1]!];
    const both = Buffer.byteLength(JSON.stringify({ records: [a, b] }));
    expect(splitRecordsIntoMessages([a, b], both)).toHaveLength(1);
    expect(splitRecordsIntoMessages([a, b], both - 1)).toHaveLength(2);
    expect(splitRecordsIntoMessages([a, b], both)[0]!.toString()).toBe(JSON.stringify({ records: [a, b] }));
    expect(splitRecordsIntoMessages([])).toEqual([]);
    expect(() => splitRecordsIntoMessages([{ small: 1 }, { huge: 'x'.repeat(2000) }], 1000)).toThrow(/record 1 is \d+ bytes: it does not fit in a message of 1000 bytes/);
  });
});
