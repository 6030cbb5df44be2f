/**
 * @module cli/commands/posture
 * `appwatch posture --snapshot FILE`: what is risky in the tenant now, from an inventory snapshot (`appwatch
 * simulate` writes one; collection through Microsoft Graph comes later). Findings use the alert formats.
 */
import { Command, Option } from 'commander';
import { DEFAULT_MAX_LIFETIME_DAYS, loadConfig, OUTPUT_FORMATS, type OutputFormat } from '../../config/config.js';
import { SEVERITIES, severityRank, type Severity } from '../../model/severity.js';
import { DanglingChecker, type DnsVerdict } from '../../enrich/dns.js';
import { postureFindings, redirectHosts } from '../../posture/checks.js';
import { alertJson, csvHeader, csvRow, ocsfFinding, renderTable } from '../../sinks/formats.js';
import { DataWriter } from '../output.js';
import { writeFileSync } from 'node:fs';
import { assembleReport } from '../../report/assemble.js';
import { writeReportHtml } from '../../report/html.js';
import { createReporter } from '../terminal.js';
import { EXIT, packageVersion } from './common.js';
import { addInventorySourceOptions, inventoryOrReason, type InventorySourceOptions } from './inventory-source.js';

export function postureCommand(setExit: (code: number) => void): Command {
  return addInventorySourceOptions(new Command('posture')
    .description('report what is risky in the tenant now, from Microsoft Graph (--tenant) or an inventory snapshot'))
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, jsonl otherwise)').choices(OUTPUT_FORMATS))
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--full', 'do not truncate table cells')
    .option('--config <file>', 'configuration file (credentials.maxLifetimeDays)')
    .option('--report <file>', 'also write a self-contained HTML report: findings, application inventory, consent grants')
    .option('--dns', 'check redirect URI hosts in DNS: a name that no longer resolves, or a CNAME to a re-registrable cloud name (resolver: dns in appwatch.yaml)')
    .option('--expiring-days <days>', 'report credentials expiring within this many days', '30')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(SEVERITIES))
    .option('-q, --quiet', 'no status lines on stderr')
    .action(async (options: InventorySourceOptions & { report?: string; dns?: boolean; expiringDays: string; format?: OutputFormat; out?: string; full?: boolean; config?: string; failOn?: Severity; quiet?: boolean }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const { config } = loadConfig(options.config);
      const inventory = await inventoryOrReason(options, reporter);
      if (!inventory) {
        setExit(EXIT.usage);
        return;
      }
      const { snapshot, label } = inventory;
      const expiringWithinDays = Number(options.expiringDays);
      if (!Number.isInteger(expiringWithinDays) || expiringWithinDays < 0) {
        reporter.error(`--expiring-days ${options.expiringDays}: a whole number of days`);
        setExit(EXIT.usage);
        return;
      }
      let dns: Map<string, DnsVerdict> | undefined;
      if (options.dns) {
        const checker = new DanglingChecker(config.dns);
        const hosts = redirectHosts(snapshot);
        dns = new Map(await Promise.all(hosts.map(async (h) => [h, await checker.check(h)] as const)));
        reporter.info(`checked ${hosts.length} redirect URI host${hosts.length === 1 ? '' : 's'} in DNS`);
      } else reporter.info('redirect URI hosts not checked in DNS (use --dns to find dangling ones)');
      const collected = snapshot.collectedAt ? Date.parse(snapshot.collectedAt) : NaN;
      const findings = postureFindings(snapshot, {
        policy: { ...DEFAULT_MAX_LIFETIME_DAYS, ...config.credentials.maxLifetimeDays },
        // Expiry is judged at collection time: the snapshot says what was true then.
        now: Number.isFinite(collected) ? collected : Date.now(),
        expiringWithinDays, ...(dns ? { dns } : {}),
        file: label, detectedAt: new Date().toISOString(),
      }).sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.rule.title.localeCompare(b.rule.title));
      const format = options.format ?? config.output.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
      const writer = new DataWriter(options.out);
      const version = packageVersion();
      if (format === 'table') await writer.write(renderTable(findings, Boolean(options.full)));
      else if (format === 'json') await writer.write(`${JSON.stringify({ findings, snapshot: { file: label, tenantId: snapshot.tenantId, collectedAt: snapshot.collectedAt } }, null, 2)}\n`);
      else if (format === 'csv') await writer.write(csvHeader() + findings.map(csvRow).join(''));
      else for (const f of findings) await writer.write(`${format === 'ocsf' ? JSON.stringify(ocsfFinding(f, version)) : alertJson(f)}\n`);
      await writer.close();
      if (options.report) {
        const data = assembleReport({
          kind: 'posture', version, alerts: [], findings: findings.map((alert) => ({ alert, state: 'new' as const })), snapshot, snapshotLabel: label,
          gaps: dns ? [] : [{ source: 'dns', kind: 'other', message: 'redirect URI hosts were not checked in DNS (posture --dns)' }],
        });
        writeFileSync(options.report, writeReportHtml(data));
        reporter.info(`report written to ${options.report}`);
      }
      reporter.info(`${findings.length} finding${findings.length === 1 ? '' : 's'} in ${snapshot.applications.length} applications and ${snapshot.servicePrincipals.length} service principals (snapshot ${snapshot.collectedAt ?? 'undated'})`);
      const worst = Math.max(-1, ...findings.map((f) => severityRank(f.severity)));
      setExit(options.failOn && worst >= severityRank(options.failOn) ? EXIT.alerts : EXIT.ok);
    });
}
