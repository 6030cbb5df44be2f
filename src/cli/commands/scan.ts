/**
 * @module cli/commands/scan
 * `appwatch scan <paths…>`: reads the inputs and reports. Detections arrive with later capabilities; today it
 * prints the ingestion summary (stderr for people; inside `--format json` for machines).
 */
import { Command, Option } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from '../../config/config.js';
import { SEVERITIES, type Severity } from '../../model/severity.js';
import { runIngestion } from '../ingest-run.js';
import { DataWriter } from '../output.js';
import { renderSummary } from '../summary-view.js';
import { createReporter } from '../terminal.js';
import { addReadingOptions, ingestionExitCode, resolveReading, type ReadingOptions } from './common.js';

interface ScanOptions extends ReadingOptions {
  format?: OutputFormat;
  out?: string;
  failOn?: Severity;
}

/** CSV columns of an alert (docs/contracts.md). */
export const ALERT_CSV_COLUMNS = [
  'time', 'severity', 'rule_id', 'rule_title', 'guide_rows', 'summary', 'application', 'app_id', 'actor', 'actor_ip', 'evidence_ids',
];

export function scanCommand(setExit: (code: number) => void): Command {
  const command = new Command('scan')
    .description('read logs and report (for now: the ingestion summary)')
    .argument('<paths...>', 'files, directories (read recursively) or - for standard input')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, jsonl otherwise)').choices(OUTPUT_FORMATS))
    .option('--out <file>', 'write the output to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert is at or above this severity').choices(SEVERITIES));
  addReadingOptions(command);
  command.action(async (paths: string[], options: ScanOptions) => {
    const reading = resolveReading(options);
    const format: OutputFormat = options.format ?? reading.config.output.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    const reporter = createReporter(process.stderr, Boolean(options.quiet));
    const summary = await runIngestion(paths, { ...reading, progress: !options.quiet }, reporter, async () => undefined);
    const json = summary.toJSON();
    const writer = new DataWriter(options.out);
    switch (format) {
      case 'json':
        await writer.write(`${JSON.stringify({ alerts: [], summary: json }, null, 2)}\n`);
        break;
      case 'csv':
        await writer.write(`${ALERT_CSV_COLUMNS.join(',')}\n`);
        break;
      case 'table':
        await writer.write('No alerts: detections are not enabled in this version; the ingestion summary follows.\n');
        break;
      case 'jsonl':
      case 'ocsf':
        break; // one line per alert; none yet
    }
    await writer.close();
    reporter.block(renderSummary(json));
    setExit(ingestionExitCode(json, Boolean(options.strict)));
  });
  return command;
}
