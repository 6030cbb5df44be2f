/**
 * @module ingest/framing/csv
 * Frames CSV (admin-center downloads, Log Analytics exports) with csv-parse. Yields each row's cells with the
 * line the row starts on (the header is line 1); a row csv-parse cannot read is reported and skipped.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Framed } from '../types.js';
import { DEFAULT_LIMITS, type FramingLimits } from './json-lines.js';

interface InfoRecord {
  record: string[];
  info: { lines: number; bytes: number };
}

export async function* frameCsv(
  chunks: AsyncIterable<Buffer>,
  delimiter: string,
  limits: FramingLimits = DEFAULT_LIMITS,
): AsyncGenerator<Framed[]> {
  const skipped: Framed[] = [];
  const parser = parse({
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true, // counted against the header by the format, with the row's line
    relax_quotes: true,
    skip_records_with_error: true,
    max_record_size: limits.maxRecordBytes,
    on_skip: (error) => {
      const line = Number(error?.lines ?? 0) || undefined;
      skipped.push({
        issue: {
          reason: error?.code === 'CSV_MAX_RECORD_SIZE' ? 'too-large' : 'csv-syntax',
          message: `${line ? `line ${line}: ` : ''}${error?.message ?? 'unreadable CSV row'}`,
          ...(line ? { line } : {}),
          records: 1,
        },
      });
      return undefined;
    },
  });
  Readable.from(chunks).pipe(parser);
  let previousEnd = 0;
  let batch: Framed[] = [];
  // csv-parse reports skipped rows through a callback that runs ahead of the records still queued: put each
  // skip back in line order before the first record that ends after it.
  const flushSkipsBefore = (lines: number): void => {
    while (skipped.length > 0 && (skipped[0]!.issue?.line ?? 0) < lines) {
      const skip = skipped.shift()!;
      previousEnd = Math.max(previousEnd, skip.issue?.line ?? 0);
      batch.push(skip);
    }
  };
  for await (const item of parser as AsyncIterable<InfoRecord>) {
    flushSkipsBefore(item.info.lines);
    const line = previousEnd + 1;
    previousEnd = item.info.lines;
    const cells = item.record;
    if (cells.length === 1 && cells[0] === '') continue; // blank line
    batch.push({ record: { value: cells, line } });
    if (batch.length >= 256) {
      yield batch;
      batch = [];
    }
  }
  flushSkipsBefore(Number.POSITIVE_INFINITY);
  if (batch.length > 0) yield batch;
}
