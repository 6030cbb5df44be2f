/**
 * @module ingest/reader
 * Reads inputs into canonical events: for each file, open (gzip-aware), sniff the framing, pick the record
 * format (auto-detection tries the registry in order, or `--input-format` fixes it), then normalise record by
 * record. Every record ends either as an event or as a counted, reported skip.
 */
import type { CanonicalEvent, InputFormatName } from '../model/event.js';
import { DETECTION_ORDER, FORMATS } from './formats/index.js';
import { isPortalAuditHeader } from './formats/portal-csv.js';
import { frameCsv } from './framing/csv.js';
import { frameJsonDocument } from './framing/json-document.js';
import { DEFAULT_LIMITS, frameJsonLines, type FramingLimits } from './framing/json-lines.js';
import { detectDelimiter, firstContentByte, sniffFraming } from './framing/sniff.js';
import { baseNameOf, displayName, openInput, type InputFile } from './source.js';
import { IngestSummary, type FileSummary } from './summary.js';
import {
  isRejection, type FileContext, type Framed, type FramingName, type RawRecord, type RecordFormat, type RecordIssue,
} from './types.js';

export interface IngestOptions {
  inputFormat?: 'auto' | InputFormatName;
  timeField?: string;
  limits?: FramingLimits;
  /** Called for each skipped record or unreadable file, in input order. */
  onIssue?: (file: string, issue: RecordIssue) => void;
  /** Called with raw (on-disk) bytes as they are read. */
  onBytes?: (bytes: number) => void;
}

/** How many records auto-detection looks at before it gives up on a file. */
const DETECTION_WINDOW = 50;

/**
 * Reads every input in order and yields canonical events in batches. `summary` is filled as it goes.
 */
export async function* readEvents(
  inputs: readonly InputFile[],
  options: IngestOptions,
  summary: IngestSummary,
): AsyncGenerator<CanonicalEvent[]> {
  for (const input of inputs) {
    yield* readOne(input, options, summary);
  }
}

