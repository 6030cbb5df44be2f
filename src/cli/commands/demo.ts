/**
 * @module cli/commands/demo
 * `appwatch demo` (what `npm start` runs): simulates a small tenant with every scenario, scans it with the
 * built-in rules and its own appwatch.yaml, prints the alert table and says where the JSON Lines went.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_START, SCENARIO_NAMES, simulate } from '../../simulate/simulate.js';
import { createReporter } from '../terminal.js';
import { scanCommand } from './scan.js';

export function demoCommand(setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('simulate a small tenant with labelled attacks, scan it, and show the alerts')
    .option('--out <dir>', 'where the simulated logs and alerts go', join(tmpdir(), 'appwatch-demo'))
    .option('--full', 'do not truncate table cells')
    .action(async (options: { out: string; full?: boolean }) => {
      const reporter = createReporter(process.stderr, false);
      const days = 10;
      const result = await simulate({
        days, users: 150, apps: 12, seed: 'appwatch-demo', scenarios: [...SCENARIO_NAMES], logFormat: 'diagnostic',
        out: options.out, startMs: Date.parse(`${DEFAULT_START}T00:00:00Z`),
      });
      const total = Object.values(result.records).reduce((a, b) => a + b, 0);
      reporter.info(`simulated Contoso: ${days} days, 150 people, ${total.toLocaleString('en-US')} log records in Azure Monitor diagnostic-export form, ${SCENARIO_NAMES.length} attack scenarios on ${result.attackDay} (ground truth: ${join(options.out, 'labels.jsonl')})`);
      const jsonl = join(options.out, 'alerts.jsonl');
      const scan = scanCommand(setExit);
      scan.exitOverride();
      await scan.parseAsync([join(options.out, 'logs'), '--config', join(options.out, 'appwatch.yaml'), '--snapshot', join(options.out, 'snapshot.json'), '--format', 'table', '--jsonl', jsonl, '--quiet', ...(options.full ? ['--full'] : [])], { from: 'user' });
      reporter.info(`alerts as JSON Lines: ${jsonl}`);
      reporter.info(`scan it yourself: appwatch scan ${join(options.out, 'logs')} --config ${join(options.out, 'appwatch.yaml')} --snapshot ${join(options.out, 'snapshot.json')}`);
    });
}
