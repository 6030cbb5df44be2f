/**
 * @module ingest/types
 * The seams of the ingest stage: framing (bytes → raw records) and record formats (raw record → canonical event).
 */
import type { CanonicalEvent, InputFormatName } from '../model/event.js';

/** Why a record was skipped. Stable names: they are the keys of `summary.skipped.byReason`. */
export const SKIP_REASONS = [
  'invalid-json', 'truncated', 'too-large', 'not-an-object', 'wrong-column-count', 'csv-syntax', 'unknown-shape',
  'unsupported-category', 'no-time', 'unknown-format', 'unreadable',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One record as framing found it, before any format looked at it. */
export interface RawRecord {
  /** A parsed JSON value, or for CSV the cells of one row. */
  value: unknown;
  line?: number;
  index?: number;
  offset?: number;
  /** Set when the record was invalid JSON that appwatch repaired (trailing commas). */
  repaired?: 'trailing-comma';
}

/** A problem with one record (or, with `fatal`, with the rest of the input). */
export interface RecordIssue {
  reason: SkipReason;
  message: string;
  line?: number;
  index?: number;
  offset?: number;
  /** How many records the issue stands for (a truncated document loses one; an unreadable file none known). */
  records?: number;
}

/** What framing yields: records and issues in input order, in batches to keep per-record overhead low. */
export type Framed = { record: RawRecord; issue?: undefined } | { issue: RecordIssue; record?: undefined };

export type FramingName = 'json-lines' | 'json-document' | 'csv';

/** What a record format needs to know about the file it reads. */
export interface FileContext {
  /** Path as given (or `-`). */
  file: string;
  /** Base name, used for the admin-center download names (`InteractiveSignIns_…`). */
  baseName: string;
  framing: FramingName;
  /** CSV header row, as written. */
  header?: string[];
  /** `--time-field` for plain JSON events. */
  timeField?: string;
  source: 'file' | 'stdin';
}

/** A record a format declined, with the reason. */
export interface Rejection {
  reject: SkipReason;
  message: string;
}

export type NormalizeResult = CanonicalEvent | Rejection;

export function isRejection(result: NormalizeResult): result is Rejection {
  return (result as Rejection).reject !== undefined;
}

/** A record format: decides whether a file is in it, and turns its records into canonical events. */
export interface RecordFormat {
  name: InputFormatName;
  /** Frames this format can come in. */
  framings: readonly FramingName[];
  /** Null when the sample record fits; otherwise why it does not (shown when no format fits). */
  fits(sample: unknown, context: FileContext): string | null;
  /** Builds the per-file normaliser (it may precompute from the CSV header). */
  normalizer(context: FileContext): (record: RawRecord) => NormalizeResult;
}
