/**
 * @module ingest/framing/json-document
 * Frames JSON documents of any size without parsing them whole: a `{"records":[…]}` or Graph `{"value":[…]}`
 * envelope, a top-level array, one object, or several documents one after another. A byte-level scanner
 * tracks nesting and strings and cuts out each record's bytes, which alone are given to `JSON.parse`.
 *
 * Why not a token-level streaming parser: cutting records out keeps memory flat (one record at a time), is
 * several times faster than building values token by token, and lets one malformed record be reported with
 * its line and index while the records after it are still read.
 */
import type { Framed, RecordIssue } from '../types.js';
import { DEFAULT_LIMITS, type FramingLimits } from './json-lines.js';
import { parseJsonRecord } from './lenient-json.js';
import { unwrapInto } from './unwrap.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Keys of a top-level object whose array holds the records (Azure Monitor, Graph pages). */
const RECORD_ARRAY_KEYS = new Set(['records', 'value']);

export async function* frameJsonDocument(
  chunks: AsyncIterable<Buffer>,
  limits: FramingLimits = DEFAULT_LIMITS,
): AsyncGenerator<Framed[]> {
  const scanner = new DocumentScanner(limits);
  for await (const chunk of chunks) {
    scanner.push(chunk);
    if (scanner.out.length > 0) {
      yield scanner.out;
      scanner.out = [];
    }
  }
  scanner.end();
  if (scanner.out.length > 0) yield scanner.out;
}

class DocumentScanner {
  out: Framed[] = [];
  private depth = 0;
  private inString = false;
  private escape = false;
  private line = 1;
  private base = 0; // absolute offset of the current chunk

  // The top-level value being read.
  private topIsObject = false;
  private expectKey = false;
  private keyStart = -1; // position in the chunk of a depth-1 key's first byte, or -1
  private keyParts: Buffer[] = [];
  private lastKey = '';
  /** Depth at which records sit: 1 inside a top-level array, 2 inside a records/value array, 0 for a whole object. */
  private elementDepth = -1;
  private elementIndex = 0;
  private junkReported = false;

  // The record being cut out.
  private capturing = false;
  private captureParts: Buffer[] = [];
  private captureLength = 0;
  private captureStart = 0; // position in the current chunk
  private captureLine = 0;
  private captureOffset = 0;
  private captureIndex: number | undefined;
  private captureOversize = false;
  private scalarElement = false;

  constructor(private readonly limits: FramingLimits) {}

