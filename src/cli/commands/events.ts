/**
 * @module cli/commands/events
 * `appwatch events <paths…>`: canonical events as JSON Lines on stdout, for inspection and piping.
 */
import { Command, InvalidArgumentError } from 'commander';
import { EVENT_KINDS, type EventKind } from '../../model/event.js';
import { runIngestion } from '../ingest-run.js';
import { DataWriter } from '../output.js';
import { renderSummary } from '../summary-view.js';
import { createReporter } from '../terminal.js';
import { addReadingOptions, ingestionExitCode, resolveReading, type ReadingOptions } from './common.js';

interface EventsOptions extends ReadingOptions {
  kind?: EventKind[];
  limit?: number;
  out?: string;
  summary?: boolean;
}

function parseKinds(value: string, previous: EventKind[] = []): EventKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new InvalidArgumentError(`unknown kind ${kind} (kinds: ${EVENT_KINDS.join(', ')})`);
    }
  }
  return [...previous, ...(kinds as EventKind[])];
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

/** One JSON line, or undefined for a value too deeply nested to serialise (hostile input). */
function toJsonLine(event: unknown): string | undefined {
  try {
    return `${JSON.stringify(event)}\n`;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

export function eventsCommand(setExit: (code: number) => void): Command {
  const command = new Command('events')
    .description('read logs and print canonical events as JSON Lines')
    .argument('<paths...>', 'files, directories (read recursively) or - for standard input')
    .option('--kind <kinds>', `only these kinds (${EVENT_KINDS.join(', ')}); repeatable or comma-separated`, parseKinds)
    .option('--limit <n>', 'stop after n events', parseLimit)
    .option('--out <file>', 'write events to a file instead of stdout')
    .option('--no-summary', 'do not print the ingestion summary on stderr');
  addReadingOptions(command);
  command.action(async (paths: string[], options: EventsOptions) => {
    const reading = resolveReading(options);
    const reporter = createReporter(process.stderr, Boolean(options.quiet));
    const writer = new DataWriter(options.out);
    const kinds = options.kind ? new Set(options.kind) : undefined;
    const limit = options.limit;
    let written = 0;
    const summary = await runIngestion(paths, { ...reading, progress: !options.quiet }, reporter, async (events) => {
      for (const event of events) {
        if (limit !== undefined && written >= limit) return false;
        if (kinds && !kinds.has(event.appwatch.kind)) continue;
        const line = toJsonLine(event);
        if (line === undefined) {
          reporter.warn(`${event.appwatch.origin.file ?? '-'}${event.appwatch.origin.line ? `:${event.appwatch.origin.line}` : ''}: event nested too deeply to print as JSON; not printed`);
          continue;
        }
        await writer.write(line);
        written++;
      }
      return !writer.isClosed && (limit === undefined || written < limit);
    });
    await writer.close();
    const json = summary.toJSON();
    if (options.summary !== false) reporter.block(renderSummary(json));
    setExit(ingestionExitCode(json, Boolean(options.strict)));
  });
  return command;
}
