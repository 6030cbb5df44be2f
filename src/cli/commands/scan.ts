/**
 * @module cli/commands/scan
 * `appwatch scan <paths…>`: reads the inputs, runs the built-in and given Sigma rules, and reports alerts in
 * the chosen format (stdout or `--out`); the ingestion and rules summary goes to stderr.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AlertPipeline } from '../../alerts/pipeline.js';
import { Baseline } from '../../enrich/baseline.js';
import type { Alert } from '../../alerts/types.js';
import { DEFAULT_MAX_LIFETIME_DAYS, OUTPUT_FORMATS, type OutputFormat } from '../../config/config.js';
import { SEVERITIES, severityRank, type Severity } from '../../model/severity.js';
import { alertJson, csvHeader, csvRow, ocsfFinding, renderTable } from '../../sinks/formats.js';
import { runIngestion } from '../ingest-run.js';
import { DataWriter } from '../output.js';
import { loadRuleset, reportRuleset } from '../rules-loading.js';
import { renderSummary } from '../summary-view.js';
import { loadSnapshot, SnapshotError, SnapshotFacts, type InventorySnapshot } from '../../posture/snapshot.js';
import { ReportCollector } from '../../report/collect.js';
import { assembleReport, sourcesOfIngestion } from '../../report/assemble.js';
import { writeReportHtml } from '../../report/html.js';
import { createReporter } from '../terminal.js';
import { addReadingOptions, addRuleSetOptions, EXIT, ingestionExitCode, packageVersion, resolveReading, type ReadingOptions } from './common.js';

interface ScanOptions extends ReadingOptions {
  format?: OutputFormat;
  out?: string;
  failOn?: Severity;
  rules: string[];
  builtin: boolean;
  placeholder: string[];
  full?: boolean;
  stats?: string;
  dns?: boolean;
  baseline?: string;
  jsonl?: string;
  snapshot?: string;
  report?: string;
}



export function scanCommand(setExit: (code: number) => void): Command {
  const command = new Command('scan')
    .description('read logs, run the built-in and given Sigma rules, and report alerts')
    .argument('<paths...>', 'files, directories (read recursively) or - for standard input')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, jsonl otherwise)').choices(OUTPUT_FORMATS))
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--full', 'do not truncate table cells')
    .option('--baseline <file>', 'learn "never seen before" baselines from this file (if present) and save them back after the scan')
    .option('--snapshot <file>', 'inventory snapshot (appwatch simulate, or the posture scan): the app\'s single sign-on mode where a credential is added, the actor\'s directory roles')
    .option('--dns', 'check in DNS whether hosts of added redirect URIs still resolve (dangling URIs); resolver from dns.servers')
    .option('--stats <file>', 'also write the ingestion and detection summary as JSON to this file')
    .option('--jsonl <file>', 'also write every alert as JSON Lines to this file (a table for people, JSONL for machines, one scan)')
    .option('--report <file>', 'also write a self-contained HTML report (offline, safe to open and mail around)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert is at or above this severity').choices(SEVERITIES));
  addRuleSetOptions(command);
  addReadingOptions(command);
  command.action(async (paths: string[], options: ScanOptions) => {
    const reading = resolveReading(options);
    const format: OutputFormat = options.format ?? reading.config.output.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    const reporter = createReporter(process.stderr, Boolean(options.quiet));
    const loaded = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: options.placeholder }, reading.config);
    reportRuleset(loaded, reporter);
    const baseline = Baseline.load(options.baseline ?? '', reading.config.baseline.learningDays ?? 7);
    let snapshot: SnapshotFacts | undefined;
    let inventory: InventorySnapshot | undefined;
    if (options.snapshot) {
      try {
        inventory = loadSnapshot(options.snapshot);
        snapshot = new SnapshotFacts(inventory, { ...DEFAULT_MAX_LIFETIME_DAYS, ...reading.config.credentials.maxLifetimeDays });
      } catch (error) {
        if (!(error instanceof SnapshotError)) throw error;
        reporter.error(error.message);
        setExit(EXIT.usage);
        return;
      }
    }
    const pipeline = new AlertPipeline(loaded.ruleset, reading.config.context, options.dns ? reading.config.dns : false, baseline, snapshot);
    const writer = new DataWriter(options.out);
    const jsonlWriter = options.jsonl ? new DataWriter(options.jsonl) : undefined;
    const kept: Alert[] = [];
    const version = packageVersion();
    let worst = -1;
    const write = async (alerts: Alert[]): Promise<void> => {
      for (const alert of alerts) {
        worst = Math.max(worst, severityRank(alert.severity));
        if (jsonlWriter) await jsonlWriter.write(`${alertJson(alert)}\n`);
        if (format === 'jsonl') await writer.write(`${alertJson(alert)}\n`);
        else if (format === 'ocsf') await writer.write(`${JSON.stringify(ocsfFinding(alert, version))}\n`);
        else if (format === 'csv') await writer.write(csvRow(alert));
        else kept.push(alert);
      }
    };
    if (format === 'csv') await writer.write(csvHeader());
    // The report keeps every alert (and a bounded timeline per app) whatever the output format.
    const collector = options.report ? new ReportCollector() : undefined;
    const reported: Alert[] = [];
    const summary = await runIngestion(paths, { ...reading, progress: !options.quiet }, reporter, async (events) => {
      const alerts = await pipeline.processWithDns(events);
      if (collector) {
        collector.observe(events, alerts);
        reported.push(...alerts);
      }
      await write(alerts);
    });
    const closing = pipeline.finish();
    reported.push(...closing);
    await write(closing);
    const json = summary.toJSON();
    const fullSummary = { ...json, detection: { ...pipeline.stats, rules: loaded.ruleset.rules.length } };
    if (options.stats) writeFileSync(options.stats, `${JSON.stringify(fullSummary, null, 2)}\n`);
    if (format === 'json') {
      await writer.write(`${JSON.stringify({ alerts: kept, summary: fullSummary }, null, 2)}\n`);
    } else if (format === 'table') {
      kept.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      await writer.write(renderTable(kept, Boolean(options.full)));
    }
    await writer.close();
    await jsonlWriter?.close();
    if (options.report && collector) {
      const { alerts: reportAlerts, timelines, gaps } = collector.finish(reported);
      const read = sourcesOfIngestion(json);
      const data = assembleReport({
        kind: 'scan', version, ruleset: loaded.ruleset, alerts: reportAlerts, timelines,
        sources: read.sources, gaps: [...read.gaps, ...gaps, ...(options.dns ? [] : [{ source: 'dns', kind: 'other' as const, message: 'redirect URI hosts were not checked in DNS (scan --dns)' }])],
        ...(inventory ? { snapshot: inventory, snapshotLabel: options.snapshot } : {}),
      });
      writeFileSync(options.report, writeReportHtml(data));
      reporter.info(`report written to ${options.report}`);
    }
    if (options.baseline) {
      baseline.save(options.baseline);
      reporter.info(`baseline saved to ${options.baseline}`);
    }
    reporter.block(renderSummary(json));
    const duplicates = pipeline.stats.duplicates > 0 ? ` (${pipeline.stats.duplicates} duplicate matches folded)` : '';
    reporter.info(`${pipeline.stats.alerts} alert${pipeline.stats.alerts === 1 ? '' : 's'} from ${json.recordsRead.toLocaleString('en-US')} records${duplicates}`);
    const ingestionCode = ingestionExitCode(json, Boolean(options.strict));
    if (ingestionCode !== EXIT.ok) setExit(ingestionCode);
    else if (options.failOn && worst >= severityRank(options.failOn)) setExit(EXIT.alerts);
    else setExit(EXIT.ok);
  });
  return command;
}
