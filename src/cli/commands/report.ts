/**
 * @module cli/commands/report
 * `appwatch report --out FILE.html`: the HTML report of what the alert store holds (what `watch` found), with
 * each alert's triage state; suppressed alerts counted and shown apart. `--snapshot` adds the inventory.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { assembleReport } from '../../report/assemble.js';
import { writeReportHtml } from '../../report/html.js';
import type { ReportGap } from '../../report/model.js';
import { existingStore } from './store-source.js';
import { openStoreOrSay, STORE_OPTION_HELP } from './store-location.js';
import { createReporter } from '../terminal.js';
import { EXIT, packageVersion } from './common.js';

export function reportCommand(setExit: (code: number) => void): Command {
  return new Command('report')
    .description('write the self-contained HTML report of the alert store (watch), with triage states')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--store <path|url>', STORE_OPTION_HELP)
    .option('--config <file>', 'configuration file (default: ./appwatch.yaml)')
    .option('--snapshot <file>', 'inventory snapshot: adds the application inventory and the consent grants')
    .option('--tenant <name>', 'only this tenant\'s alerts (its name in appwatch.yaml)')
    .option('--since <time>', 'only alerts at or after this ISO time')
    .option('-q, --quiet', 'no status lines on stderr')
    .action(async (options: { out: string; store?: string; config?: string; snapshot?: string; tenant?: string; since?: string; quiet?: boolean }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      const opened = existingStore(options, reporter);
      if (!opened) {
        setExit(EXIT.usage);
        return;
      }
      const { where, snapshot } = opened;
      const store = await openStoreOrSay(where, reporter);
      if (!store) {
        setExit(EXIT.usage);
        return;
      }
      try {
        const stored = await store.listAlerts({ ...(options.tenant ? { tenant: options.tenant } : {}), ...(options.since ? { since: options.since } : {}), states: ['new', 'acknowledged', 'resolved', 'suppressed'] });
        const suppressions = new Map((await store.listSuppressions(true)).map((s) => [s.id, s]));
        const gaps: ReportGap[] = [];
        for (const [source, health] of Object.entries(await store.sourceHealth())) {
          if (health.gap) gaps.push({ source, kind: /licen[cs]/i.test(health.gap) ? 'not-licensed' : /throttl/i.test(health.gap) ? 'throttled' : /denied|forbidden/i.test(health.gap) ? 'forbidden' : 'other', message: health.gap });
          else if (health.lastError) gaps.push({ source, kind: 'other', message: `last poll: ${health.lastError}` });
          if (!health.lastSuccess) gaps.push({ source, kind: 'no-data', message: 'never polled successfully' });
        }
        const data = assembleReport({
          kind: 'store', version: packageVersion(),
          alerts: stored.map((s) => {
            const by = s.suppressionId ? suppressions.get(s.suppressionId) : undefined;
            return { alert: s.alert, state: s.state, ...(s.state === 'suppressed' ? { suppressedBy: by ? `${by.reason} (${by.author}${by.expiresAt ? `, until ${by.expiresAt}` : ''})` : 'a suppression' } : {}) };
          }),
          sources: Object.keys(await store.sourceHealth()).map((name) => ({ kind: 'store' as const, name })),
          gaps,
          ...(snapshot ? { snapshot, snapshotLabel: options.snapshot } : {}),
          ...(options.tenant ? { tenant: { name: options.tenant } } : {}),
        });
        writeFileSync(options.out, writeReportHtml(data));
        reporter.info(`report of ${stored.length} alerts written to ${options.out}`);
        setExit(EXIT.ok);
      } finally {
        await store.close();
      }
    });
}
