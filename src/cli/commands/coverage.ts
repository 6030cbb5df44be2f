/**
 * @module cli/commands/coverage
 * `appwatch coverage [inputs…]`: for each of the guide's 18 rows, the rules that implement it, the data it
 * needs, whether the scanned inputs held any, and what is missing — so a quiet scan is never mistaken for a
 * clean tenant.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { guideRowsOf } from '../../alerts/build.js';
import { loadConfig } from '../../config/config.js';
import { runIngestion } from '../ingest-run.js';
import { loadRuleset } from '../rules-loading.js';
import { createReporter, inertLine } from '../terminal.js';
import { collect, EXIT } from './common.js';

interface GuideRow {
  row: number;
  title: string;
  risk: string;
  needs: string[];
}


const MISSING: Record<string, string> = {
  audit: 'no Entra audit logs in the inputs',
  signin: 'no sign-in logs in the inputs (Entra ID P1/P2 is needed to export them)',
  keyvault: 'no Key Vault AuditEvent logs in the inputs (enable diagnostic settings on the vaults)',
  activity: 'no Azure Activity logs in the inputs',
  snapshot: 'needs the tenant\'s inventory (posture), not logs; credentials added in the logs are checked against credentials.maxLifetimeDays by scan --snapshot',
  dns: 'needs --dns to check whether added hosts still resolve',
};

export function coverageCommand(setExit: (code: number) => void): Command {
  const command = new Command('coverage')
    .description("for each of the guide's 18 rows: the rules that cover it, the data it needs, and what is missing")
    .argument('[paths...]', 'logs to check for the data each row needs (optional)')
    .option('--rules <path>', 'also count these rules (repeatable)', collect, [])
    .option('--no-builtin', 'without the built-in rules')
    .option('--config <file>', 'configuration file')
    .option('-q, --quiet', 'no progress or status lines')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (paths: string[], options: { rules: string[]; builtin: boolean; config?: string; quiet?: boolean; format: string }) => {
      const { config } = loadConfig(options.config);
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const rows = parseYaml(readFileSync(new URL('../../../catalogues/guide/rows.yaml', import.meta.url), 'utf8')) as GuideRow[];
      const { ruleset } = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: [] }, config);
      let present: Record<string, number> | undefined;
      if (paths.length > 0) {
        const summary = (await runIngestion(paths, { inputFormat: config.ingest.inputFormat ?? 'auto', progress: !options.quiet }, reporter, async () => undefined)).toJSON();
        present = { ...summary.events };
      }
      const result = rows.map((row) => {
        const rules = ruleset.rules.filter((r) => r.predicate && !r.routing.inactive && guideRowsOf(r.rule).includes(row.row));
        const missing: string[] = [];
        if (rules.length === 0) missing.push('no rule implements it');
        const logNeeds = row.needs.filter((n) => n in { audit: 1, signin: 1, keyvault: 1, activity: 1 });
        if (present) {
          const held = logNeeds.filter((n) => (present![n] ?? 0) > 0);
          if (logNeeds.length > 0 && held.length === 0) missing.push(...logNeeds.map((n) => MISSING[n]!));
          else if (held.length < logNeeds.length) missing.push(...logNeeds.filter((n) => !held.includes(n)).map((n) => `${MISSING[n]!} (partial coverage)`));
        }
        for (const n of row.needs) if (!(n in { audit: 1, signin: 1, keyvault: 1, activity: 1 })) missing.push(MISSING[n]!);
        const status = missing.length === 0 ? (present ? 'covered' : 'rules ready (no data checked)') : rules.length === 0 ? 'not covered' : 'partial';
        return { row: row.row, title: row.title, risk: row.risk, needs: row.needs, rules: rules.map((r) => ({ id: r.rule.id, title: r.rule.title })), ...(present ? { events: Object.fromEntries(logNeeds.map((n) => [n, present![n] ?? 0])) } : {}), status, missing };
      });
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify({ rows: result }, null, 2)}\n`);
      } else {
        const lines = ['row  status                         rules  needs                 missing'];
        for (const r of result) {
          lines.push(`${String(r.row).padStart(3)}  ${r.status.padEnd(30)} ${String(r.rules.length).padStart(5)}  ${r.needs.join(', ').padEnd(20)}  ${inertLine(r.missing.join('; ') || '-')}`);
          lines.push(`     ${inertLine(r.title)} (${r.risk})`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      setExit(EXIT.ok);
    });
  return command;
}