async function* readOne(input: InputFile, options: IngestOptions, summary: IngestSummary): AsyncGenerator<CanonicalEvent[]> {
  const file = displayName(input);
  const fileSummary = summary.startFile(file);
  const report = (issue: RecordIssue): void => {
    summary.countSkip(fileSummary, issue.reason, issue.records ?? 0);
    options.onIssue?.(file, issue);
  };
  let stream;
  try {
    stream = await openInput(input, options.onBytes);
  } catch (error) {
    report({ reason: 'unreadable', message: `cannot read: ${(error as Error).message}`, records: 0 });
    return;
  }
  if (stream.compressed) fileSummary.compressed = true;
  const forced = options.inputFormat && options.inputFormat !== 'auto' ? FORMATS[options.inputFormat] : undefined;
  if (firstContentByte(stream.head) >= stream.head.length && stream.ended) {
    // Storage exports leave empty blobs for quiet hours: nothing to read is not an error.
    fileSummary.notes.push('empty');
    return;
  }
  const sniffed = sniffFraming(stream.head, stream.ended);
  let framing: FramingName;
  if (forced?.name === 'portal-csv') framing = 'csv';
  else if (sniffed.framing) framing = sniffed.framing;
  else {
    const tried = forced ? [forced.name] : DETECTION_ORDER.map((f) => f.name);
    report({ reason: 'unknown-format', message: `in no known format (tried ${tried.join(', ')}): ${sniffed.why}`, records: 0 });
    return;
  }
  fileSummary.framing = framing;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const context: FileContext = {
    file,
    baseName: baseNameOf(input),
    framing,
    source: input.source,
    ...(options.timeField ? { timeField: options.timeField } : {}),
  };
  let frames: AsyncGenerator<Framed[]>;
  if (framing === 'csv') {
    const start = firstContentByte(stream.head);
    const lineEnd = stream.head.indexOf(0x0a, start);
    const headerLine = stream.head.toString('utf8', start, lineEnd === -1 ? stream.head.length : lineEnd);
    frames = frameCsv(stream.chunks, detectDelimiter(headerLine), limits);
  } else if (framing === 'json-lines') frames = frameJsonLines(stream.chunks, limits);
  else frames = frameJsonDocument(stream.chunks, limits);

  let format: RecordFormat | undefined = forced;
  let normalize: ((record: RawRecord) => ReturnType<ReturnType<RecordFormat['normalizer']>>) | undefined;
  const pending: Framed[] = []; // records seen before auto-detection decided
  let firstReasons: string[] | undefined;
  const choose = (chosen: RecordFormat): void => {
    format = chosen;
    fileSummary.format = chosen.name;
    normalize = chosen.normalizer(context);
    if (framing === 'csv' && chosen.name === 'portal-csv' && isPortalAuditHeader(context.header ?? [])) {
      fileSummary.notes.push('the admin-center audit CSV keeps at most 3 targets × 5 modified properties and 6 additional details; use the JSON download or Graph for complete events');
    }
  };
  const candidates = (): RecordFormat[] =>
    DETECTION_ORDER.filter((f) => f.framings.includes(framing));

  let repaired = 0;
  const normalizeBatch = (items: Framed[], out: CanonicalEvent[]): void => {
    for (const item of items) {
      if (item.issue) {
        report(item.issue);
        continue;
      }
      if (item.record.repaired) repaired++;
      const result = normalize!(item.record);
      if (isRejection(result)) {
        report({
          reason: result.reject,
          message: `${where(item.record)}${result.message}`,
          ...(item.record.line !== undefined ? { line: item.record.line } : {}),
          ...(item.record.index !== undefined ? { index: item.record.index } : {}),
          records: 1,
        });
      } else {
        summary.countEvent(fileSummary, result);
        out.push(result);
      }
    }
  };

  try {
    for await (const batch of frames) {
      let items = batch;
      if (framing === 'csv' && context.header === undefined) {
        const headerItem = items.findIndex((i) => i.record !== undefined);
        if (headerItem === -1) {
          for (const i of items) if (i.issue) report(i.issue);
          continue;
        }
        context.header = (items[headerItem]!.record!.value as string[]).map((h) => h);
        for (const i of items.slice(0, headerItem)) if (i.issue) report(i.issue);
        items = items.slice(headerItem + 1);
        if (forced) choose(forced);
      }
      if (format === undefined) {
        for (const item of items) {
          if (format === undefined && item.record) {
            const reasons: string[] = [];
            for (const candidate of candidates()) {
              const why = candidate.fits(item.record.value, context);
              if (why === null) {
                choose(candidate);
                break;
              }
              reasons.push(`${candidate.name}: ${why}`);
            }
            firstReasons ??= reasons;
          }
          pending.push(item);
        }
        if (format === undefined) {
          if (pending.filter((p) => p.record).length < DETECTION_WINDOW) continue;
          giveUp(pending, firstReasons, report);
          return;
        }
        items = pending.splice(0);
      } else if (forced && normalize === undefined) {
        choose(forced);
      }
      const out: CanonicalEvent[] = [];
      normalizeBatch(items, out);
      if (out.length > 0) yield out;
    }
    if (format === undefined && pending.some((p) => p.record)) giveUp(pending, firstReasons, report);
    else if (format === undefined) for (const p of pending) if (p.issue) report(p.issue);
    else if (format === undefined && fileSummary.records === 0 && !forced) {
      // Nothing but a header, or an empty document.
      fileSummary.notes.push('no records');
    }
    if (repaired > 0) {
      fileSummary.notes.push(`${repaired} record${repaired === 1 ? '' : 's'} had trailing commas (invalid JSON, as in Microsoft's documentation examples) and ${repaired === 1 ? 'was' : 'were'} read after removing them`);
    }
  } catch (error) {
    report({ reason: 'truncated', message: `reading stopped early: ${(error as Error).message}`, records: 0 });
  }
}

function where(record: RawRecord): string {
  if (record.index !== undefined && record.line !== undefined) return `record ${record.index} at line ${record.line}: `;
  if (record.line !== undefined) return `line ${record.line}: `;
  if (record.index !== undefined) return `record ${record.index}: `;
  return '';
}

function giveUp(pending: Framed[], reasons: string[] | undefined, report: (issue: RecordIssue) => void): void {
  const records = pending.filter((p) => p.record).length;
  for (const p of pending) if (p.issue) report(p.issue);
  report({
    reason: 'unknown-format',
    message: `in no known format; tried ${(reasons ?? []).join('; ')}`,
    records,
  });
}

export { IngestSummary };
export type { FileSummary };
