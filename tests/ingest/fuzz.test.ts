/**
 * Fuzz: thousands of mutated records (truncation, type swaps, huge strings, deep nesting, invalid UTF-8, NUL
 * bytes) never crash or hang the reader, and every record is counted: as an event or as a skip.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, readAll } from '../helpers/ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'appwatch-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Realistic seeds: one line of each shape the readers know. */
const seeds: Buffer[] = [
  'diagnostic/PT1H.json', 'diagnostic/keyvault-PT1H.json', 'diagnostic/activity-PT1H.json', 'log-analytics/AuditLogs.jsonl',
  'log-analytics/SigninLogs.jsonl', 'log-analytics/AZKVAuditLogs.jsonl', 'graph/signIns.jsonl',
].flatMap((path) => readFileSync(fixture(path), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => Buffer.from(l)));

type Mutation = (line: Buffer, rand: number, pick: number) => Buffer;

function swapValue(line: Buffer, rand: number, pick: number): Buffer {
  const value = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
  const keys = Object.keys(value);
  const key = keys[pick % keys.length]!;
  const replacements: unknown[] = [42, -1.5e308, 'text', [], [1, 'a', null], {}, { nested: { x: 1 } }, null, true, ''];
  value[key] = replacements[rand % replacements.length];
  return Buffer.from(JSON.stringify(value));
}

const MUTATIONS: Record<string, Mutation> = {
  truncate: (line, rand) => line.subarray(0, rand % Math.max(line.length, 1)),
  swapType: swapValue,
  hugeString: (line, rand) => {
    const value = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    value[`huge${rand}`] = 'A'.repeat(1_000_000 + (rand % 1000));
    return Buffer.from(JSON.stringify(value));
  },
  deepNesting: (line, rand) => {
    const depth = 1000 + (rand % 20_000);
    return Buffer.concat([Buffer.from('['.repeat(depth)), line, Buffer.from(']'.repeat(depth))]);
  },
  invalidUtf8: (line, rand, pick) => {
    const at = pick % Math.max(line.length, 1);
    return Buffer.concat([line.subarray(0, at), Buffer.from([0x80 | (rand & 0x7f), 0xff, 0xc3]), line.subarray(at)]);
  },
  nulBytes: (line, rand, pick) => {
    const at = pick % Math.max(line.length, 1);
    return Buffer.concat([line.subarray(0, at), Buffer.alloc(1 + (rand % 4)), line.subarray(at)]);
  },
  keepAsIs: (line) => line,
};

const mutationNames = Object.keys(MUTATIONS);
const mutatedLine = fc
  .tuple(fc.nat(seeds.length - 1), fc.constantFrom(...mutationNames), fc.nat(), fc.nat())
  .map(([seed, name, rand, pick]) => MUTATIONS[name]!(seeds[seed]!, rand, pick).toString('latin1'));

describe('fuzzed input never crashes, hangs or drops a record', () => {
  it('JSON Lines: every non-blank line is an event or a counted skip', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedLine, { minLength: 1, maxLength: 120 }), async (lines) => {
        const path = join(dir, `lines-${run++}.jsonl`);
        const bytes = Buffer.concat(lines.flatMap((l) => [Buffer.from(l, 'latin1'), Buffer.from('\n')]));
        writeFileSync(path, bytes);
        const { events, summary } = await readAll([path]);
        const nonBlank = lines.filter((l) => l.trim() !== '').length;
        expect(summary.recordsRead).toBe(events.length + summary.skipped.total);
        expect(summary.recordsRead).toBeGreaterThanOrEqual(nonBlank === 0 ? 0 : 1);
        if (summary.files[0]!.framing === 'json-lines') expect(summary.recordsRead).toBeGreaterThanOrEqual(nonBlank);
      }),
      { numRuns: 30, seed: 20261128 },
    );
  });

  it('one {"records":[…]} document of mutated records: counted, never thrown', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedLine, { minLength: 1, maxLength: 60 }), fc.nat(), async (lines, cut) => {
        const path = join(dir, `doc-${run++}.json`);
        const body = Buffer.concat([
          Buffer.from('{"records": [\n'),
          ...lines.flatMap((l, i) => [Buffer.from(l, 'latin1'), Buffer.from(i < lines.length - 1 ? ',\n' : '\n')]),
          Buffer.from(']}\n'),
        ]);
        // Sometimes cut the document short, as a half-written blob would be.
        writeFileSync(path, cut % 3 === 0 ? body.subarray(0, cut % body.length) : body);
        const { events, summary } = await readAll([path]);
        expect(summary.recordsRead).toBe(events.length + summary.skipped.total);
      }),
      { numRuns: 30, seed: 42 },
    );
  });

  it('CSV rows with wrong cell counts, stray quotes and NUL bytes are counted', async () => {
    const header = readFileSync(fixture('portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv'), 'utf8').split('\n')[0]!;
    const row = readFileSync(fixture('portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv'), 'utf8').split('\n')[1]!;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(3)), { minLength: 1, maxLength: 200 }), async (specs) => {
        const rows = specs.map(([n, kind]) => {
          if (kind === 0) return row;
          if (kind === 1) return row.split(',').slice(0, n % 57).join(',');
          if (kind === 2) return row.replace(',', `,"x"y${'\u0000'.repeat(n % 3)}`);
          return `${row},extra`;
        });
        const path = join(dir, `InteractiveSignIns_2026-10-01_2026-10-02-${run++}.csv`);
        writeFileSync(path, [header, ...rows].join('\r\n'));
        const { events, summary } = await readAll([path]);
        expect(summary.recordsRead).toBe(events.length + summary.skipped.total);
        expect(summary.recordsRead).toBeGreaterThanOrEqual(rows.filter((r) => r !== '').length);
      }),
      { numRuns: 20, seed: 7 },
    );
  });
});
