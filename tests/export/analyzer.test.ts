/**
 * Every exported query parses and analyses with no error and no warning in Microsoft's KQL language service
 * (@kusto/language-service-next) against the table schemas in catalogues/kql/, and passes appwatch's own lint
 * (string vs number, constant comparisons, string operators on dynamic values, search/union *). Suggestions
 * are listed, not failures. Built-in rules, the constructs fixture and SigmaHQ's Azure rules (read in place),
 * as plain KQL and as Sentinel queries, for both Key Vault tables.
 */
import { describe, expect, it } from 'vitest';
import { exportKql, exportSentinel } from '../../src/export/export.js';
import { analyze } from '../../src/export/kql/analyze.js';
import { lint } from '../../src/export/kql/lint.js';
import type { KqlQuery } from '../../src/export/kql/compile.js';
import { KEYVAULT_TABLES } from '../../src/export/kql/tables.js';
import { BUSINESS_HOURS, exportOptions, HAS_SIGMAHQ, ruleSet, SKIP_SIGMAHQ } from './helpers.js';

interface Outcome {
  queries: number;
  problems: string[];
  suggestions: Map<string, number>;
}

function check(queries: readonly { title: string; query: string }[]): Outcome {
  const problems: string[] = [];
  const suggestions = new Map<string, number>();
  for (const q of queries) {
    for (const d of analyze(q.query)) {
      if (d.severity === 'Suggestion' || d.severity === 'Information') suggestions.set(`${d.code} ${d.message.split('\n')[0]}`, (suggestions.get(`${d.code} ${d.message.split('\n')[0]}`) ?? 0) + 1);
      else problems.push(`${q.title}: ${d.severity} ${d.code} ${d.message} at ${JSON.stringify(d.at)}`);
    }
    for (const f of lint(q.query)) problems.push(`${q.title}: lint ${f.rule}: ${f.message} at ${JSON.stringify(f.at)}`);
  }
  return { queries: queries.length, problems, suggestions };
}

function report(label: string, outcome: Outcome): void {
  const listed = [...outcome.suggestions].map(([s, n]) => `${n}× ${s}`).join('; ');
  console.info(`${label}: ${outcome.queries} queries, ${outcome.problems.length} errors or warnings${listed ? `; suggestions (not failures): ${listed}` : ''}`);
}

const sources = ['builtin', 'constructs', 'sigmahq'] as const;

describe('exported KQL analyses clean', () => {
  for (const source of sources) {
    for (const table of KEYVAULT_TABLES) {
      it.skipIf(source === 'sigmahq' && !HAS_SIGMAHQ)(`${source} rules as KQL (Key Vault in ${table})`, async () => {
        const ruleset = await ruleSet(source);
        const { queries } = exportKql(ruleset, exportOptions(table, BUSINESS_HOURS));
        expect(queries.length).toBeGreaterThan(0);
        const outcome = check(queries);
        report(`${source}/${table} kql`, outcome);
        expect(outcome.problems).toEqual([]);
      });
      it.skipIf(source === 'sigmahq' && !HAS_SIGMAHQ)(`${source} rules as Sentinel queries (Key Vault in ${table})`, async () => {
        const ruleset = await ruleSet(source);
        const { rules } = exportSentinel(ruleset, exportOptions(table, BUSINESS_HOURS));
        const outcome = check(rules.map(({ rule }) => ({ title: rule.name, query: rule.query })));
        report(`${source}/${table} sentinel`, outcome);
        expect(outcome.problems).toEqual([]);
      });
    }
  }

  it('without business hours configured, the rule that needs them still analyses (and can never match)', async () => {
    const { queries } = exportKql(await ruleSet('builtin'), exportOptions());
    const hours = queries.find((q) => q.title.startsWith('Key Vault secret, key or certificate accessed outside business hours')) as KqlQuery;
    expect(hours.neverMatches).toBe(true);
    expect(check([hours]).problems).toEqual([]);
  });

  it.runIf(!HAS_SIGMAHQ)('says why the SigmaHQ rules were not exported', () => {
    console.warn(SKIP_SIGMAHQ);
  });
});
