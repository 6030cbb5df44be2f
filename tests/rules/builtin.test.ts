/**
 * Every built-in rule has positive and negative fixtures next to it (`<rule>.positive.jsonl`,
 * `<rule>.negative.jsonl`, records in real log shapes): each positive record raises the rule, no negative one
 * does, and no built-in rule fires on another rule's negatives by accident of this one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR } from '../../src/cli/rules-loading.js';
import { Ruleset } from '../../src/detect/ruleset.js';
import { enrichEvent } from '../../src/enrich/index.js';
import { ContextFlags } from '../../src/enrich/context.js';
import { readFileSync } from 'node:fs';
import type { CanonicalEvent } from '../../src/model/event.js';
import { loadRules } from '../../src/sigma/load.js';
import { CORPUS, HAS_CORPUS, ROOT, readAll } from '../helpers/ingest.js';
import { startDnsServer, type Zone } from '../helpers/dns-server.js';
import { Baseline, type BaselineState } from '../../src/enrich/baseline.js';
import { AlertPipeline } from '../../src/alerts/pipeline.js';

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? ruleFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : []);
}

const files = ruleFiles(BUILTIN_RULES_DIR);

describe('built-in rules', () => {
  let ruleset: Ruleset;
  beforeAll(async () => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    expect(loaded.diagnostics).toEqual([]);
    ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
  });

  it('each rule is active, names its guide rows, its ATT&CK tags and what to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const c of ruleset.correlations) {
      expect(c.tags.some((t) => /^attack\.t\d{4}/.test(t)), c.title).toBe(true);
      expect(Array.isArray(c.raw.check), c.title).toBe(true);
    }
    // Chain steps alert only through their correlation: they carry no guide row of their own.
    for (const rule of ruleset.rules.filter((r) => !r.correlationOnly)) {
      expect(rule.predicate, rule.rule.title).toBeDefined();
      expect(rule.routing.inactive, rule.rule.title).toBeUndefined();
      expect(rule.rule.tags.some((t) => /^appwatch\.guide-row\.\d+$/.test(t)), rule.rule.title).toBe(true);
      expect(rule.rule.tags.some((t) => /^attack\.t\d{4}/.test(t)), rule.rule.title).toBe(true);
      expect(Array.isArray(rule.rule.raw.check) && (rule.rule.raw.check as unknown[]).length > 0, rule.rule.title).toBe(true);
      expect(rule.rule.author).toBe('appwatch');
    }
  });

  for (const file of files) {
    const base = file.replace(/\.yml$/, '');
    const name = relative(ROOT, file);
    it(`${name}: positives raise it, negatives do not`, async () => {
      expect(existsSync(`${base}.positive.jsonl`), `${base}.positive.jsonl`).toBe(true);
      expect(existsSync(`${base}.negative.jsonl`), `${base}.negative.jsonl`).toBe(true);
      const correlation = ruleset.correlations.find((c) => c.location.file === file);
      if (correlation) {
        // A correlation: the fixtures are sequences; its alert must come from the positives only.
        const run = async (path: string): Promise<string[]> => {
          const { events } = await readAll([path]);
          const pipeline = new AlertPipeline(ruleset);
          return [...pipeline.process(events), ...pipeline.finish()].map((a) => a.rule.id);
        };
        expect(await run(`${base}.positive.jsonl`)).toContain(correlation.id);
        expect(await run(`${base}.negative.jsonl`)).not.toContain(correlation.id);
        return;
      }
      const id = ruleset.rules.find((r) => r.rule.location.file === file)!.rule.id;
      if (existsSync(`${base}.baseline.json`)) {
        // A rule that needs history: the scan pipeline with a saved baseline (`<rule>.baseline.json`), fresh per event.
        const state = JSON.parse(readFileSync(`${base}.baseline.json`, 'utf8')) as Partial<BaselineState>;
        const context = existsSync(`${base}.context.json`) ? JSON.parse(readFileSync(`${base}.context.json`, 'utf8')) : {};
        const ruleIds = async (path: string): Promise<string[][]> => (await readAll([path])).events.map((e) =>
          new AlertPipeline(ruleset, context, false, new Baseline(state)).process([e]).map((a) => a.rule.id));
        for (const ids of await ruleIds(`${base}.positive.jsonl`)) expect(ids).toContain(id);
        for (const ids of await ruleIds(`${base}.negative.jsonl`)) expect(ids).not.toContain(id);
        return;
      }
      if (existsSync(`${base}.dns.json`)) {
        // A rule that needs DNS: the scan pipeline with --dns, against a local resolver serving `<rule>.dns.json`.
        const server = await startDnsServer(JSON.parse(readFileSync(`${base}.dns.json`, 'utf8')) as Zone);
        try {
          const ruleIds = async (path: string): Promise<string[][]> => Promise.all((await readAll([path])).events.map(async (e) =>
            (await new AlertPipeline(ruleset, {}, { servers: [server.address], timeoutMs: 1000 }).processWithDns([e])).map((a) => a.rule.id)));
          for (const ids of await ruleIds(`${base}.positive.jsonl`)) expect(ids).toContain(id);
          for (const ids of await ruleIds(`${base}.negative.jsonl`)) expect(ids).not.toContain(id);
        } finally {
          await server.close();
        }
        return;
      }
      // As a scan does: enrichment and context flags (a rule may bring its own context, `<rule>.context.json`),
      // then matching.
      const context = new ContextFlags(existsSync(`${base}.context.json`) ? JSON.parse(readFileSync(`${base}.context.json`, 'utf8')) : {});
      const prepare = (e: CanonicalEvent): CanonicalEvent => {
        enrichEvent(e);
        const flags = context.flags(e);
        if (flags.length > 0) e.appwatch.flags = [...((e.appwatch.flags as string[] | undefined) ?? []), ...flags];
        return e;
      };
      const positives = (await readAll([`${base}.positive.jsonl`])).events.map(prepare);
      const negatives = (await readAll([`${base}.negative.jsonl`])).events.map(prepare);
      expect(positives.length).toBeGreaterThan(0);
      expect(negatives.length).toBeGreaterThan(0);
      positives.forEach((event, i) => expect(ruleset.match(event).map((m) => m.rule.rule.id), `positive ${i + 1}`).toContain(id));
      negatives.forEach((event, i) => expect(ruleset.match(event).map((m) => m.rule.rule.id), `negative ${i + 1}`).not.toContain(id));
    });
  }
});

describe.skipIf(!HAS_CORPUS)('built-in rules on real samples', () => {
  it('the OTRF Golden SAML rows raise the credential-added and the all-users Mail.ReadWrite grant alerts, high', async () => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
    const { events } = await readAll([resolve(CORPUS, 'samples/otrf-security-datasets/AADAuditEvents.json')]);
    const alerts = new AlertPipeline(ruleset).process(events);
    const byTitle = new Map(alerts.map((a) => [a.rule.title, a]));
    const credential = byTitle.get('Credential added to an application or service principal');
    expect(credential?.severity).toBe('high');
    expect(credential?.rule.guideRows).toEqual([1]);
    const grant = byTitle.get('High-privilege delegated permission granted for all users');
    expect(grant?.severity).toBe('high');
    expect(grant?.rule.guideRows).toEqual([5, 6, 8]);
    // The grant is about the app that received it; Microsoft Graph is the resource API.
    expect(grant?.entities.resource).toEqual({ appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' });
    expect(grant?.entities.servicePrincipal).toMatchObject({ id: '0d2f5969-011b-460d-ac74-3291d227d49f' });
    expect(grant?.summary).toContain('grants Mail.ReadWrite (high) on Microsoft Graph for all users');
    // The two credential rows are one change read twice by the query (mv-expand): one alert.
    expect(alerts.filter((a) => a.rule.title === credential!.rule.title)).toHaveLength(1);
  });
});

describe('the same event in every form gives the same alert', () => {
  it.each([
    ['E1 credential added', ['graph/directoryAudits.beta.page1.json', 'diagnostic/PT1H.json', 'log-analytics/AuditLogs.jsonl', 'log-analytics/AuditLogs.csv', 'portal-csv/AuditLogs_2026-10-01_2026-10-02.csv', 'portal-json/AuditLogs_2026-10-01_2026-10-02.json'], 'Credential added to an application or service principal', '2026-10-01T09:15:02.000Z'],
    ['E4 ROPC sign-in', ['graph/signIns.beta.json', 'diagnostic/PT1H.json', 'log-analytics/SigninLogs.jsonl', 'portal-csv/InteractiveSignIns_2026-10-01_2026-10-02.csv', 'portal-json/InteractiveSignIns_2026-10-01_2026-10-02.json'], 'Successful sign-in with the ROPC flow', undefined],
  ] as [string, string[], string, string | undefined][])('%s', async (_what, files, title, time) => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
    const seen: { file: string; alert: Record<string, unknown> }[] = [];
    for (const file of files) {
      const { events } = await readAll([resolve(ROOT, 'tests/fixtures/ingest', file)]);
      const alerts = new AlertPipeline(ruleset).process(events).filter((a) => a.rule.title === title && (time === undefined || a.time === time));
      expect(alerts, file).toHaveLength(1);
      const { detectedAt: _d, evidence, fields: _f, ...stable } = alerts[0]!;
      // The portal audit CSV has no audit id: its evidence id is the correlation id, and so is its alert id.
      seen.push({ file, alert: { ...stable, id: file.includes('AuditLogs_') && file.endsWith('.csv') ? 'csv' : stable.id, evidence: evidence.map((e) => ({ kind: e.kind, time: e.time })) } });
    }
    const reference = seen[0]!.alert;
    for (const s of seen.slice(1)) {
      const expected = s.alert.id === 'csv' ? { ...reference, id: 'csv' } : reference;
      expect(s.alert, `${s.file} vs ${seen[0]!.file}`).toEqual(expected);
    }
  });
});

describe('benign automation and suspicious names move the severity', () => {
  async function alertsFor(mutate: (record: Record<string, unknown>) => void): Promise<{ severity: string; flags: string[]; reasons: string[] }[]> {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
    const record = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, 'azure/auditlogs/app_permission_sensitive_api.positive.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    mutate(record);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'appwatch-benign-')), 'event.jsonl');
    writeFileSync(path, `${JSON.stringify(record)}\n`);
    const { events } = await readAll([path]);
    return new AlertPipeline(ruleset).process(events).map((a) => ({ severity: a.severity, flags: a.context.flags, reasons: a.context.severityReasons }));
  }
  type Target = { displayName: string | null; modifiedProperties: { displayName: string; newValue: string }[] };

  it('a permission granted to a Microsoft first-party app is lowered one step', async () => {
    const [alert] = await alertsFor((r) => {
      const props = (r.targetResources as Target[])[0]!.modifiedProperties;
      props.find((p) => p.displayName === 'ServicePrincipal.AppId')!.newValue = '"1fec8e78-bce4-4aaf-ab1b-5451cc387264"'; // Microsoft Teams
    });
    expect(alert).toMatchObject({ severity: 'medium', reasons: ['rule level high', 'lowered: a Microsoft first-party application'] });
    expect(alert!.flags).toContain('microsoft-first-party');
  });

  it('a permission granted to a look-alike of a Microsoft app is raised one step', async () => {
    const [alert] = await alertsFor((r) => {
      (r.targetResources as Target[])[1]!.displayName = 'Micros0ft Teams';
    });
    expect(alert!.severity).toBe('critical');
    expect(alert!.flags).toContain('lookalike-app-name');
  });
});

describe('one change logged twice gives one alert', () => {
  it('the application and the service principal entries of one AppIdentifierUri change (one correlationId) fold', async () => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
    const app = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, 'azure/auditlogs/appid_uri_changed.positive.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    const sp: Record<string, unknown> = { ...JSON.parse(JSON.stringify(app)) as Record<string, unknown>, id: `${String(app.id)}_SP`, activityDisplayName: 'Update service principal' };
    (sp.targetResources as { id: string; type: string }[])[0] = { ...(sp.targetResources as { id: string; type: string }[])[0]!, id: 'a7b6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d', type: 'ServicePrincipal' };
    const other = { ...JSON.parse(JSON.stringify(app)) as Record<string, unknown>, id: `${String(app.id)}_OTHER`, correlationId: '0f0e0d0c-0b0a-4909-8807-060504030201' };
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'appwatch-fold-')), 'twice.jsonl');
    writeFileSync(path, [app, sp, other].map((r) => JSON.stringify(r)).join('\n'));
    const { events } = await readAll([path]);
    const pipeline = new AlertPipeline(ruleset);
    const alerts = pipeline.process(events).filter((a) => a.rule.title === 'Application ID URI changed');
    expect(alerts).toHaveLength(2); // the folded pair, and the separate change
    expect(pipeline.stats.duplicates).toBe(1);
  });
});

describe('"Consent to application" permissions (ConsentAction.Permissions text)', () => {
  const consent = (permissions: string): CanonicalEvent => ({
    appwatch: { kind: 'audit', time: '2026-10-01T09:15:02.000Z', origin: { file: 'inline', line: 1 } },
    activityDisplayName: 'Consent to application',
    additionalDetails: [{ key: 'AppId', value: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' }],
    targetResources: [{
      id: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4', displayName: 'Payroll-Sync', type: 'ServicePrincipal',
      modifiedProperties: [
        { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: '"False"' },
        { displayName: 'ConsentAction.Permissions', oldValue: null, newValue: JSON.stringify(permissions) },
      ],
    }],
  }) as unknown as CanonicalEvent;

  it('lists the scopes the consent added, classified, with the consent type and the consenting app', () => {
    const event = enrichEvent(consent('[] => [[Id: x, ClientId: c, PrincipalId: p, ResourceId: r, ConsentType: Principal, Scope: User.Read Mail.Read, CreatedDateTime: , LastModifiedDateTime ]]; '));
    const grant = event.appwatch.permissions as { added: { value: string; class: string }[]; consentType?: string; allPrincipals?: boolean; client?: object };
    expect(grant.added.map((p) => `${p.value}:${p.class}`)).toEqual(['User.Read:low', 'Mail.Read:high']);
    expect(grant.consentType).toBe('Principal');
    expect(grant.allPrincipals).toBe(false);
    expect(grant.client).toEqual({ servicePrincipalId: 'e24a836a-61c2-4392-9cec-3d08fc2b8bc4', appId: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' });
  });

  it('counts only scopes that were not granted before, and reads nothing from text it cannot parse', () => {
    const more = enrichEvent(consent('[[Id: x, ClientId: c, PrincipalId: , ResourceId: r, ConsentType: AllPrincipals, Scope: User.Read openid, ExpiryTime: ]] => [[Id: x, ClientId: c, PrincipalId: , ResourceId: r, ConsentType: AllPrincipals, Scope: User.Read openid Files.ReadWrite.All, ExpiryTime: ]]; '));
    const grant = more.appwatch.permissions as { added: { value: string }[]; allPrincipals?: boolean };
    expect(grant.added.map((p) => p.value)).toEqual(['Files.ReadWrite.All']);
    expect(grant.allPrincipals).toBe(true);
    const garbled = enrichEvent(consent('Scope: Mail.Read'));
    expect((garbled.appwatch.permissions as { added: unknown[] }).added).toEqual([]);
  });

  it('puts the permissions in the end-user consent alert summary', async () => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
    const { events } = await readAll([resolve(ROOT, 'rules/azure/auditlogs/end_user_consent.positive.jsonl')]);
    const alerts = new AlertPipeline(ruleset).process(events);
    const alert = alerts.find((a) => a.rule.title === 'End-user consent to an application');
    expect(alert?.summary).toContain('grants User.Read (low), Mail.Read (high)');
  });
});
