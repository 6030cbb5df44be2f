/**
 * @module cli/commands/consent-report
 * `appwatch consent-report --snapshot FILE | --tenant ID`: every permission granted to an application, one row
 * each, in the columns of Get-AzureADPSPermissions (the report Microsoft's consent-grant guide links) plus
 * appwatch's privilege class. CSV for Excel by default; JSON or JSON Lines for scripts.
 */
import { Command, Option } from 'commander';
import { appRoleIndex } from '../../posture/app-roles.js';
import { consentCsv, consentReport, consentSummary } from '../../posture/consent-report.js';
import { DataWriter } from '../output.js';
import { createReporter } from '../terminal.js';
import { EXIT } from './common.js';
import { addInventorySourceOptions, inventoryOrReason, type InventorySourceOptions } from './inventory-source.js';

export const CONSENT_REPORT_FORMATS = ['csv', 'json', 'jsonl'] as const;
type ConsentReportFormat = (typeof CONSENT_REPORT_FORMATS)[number];

interface ConsentReportOptions extends InventorySourceOptions {
  format?: ConsentReportFormat;
  out?: string;
  bom: boolean;
  quiet?: boolean;
}

export function consentReportCommand(setExit: (code: number) => void): Command {
  return addInventorySourceOptions(new Command('consent-report')
    .description('list every permission granted to applications (delegated and application), with its privilege, from Microsoft Graph (--tenant) or an inventory snapshot'))
    // One default whatever stdout is: the report is a file for a spreadsheet, and `> file` should equal `--out file`.
    .addOption(new Option('--format <format>', 'output format (default: csv)').choices(CONSENT_REPORT_FORMATS))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--no-bom', 'CSV without the UTF-8 byte order mark (Excel needs it to read non-ASCII names correctly)')
    .option('-q, --quiet', 'no status lines on stderr (errors still shown)')
    .action(async (options: ConsentReportOptions) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const inventory = await inventoryOrReason(options, reporter);
      if (!inventory) {
        setExit(EXIT.usage);
        return;
      }
      const { snapshot, label } = inventory;
      // A report missing a kind of grant must not read as "no such grants": say what the snapshot lacks.
      const gaps = snapshot.gaps.filter((g) => /oauth2PermissionGrant|appRoleAssign|servicePrincipal/i.test(String(g.resource)));
      for (const g of gaps) reporter.warn(`incomplete: ${g.resource} could not be read (${g.reason})`);
      if (snapshot.oauth2PermissionGrants.length === 0 && !gaps.some((g) => /oauth2PermissionGrant/i.test(String(g.resource)))) {
        reporter.warn(`no delegated grants in ${label} (oauth2PermissionGrants empty or absent)`);
      }
      if (snapshot.appRoleAssignments.length === 0 && !gaps.some((g) => /appRoleAssign/i.test(String(g.resource)))) {
        reporter.warn(`no app-role assignments in ${label} (appRoleAssignments empty or absent)`);
      }

      const rows = consentReport(snapshot, appRoleIndex(snapshot));
      const summary = consentSummary(rows);
      const format = options.format ?? 'csv';
      const writer = new DataWriter(options.out);
      if (format === 'csv') await writer.write(consentCsv(rows, options.bom));
      else if (format === 'json') {
        await writer.write(`${JSON.stringify({ snapshot: { file: label, tenantId: snapshot.tenantId, collectedAt: snapshot.collectedAt }, summary, gaps, rows }, null, 2)}\n`);
      } else for (const r of rows) await writer.write(`${JSON.stringify(r)}\n`);
      await writer.close();

      if (summary.unresolvedAppRoles > 0) {
        reporter.warn(`${summary.unresolvedAppRoles} application permission${summary.unresolvedAppRoles === 1 ? '' : 's'} not named (the resource's appRoles are not in the snapshot): Permission is the raw appRoleId`);
      }
      const { high, critical } = summary.byPrivilege;
      reporter.info(`${summary.rows} permission${summary.rows === 1 ? '' : 's'} granted (${summary.delegated} delegated, ${summary.application} application): ${critical} critical, ${high} high (snapshot ${snapshot.collectedAt ?? 'undated'})`);
      setExit(EXIT.ok);
    });
}
