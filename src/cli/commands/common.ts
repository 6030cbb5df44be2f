/**
 * @module cli/commands/common
 * Options every reading command shares, and the exit codes users script against.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig, type AppwatchConfig } from '../../config/config.js';
import { INPUT_FORMATS, type InputFormatName } from '../../model/event.js';
import type { IngestSummaryJson } from '../../ingest/summary.js';

/** Exit codes (README and docs/contracts.md). */
export const EXIT = {
  ok: 0,
  alerts: 1,
  usage: 2,
  noInput: 3,
} as const;

export interface ReadingOptions {
  inputFormat?: 'auto' | InputFormatName;
  timeField?: string;
  strict?: boolean;
  quiet?: boolean;
  config?: string;
}

export function addReadingOptions(command: Command): Command {
  return command
    .addOption(new Option('--input-format <format>', 'input format (default: detected per file)').choices(['auto', ...INPUT_FORMATS]))
    .option('--time-field <field>', 'time field of plain JSON events (default: time, timestamp, @timestamp, TimeGenerated)')
    .option('--strict', 'exit 3 when any record is skipped')
    .option('-q, --quiet', 'no progress or status lines on stderr (errors still shown)')
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml when present)');
}

export function resolveReading(options: ReadingOptions): { config: AppwatchConfig; inputFormat: 'auto' | InputFormatName; timeField?: string; maxRecordBytes?: number } {
  const { config } = loadConfig(options.config);
  const inputFormat = options.inputFormat ?? config.ingest.inputFormat ?? 'auto';
  const timeField = options.timeField ?? config.ingest.timeField;
  return {
    config,
    inputFormat,
    ...(timeField ? { timeField } : {}),
    ...(config.ingest.maxRecordBytes ? { maxRecordBytes: config.ingest.maxRecordBytes } : {}),
  };
}

/** 3 when nothing could be read (or, strict, anything was skipped); else 0. */
export function ingestionExitCode(summary: IngestSummaryJson, strict: boolean): number {
  const events = Object.values(summary.events).reduce((a, b) => a + b, 0);
  const unreadable = summary.files.some((f) => f.format === undefined && (Object.keys(f.skipped).length > 0));
  if (events === 0 && (summary.skipped.total > 0 || unreadable)) return EXIT.noInput;
  if (strict && (summary.skipped.total > 0 || unreadable)) return EXIT.noInput;
  return EXIT.ok;
}

/** appwatch's own version (package.json), for `--version` and the OCSF product version. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Commander's way to take an option several times (`--rules a --rules b`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The options that choose a rule set, shared by `scan`, `rules list` and `rules explain`. */
export function addRuleSetOptions(command: Command): Command {
  return command
    .option('--rules <path>', 'Sigma rule file or folder (repeatable)', collect, [])
    .option('--no-builtin', 'without the built-in rules')
    .option('--placeholder <name=values>', 'values for a %name% placeholder, comma-separated (repeatable)', collect, []);
}
