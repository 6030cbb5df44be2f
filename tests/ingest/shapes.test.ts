/** Envelopes and re-saved downloads that the fixtures do not cover file by file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, readAll } from '../helpers/ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'appwatch-shapes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('envelopes', () => {
  it('Log Analytics query API results ({"tables":[{columns, rows}]}) become one row per record', async () => {
    const rows = readFileSync(fixture('log-analytics/AuditLogs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const columns = Object.keys(rows[0]!);
    const api = { tables: [{ name: 'PrimaryResult', columns: columns.map((name) => ({ name, type: 'string' })), rows: rows.map((r) => columns.map((c) => r[c])) }] };
    const path = join(dir, 'query-result.json');
    writeFileSync(path, JSON.stringify(api, null, 2));
    const { events, summary } = await readAll([path]);
    expect(summary.files[0]).toMatchObject({ format: 'log-analytics', framing: 'json-document' });
    expect(events.map((e) => e.activityDisplayName)).toEqual(rows.map((r) => r.ActivityDisplayName));
    expect(events.map((e) => e.appwatch.origin.index)).toEqual([0, 1, 2]);
  });

  it('a Graph page on one line (JSON Lines of pages) unwraps its value array', async () => {
    const page = JSON.parse(readFileSync(fixture('graph/signIns.beta.json'), 'utf8')) as Record<string, unknown>;
    const path = join(dir, 'pages.jsonl');
    writeFileSync(path, `${JSON.stringify(page)}\n${JSON.stringify(page)}\n`);
    const { events } = await readAll([path]);
    expect(events).toHaveLength(8);
    expect(events.map((e) => [e.appwatch.origin.line, e.appwatch.origin.index])).toEqual([
      [1, 0], [1, 1], [1, 2], [1, 3], [2, 0], [2, 1], [2, 2], [2, 3],
    ]);
  });
});

describe('re-saved admin-center downloads', () => {
  it('a sign-in CSV re-saved by a French Excel (semicolons, day-first dates) reads the same', async () => {
    const original = readFileSync(fixture('portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv'), 'utf8');
    const { events: [reference] } = await readAll([fixture('portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv')]);
    // Re-quote every cell with semicolons, and write the date the way fr-FR Excel does.
    const [header, row] = original.trim().split(/\r?\n/);
    const { parse } = await import('csv-parse/sync');
    const cells = (line: string): string[] => (parse(line) as string[][])[0]!;
    const iso = reference!.createdDateTime as string;
    const fr = `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
    const resaved = [cells(header!), cells(row!).map((c) => (c === iso ? fr : c))]
      .map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(';')).join('\r\n');
    const path = join(dir, 'InteractiveSignIns_2026-10-01_2026-10-02.csv');
    writeFileSync(path, `\ufeff${resaved}\r\n`);
    const { events } = await readAll([path]);
    expect(events).toHaveLength(1);
    expect(events[0]!.appwatch.time).toBe(reference!.appwatch.time);
    expect(events[0]!.userPrincipalName).toBe(reference!.userPrincipalName);
    expect(events[0]!.authenticationProtocol).toBe('ropc');
  });
});
