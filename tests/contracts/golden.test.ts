/**
 * Wire-shape golden files: the canonical event and the ingestion summary are promises (docs/contracts.md).
 * A change here is a contract change: update the files on purpose with `UPDATE_GOLDEN=1 npx vitest run
 * tests/contracts`, never automatically.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readAll } from '../helpers/ingest.js';

const GOLDEN = resolve(ROOT, 'tests/golden');

function golden(name: string, actual: unknown): void {
  const path = resolve(GOLDEN, name);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) throw new Error(`golden file ${name} is missing`);
    writeFileSync(path, text);
    return;
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const rel = (p: string): string => relative(ROOT, resolve(ROOT, p));

describe('canonical event wire shape', () => {
  it.each([
    ['event-audit-diagnostic.json', 'tests/fixtures/ingest/diagnostic/PT1H.json', 0],
    ['event-signin-log-analytics.json', 'tests/fixtures/ingest/log-analytics/AADServicePrincipalSignInLogs.jsonl', 0],
    ['event-signin-portal-csv.json', 'tests/fixtures/ingest/portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv', 0],
    ['event-keyvault-azurediagnostics.json', 'tests/fixtures/ingest/log-analytics/AzureDiagnostics-keyvault.jsonl', 1],
    ['event-activity-diagnostic.json', 'tests/fixtures/ingest/diagnostic/activity-PT1H.json', 0],
    ['event-graph-page.json', 'tests/fixtures/ingest/graph/directoryAudits.beta.page1.json', 2],
  ])('%s', async (name, path, index) => {
    const { events } = await readAll([rel(path)]);
    golden(name, events[index]);
  });
});

describe('ingestion summary wire shape', () => {
  it('summary of the quirks folder', async () => {
    const { summary } = await readAll([rel('tests/fixtures/ingest/quirks')]);
    golden('summary-quirks.json', { ...summary, elapsedMs: 0, peakRssBytes: 0 });
  });
});

describe('alert wire shape', () => {
  it('one alert as --format jsonl writes it (detectedAt fixed)', async () => {
    const { AlertPipeline } = await import('../../src/alerts/pipeline.js');
    const { loadRules } = await import('../../src/sigma/load.js');
    const { Ruleset } = await import('../../src/detect/ruleset.js');
    const loaded = await loadRules([rel('tests/fixtures/rules/credential-added.yml')]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders: {} });
    const { events } = await readAll([rel('tests/fixtures/ingest/diagnostic/PT1H.json')]);
    const [alert] = new AlertPipeline(ruleset).process(events);
    golden('alert-credential-added.json', { ...alert, detectedAt: '2026-01-01T00:00:00.000Z' });
  });
});

describe('alert serialisation', () => {
  it('the JSON Lines writer gives exactly JSON.stringify(alert)', async () => {
    const { alertJson } = await import('../../src/sinks/formats.js');
    const { AlertPipeline } = await import('../../src/alerts/pipeline.js');
    const { loadRules } = await import('../../src/sigma/load.js');
    const { Ruleset } = await import('../../src/detect/ruleset.js');
    const loaded = await loadRules([rel('tests/fixtures/rules')]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders: {} });
    const { events } = await readAll([rel('tests/fixtures/ingest/diagnostic'), rel('tests/fixtures/ingest/graph')]);
    const alerts = new AlertPipeline(ruleset).process(events);
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    for (const alert of alerts) expect(alertJson(alert)).toBe(JSON.stringify(alert));
  });
});
