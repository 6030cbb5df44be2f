/**
 * @module cli/commands/simulate
 * `appwatch simulate`: writes a deterministic synthetic tenant's logs in one export format, with the ground
 * truth of its scenarios, its inventory snapshot and its appwatch.yaml.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DAY } from '../../simulate/background.js';
import { DEFAULT_START, LOG_FORMATS, SCENARIO_NAMES, simulate, type LogFormat } from '../../simulate/simulate.js';
import { createReporter } from '../terminal.js';
import { EXIT } from './common.js';

function positive(name: string, max: number, min = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function startDate(value: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError('--start takes a date, YYYY-MM-DD');
  return ms;
}

/** `all`, `none`, or a comma-separated list of names (each must exist). */
export function scenarioList(value: string): string[] {
  if (value === 'all') return [...SCENARIO_NAMES];
  if (value === 'none') return [];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SCENARIO_NAMES.includes(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIO_NAMES.join(', ')}`);
  return names;
}

export function simulateCommand(setExit: (code: number) => void): Command {
  return new Command('simulate')
    .description('write a realistic synthetic tenant (benign background + labelled attack scenarios) as real log exports')
    .requiredOption('--out <dir>', 'output directory')
    .option('--days <n>', 'days of logs', positive('--days', 366), 14)
    .option('--users <n>', 'people in the tenant (at least 20: six are named accounts, and the campaigns need victims)', positive('--users', 200_000, 20), 200)
    .option('--apps <n>', 'line-of-business applications (at least 4: daemons and web apps)', positive('--apps', 5000, 4), 12)
    .option('--seed <seed>', 'the same seed gives the same bytes', 'appwatch')
    .addOption(new Option('--start <date>', 'first day, YYYY-MM-DD').argParser(startDate).default(Date.parse(`${DEFAULT_START}T00:00:00Z`), DEFAULT_START))
    .addOption(new Option('--scenarios <names>', `all, none, or a comma-separated list: ${SCENARIO_NAMES.join(', ')}`).argParser(scenarioList).default([...SCENARIO_NAMES], 'all'))
    .addOption(new Option('--log-format <format>', 'export format to write (the --input-format names)').choices([...LOG_FORMATS]).default('diagnostic'))
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (options: { out: string; days: number; users: number; apps: number; seed: string; start: number; scenarios: string[]; logFormat: LogFormat; quiet?: boolean }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const result = await simulate({ ...options, startMs: options.start });
      const total = Object.values(result.records).reduce((a, b) => a + b, 0);
      const end = new Date(options.start + options.days * DAY - 1).toISOString().slice(0, 10);
      reporter.info(`${total} records (${Object.entries(result.records).map(([k, v]) => `${v} ${k}`).join(', ')}) from ${new Date(options.start).toISOString().slice(0, 10)} to ${end}, ${options.logFormat} format, in ${result.files.length} files under ${options.out}`);
      if (result.attackDay) reporter.info(`${result.labels.length} labelled steps from ${options.scenarios.length} scenarios (attack day ${result.attackDay}) in ${options.out}/labels.jsonl`);
      reporter.info(`scan it with: appwatch scan ${options.out}/logs --config ${options.out}/appwatch.yaml --snapshot ${options.out}/snapshot.json`);
      setExit(EXIT.ok);
    });
}
