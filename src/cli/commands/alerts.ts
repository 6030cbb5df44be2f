/**
 * @module cli/commands/alerts
 * `appwatch alerts list|show|ack|resolve|suppress|unsuppress|suppressions`: triage on the store that
 * `appwatch watch` writes (`--store`, default ./.appwatch/appwatch.db). Data on stdout, status lines on stderr.
 * Alert content is attacker-controlled: tables show it inert, CSV neutralises formulas (sinks/formats).
 */
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../../model/severity.js';
import { alertJson, csvCell, csvHeader, csvRow, ocsfFinding } from '../../sinks/formats.js';
import { StoreError } from '../../store/sqlite.js';
import type { AlertStore } from '../../store/types.js';
import { dashboardLogFor } from '../../serve/log.js';
import { openStoreAt, storeExists, storeLocation, STORE_OPTION_HELP, type StoreLocation } from './store-location.js';
import { SuppressionError } from '../../store/suppression.js';
import { TRIAGE_STATES, type StoredAlert, type Suppression, type SuppressionScope, type TriageState } from '../../store/types.js';
import { DataWriter } from '../output.js';
import { createReporter, inertLine, type Reporter } from '../terminal.js';
import { EXIT, packageVersion } from './common.js';

const LIST_FORMATS = ['table', 'json', 'jsonl', 'csv', 'ocsf'] as const;
type ListFormat = (typeof LIST_FORMATS)[number];
/** Open work: what `list` shows unless --state says otherwise. */
const DEFAULT_STATES: TriageState[] = ['new', 'acknowledged'];

interface StoreOptions {
  store?: string;
  config?: string;
  quiet?: boolean;
}

/** A usage problem found while running (unknown id, missing store): status line and exit 2. */
class UsageError extends Error {}

