/**
 * Golden KQL, one rule per construct family: tests/golden/kql/<name>.kql holds the exact query (and what it
 * cannot express) for a representative rule. A change to the compiler that changes a query shows here as a
 * diff to review. UPDATE_GOLDEN=1 rewrites them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportKql } from '../../src/export/export.js';
import type { KqlQuery } from '../../src/export/kql/compile.js';
import type { KeyVaultTable } from '../../src/export/kql/tables.js';
import { ROOT } from '../helpers/ingest.js';
import { BUSINESS_HOURS, exportOptions, ruleSet } from './helpers.js';

const GOLDEN = resolve(ROOT, 'tests/golden/kql');

interface Case {
  name: string;
  family: string;
  source: 'builtin' | 'constructs';
  ruleId: string;
  keyVaultTable?: KeyVaultTable;
  businessHours?: boolean;
}

const CASES: Case[] = [
  { name: 'wildcards', family: 'wildcards, escaping, contains/startswith/endswith, cased', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000001' },
  { name: 'typed-values', family: 'numbers vs strings by column type, booleans, neq', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000002' },
  { name: 'null-exists', family: 'null, empty, exists', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000003' },
  { name: 'cidr-regex', family: 'cidr IPv4 and IPv6, re', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000004' },
  { name: 'keywords', family: 'keywords', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000005' },
  { name: 'arrays', family: 'any element and same element through arrays (mv-apply)', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000006' },
  { name: 'modifiers', family: 'all, time parts, fieldref, base64offset, expand', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000007' },
  { name: 'two-tables', family: 'one rule on two tables whose columns differ in type (union)', source: 'constructs', ruleId: '00000000-0000-4000-8000-000000000008' },
  { name: 'permissions', family: 'permission classification, sensitive API, all users (decoded modified properties)', source: 'builtin', ruleId: 'd4f6b8c0-5e7a-4c9d-9f4b-6a8c0d2e4f5a' },
  { name: 'privileged-role', family: 'privileged directory roles', source: 'builtin', ruleId: '0f2e4d6c-8b1a-4c3e-9d5f-7a9b1c3d5e7f' },
  { name: 'credentials', family: 'credentials added (KeyDescription old vs new)', source: 'builtin', ruleId: '4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c' },
  { name: 'business-hours-azurediagnostics', family: 'business hours from the configuration, known callers, AzureDiagnostics', source: 'builtin', ruleId: 'a7c9e1f3-8b0d-4fcf-8c7e-9d1f3a5b7c8d', keyVaultTable: 'AzureDiagnostics', businessHours: true },
  { name: 'event-count', family: 'event_count correlation', source: 'builtin', ruleId: '4c5d6e7f-8a9b-4cad-9e1f-3a4b5c6d7e8f' },
  { name: 'value-count', family: 'value_count correlation, group-by through an array', source: 'builtin', ruleId: '6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c0d' },
  { name: 'temporal', family: 'temporal correlation', source: 'constructs', ruleId: '00000000-0000-4000-8000-00000000000b' },
  { name: 'temporal-ordered', family: 'temporal_ordered correlation over two tables, joins with explicit kinds', source: 'builtin', ruleId: '4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b' },
];

function render(q: KqlQuery, family: string): string {
  const lines = [`// ${family}`, `// ${q.title} (${q.ruleId}) on ${q.table}`];
  for (const l of q.lost) lines.push(`// lost: ${l}`);
  for (const n of q.notes) lines.push(`// note: ${n}`);
  return `${lines.join('\n')}\n${q.query}\n`;
}

describe('golden KQL, one rule per construct family', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.family}`, async () => {
      const { queries } = exportKql(await ruleSet(c.source), exportOptions(c.keyVaultTable ?? 'AZKVAuditLogs', c.businessHours ? BUSINESS_HOURS : undefined));
      const query = queries.find((q) => q.ruleId === c.ruleId);
      expect(query, `${c.ruleId} exported`).toBeDefined();
      const text = render(query!, c.family);
      const file = resolve(GOLDEN, `${c.name}.kql`);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});
