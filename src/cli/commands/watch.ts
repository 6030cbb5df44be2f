/**
 * @module cli/commands/watch
 * `appwatch watch`: follow the tenants of appwatch.yaml (Graph audit and sign-in logs, diagnostic-export
 * folders), alert within a poll interval, store alerts durably and deliver them to the configured sinks.
 * `appwatch status`: each source's last successful poll, lag, throttling, errors and gaps, and the outbox.
 */
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import type { TenantConfig } from '../../config/config.js';
import { admit } from '../../fleet/buckets.js';
import { listLeases, partitionLeaseKey, takeOverPartition, type LeaseRow } from '../../fleet/leases.js';
import { DEFAULT_FLEET, FleetWorker } from '../../fleet/worker.js';
import { listWorkers, newWorkerId, type WorkerRow } from '../../fleet/workers.js';
import { createSink, OutboxWorker, parseSinks, sinksFor } from '../../sinks/delivery/index.js';
import { PostgresStore } from '../../store/postgres.js';
import { StreamConfigError } from '../../stream/connection.js';
import { StreamRunner } from '../../stream/runner.js';
import { tenantGraphClient } from '../../watch/tenant-client.js';
import { DEFAULT_POLL, Watcher } from '../../watch/watcher.js';
import { loadRuleset, reportRuleset } from '../rules-loading.js';
import { createReporter, inert } from '../terminal.js';
import { addRuleSetOptions, EXIT, packageVersion } from './common.js';
import { openStoreOrSay, storeExists, storeLocation, STORE_OPTION_HELP } from './store-location.js';

interface StoreOptions { config?: string; store?: string }

/** The Graph buckets a fleet shares for a tenant: the tenant's own, and its app's across every tenant. */
function fleetBuckets(tenant: TenantConfig, perTenant: number, perApp: number): { key: string; per10Seconds: number }[] {
  return [
    { key: `tenant:${tenant.id}`, per10Seconds: perTenant },
    { key: `app:${tenant.auth?.clientId ?? 'default'}`, per10Seconds: perApp },
  ];
}

