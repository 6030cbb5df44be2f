/**
 * Framing: the same bytes give the same records whatever the chunk boundaries; line, index and offset are
 * exact; broken input costs only the broken record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Framed } from '../../src/ingest/types.js';
import { fixture, frameInChunks } from '../helpers/ingest.js';

const records = (framed: Framed[]) => framed.filter((f) => f.record).map((f) => f.record!);
const issues = (framed: Framed[]) => framed.filter((f) => f.issue).map((f) => f.issue!);

describe('JSON document framing', () => {
  const doc = readFileSync(fixture('diagnostic/eventhub-message.json'));

  it('cuts out each element of {"records":[…]} with its line, index and byte offset', async () => {
    const framed = await frameInChunks(doc, 1 << 20, 'json-document');
    const got = records(framed);
    expect(got).toHaveLength(2);
    expect(got.map((r) => r.index)).toEqual([0, 1]);
    for (const r of got) {
      // The offset points at the record's opening brace, and the line is the one it starts on.
      expect(doc[r.offset!]).toBe(0x7b);
      expect(doc.subarray(0, r.offset!).toString('utf8').split('\n').length).toBe(r.line);
    }
  });

  it('gives identical records for every chunk size, down to one byte', async () => {
    const whole = await frameInChunks(doc, 1 << 20, 'json-document');
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      expect(await frameInChunks(doc, size, 'json-document')).toEqual(whole);
    }
  });

  it('reads a top-level array, a single object, and several documents in a row', async () => {
    const text = '[{"a":1},{"b":2}]\n{"c":3}\n{"records":[{"d":4}]}';
    const got = records(await frameInChunks(Buffer.from(text), 5, 'json-document'));
    expect(got.map((r) => r.value)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
    expect(got.map((r) => r.line)).toEqual([1, 1, 2, 3]);
  });

  it('a bad element costs that element only; truncation is reported with the record it cut', async () => {
    const text = '{"records":[\n{"a":1},\n{"b":2,,},\n{"c":3},\n{"d":';
    const framed = await frameInChunks(Buffer.from(text), 4, 'json-document');
    expect(records(framed).map((r) => r.value)).toEqual([{ a: 1 }, { c: 3 }]);
    const problems = issues(framed);
    expect(problems.map((p) => p.reason)).toEqual(['invalid-json', 'truncated']);
    expect(problems[0]).toMatchObject({ line: 3, index: 1 });
    expect(problems[1]).toMatchObject({ line: 5, index: 3, records: 1 });
    expect(problems[1]!.message).toContain('record 3 starting at line 5');
  });

  it('strings hide brackets, braces and escaped quotes', async () => {
    const text = '{"value":[{"s":"]}[{\\"\\\\"},{"t":"\\u007d"}]}';
    const got = records(await frameInChunks(Buffer.from(text), 3, 'json-document'));
    expect(got.map((r) => r.value)).toEqual([{ s: ']}[{"\\' }, { t: '}' }]);
  });

  it('records over the size limit are skipped, not buffered', async () => {
    const big = `{"records":[{"a":"${'x'.repeat(5000)}"},{"b":1}]}`;
    const { frameJsonDocument } = await import('../../src/ingest/framing/json-document.js');
    const { Readable } = await import('node:stream');
    const out: Framed[] = [];
    for await (const batch of frameJsonDocument(Readable.from([Buffer.from(big)]), { maxRecordBytes: 1000 })) out.push(...batch);
    expect(issues(out).map((i) => i.reason)).toEqual(['too-large']);
    expect(records(out).map((r) => r.value)).toEqual([{ b: 1 }]);
  });
});

describe('JSON Lines framing', () => {
  it('one record per line, CRLF and blank lines tolerated, bad lines reported by number', async () => {
    const text = '{"a":1}\r\n\r\n{"b":\n{"c":3,}\n[{"d":4},{"e":5}]\n{"records":[{"f":6}]}';
    for (const size of [1, 5, 1 << 16]) {
      const framed = await frameInChunks(Buffer.from(text), size, 'json-lines');
      expect(records(framed).map((r) => [r.value, r.line])).toEqual([
        [{ a: 1 }, 1], [{ c: 3 }, 4], [{ d: 4 }, 5], [{ e: 5 }, 5], [{ f: 6 }, 6],
      ]);
      expect(records(framed)[1]!.repaired).toBe('trailing-comma');
      expect(issues(framed)).toEqual([expect.objectContaining({ reason: 'invalid-json', line: 3 })]);
    }
  });

  it('offsets are byte offsets, multi-byte characters included', async () => {
    const text = '{"n":"–é"}\n{"n":"x"}\n';
    const got = records(await frameInChunks(Buffer.from(text), 3, 'json-lines'));
    expect(got[1]!.offset).toBe(Buffer.byteLength('{"n":"–é"}\n'));
  });
});
