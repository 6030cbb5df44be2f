/** Rule sets the export tests compile: the built-in rules, the constructs fixture, SigmaHQ's Azure rules in place. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import type { AppwatchConfig, ContextConfig } from '../../src/config/config.js';
import type { Ruleset } from '../../src/detect/ruleset.js';
import type { ExportOptions } from '../../src/export/export.js';
import type { KeyVaultTable } from '../../src/export/kql/tables.js';
import { ROOT } from '../helpers/ingest.js';

export const SIGMAHQ = resolve(ROOT, '../shared/corpus/sigmahq');
export const HAS_SIGMAHQ = existsSync(SIGMAHQ);
export const CONSTRUCTS = resolve(ROOT, 'tests/export/fixtures/constructs.yml');
export const SKIP_SIGMAHQ = `../shared/corpus/sigmahq is not here (a clone without the shared corpus): the SigmaHQ rules are not exported in this run`;

/** Values for every placeholder SigmaHQ's Azure rules use, so none is refused for want of one. */
export const PLACEHOLDERS: Record<string, string[]> = {
  ApprovedUserUpn: ['admin@contoso.com'], Approved_Inviters: ['inviter@contoso.com'], Important_AppIds: ['00000003-0000-0000-c000-000000000000'],
  Known_Location: ['FR'], KNOWN_LOCATION: ['FR'], UnLegitCountries: ['XX'], LegitCountries: ['FR'], UnApprovedIp: ['192.0.2.1'],
  UnApprovedDevice: ['device-1'], HomeTenantID: ['11111111-2222-3333-4444-555555555555'], ClosingTime: ['18'], ImportantApps: ['a1b2', 'c3d4'],
};

export const BUSINESS_HOURS: ContextConfig = {
  businessHours: { timeZone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', holidays: ['2026-12-25'] },
};

const config = { sigma: { placeholders: PLACEHOLDERS }, thresholds: {} } as unknown as AppwatchConfig;

export async function ruleSet(source: 'builtin' | 'constructs' | 'sigmahq'): Promise<Ruleset> {
  const loaded = await loadRuleset({
    builtin: source === 'builtin',
    rules: source === 'constructs' ? [CONSTRUCTS] : source === 'sigmahq' ? [SIGMAHQ] : [],
    placeholders: [],
  }, config);
  return loaded.ruleset;
}

export function exportOptions(keyVaultTable: KeyVaultTable = 'AZKVAuditLogs', context?: ContextConfig): ExportOptions {
  return { keyVaultTable, placeholders: PLACEHOLDERS, ...(context ? { context } : {}) };
}
