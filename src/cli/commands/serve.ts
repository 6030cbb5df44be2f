/**
 * @module cli/commands/serve
 * `appwatch serve`: the dashboard over the alert store (docs/serve.md). Binds 127.0.0.1 unless told otherwise,
 * prints the address with its launch token once on stderr, and runs until interrupted (Ctrl+C, SIGTERM).
 */
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { loadDashboardAssets } from '../../serve/assets.js';
import { dashboardLogFor } from '../../serve/log.js';
import { isLoopback, startDashboard } from '../../serve/server.js';
import { DEFAULT_SESSION_LIMITS, durationText, Sessions } from '../../serve/session.js';
import { loadRuleset } from '../rules-loading.js';
import { createReporter } from '../terminal.js';
import { collect, EXIT, packageVersion } from './common.js';
import { existingStore } from './store-source.js';
import { openStoreOrSay, STORE_OPTION_HELP } from './store-location.js';

interface ServeOptions {
  store?: string;
  config?: string;
  snapshot?: string;
  port: number;
  host: string;
  allowHost: string[];
  user?: string;
  tenant?: string;
  sessionIdle: number;
  quiet?: boolean;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port from 0 (any free port) to 65535');
  return n;
}

const LIFETIME_MINUTES = DEFAULT_SESSION_LIMITS.lifetimeMs / 60_000;

/** Minutes of inactivity after which a session ends: at least 1, at most the session's lifetime (24 hours). */
function idleMinutes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > LIFETIME_MINUTES) throw new InvalidArgumentError(`expected whole minutes from 1 to ${LIFETIME_MINUTES} (a session ends ${LIFETIME_MINUTES / 60} hours after it began in any case)`);
  return n;
}

/** A host name or IP literal, nothing that could smuggle a path, port or scheme into the allow-list. */
function hostName(value: string): string {
  if (!/^(\[[0-9a-f:.]+\]|[0-9a-f:.]*:[0-9a-f:.]*|[a-z0-9.-]+)$/i.test(value)) throw new InvalidArgumentError('expected a host name or IP address, without scheme or port');
  return value;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Resolves when the process is asked to stop. */
const stopSignal = (): Promise<string> => new Promise((done) => {
  const on = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
    done(signal);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
});

export function serveCommand(setExit: (code: number) => void): Command {
  return new Command('serve')
    .description('a dashboard over the alert store: the report\'s views, live, with triage (127.0.0.1, token-gated)')
    .option('--store <path|url>', STORE_OPTION_HELP)
    .option('--config <file>', 'configuration file whose store key names the store (default: ./appwatch.yaml when present)')
    .option('--snapshot <file>', 'inventory snapshot: adds the application inventory and the consent grants')
    .option('--port <n>', 'port to listen on (default: 0, a free port)', portNumber, 0)
    .option('--host <address>', 'address to bind; also allowed in the Host header', hostName, '127.0.0.1')
    .option('--allow-host <name>', 'another name the Host header may carry (repeatable)', (v: string, prev: string[]) => collect(hostName(v), prev), [])
    .option('--user <name>', 'who triages, as the audit records it (default: the OS user name)')
    .option('--tenant <name>', 'only this tenant\'s alerts (its name in appwatch.yaml)')
    .option('--session-idle <minutes>', `end a session after this many minutes without activity (default: ${DEFAULT_SESSION_LIMITS.idleMs / 60_000}; sessions end ${LIFETIME_MINUTES / 60} hours after sign-in in any case)`, idleMinutes, DEFAULT_SESSION_LIMITS.idleMs / 60_000)
    .option('-q, --quiet', 'no status lines on stderr but the address to open')
    .action(async (options: ServeOptions) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const opened = existingStore(options, reporter);
      if (!opened) {
        setExit(EXIT.usage);
        return;
      }
      const { config, where, snapshot } = opened;
      const user = options.user?.trim() || osUser();
      let assets;
      try {
        assets = loadDashboardAssets();
      } catch (error) {
        reporter.error((error as Error).message);
        setExit(EXIT.usage);
        return;
      }
      // The built-in rules give the detail pane its guidance (what to look for, references); without them it has none.
      const ruleset = await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config).then((r) => r.ruleset, () => undefined);
      const store = await openStoreOrSay(where, reporter);
      if (!store) {
        setExit(EXIT.usage);
        return;
      }
      const sessions = new Sessions(undefined, { idleMs: options.sessionIdle * 60_000 });
      // What the store's triage audit has no place for (removed suppressions, exports) is logged beside the store.
      // A PostgreSQL store has no file to sit beside: the log goes next to appwatch.yaml (or here).
      const log = dashboardLogFor(where);
      let running;
      try {
        running = await startDashboard({
          sources: { store, storePath: where.display, version: packageVersion(), user, ...(ruleset ? { ruleset } : {}), ...(snapshot ? { snapshot, snapshotLabel: options.snapshot! } : {}), ...(options.tenant !== undefined ? { tenant: options.tenant } : {}), log },
          sessions,
          assets: () => assets,
        }, { host: options.host, port: options.port, allowHosts: options.allowHost });
      } catch (error) {
        await store.close();
        const code = (error as NodeJS.ErrnoException).code;
        reporter.error(`cannot listen on ${options.host}:${options.port}: ${code === 'EADDRINUSE' ? 'the port is in use (--port 0 picks a free one)' : (error as Error).message}`);
        setExit(EXIT.usage);
        return;
      }
      // Listening for Ctrl+C before saying how to use the dashboard, so a stop right after the address is not lost.
      const stopped = stopSignal();
      if (!isLoopback(options.host)) reporter.warn(`listening on ${options.host}, not only this machine's loopback: anyone who can reach it and learns the token can triage`);
      reporter.info(`dashboard over ${where.display} as ${user}; sessions end after ${durationText(sessions.limits.idleMs)} idle or ${durationText(sessions.limits.lifetimeMs)}; removals and exports are logged to ${log.where}; Ctrl+C stops it`);
      // Printed once, even with --quiet: without it nobody can open the dashboard.
      process.stderr.write(`[+] open ${running.url}\n`);
      const signal = await stopped;
      reporter.info(`${signal}: stopping the dashboard`);
      await running.close();
      await store.close();
      setExit(EXIT.ok);
    });
}
