/**
 * @module ingest/summary
 * Counts what ingestion read, produced and skipped, per file and in total, so nothing is dropped silently.
 */
import type { CanonicalEvent, EventKind, InputFormatName, SignInType } from '../model/event.js';
import type { FramingName, SkipReason } from './types.js';

export interface FileSummary {
  file: string;
  format?: InputFormatName;
  framing?: FramingName;
  compressed?: boolean;
  records: number;
  events: Partial<Record<EventKind, number>>;
  skipped: Partial<Record<SkipReason, number>>;
  /** Events whose kind or sign-in type was inferred, by the reason given. */
  guessed: Record<string, number>;
  notes: string[];
}

export interface IngestSummaryJson {
  files: FileSummary[];
  recordsRead: number;
  events: Record<EventKind, number>;
  signInTypes: Record<SignInType, number>;
  skipped: { total: number; byReason: Partial<Record<SkipReason, number>> };
  guessed: { total: number; byReason: Record<string, number> };
  /** Files found in directories but not read (not a log file extension). */
  passedOver: string[];
  notes: string[];
  elapsedMs: number;
  peakRssBytes: number;
}

export class IngestSummary {
  readonly files: FileSummary[] = [];
  readonly passedOver: string[] = [];
  readonly notes: string[] = [];
  private readonly started = performance.now();

  startFile(file: string): FileSummary {
    const summary: FileSummary = { file, records: 0, events: {}, skipped: {}, guessed: {}, notes: [] };
    this.files.push(summary);
    return summary;
  }

  readonly signInTypes: Record<SignInType, number> = { interactiveUser: 0, nonInteractiveUser: 0, servicePrincipal: 0, managedIdentity: 0 };

  countEvent(file: FileSummary, event: CanonicalEvent): void {
    file.records++;
    if (event.appwatch.kind === 'signin') {
      const types = event.signInEventTypes;
      const first = Array.isArray(types) ? (types[0] as SignInType) : undefined;
      if (first !== undefined && first in this.signInTypes) this.signInTypes[first]++;
    }
    const kind = event.appwatch.kind;
    file.events[kind] = (file.events[kind] ?? 0) + 1;
    const guessed = event.appwatch.guessed;
    if (guessed) file.guessed[guessed] = (file.guessed[guessed] ?? 0) + 1;
  }

  countSkip(file: FileSummary, reason: SkipReason, records = 1): void {
    file.records += records;
    file.skipped[reason] = (file.skipped[reason] ?? 0) + records;
  }

  get eventCount(): number {
    let n = 0;
    for (const f of this.files) for (const v of Object.values(f.events)) n += v ?? 0;
    return n;
  }

  get skippedCount(): number {
    let n = 0;
    for (const f of this.files) for (const v of Object.values(f.skipped)) n += v ?? 0;
    return n;
  }

  /** Files that could not be opened or were in no known format. */
  get unreadableFiles(): FileSummary[] {
    return this.files.filter((f) => f.format === undefined);
  }

  toJSON(): IngestSummaryJson {
    const events: Record<EventKind, number> = { audit: 0, signin: 0, keyvault: 0, activity: 0, event: 0 };
    const byReason: Partial<Record<SkipReason, number>> = {};
    const guessed: Record<string, number> = {};
    let recordsRead = 0;
    for (const f of this.files) {
      recordsRead += f.records;
      for (const [k, v] of Object.entries(f.events)) events[k as EventKind] += v ?? 0;
      for (const [k, v] of Object.entries(f.skipped)) byReason[k as SkipReason] = (byReason[k as SkipReason] ?? 0) + (v ?? 0);
      for (const [k, v] of Object.entries(f.guessed)) guessed[k] = (guessed[k] ?? 0) + v;
    }
    return {
      files: this.files,
      recordsRead,
      events,
      signInTypes: this.signInTypes,
      skipped: { total: this.skippedCount, byReason },
      guessed: { total: Object.values(guessed).reduce((a, b) => a + b, 0), byReason: guessed },
      passedOver: this.passedOver,
      notes: this.notes,
      elapsedMs: Math.round(performance.now() - this.started),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  }
}
