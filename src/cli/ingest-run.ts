/**
 * @module cli/ingest-run
 * Runs ingestion for a command: expands the inputs, reports skipped records on stderr (the first few of
 * each reason per file, then a count), drives the progress bar, and hands event batches to the command.
 */
import type { CanonicalEvent, InputFormatName } from '../model/event.js';
import { readEvents, IngestSummary } from '../ingest/reader.js';
import { expandInputs } from '../ingest/source.js';
import type { RecordIssue } from '../ingest/types.js';
import { ProgressBar, type Reporter } from './terminal.js';

export interface IngestRunOptions {
  inputFormat: 'auto' | InputFormatName;
  timeField?: string;
  maxRecordBytes?: number;
  progress: boolean;
}

/** How many skipped records of one reason are shown per file before they are only counted. */
const SHOWN_PER_REASON = 5;

export async function runIngestion(
  paths: readonly string[],
  options: IngestRunOptions,
  reporter: Reporter,
  onEvents: (events: CanonicalEvent[]) => Promise<boolean | void>,
): Promise<IngestSummary> {
  const summary = new IngestSummary();
  const expanded = await expandInputs(paths);
  for (const missing of expanded.missing) {
    const file = summary.startFile(missing.path);
    summary.countSkip(file, 'unreadable', 0);
    reporter.error(`${missing.path}: ${missing.message}`);
  }
  summary.passedOver.push(...expanded.passedOver);
  const total = expanded.files.every((f) => f.size !== undefined)
    ? expanded.files.reduce((a, f) => a + (f.size ?? 0), 0)
    : undefined;
  const bar = options.progress && process.stderr.isTTY ? new ProgressBar(process.stderr, total) : undefined;

  const shown = new Map<string, number>();
  const hidden = new Map<string, number>();
  const onIssue = (file: string, issue: RecordIssue): void => {
    bar?.update({ skipped: issue.records ?? 0 });
    const key = `${file}\u0000${issue.reason}`;
    const count = shown.get(key) ?? 0;
    if (count < SHOWN_PER_REASON || issue.reason === 'unreadable' || issue.reason === 'unknown-format') {
      shown.set(key, count + 1);
      bar?.clear();
      const say = issue.reason === 'unreadable' || issue.reason === 'unknown-format' ? reporter.error : reporter.warn;
      say(`${file}: ${issue.message}`);
    } else {
      hidden.set(file, (hidden.get(file) ?? 0) + 1);
    }
  };

  const events = readEvents(
    expanded.files,
    {
      inputFormat: options.inputFormat,
      ...(options.timeField ? { timeField: options.timeField } : {}),
      ...(options.maxRecordBytes ? { limits: { maxRecordBytes: options.maxRecordBytes } } : {}),
      onIssue,
      ...(bar ? { onBytes: (n: number) => bar.update({ bytes: n }) } : {}),
    },
    summary,
  );
  for await (const batch of events) {
    bar?.update({ events: batch.length });
    if ((await onEvents(batch)) === false) break;
  }
  bar?.clear();
  for (const [file, count] of hidden) {
    reporter.warn(`${file}: ${count} more skipped records not shown (counted in the summary)`);
  }
  return summary;
}