function stateList(value: string): TriageState[] {
  if (value === 'all') return [...TRIAGE_STATES];
  const states = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of states) if (!(TRIAGE_STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown state '${s}' (states: ${TRIAGE_STATES.join(', ')}, or all)`);
  return states as TriageState[];
}

const DURATION = /^(\d+)([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `7d` (from now, in the given direction) or an ISO time → ISO time. */
function timeArg(direction: 1 | -1): (value: string) => string {
  return (value) => {
    const d = DURATION.exec(value);
    if (d) return new Date(Date.now() + direction * Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]).toISOString();
    const t = Date.parse(value);
    if (!Number.isFinite(t)) throw new InvalidArgumentError('expected an ISO time (2026-10-01T09:00:00Z) or a duration (30m, 12h, 7d, 2w)');
    return new Date(t).toISOString();
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

/** Who is triaging, for the history: the OS account unless --by says otherwise. */
function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

const withStoreOptions = (command: Command): Command => command
  .option('--store <path|url>', STORE_OPTION_HELP)
  .option('--config <file>', 'configuration file whose store key names the store (default: ./appwatch.yaml when present)')
  .option('-q, --quiet', 'no status lines on stderr (errors still shown)');

/**
 * Opens the store, runs `fn`, closes it. Read and triage commands need an existing store (no empty file left
 * behind by a typo in --store); `suppress` may create one, so suppressions can be set up before watch first runs.
 */
async function withStore(options: StoreOptions, create: boolean, setExit: (code: number) => void, fn: (store: AlertStore, reporter: Reporter, where: string, location: StoreLocation) => Promise<void>): Promise<void> {
  const reporter = createReporter(process.stderr, Boolean(options.quiet));
  let store: AlertStore | undefined;
  try {
    const where = storeLocation(options);
    if (!create && !storeExists(where)) throw new UsageError(`no alert store at ${where.display} (appwatch watch creates it; --store names another)`);
    store = await openStoreAt(where);
    await fn(store, reporter, where.display, where);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof StoreError || error instanceof SuppressionError)) throw error;
    reporter.error(error.message);
    setExit(EXIT.usage);
  } finally {
    await store?.close();
  }
}

function pad(text: string, width: number): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return t.padEnd(width);
}

/** A table for people; every cell made inert (control characters shown as escapes), truncated unless `full`. */
function table(header: string[], rows: string[][], widths: number[], full: boolean): string {
  const cells = rows.map((r) => r.map(inertLine));
  const w = full ? widths.map((min, i) => Math.max(min, header[i]!.length, ...cells.map((r) => r[i]!.length))) : widths;
  const line = (row: string[]): string => row.map((c, i) => (full ? c.padEnd(w[i]!) : pad(c, w[i]!))).join('  ').trimEnd();
  return `${[line(header), line(w.map((n) => '─'.repeat(n))), ...cells.map(line)].join('\n')}\n`;
}

function appName(a: StoredAlert['alert']): string {
  const app = a.entities.application ?? a.entities.servicePrincipal;
  return app?.displayName ?? app?.appId ?? '';
}

function alertTable(list: StoredAlert[], full: boolean): string {
  if (list.length === 0) return 'No alerts.\n';
  return table(
    ['id', 'time (UTC)', 'severity', 'state', 'rule', 'application', 'summary'],
    list.map((s) => [s.alert.id, s.alert.time.slice(0, 19).replace('T', ' '), s.alert.severity, s.state, s.alert.rule.title, appName(s.alert), s.alert.summary]),
    [32, 19, 13, 12, 36, 24, 80],
    full,
  );
}

/** A stored alert as one JSON line: the StoredAlert shape, the alert part written by the sinks' serialiser. */
function storedJson(s: StoredAlert): string {
  const { alert, ...triage } = s;
  return `{"alert":${alertJson(alert)},${JSON.stringify(triage).slice(1)}`;
}

/** OCSF status from the triage state (OCSF 1.3 status_id: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved). */
const OCSF_STATUS: Record<TriageState, [number, string]> = { new: [1, 'New'], acknowledged: [2, 'In Progress'], suppressed: [3, 'Suppressed'], resolved: [4, 'Resolved'] };

async function writeAlerts(list: StoredAlert[], format: ListFormat, full: boolean, out: string | undefined, counts: Record<TriageState, number>): Promise<void> {
  const writer = new DataWriter(out);
  if (format === 'table') await writer.write(alertTable(list, full));
  else if (format === 'json') await writer.write(`${JSON.stringify({ alerts: list, counts }, null, 2)}\n`);
  else if (format === 'csv') {
    // The alert CSV columns, then the two a triage list needs (quoted and formula-safe like the others).
    await writer.write(`${csvHeader().trimEnd()},alert_id,state\n`);
    for (const s of list) await writer.write(`${csvRow(s.alert).trimEnd()},${csvCell(s.alert.id)},${csvCell(s.state)}\n`);
  } else if (format === 'ocsf') {
    const version = packageVersion();
    for (const s of list) {
      const [status_id, status] = OCSF_STATUS[s.state];
      await writer.write(`${JSON.stringify({ ...ocsfFinding(s.alert, version), status_id, status })}\n`);
    }
  } else for (const s of list) await writer.write(`${storedJson(s)}\n`);
  await writer.close();
}

function scopeText(scope: SuppressionScope): string {
  const parts: string[] = [];
  if (scope.ruleId !== undefined) parts.push(`rule ${scope.ruleId}`);
  if (scope.application !== undefined) parts.push(`app ${scope.application}`);
  if (scope.actor !== undefined) parts.push(`actor ${scope.actor}`);
  if (scope.resource !== undefined) parts.push(`resource ${scope.resource}`);
  if (scope.tenant !== undefined) parts.push(`tenant ${scope.tenant === '' ? '(default)' : scope.tenant}`);
  return parts.join(', ');
}

function suppressionTable(list: Suppression[], now: number, full: boolean): string {
  if (list.length === 0) return 'No suppressions.\n';
  return table(
    ['id', 'expires (UTC)', 'hits', 'scope', 'reason', 'by'],
    list.map((s) => [
      s.id,
      s.expiresAt === undefined ? 'never' : `${s.expiresAt.slice(0, 19).replace('T', ' ')}${Date.parse(s.expiresAt) <= now ? ' (expired)' : ''}`,
      String(s.hits), scopeText(s.scope), s.reason, s.author,
    ]),
    [36, 29, 6, 48, 40, 20],
    full,
  );
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function triage(ids: string[], state: 'acknowledged' | 'resolved', options: StoreOptions & { note?: string; by?: string }, setExit: (code: number) => void): Promise<void> {
  await withStore(options, false, setExit, async (store, reporter, where) => {
    // All or nothing: a typo in one id changes none, so the command can simply be run again.
    const found = await Promise.all(ids.map((id) => store.getAlert(id)));
    const unknown = ids.filter((_, i) => found[i] === undefined);
    if (unknown.length > 0) throw new UsageError(`no alert ${unknown.join(', ')} in ${where}; nothing changed`);
    const by = options.by ?? defaultActor();
    const now = new Date().toISOString();
    for (const [i, id] of ids.entries()) {
      await store.setAlertState(id, state, by, options.note, now);
      reporter.info(`${state} ${id} (${found[i]!.alert.rule.title}), by ${by}`);
    }
    setExit(EXIT.ok);
  });
}

export function alertsCommand(setExit: (code: number) => void): Command {
  const alerts = new Command('alerts').description('triage the alerts appwatch watch stored: list, show, acknowledge, resolve, suppress');

  withStoreOptions(alerts.command('list'))
    .description('list stored alerts, newest first (default: open ones, i.e. new and acknowledged)')
    .addOption(new Option('--state <states>', `comma-separated states (${TRIAGE_STATES.join(', ')}) or all`).argParser(stateList))
    .addOption(new Option('--min-severity <severity>', 'only alerts at or above this severity').choices(SEVERITIES))
    .option('--rule <id>', 'only alerts of this rule id')
    .option('--tenant <tenant>', 'only alerts of this tenant')
    .addOption(new Option('--since <time>', 'only alerts whose time is at or after this ISO time, or this long ago (24h, 7d)').argParser(timeArg(-1)))
    .addOption(new Option('--limit <n>', 'at most this many alerts').argParser(positiveInt))
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, jsonl otherwise)').choices(LIST_FORMATS))
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--full', 'do not truncate table cells')
    .action(async (options: StoreOptions & { state?: TriageState[]; minSeverity?: Severity; rule?: string; tenant?: string; since?: string; limit?: number; format?: ListFormat; out?: string; full?: boolean }) => {
      await withStore(options, false, setExit, async (store, reporter) => {
        const filter = {
          states: options.state ?? DEFAULT_STATES,
          ...(options.minSeverity ? { minSeverity: options.minSeverity } : {}),
          ...(options.rule !== undefined ? { ruleId: options.rule } : {}),
          ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
          ...(options.since ? { since: options.since } : {}),
        };
        const list = await store.listAlerts({ ...filter, ...(options.limit ? { limit: options.limit } : {}) });
        // Counted over every state, so what the state filter hides is still visible.
        const counts = await store.countAlerts({ ...filter, states: [...TRIAGE_STATES] });
        await writeAlerts(list, options.format ?? (process.stdout.isTTY ? 'table' : 'jsonl'), Boolean(options.full), options.out, counts);
        reporter.info(`${list.length} alert${list.length === 1 ? '' : 's'} shown (${filter.states.join(', ') || 'no state'}); matching the other filters: ${TRIAGE_STATES.map((s) => `${counts[s]} ${s}`).join(', ')}`);
        setExit(EXIT.ok);
      });
    });

  withStoreOptions(alerts.command('show'))
    .description('one alert as JSON, with its triage state, history and the suppression that matched it')
    .argument('<id>', 'alert id')
    .action(async (id: string, options: StoreOptions) => {
      await withStore(options, false, setExit, async (store, _reporter, where) => {
        const stored = await store.getAlert(id);
        if (!stored) throw new UsageError(`no alert ${id} in ${where}`);
        const suppression = stored.suppressionId ? (await store.listSuppressions(true)).find((s) => s.id === stored.suppressionId) : undefined;
        process.stdout.write(`${JSON.stringify({ ...stored, ...(suppression ? { suppression } : {}) }, null, 2)}\n`);
        setExit(EXIT.ok);
      });
    });

  for (const [name, state, verb] of [['ack', 'acknowledged', 'acknowledge'], ['resolve', 'resolved', 'resolve']] as const) {
    withStoreOptions(alerts.command(name))
      .description(`${verb} alerts (recorded in their history with who, when and the note)`)
      .argument('<ids...>', 'alert ids')
      .option('--note <text>', 'why, for the history')
      .option('--by <name>', 'who (default: the OS user name)')
      .action(async (ids: string[], options: StoreOptions & { note?: string; by?: string }) => triage(ids, state, options, setExit));
  }

  withStoreOptions(alerts.command('suppress'))
    .description('stop alerting on alerts that match every given field (from now on; alerts already stored keep their state)')
    .option('--rule <id>', 'rule id')
    .option('--app <app>', 'application or service principal: appId, object id or display name')
    .option('--actor <actor>', 'actor: object id, user principal name, appId or display name')
    .option('--resource <resource>', 'resource, key vault or role: id or display name')
    .option('--tenant <tenant>', 'tenant')
    .option('--reason <text>', 'why (required; shown in suppressions and kept with the alerts it silences)')
    .addOption(new Option('--expires <when>', 'when it stops applying: a duration from now (12h, 7d, 2w) or an ISO time; default never').argParser(timeArg(1)))
    .option('--by <name>', 'who (default: the OS user name)')
    .action(async (options: StoreOptions & { rule?: string; app?: string; actor?: string; resource?: string; tenant?: string; reason?: string; expires?: string; by?: string }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const scope: SuppressionScope = {
        ...(options.rule !== undefined ? { ruleId: options.rule } : {}),
        ...(options.app !== undefined ? { application: options.app } : {}),
        ...(options.actor !== undefined ? { actor: options.actor } : {}),
        ...(options.resource !== undefined ? { resource: options.resource } : {}),
        ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
      };
      if (Object.keys(scope).length === 0) {
        reporter.error('suppress needs at least one of --rule, --app, --actor, --resource, --tenant (a suppression of everything is not offered)');
        setExit(EXIT.usage);
        return;
      }
      if (options.reason === undefined || options.reason.trim() === '') {
        reporter.error('suppress needs --reason: it is shown with the suppression and kept with every alert it silences');
        setExit(EXIT.usage);
        return;
      }
      if (options.expires !== undefined && Date.parse(options.expires) <= Date.now()) {
        reporter.error(`--expires ${options.expires} is in the past: the suppression would never apply`);
        setExit(EXIT.usage);
        return;
      }
      await withStore(options, true, setExit, async (store) => {
        const s = await store.addSuppression({ scope, reason: options.reason!, author: options.by ?? defaultActor(), ...(options.expires ? { expiresAt: options.expires } : {}) });
        process.stdout.write(`${s.id}\n`);
        reporter.info(`suppression ${s.id}: ${scopeText(s.scope)}; ${s.expiresAt ? `until ${s.expiresAt}` : 'until removed'}; applies to alerts recorded from now on`);
        if (options.app !== undefined && !GUID.test(options.app)) {
          reporter.warn(`--app '${options.app}' also matches display names, which anyone who can register an app can copy: prefer the appId`);
        }
        setExit(EXIT.ok);
      });
    });

  withStoreOptions(alerts.command('unsuppress'))
    .description('remove a suppression (alerts it already silenced stay suppressed)')
    .argument('<id>', 'suppression id')
    .option('--by <name>', 'who removes it, for the log (default: the OS account)')
    .action(async (id: string, options: StoreOptions & { by?: string }) => {
      await withStore(options, false, setExit, async (store, reporter, where, location) => {
        const found = (await store.listSuppressions(true)).find((s) => s.id === id);
        if (!found) throw new UsageError(`no suppression ${id} in ${where}`);
        // Removing a suppression changes no alert, so the triage audit has no place for it: it goes to the log the
        // dashboard keeps for the same action, written first; a log that cannot be written refuses the removal.
        const log = dashboardLogFor(location);
        try {
          await log.append({ at: new Date().toISOString(), by: options.by ?? defaultActor(), action: 'remove-suppression', suppression: found, via: 'cli' });
        } catch (error) {
          throw new UsageError(`suppression ${id} not removed: the log ${log.where} could not be written (${(error as Error).message})`);
        }
        if (!(await store.removeSuppression(id))) throw new UsageError(`no suppression ${id} in ${where}`);
        reporter.info(`suppression ${id} removed (logged in ${log.where})`);
        setExit(EXIT.ok);
      });
    });

  withStoreOptions(alerts.command('suppressions'))
    .description('list suppressions (live ones unless --all)')
    .option('--all', 'include expired suppressions')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, jsonl otherwise)').choices(['table', 'json', 'jsonl']))
    .option('--full', 'do not truncate table cells')
    .action(async (options: StoreOptions & { all?: boolean; format?: 'table' | 'json' | 'jsonl'; full?: boolean }) => {
      await withStore(options, false, setExit, async (store, reporter) => {
        const list = await store.listSuppressions(Boolean(options.all));
        const format = options.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
        if (format === 'table') process.stdout.write(suppressionTable(list, Date.now(), Boolean(options.full)));
        else if (format === 'json') process.stdout.write(`${JSON.stringify({ suppressions: list }, null, 2)}\n`);
        else process.stdout.write(list.map((s) => `${JSON.stringify(s)}\n`).join(''));
        reporter.info(`${list.length} suppression${list.length === 1 ? '' : 's'}${options.all ? '' : ' in force (--all shows expired ones too)'}`);
        setExit(EXIT.ok);
      });
    });

  return alerts;
}
