import { describe, expect, it } from 'vitest';
import { toIsoUtc } from './time.js';

describe('toIsoUtc', () => {
  it.each([
    ['2021-08-02T13:29:25.9834567Z', '2021-08-02T13:29:25.983Z'], // 7-digit fraction (Entra)
    ['2019-02-04T19:18:44.8470000+00:00', '2019-02-04T19:18:44.847Z'], // +00:00 offset (diagnostic export)
    ['2026-10-01T11:15:02+02:00', '2026-10-01T09:15:02.000Z'],
    ['2026-10-01T09:15:02', '2026-10-01T09:15:02.000Z'], // no zone: UTC, not local time
    ['2026-10-01 09:15:02', '2026-10-01T09:15:02.000Z'],
    ['10/1/2026, 9:15:02.123 AM', '2026-10-01T09:15:02.123Z'], // Log Analytics portal CSV export (en-US)
    ['10/1/2026, 12:05:00 PM', '2026-10-01T12:05:00.000Z'],
    ['01/10/2026 21:15:02', '2026-10-01T21:15:02.000Z'], // fr-FR day first
    ['01.10.2026 21:15:02', '2026-10-01T21:15:02.000Z'], // de-DE
    [1759310102, '2025-10-01T09:15:02.000Z'],
    [1759310102123, '2025-10-01T09:15:02.123Z'],
  ])('%s → %s', (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });

  it.each(['', 'yesterday', '2026-13-01T00:00:00Z', '2026-10-01T25:00:00Z', null, undefined, {}, '<null>'])(
    'rejects %j',
    (input) => {
      expect(toIsoUtc(input)).toBeUndefined();
    },
  );
});
