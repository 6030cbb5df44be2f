/**
 * @module cli/commands/export
 * `appwatch export kql` (one KQL query per rule, as files, JSON or text) and `appwatch export sentinel`
 * (analytics rules as Azure-Sentinel YAML or ARM templates, one per file). The rule set is loaded exactly as
 * `scan` loads it (built-in rules, --rules, placeholders, the same repairs and field mapping); rules that cannot
 * be exported are listed on stderr with the reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/config.js';
import { exportKql, exportSentinel, type ExportOptions } from '../../export/export.js';
import type { KqlQuery, Skipped } from '../../export/kql/compile.js';
import { KEYVAULT_TABLES, type KeyVaultTable } from '../../export/kql/tables.js';
import { sentinelArm } from '../../export/sentinel/arm.js';
import { sentinelYaml } from '../../export/sentinel/yaml.js';
import { DataWriter } from '../output.js';
import { loadRuleset, placeholdersFrom } from '../rules-loading.js';
import { createReporter, inertLine, type Reporter } from '../terminal.js';
import { addRuleSetOptions, EXIT } from './common.js';

interface CommonOptions {
  rules: string[];
  builtin: boolean;
  placeholder: string[];
  config?: string;
  keyvaultTable: KeyVaultTable;
  quiet?: boolean;
}

/** A rule id as a file name (ids are GUIDs; rules without one fall back to their name or title). */
export function fileNameOf(ruleId: string): string {
  return ruleId.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

function addExportOptions(command: Command): Command {
  return addRuleSetOptions(command)
    .option('--config <file>', 'configuration file: sigma.placeholders, and context.businessHours for rules that test outside-business-hours')
    .addOption(new Option('--keyvault-table <table>', 'where Key Vault AuditEvent records are: resource-specific AZKVAuditLogs, or legacy AzureDiagnostics').choices(KEYVAULT_TABLES).default('AZKVAuditLogs'))
    .option('-q, --quiet', 'no status lines on stderr (errors still shown)');
}

async function prepare(options: CommonOptions): Promise<{ ruleset: Awaited<ReturnType<typeof loadRuleset>>['ruleset']; exportOptions: ExportOptions }> {
  const { config } = loadConfig(options.config);
  const { ruleset } = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: options.placeholder }, config);
  return {
    ruleset,
    exportOptions: { keyVaultTable: options.keyvaultTable, placeholders: placeholdersFrom(config, options.placeholder), ...(config.context ? { context: config.context } : {}) },
  };
}

function reportSkipped(reporter: Reporter, skipped: readonly Skipped[]): void {
  for (const s of skipped) reporter.warn(`not exported: ${s.title} (${s.ruleId}): ${s.reason}`);
}

/** A .kql file: what the rule is, what the query cannot express, then the query. */
function kqlFile(q: KqlQuery): string {
  const comment = (text: string): string => text.split('\n').map((l) => `// ${l}`).join('\n');
  const head = [`${q.title}`, `Sigma ${q.kind} ${q.ruleId}; table${q.tables.length > 1 ? 's' : ''}: ${q.table}`];
  for (const l of q.lost) head.push(`cannot express: ${l}`);
  for (const n of q.notes) head.push(`note: ${n}`);
  return `${comment(head.join('\n'))}\n${q.query}\n`;
}

function kqlSubcommand(setExit: (code: number) => void): Command {
  return addExportOptions(new Command('kql')
    .description('one KQL query per rule, routed to its Log Analytics table(s)'))
    .option('--out <dir>', 'write one <rule id>.kql file per rule into this directory')
    .addOption(new Option('--format <format>', 'stdout format: kql (queries with comment headers) or json ([{ruleId, title, table, query, lost}])').choices(['kql', 'json']).default('kql'))
    .action(async (options: CommonOptions & { out?: string; format: 'kql' | 'json' }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      if (options.out && options.format === 'json') {
        reporter.error('--out writes .kql files; --format json writes to stdout: choose one');
        setExit(EXIT.usage);
        return;
      }
      const { ruleset, exportOptions } = await prepare(options);
      const { queries, skipped } = exportKql(ruleset, exportOptions);
      reportSkipped(reporter, skipped);
      if (options.out) {
        mkdirSync(options.out, { recursive: true });
        for (const q of queries) writeFileSync(join(options.out, `${fileNameOf(q.ruleId)}.kql`), kqlFile(q));
        reporter.info(`${queries.length} queries written to ${options.out}${skipped.length ? `; ${skipped.length} rules not exported` : ''}`);
      } else {
        const writer = new DataWriter();
        if (options.format === 'json') {
          const rows = queries.map((q) => ({ ruleId: q.ruleId, title: q.title, table: q.table, tables: q.tables, kind: q.kind, query: q.query, lost: q.lost, notes: q.notes }));
          await writer.write(`${JSON.stringify(rows, null, 2)}\n`);
        } else {
          await writer.write(queries.map(kqlFile).join('\n'));
        }
        await writer.close();
        reporter.info(`${queries.length} queries${skipped.length ? `; ${skipped.length} rules not exported` : ''}`);
      }
      const lossy = queries.filter((q) => q.lost.length > 0);
      if (lossy.length > 0) reporter.warn(`${lossy.length} ${lossy.length === 1 ? 'query says' : 'queries say'} in lost[] what KQL cannot express: ${lossy.map((q) => inertLine(q.title)).join('; ')}`);
      setExit(EXIT.ok);
    });
}

function sentinelSubcommand(setExit: (code: number) => void): Command {
  return addExportOptions(new Command('sentinel')
    .description('Microsoft Sentinel analytics rules: Azure-Sentinel YAML, or ARM templates for Sentinel Repositories (one rule per file)'))
    .addOption(new Option('--format <format>', 'yaml (Azure-Sentinel repository format) or arm (deployable template with a workspace parameter)').choices(['yaml', 'arm']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'directory for the rule files')
    .action(async (options: CommonOptions & { out: string; format: 'yaml' | 'arm' }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const { ruleset, exportOptions } = await prepare(options);
      const { rules, skipped } = exportSentinel(ruleset, exportOptions);
      reportSkipped(reporter, skipped);
      mkdirSync(options.out, { recursive: true });
      for (const { rule } of rules) {
        const base = join(options.out, fileNameOf(rule.sigmaId));
        if (options.format === 'yaml') writeFileSync(`${base}.yaml`, sentinelYaml(rule));
        else writeFileSync(`${base}.json`, `${JSON.stringify(sentinelArm(rule), null, 2)}\n`);
      }
      const disabled = rules.filter(({ rule }) => rule.lost.length > 0).length;
      reporter.info(`${rules.length} analytics rules written to ${options.out} as ${options.format === 'yaml' ? 'YAML' : 'ARM templates'}${skipped.length ? `; ${skipped.length} not exported` : ''}`);
      if (disabled > 0) reporter.warn(`${disabled} rule${disabled === 1 ? '' : 's'} cannot express all of the Sigma rule (see each description)${options.format === 'arm' ? '; deployed disabled for review' : ''}`);
      setExit(EXIT.ok);
    });
}

export function exportCommand(setExit: (code: number) => void): Command {
  return new Command('export')
    .description('export the rules to the engines teams already run: KQL queries and Microsoft Sentinel analytics rules')
    .addCommand(kqlSubcommand(setExit))
    .addCommand(sentinelSubcommand(setExit));
}
