/**
 * @module cli/commands/watch
 * `appwatch watch`: follow the tenants of appwatch.yaml (Graph audit and sign-in logs, diagnostic-export
 * folders), alert within a poll interval, store alerts durably and deliver them to the configured sinks.
 * `appwatch status`: each source's last successful poll, lag, throttling, errors and gaps, and the outbox.
 */
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, type AppwatchConfig } from '../../config/config.js';
import { createSink, OutboxWorker, parseSinks, sinksFor } from '../../sinks/delivery/index.js';
import { DEFAULT_STORE_PATH, openSqliteStore } from '../../store/sqlite.js';
import type { AlertStore } from '../../store/types.js';
import { tenantGraphClient } from '../../watch/tenant-client.js';
import { Watcher } from '../../watch/watcher.js';
import { loadRuleset, reportRuleset } from '../rules-loading.js';
import { createReporter, inert } from '../terminal.js';
import { addRuleSetOptions, EXIT, packageVersion } from './common.js';

interface StoreOptions { config?: string; store?: string }

function openStore(options: StoreOptions): { config: AppwatchConfig; configFile?: string; open: () => Promise<AlertStore>; path: string } {
  const { config, file } = loadConfig(options.config);
  // A store path in appwatch.yaml is relative to that file, like every other path in it.
  const path = options.store ?? (config.store ? resolve(file ? dirname(file) : process.cwd(), config.store) : DEFAULT_STORE_PATH);
  return { config, ...(file ? { configFile: file } : {}), path, open: () => openSqliteStore(path) };
}

export function watchCommand(setExit: (code: number) => void): Command {
  const command = addRuleSetOptions(new Command('watch')
    .description('follow the configured tenants, alert, store and deliver (tenants, sinks, store, poll in appwatch.yaml)'))
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml)')
    .option('--store <path>', `the SQLite store (default: store in appwatch.yaml, else ${DEFAULT_STORE_PATH})`)
    .option('--once', 'one poll of every source, deliver, then exit')
    .option('--dns', 'check redirect URI hosts in DNS (dangling hosts)')
    .option('-q, --quiet', 'no status lines on stderr (errors still shown)')
    .action(async (options: StoreOptions & { once?: boolean; dns?: boolean; quiet?: boolean; rules: string[]; builtin: boolean; placeholder: string[] }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const { config, configFile, path, open } = openStore(options);
      if (!config.tenants || config.tenants.length === 0) {
        reporter.error(`${configFile ?? 'appwatch.yaml'}: no tenants to watch (tenants: [{id, sources: [audit, signins]}])`);
        setExit(EXIT.usage);
        return;
      }
      let sinkConfigs;
      let sinks;
      try {
        sinkConfigs = parseSinks(config.sinks ?? [], configFile ? dirname(configFile) : process.cwd());
        sinks = sinkConfigs.map((s) => createSink(s, { version: packageVersion() }));
      } catch (error) {
        reporter.error(`${configFile ?? 'appwatch.yaml'}: ${(error as Error).message}`);
        setExit(EXIT.usage);
        return;
      }
      const loaded = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: options.placeholder }, config);
      reportRuleset(loaded, reporter);
      const store = await open();
      const worker = new OutboxWorker(store, sinks);
      const watcher = new Watcher({
        store, config, ruleset: loaded.ruleset, dns: Boolean(options.dns),
        log: { info: (m) => reporter.info(m), warn: (m) => reporter.warn(m), error: (m) => reporter.error(m) },
        sinksFor: sinksFor(sinkConfigs),
        deliver: async () => {
          const report = await worker.deliverDue();
          for (const f of report.failures.slice(0, 5)) reporter.warn(`delivery to ${f.sink} failed (${f.error}); next attempt ${f.nextAttemptAt}`);
        },
        graphClient: (tenant) => tenantGraphClient(tenant, {
          userAgent: `appwatch/${packageVersion()}`,
          ...(config.poll.requestsPer10Seconds ? { requestsPer10Seconds: config.poll.requestsPer10Seconds } : {}),
          onRetry: ({ resource, status, delayMs }) => reporter.warn(`${tenant.name ?? tenant.id} ${resource}: ${status === 429 ? 'throttled' : status}, retry in ${(delayMs / 1000).toFixed(1)} s`),
        }),
      });
      reporter.info(`watching ${config.tenants.length} tenant${config.tenants.length === 1 ? '' : 's'}; store ${path}; ${sinks.length} sink${sinks.length === 1 ? '' : 's'}`);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        if (options.once) {
          const summary = await watcher.pollOnce();
          reporter.info(`${summary.events} events, ${summary.alerts} new alerts (${summary.suppressed} suppressed, ${summary.duplicates} already stored), ${summary.errors} source errors`);
          setExit(summary.errors > 0 ? EXIT.noInput : EXIT.ok);
        } else {
          await watcher.run(controller.signal, (s) => {
            if (s.events > 0 || s.errors > 0) reporter.info(`${s.events} events, ${s.alerts} new alerts, ${s.errors} source errors`);
          });
          setExit(EXIT.ok);
        }
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        await Promise.all(sinks.map((s) => s.close()));
        await store.close();
      }
    });
  return command;
}

export function statusCommand(setExit: (code: number) => void): Command {
  return new Command('status')
    .description('per tenant and source: last successful poll, lag, throttling, errors and gaps; the outbox')
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml)')
    .option('--store <path>', `the SQLite store (default: store in appwatch.yaml, else ${DEFAULT_STORE_PATH})`)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: StoreOptions & { format: 'table' | 'json' }) => {
      const { path, open } = openStore(options);
      const store = await open();
      try {
        const health = await store.sourceHealth();
        const outbox = await store.outboxDepth();
        const counts = await store.countAlerts();
        const now = Date.now();
        const sources = Object.entries(health).sort(([a], [b]) => a.localeCompare(b)).map(([source, h]) => ({
          source, ...h,
          lagMinutes: h.newestEvent ? Math.round((now - Date.parse(h.newestEvent)) / 60_000) : null,
          ok: h.lastSuccess !== undefined && h.lastSuccess >= h.lastAttempt,
        }));
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify({ store: path, sources, outbox, alerts: counts }, null, 2)}\n`);
        } else {
          const lines = [`store ${path}: alerts new ${counts.new}, acknowledged ${counts.acknowledged}, resolved ${counts.resolved}, suppressed ${counts.suppressed}`];
          for (const s of sources) {
            const state = s.ok ? 'ok' : 'FAILING';
            lines.push(`${s.source}  ${state}  last success ${s.lastSuccess ?? 'never'}  lag ${s.lagMinutes ?? '?'} min  throttled ${s.throttled}${s.gap ? `  GAP: ${s.gap}` : ''}${s.lastError ? `  error: ${s.lastError}` : ''}`);
          }
          for (const [sink, depth] of Object.entries(outbox)) lines.push(`outbox ${sink}: ${depth} pending`);
          process.stdout.write(`${lines.map((l) => inert(l)).join('\n')}\n`);
        }
        setExit(sources.some((s) => !s.ok) ? EXIT.alerts : EXIT.ok);
      } finally {
        await store.close();
      }
    });
}
