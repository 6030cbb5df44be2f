/**
 * @module ingest/framing/json-lines
 * Frames JSON Lines: one JSON value per physical line. Each line is parsed on its own, so a bad line costs
 * one record and never desynchronises the rest. Works on bytes: newlines are found natively and only whole
 * lines are decoded.
 */
import type { Framed } from '../types.js';
import { parseJsonRecord } from './lenient-json.js';
import { unwrapInto } from './unwrap.js';

export interface FramingLimits {
  /** Records (lines, or elements of one document) larger than this are skipped, to keep memory flat. */
  maxRecordBytes: number;
}

export const DEFAULT_LIMITS: FramingLimits = { maxRecordBytes: 64 * 1024 * 1024 };

export async function* frameJsonLines(chunks: AsyncIterable<Buffer>, limits: FramingLimits = DEFAULT_LIMITS): AsyncGenerator<Framed[]> {
  let carry: Buffer[] = [];
  let carryLength = 0;
  let oversize = false; // inside a line already reported as too large: drop bytes until its end
  let line = 1;
  let offset = 0; // byte offset of the start of the current chunk
  let lineStartOffset = 0;

  for await (const chunk of chunks) {
    const out: Framed[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      if (oversize) {
        oversize = false;
      } else if (carryLength > 0) {
        carry.push(chunk.subarray(start, newline));
        const whole = Buffer.concat(carry, carryLength + newline - start);
        parseLine(whole, 0, whole.length, line, lineStartOffset, out);
      } else {
        parseLine(chunk, start, newline, line, offset + start, out);
      }
      carry = [];
      carryLength = 0;
      line++;
      start = newline + 1;
      lineStartOffset = offset + start;
    }
    if (start < chunk.length && !oversize) {
      carry.push(chunk.subarray(start));
      carryLength += chunk.length - start;
      if (carryLength > limits.maxRecordBytes) {
        out.push({ issue: tooLarge(line, lineStartOffset, limits) });
        carry = [];
        carryLength = 0;
        oversize = true;
      }
    }
    offset += chunk.length;
    if (out.length > 0) yield out;
  }
  if (carryLength > 0 && !oversize) {
    const out: Framed[] = [];
    const whole = Buffer.concat(carry, carryLength);
    parseLine(whole, 0, whole.length, line, lineStartOffset, out);
    if (out.length > 0) yield out;
  }
}

function tooLarge(line: number, offset: number, limits: FramingLimits): Framed['issue'] & object {
  return {
    reason: 'too-large',
    message: `line ${line} is longer than ${limits.maxRecordBytes} bytes; skipped`,
    line,
    offset,
    records: 1,
  };
}

function parseLine(buf: Buffer, start: number, end: number, line: number, offset: number, out: Framed[]): void {
  if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
  while (start < end && (buf[start] === 0x20 || buf[start] === 0x09 || buf[start] === 0x0d)) start++;
  if (start >= end) return; // blank line: not a record
  if (line === 1 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
  const text = buf.toString('utf8', start, end);
  let parsed: ReturnType<typeof parseJsonRecord>;
  try {
    parsed = parseJsonRecord(text);
  } catch (error) {
    out.push({
      issue: {
        reason: 'invalid-json',
        message: `line ${line}: invalid JSON (${(error as Error).message})`,
        line,
        offset,
        records: 1,
      },
    });
    return;
  }
  unwrapInto(parsed.value, line, offset, out, parsed.repaired);
}
