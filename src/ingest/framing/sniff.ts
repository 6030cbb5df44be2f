/**
 * @module ingest/framing/sniff
 * Decides how an input is framed from its first bytes: JSON Lines, one JSON document, or CSV.
 */
import type { FramingName } from '../types.js';

export type SniffResult = { framing: FramingName } | { framing: null; why: string };

/** Index of the first byte after a UTF-8 byte-order mark and white space. */
export function firstContentByte(head: Buffer): number {
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return i;
}

/**
 * JSON Lines when the first line is a complete JSON value on its own and another value starts on a later line
 * (or the first line is the whole input); one JSON document when the first value spans lines; CSV when the
 * first line looks like a header row.
 */
export function sniffFraming(head: Buffer, ended: boolean): SniffResult {
  const start = firstContentByte(head);
  if (start >= head.length) return { framing: null, why: 'the input is empty' };
  const first = head[start];
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    const newline = head.indexOf(0x0a, start);
    if (newline === -1) return { framing: 'json-document' };
    const line = head.toString('utf8', start, newline).trim();
    if (isCompleteJson(line)) return { framing: 'json-lines' };
    // A broken first line followed by another object line is still JSON Lines (one bad record, not a bad file).
    const rest = head.toString('utf8', newline + 1, Math.min(head.length, newline + 4096)).trimStart();
    if (first === 0x7b && line.endsWith('}') && rest.startsWith('{') && !line.endsWith('{')) return { framing: 'json-lines' };
    return { framing: 'json-document' };
  }
  const newline = head.indexOf(0x0a, start);
  const firstLine = head.toString('utf8', start, newline === -1 ? (ended ? head.length : Math.min(head.length, 8192)) : newline);
  if (looksLikeCsvHeader(firstLine)) return { framing: 'csv' };
  return {
    framing: null,
    why: `it starts with ${JSON.stringify(firstLine.slice(0, 40))}: not JSON (no { or [), and not a CSV header row (no delimited column names)`,
  };
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Guesses the delimiter of a CSV header row: comma, semicolon (re-saved by a European Excel) or tab. */
export function detectDelimiter(headerLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, headerLine.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

function looksLikeCsvHeader(line: string): boolean {
  const delimiter = detectDelimiter(line);
  const cells = line.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
  if (cells.length < 2) return false;
  // Header cells are short names: letters first, no JSON punctuation.
  return cells.filter((c) => /^[A-Za-z_@][\w .()\-/[\]#@]*$/.test(c)).length >= Math.ceil(cells.length * 0.8);
}