export function watchCommand(setExit: (code: number) => void): Command {
  const command = addRuleSetOptions(new Command('watch')
    .description('follow the configured tenants, alert, store and deliver (tenants, sinks, store, poll in appwatch.yaml)'))
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml)')
    .option('--store <path|url>', STORE_OPTION_HELP)
    .option('--worker-id <id>', 'this worker\'s name in a fleet (postgres:// store; default: host:pid:random)')
    .option('--once', 'one poll of every source, deliver, then exit')
    .option('--dns', 'check redirect URI hosts in DNS (dangling hosts)')
    .option('-q, --quiet', 'no status lines on stderr (errors still shown)')
    .action(async (options: StoreOptions & { once?: boolean; dns?: boolean; quiet?: boolean; workerId?: string; rules: string[]; builtin: boolean; placeholder: string[] }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const where = storeLocation(options);
      const { config, configFile } = where;
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
      const store = await openStoreOrSay(where, reporter);
      if (!store) {
        setExit(EXIT.usage);
        return;
      }
      const worker = new OutboxWorker(store, sinks);
      // A PostgreSQL store is a fleet: tenants are leased, commits fenced, Graph's limits shared (src/fleet/).
      const pool = store instanceof PostgresStore ? store.pool : undefined;
      const workerId = options.workerId ?? newWorkerId();
      const fleetSettings = { ...DEFAULT_FLEET, ...config.fleet };
      const perTenant = config.poll.requestsPer10Seconds ?? 5;
      let fleet: FleetWorker | undefined;
      const version = packageVersion();
      const log = { info: (m: string) => reporter.info(m), warn: (m: string) => reporter.warn(m), error: (m: string) => reporter.error(m) };
      const deliver = async (): Promise<void> => {
        const report = await worker.deliverDue();
        for (const f of report.failures.slice(0, 5)) reporter.warn(`delivery to ${f.sink} failed (${f.error}); next attempt ${f.nextAttemptAt}`);
      };
      const watcher = new Watcher({
        store, config, ruleset: loaded.ruleset, dns: Boolean(options.dns),
        log,
        sinksFor: sinksFor(sinkConfigs),
        deliver,
        graphClient: (tenant) => tenantGraphClient(tenant, {
          userAgent: pool ? () => `appwatch/${version} (worker ${workerId}; lease ${fleet?.fenceOf(tenant) ?? 0})` : `appwatch/${version}`,
          ...(pool ? { admit: () => admit(pool, fleetBuckets(tenant, perTenant, fleetSettings.appRequestsPer10Seconds), () => fleet!.assertLease(tenant)) } : {}),
          ...(config.poll.requestsPer10Seconds ? { requestsPer10Seconds: config.poll.requestsPer10Seconds } : {}),
          onRetry: ({ resource, status, delayMs }) => reporter.warn(`${tenant.name ?? tenant.id} ${resource}: ${status === 429 ? 'throttled' : status}, retry in ${(delayMs / 1000).toFixed(1)} s`),
        }),
      });
      if (pool) {
        fleet = new FleetWorker({
          pool, watcher, tenants: config.tenants, id: workerId, version,
          intervalSeconds: config.poll.intervalSeconds ?? DEFAULT_POLL.intervalSeconds,
          leaseSeconds: fleetSettings.leaseSeconds, heartbeatSeconds: fleetSettings.heartbeatSeconds, concurrency: DEFAULT_FLEET.concurrency,
          log,
          deliver,
        });
      }
      // Event Hubs / Kafka sources are consumed beside the poll loop (src/stream/runner.ts). Their Kafka consumer group
      // shares the partitions among the running workers; on a fleet store each partition taken over gets a new
      // fencing token, so a member that missed a rebalance cannot commit.
      const streams = StreamRunner.wanted(config) ? new StreamRunner({
        store, config, ruleset: loaded.ruleset, dns: Boolean(options.dns),
        ...(pool ? { partitionLease: (stream: string) => takeOverPartition(pool, stream, workerId) } : {}),
        log,
        sinksFor: sinksFor(sinkConfigs),
        deliver,
      }) : undefined;
      reporter.info(`${fleet ? `worker ${workerId}: ` : ''}watching ${config.tenants.length} tenant${config.tenants.length === 1 ? '' : 's'}; store ${where.display}; ${sinks.length} sink${sinks.length === 1 ? '' : 's'}`);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        if (options.once) {
          const summary = fleet ? await fleet.runOnce() : await watcher.pollOnce();
          reporter.info(`${summary.events} events, ${summary.alerts} new alerts (${summary.suppressed} suppressed, ${summary.duplicates} already stored), ${summary.errors} source errors`);
          let errors = summary.errors;
          if (streams) {
            // A stream has no end: --once consumes until caught up (nothing new for 2 s), commits its offsets and leaves.
            const s = await streams.runUntilIdle();
            await worker.deliverDue();
            reporter.info(`streams: ${s.messages} messages, ${s.events} events, ${s.alerts} new alerts (${s.suppressed} suppressed, ${s.duplicates} already stored), ${s.replayed} re-delivered messages skipped, ${s.skipped} unreadable, ${s.errors} errors`);
            errors += s.errors;
          }
          setExit(errors > 0 ? EXIT.noInput : EXIT.ok);
        } else {
          const onCycle = (s: { events: number; alerts: number; errors: number }): void => {
            if (s.events > 0 || s.errors > 0) reporter.info(`${s.events} events, ${s.alerts} new alerts, ${s.errors} source errors`);
          };
          await streams?.start();
          if (fleet) await fleet.run(controller.signal, onCycle);
          else await watcher.run(controller.signal, onCycle);
          setExit(EXIT.ok);
        }
      } catch (error) {
        // A stream source's missing secret or malformed connection string: named, never quoted.
        if (!(error instanceof StreamConfigError)) throw error;
        reporter.error(`${configFile ?? 'appwatch.yaml'}: ${error.message}`);
        setExit(EXIT.usage);
      } finally {
        await streams?.stop();
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        await Promise.all(sinks.map((s) => s.close()));
        await store.close();
      }
    });
  return command;
}

type SourceStatus = { source: string; lagMinutes: number | null; throttled: number };

interface FleetStatus {
  workers: (WorkerRow & { state: 'running' | 'stopped' | 'SILENT'; holding: number })[];
  leases: LeaseRow[];
  /** Stream partitions: who took each over last, with which token, and how many late commits were refused. */
  partitions: { stream: string; owner?: string; fence: number; rejectedCommits: number }[];
  tenants: { tenant: string; owner?: string; leaseUntil?: string; nextRunAt: string; polls: number; rejectedCommits: number; lagMinutes: number | null; throttled: number }[];
}