  push(chunk: Buffer): void {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyStart !== -1 || this.keyParts.length > 0) this.finishKey(chunk, i);
        } else if (c === NEWLINE) this.line++;
        continue;
      }
      switch (c) {
        case NEWLINE:
          this.line++;
          break;
        case 0x20: case 0x09: case 0x0d:
          break;
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.topIsObject && this.expectKey) {
            this.keyStart = i + 1;
            this.keyParts = [];
          } else if (this.depth === this.elementDepth && !this.capturing) {
            this.startScalarElement(i);
          }
          break;
        case LBRACE:
        case LBRACKET:
          this.open(c, i);
          break;
        case RBRACE:
        case RBRACKET:
          this.close(c, chunk, i);
          break;
        case COLON:
          if (this.depth === 1) this.expectKey = false;
          break;
        case COMMA:
          if (this.depth === 1 && this.topIsObject) this.expectKey = true;
          if (this.depth === this.elementDepth) this.scalarElement = false;
          break;
        default:
          if (this.depth === 0) this.junk(i);
          else if (this.depth === this.elementDepth && !this.capturing && !this.scalarElement) this.startScalarElement(i);
      }
    }
    if (this.capturing && !this.captureOversize) this.keepCapture(chunk, this.captureStart, n);
    if (this.keyStart !== -1) {
      this.keyParts.push(chunk.subarray(this.keyStart));
      this.keyStart = 0; // continues at the start of the next chunk
    }
    this.captureStart = 0;
    this.base += n;
  }

  end(): void {
    if (this.depth > 0 || this.inString) {
      const where = this.capturing
        ? `record ${this.captureIndex !== undefined ? `${this.captureIndex} ` : ''}starting at line ${this.captureLine}`
        : `line ${this.line}`;
      this.issue({
        reason: 'truncated',
        message: `the document ends inside ${where} (truncated file?); that record is lost`,
        line: this.capturing ? this.captureLine : this.line,
        ...(this.capturing && this.captureIndex !== undefined ? { index: this.captureIndex } : {}),
        offset: this.capturing ? this.captureOffset : this.base,
        records: this.capturing ? 1 : 0,
      });
    }
  }

  private open(c: number, i: number): void {
    if (this.depth === 0) {
      this.topIsObject = c === LBRACE;
      this.junkReported = false;
      this.elementIndex = 0;
      if (this.topIsObject) {
        // A whole object is a record unless it turns out to be a records/value envelope.
        this.expectKey = true;
        this.lastKey = '';
        this.elementDepth = 0;
        this.startCapture(i, undefined);
      } else {
        this.elementDepth = 1;
      }
    } else if (this.depth === this.elementDepth && !this.capturing) {
      this.startCapture(i, this.elementIndex++);
    } else if (this.depth === 1 && this.topIsObject && c === LBRACKET && RECORD_ARRAY_KEYS.has(this.lastKey) && this.elementDepth === 0) {
      // The object is an envelope: drop it and cut out the array's elements instead.
      this.cancelCapture();
      this.elementDepth = 2;
    }
    this.depth++;
  }

  private close(c: number, chunk: Buffer, i: number): void {
    this.depth--;
    if (this.depth < 0) {
      this.depth = 0;
      this.junk(i);
      return;
    }
    if (this.capturing && this.depth === this.elementDepth) {
      this.finishCapture(chunk, i);
    } else if (this.depth === this.elementDepth) {
      this.scalarElement = false;
    }
    if (this.depth === 1 && this.elementDepth === 2 && c === RBRACKET) {
      this.elementDepth = -1; // the records array is over; the envelope's other members are not records
    }
    if (this.depth === 0) {
      this.topIsObject = false;
      this.elementDepth = -1;
    }
  }

  private finishKey(chunk: Buffer, end: number): void {
    let bytes: Buffer;
    if (this.keyParts.length > 0) {
      this.keyParts.push(chunk.subarray(this.keyStart === -1 ? 0 : this.keyStart, end));
      bytes = Buffer.concat(this.keyParts);
    } else {
      bytes = chunk.subarray(this.keyStart, end);
    }
    this.lastKey = bytes.toString('utf8');
    this.keyStart = -1;
    this.keyParts = [];
  }

  private startCapture(i: number, index: number | undefined): void {
    this.capturing = true;
    this.captureParts = [];
    this.captureLength = 0;
    this.captureStart = i;
    this.captureLine = this.line;
    this.captureOffset = this.base + i;
    this.captureIndex = index;
    this.captureOversize = false;
  }

  private keepCapture(chunk: Buffer, from: number, to: number): void {
    this.captureParts.push(chunk.subarray(from, to));
    this.captureLength += to - from;
    if (this.captureLength > this.limits.maxRecordBytes) {
      this.captureOversize = true;
      this.captureParts = [];
      this.issue({
        reason: 'too-large',
        message: `record ${this.captureIndex ?? ''} starting at line ${this.captureLine} is larger than ${this.limits.maxRecordBytes} bytes; skipped`.replace('record  ', 'record '),
        line: this.captureLine,
        ...(this.captureIndex !== undefined ? { index: this.captureIndex } : {}),
        offset: this.captureOffset,
        records: 1,
      });
    }
  }

  private cancelCapture(): void {
    this.capturing = false;
    this.captureParts = [];
    this.captureLength = 0;
  }

  private finishCapture(chunk: Buffer, i: number): void {
    this.capturing = false;
    if (this.captureOversize) return;
    if (this.captureLength + i + 1 - this.captureStart > this.limits.maxRecordBytes) {
      this.keepCapture(chunk, this.captureStart, i + 1); // reports it as too large
      return;
    }
    let text: string;
    if (this.captureParts.length === 0) {
      text = chunk.toString('utf8', this.captureStart, i + 1);
    } else {
      this.captureParts.push(chunk.subarray(0, i + 1));
      text = Buffer.concat(this.captureParts).toString('utf8');
      this.captureParts = [];
    }
    let parsed: ReturnType<typeof parseJsonRecord>;
    try {
      parsed = parseJsonRecord(text);
    } catch (error) {
      const at = this.captureIndex !== undefined ? `record ${this.captureIndex} at line ${this.captureLine}` : `the object at line ${this.captureLine}`;
      this.issue({
        reason: 'invalid-json',
        message: `${at}: invalid JSON (${(error as Error).message})`,
        line: this.captureLine,
        ...(this.captureIndex !== undefined ? { index: this.captureIndex } : {}),
        offset: this.captureOffset,
        records: 1,
      });
      return;
    }
    if (this.captureIndex !== undefined) {
      const record = { value: parsed.value, line: this.captureLine, index: this.captureIndex, offset: this.captureOffset };
      this.out.push({ record: parsed.repaired ? { ...record, repaired: parsed.repaired } : record });
    } else {
      // A whole top-level object: it may still be an envelope of another kind (Log Analytics tables).
      unwrapInto(parsed.value, this.captureLine, this.captureOffset, this.out, parsed.repaired);
    }
  }

  private startScalarElement(i: number): void {
    this.scalarElement = true;
    const index = this.elementIndex++;
    this.issue({
      reason: 'not-an-object',
      message: `record ${index} at line ${this.line} is not a JSON object`,
      line: this.line,
      index,
      offset: this.base + i,
      records: 1,
    });
  }

  private junk(i: number): void {
    if (this.junkReported) return;
    this.junkReported = true;
    this.issue({
      reason: 'invalid-json',
      message: `line ${this.line}: unexpected text outside any JSON value; skipped up to the next { or [`,
      line: this.line,
      offset: this.base + i,
      records: 0,
    });
  }

  private issue(issue: RecordIssue): void {
    this.out.push({ issue });
  }
}
