/**
 * @module stream/records
 * One Kafka / Event Hubs message → canonical events. Azure Monitor writes diagnostic-settings batches,
 * `{"records":[…]}` with one or more records; a hub named in the setting mixes categories, so each record is read by
 * its own `category` (the same `normalizeDiagnosticRecord` the files and folders use). A bare record, or an array of
 * them, is read too. A message or record appwatch cannot read is returned with topic, partition, offset and index
 * (counted and reported, never dropped silently).
 *
 * Also the other direction, for producers and tests: records → messages that Event Hubs accepts (1 MB each).
 */
import { normalizeDiagnosticRecord } from '../ingest/formats/diagnostic.js';
import { isRejection } from '../ingest/types.js';
import type { CanonicalEvent, Origin } from '../model/event.js';
import { MAX_REQUEST_BYTES } from './connection.js';

/** Where a message sits: the offset as Kafka gives it (a 64-bit integer in decimal). */
export interface MessageAt {
  topic: string;
  partition: number;
  offset: string;
}

export interface StreamSkip extends MessageAt {
  /** Position of the record in the message's `records` (absent when the whole message is unreadable). */
  index?: number;
  reason: string;
}

export interface MessageRecords {
  events: CanonicalEvent[];
  skipped: StreamSkip[];
  /** Records in the message (read or not). */
  records: number;
  /** Records per `category` as written ('(none)' when a record has none): what the dispatch saw. */
  categories: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A parse error's message can quote the input: keep it short (the caller makes it inert before printing). */
function shortReason(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function categoryOf(record: unknown): string {
  if (!isObject(record)) return '(none)';
  for (const key in record) if (key.toLowerCase() === 'category' && typeof record[key] === 'string' && record[key] !== '') return record[key] as string;
  return '(none)';
}

/** Reads one message value. Never throws: what cannot be read is in `skipped`. */
export function readMessage(value: Buffer | null, at: MessageAt): MessageRecords {
  const out: MessageRecords = { events: [], skipped: [], records: 0, categories: {} };
  const skip = (reason: string, index?: number): void => {
    out.skipped.push({ ...at, ...(index !== undefined ? { index } : {}), reason });
  };
  if (value === null || value.length === 0) {
    skip('empty message (no body)');
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    skip(shortReason(`message is not JSON: ${(error as Error).message}`));
    return out;
  }
  let records: unknown[];
  if (isObject(parsed) && 'records' in parsed) {
    if (!Array.isArray(parsed.records)) {
      skip('message has "records" that is not a list');
      return out;
    }
    records = parsed.records;
  } else if (Array.isArray(parsed)) {
    records = parsed;
  } else {
    records = [parsed];
  }
  const offset = Number(at.offset);
  for (const [index, record] of records.entries()) {
    out.records++;
    const category = categoryOf(record);
    out.categories[category] = (out.categories[category] ?? 0) + 1;
    const origin: Origin = { source: 'kafka', format: 'diagnostic', file: `${at.topic}/${at.partition}`, offset, index };
    const result = normalizeDiagnosticRecord(record, origin);
    if (isRejection(result)) skip(shortReason(result.message), index);
    else out.events.push(result);
  }
  return out;
}

/** What the envelope adds to the records it holds: `{"records":[` and `]}`. */
const ENVELOPE_BYTES = Buffer.byteLength('{"records":[]}');

/**
 * The largest message body by default: a produce request of one message must stay under Event Hubs' 1,046,528
 * bytes, and the request, topic and record-batch headers take well under 1 KB of it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES - 1024;

/**
 * Packs records into `{"records":[…]}` message bodies of at most `maxBytes` each, in order (as Azure Monitor
 * batches them). A record that cannot fit in a message alone is an error, not a silent drop.
 */
export function splitRecordsIntoMessages(records: readonly unknown[], maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer[] {
  const messages: Buffer[] = [];
  let current: Buffer[] = [];
  let size = ENVELOPE_BYTES;
  const flush = (): void => {
    if (current.length === 0) return;
    const parts: Buffer[] = [Buffer.from('{"records":[')];
    current.forEach((r, i) => {
      if (i > 0) parts.push(Buffer.from(','));
      parts.push(r);
    });
    parts.push(Buffer.from(']}'));
    messages.push(Buffer.concat(parts));
    current = [];
    size = ENVELOPE_BYTES;
  };
  for (const [index, record] of records.entries()) {
    const bytes = Buffer.from(JSON.stringify(record), 'utf8');
    if (bytes.length + ENVELOPE_BYTES > maxBytes) {
      throw new RangeError(`record ${index} is ${bytes.length} bytes: it does not fit in a message of ${maxBytes} bytes`);
    }
    const added = bytes.length + (current.length > 0 ? 1 : 0);
    if (size + added > maxBytes) flush();
    size += bytes.length + (current.length > 0 ? 1 : 0);
    current.push(bytes);
  }
  flush();
  return messages;
}