async function fleetStatus(store: PostgresStore, sources: readonly SourceStatus[], leaseSeconds: number): Promise<FleetStatus> {
  const [workers, leases] = await Promise.all([listWorkers(store.pool), listLeases(store.pool)]);
  const now = Date.now();
  const live = leases.filter((l) => l.owner && l.until && Date.parse(l.until) > now);
  return {
    workers: workers.map((w) => ({
      ...w,
      // Silent past its lease: killed or cut off; its tenants have moved (or will, as their leases run out).
      state: w.stoppedAt ? 'stopped' as const : w.silentSeconds > leaseSeconds ? 'SILENT' as const : 'running' as const,
      holding: live.filter((l) => l.owner === w.id).length,
    })),
    leases,
    partitions: leases.filter((l) => l.tenant.startsWith(partitionLeaseKey(''))).map((l) => ({
      stream: l.tenant.slice(partitionLeaseKey('').length), ...(l.owner ? { owner: l.owner } : {}), fence: l.fence, rejectedCommits: l.rejectedCommits,
    })),
    tenants: leases.filter((l) => !l.tenant.startsWith(partitionLeaseKey(''))).map((l) => {
      const own = sources.filter((s) => s.source.startsWith(`${l.tenant}/`));
      const lags = own.map((s) => s.lagMinutes).filter((m): m is number => m !== null);
      return {
        tenant: l.tenant, ...(l.owner && live.includes(l) ? { owner: l.owner, leaseUntil: l.until! } : {}), nextRunAt: l.nextRunAt,
        polls: l.polls, rejectedCommits: l.rejectedCommits,
        lagMinutes: lags.length > 0 ? Math.max(...lags) : null,
        throttled: own.reduce((n, s) => n + s.throttled, 0),
      };
    }),
  };
}

export function statusCommand(setExit: (code: number) => void): Command {
  return new Command('status')
    .description('per tenant and source: last successful poll, lag, throttling, errors and gaps; the outbox')
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml)')
    .option('--store <path|url>', STORE_OPTION_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: StoreOptions & { format: 'table' | 'json' }) => {
      const where = storeLocation(options);
      const reporter = createReporter(process.stderr, false);
      // Asking about a store that is not there must not create an empty one (a typo in --store).
      if (!storeExists(where)) {
        reporter.error(`no alert store at ${where.display} (appwatch watch creates it; --store names another)`);
        setExit(EXIT.usage);
        return;
      }
      const store = await openStoreOrSay(where, reporter);
      if (!store) {
        setExit(EXIT.usage);
        return;
      }
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
        // A fleet store also says who is working, who holds which tenant, and each tenant's lag and throttling.
        const fleet = store instanceof PostgresStore ? await fleetStatus(store, sources, where.config.fleet.leaseSeconds ?? DEFAULT_FLEET.leaseSeconds) : undefined;
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify({ store: where.display, sources, outbox, alerts: counts, ...fleet }, null, 2)}\n`);
        } else {
          const lines = [`store ${where.display}: alerts new ${counts.new}, acknowledged ${counts.acknowledged}, resolved ${counts.resolved}, suppressed ${counts.suppressed}`];
          for (const w of fleet?.workers ?? []) {
            lines.push(`worker ${w.id}  ${w.state}  ${w.host} pid ${w.pid}  started ${w.startedAt}  last heartbeat ${w.silentSeconds} s ago  holds ${w.holding}`);
          }
          for (const p of fleet?.partitions ?? []) {
            lines.push(`partition ${p.stream}  taken over by ${p.owner ?? 'nobody'} (fence ${p.fence})  fenced-off commits ${p.rejectedCommits}`);
          }
          for (const t of fleet?.tenants ?? []) {
            lines.push(`tenant ${t.tenant}  ${t.owner ? `leased by ${t.owner} until ${t.leaseUntil}` : `due ${t.nextRunAt}`}  polls ${t.polls}  fenced-off commits ${t.rejectedCommits}  lag ${t.lagMinutes ?? '?'} min  throttled ${t.throttled}`);
          }
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
