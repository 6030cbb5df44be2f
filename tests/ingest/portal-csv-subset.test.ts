/**
 * The admin-center CSV carries a subset of each event (3 targets × 5 modified properties, 6 additional details,
 * display strings): on every field it does carry, its event is identical to the Graph form of the same event.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/model/event.js';
import { fixture, readAll } from '../helpers/ingest.js';

/** Every leaf of `part` equals the same leaf of `whole`; arrays of `part` are prefixes of `whole`'s. */
function expectSubset(part: unknown, whole: unknown, path: string): void {
  if (Array.isArray(part)) {
    expect(Array.isArray(whole), `${path} is an array`).toBe(true);
    expect(part.length, `${path} length`).toBeLessThanOrEqual((whole as unknown[]).length);
    part.forEach((item, i) => expectSubset(item, (whole as unknown[])[i], `${path}[${i}]`));
  } else if (typeof part === 'object' && part !== null) {
    expect(typeof whole, `${path} is an object`).toBe('object');
    for (const [key, value] of Object.entries(part)) expectSubset(value, (whole as Record<string, unknown>)[key], `${path}.${key}`);
  } else {
    expect(part, path).toEqual(whole);
  }
}

function withoutMeta(event: CanonicalEvent): Record<string, unknown> {
  const { appwatch: _meta, ...fields } = event;
  return fields;
}

describe('portal CSV events are the Graph events, minus what the CSV cannot carry', () => {
  it.each([
    ['portal-csv/AuditLogs_2026-10-01_2026-10-02.csv', 'graph/directoryAudits.beta.page1.json'],
    ['portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv', 'graph/signIns.array.json'],
    ['portal-csv/ApplicationSignIns_2026-10-01_2026-10-02.csv', 'graph/signIns.beta.json', 2],
  ] as [string, string, number?][])('%s ⊂ %s', async (csv, graph, offset = 0) => {
    const fromCsv = (await readAll([fixture(csv)])).events;
    const fromGraph = (await readAll([fixture(graph)])).events;
    fromCsv.forEach((event, i) => {
      // Where Graph has a date with a 7-digit fraction the CSV has seconds; compare event times instead.
      const fields = withoutMeta(event);
      delete fields.activityDateTime;
      delete fields.createdDateTime;
      // The Graph fixture predates token protection; the CSV's "Token Protection - Sign In Session" is checked
      // against the portal-csv golden file instead.
      if (csv.includes('InteractiveSignIns')) expect(fields.signInTokenProtectionStatus).toBe('none'), delete fields.signInTokenProtectionStatus;
      const twin = fromGraph[i + offset]!;
      expectSubset(fields, withoutMeta(twin), `event ${i}`);
      expect(event.appwatch.time).toBe(twin.appwatch.time);
    });
  });
});
