/**
 * What the built-in rules' queries cannot express, rule by rule: every difference from the scan engine is
 * named (docs/export.md lists them), and the rules not listed here export with nothing lost.
 */
import { describe, expect, it } from 'vitest';
import { exportKql } from '../../src/export/export.js';
import { BUSINESS_HOURS, exportOptions, ruleSet } from './helpers.js';

/** Rule id → the start of each lost[] entry. */
const EXPECTED: Record<string, string[]> = {
  '6e7f8a9b-0c1d-4ecf-9a3b-5c6d7e8f9a0b': ['appwatch.azureRole: the request body keys'],
  '5d6e7f8a-9b0c-4dbe-8f2a-4b5c6d7e8f9a': ['appwatch.azureRole: the request body keys'],
  '4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c': ['credentials: a credential is told apart by its KeyIdentifier'],
  'b8d0f2a4-9c1e-4fd0-8e6b-0a2c4e6f8a9b': ['flag redirect-uri-dangling: needs DNS answers'],
  'a7c9e1f3-8b0d-4fcf-8c7e-9d1f3a5b7c8d': ['known-vault-caller: "seen before" means'],
  'c9e1a3b5-0d2f-4a6c-9b8d-1f3a5b7c9d0e': ['new-vault-caller: "seen before" means'],
  '6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c0d': ['windows are fixed 1h bins'],
  '4c5d6e7f-8a9b-4cad-9e1f-3a4b5c6d7e8f': ['windows are fixed 10m bins'],
};

describe('lost[] of the built-in rules', () => {
  it('names every difference, and only for these rules', async () => {
    const { queries, skipped } = exportKql(await ruleSet('builtin'), exportOptions('AZKVAuditLogs', BUSINESS_HOURS));
    expect(skipped).toEqual([]);
    for (const q of queries) {
      const expected = EXPECTED[q.ruleId] ?? [];
      expect(q.lost.length, q.title).toBe(expected.length);
      expected.forEach((start, i) => expect(q.lost[i], q.title).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
    }
  });
});
