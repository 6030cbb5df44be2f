/**
 * The export's catalogues agree with their sources: column names and types with the table reference in the
 * shared corpus (read in place; skipped with a message when it is absent), the field mapping names real
 * columns, and the privileged Azure roles are those enrich/azure-roles.ts flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { azureRoleAssignment } from '../../src/enrich/azure-roles.js';
import { PRIVILEGED_AZURE_ROLES } from '../../src/export/kql/enrich/resources.js';
import { allTables, tableInfo } from '../../src/export/kql/tables.js';
import type { CanonicalEvent } from '../../src/model/event.js';
import { ROOT } from '../helpers/ingest.js';

const CSV_DIR = resolve(ROOT, '../shared/corpus/catalogues/log-analytics-tables');
const tablesJson = JSON.parse(readFileSync(resolve(ROOT, 'catalogues/kql/tables.json'), 'utf8')) as { tables: Record<string, { columns: Record<string, string> }> };

describe('catalogues/kql', () => {
  it.skipIf(!existsSync(CSV_DIR))('column names and types are those of the table reference', () => {
    for (const [name, table] of Object.entries(tablesJson.tables)) {
      const file = resolve(CSV_DIR, `${name}.csv`);
      if (!existsSync(file)) continue;
      const rows = parseCsv(readFileSync(file, 'utf8'), { columns: true }) as { Column: string; Type: string }[];
      expect(Object.fromEntries(rows.map((r) => [r.Column, r.Type])), name).toEqual(table.columns);
    }
  });

  it.runIf(!existsSync(CSV_DIR))('says why the table reference was not compared', () => {
    console.warn('../shared/corpus/catalogues/log-analytics-tables is not here: catalogues/kql/tables.json not compared with it');
  });

  it('every table has TimeGenerated, and every mapped column exists', () => {
    for (const t of allTables()) {
      expect(t.columns.get('timegenerated')?.type, t.name).toBe('datetime');
      for (const column of t.mapping.values()) expect(tableInfo(t.name).columns.has(column.toLowerCase()), `${t.name}.${column}`).toBe(true);
    }
  });

  it('the privileged Azure roles are the ones the scan engine flags', () => {
    for (const [id, name] of Object.entries(PRIVILEGED_AZURE_ROLES)) {
      const event = {
        operationName: 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE',
        properties: { requestbody: JSON.stringify({ properties: { roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${id}`, principalType: 'ServicePrincipal' } }) },
        appwatch: { kind: 'activity', time: '2026-01-01T00:00:00.000Z', origin: { source: 'file', format: 'diagnostic' } },
      } as unknown as CanonicalEvent;
      expect(azureRoleAssignment(event)).toMatchObject({ privileged: true, roleName: name });
    }
  });
});
