/** Test helpers: read inputs through the real reader and collect events, issues and the summary. */
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CanonicalEvent, InputFormatName } from '../../src/model/event.js';
import { IngestSummary, readEvents } from '../../src/ingest/reader.js';
import { expandInputs } from '../../src/ingest/source.js';
import type { RecordIssue } from '../../src/ingest/types.js';
import type { IngestSummaryJson } from '../../src/ingest/summary.js';
import { frameJsonDocument } from '../../src/ingest/framing/json-document.js';
import { frameJsonLines } from '../../src/ingest/framing/json-lines.js';
import type { Framed } from '../../src/ingest/types.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURES = resolve(ROOT, 'tests/fixtures/ingest');
export const CORPUS = resolve(ROOT, '../shared/corpus');
export const HAS_CORPUS = existsSync(resolve(CORPUS, 'samples'));

export interface ReadResult {
  events: CanonicalEvent[];
  issues: { file: string; issue: RecordIssue }[];
  summary: IngestSummaryJson;
}

export async function readAll(paths: string[], options: { inputFormat?: 'auto' | InputFormatName; timeField?: string; maxRecordBytes?: number } = {}): Promise<ReadResult> {
  const expanded = await expandInputs(paths);
  const summary = new IngestSummary();
  summary.passedOver.push(...expanded.passedOver);
  const issues: ReadResult['issues'] = [];
  const events: CanonicalEvent[] = [];
  for await (const batch of readEvents(expanded.files, {
    inputFormat: options.inputFormat ?? 'auto',
    ...(options.timeField ? { timeField: options.timeField } : {}),
    ...(options.maxRecordBytes ? { limits: { maxRecordBytes: options.maxRecordBytes } } : {}),
    onIssue: (file, issue) => issues.push({ file, issue }),
  }, summary)) events.push(...batch);
  return { events, issues, summary: summary.toJSON() };
}

export function fixture(path: string): string {
  return resolve(FIXTURES, path);
}

/** Frames bytes given in chunks of `size` bytes (to exercise every chunk boundary). */
export async function frameInChunks(bytes: Buffer, size: number, framing: 'json-lines' | 'json-document'): Promise<Framed[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const source = Readable.from(chunks);
  const out: Framed[] = [];
  const frames = framing === 'json-lines' ? frameJsonLines(source) : frameJsonDocument(source);
  for await (const batch of frames) out.push(...batch);
  return out;
}
