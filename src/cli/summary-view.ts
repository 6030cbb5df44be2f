/**
 * @module cli/summary-view
 * The ingestion summary for people: totals, events per kind, skips per reason, guesses, and a line per file.
 */
import type { IngestSummaryJson } from '../ingest/summary.js';
import { formatBytes, inertLine } from './terminal.js';

const n = (value: number): string => value.toLocaleString('en-US');

function counts(record: Partial<Record<string, number>>): string {
  return Object.entries(record)
    .filter(([, v]) => (v ?? 0) > 0)
    .map(([k, v]) => `${k} ${n(v ?? 0)}`)
    .join(', ');
}

export function renderSummary(summary: IngestSummaryJson): string {
  const lines: string[] = [];
  const files = summary.files.length;
  const produced = Object.values(summary.events).reduce((a, b) => a + b, 0);
  lines.push(
    `Read ${n(files)} file${files === 1 ? '' : 's'}: ${n(summary.recordsRead)} records, ${n(produced)} events, ${n(summary.skipped.total)} skipped (${(summary.elapsedMs / 1000).toFixed(2)} s, peak memory ${formatBytes(summary.peakRssBytes)})`,
  );
  const kinds = counts(summary.events);
  if (kinds) lines.push(`  events: ${kinds}`);
  const signIns = counts(summary.signInTypes);
  if (signIns) lines.push(`  sign-ins: ${signIns}`);
  if (summary.skipped.total > 0) lines.push(`  skipped: ${counts(summary.skipped.byReason)}`);
  if (summary.guessed.total > 0) {
    lines.push(`  inferred kinds (${n(summary.guessed.total)} events; the record did not say):`);
    for (const [reason, count] of Object.entries(summary.guessed.byReason)) lines.push(`    ${n(count)} × ${reason}`);
  }
  if (summary.passedOver.length > 0) {
    lines.push(`  not read (not a log file extension): ${summary.passedOver.map(inertLine).join(', ')}`);
  }
  if (files > 0) {
    const nameWidth = Math.min(Math.max(...summary.files.map((f) => f.file.length), 4), 60);
    lines.push('');
    lines.push(`  ${'file'.padEnd(nameWidth)}  ${'format'.padEnd(13)}  ${'framing'.padEnd(13)}  ${'records'.padStart(9)}  ${'events'.padStart(9)}  ${'skipped'.padStart(7)}`);
    for (const f of summary.files) {
      const name = inertLine(f.file.length > nameWidth ? `…${f.file.slice(-(nameWidth - 1))}` : f.file);
      const events = Object.values(f.events).reduce((a, b) => a + (b ?? 0), 0);
      const skipped = Object.values(f.skipped).reduce((a, b) => a + (b ?? 0), 0);
      lines.push(
        `  ${name.padEnd(nameWidth)}  ${(f.format ?? '-').padEnd(13)}  ${((f.framing ?? '-') + (f.compressed ? '+gz' : '')).padEnd(13)}  ${n(f.records).padStart(9)}  ${n(events).padStart(9)}  ${n(skipped).padStart(7)}`,
      );
      for (const note of f.notes) lines.push(`    note: ${inertLine(note)}`);
    }
  }
  for (const note of summary.notes) lines.push(`note: ${inertLine(note)}`);
  return `${lines.join('\n')}\n`;
}
