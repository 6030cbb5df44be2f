/**
 * @module cli/commands/rules
 * `appwatch rules lint <paths…>` (parse, validate, show repairs and unresolved placeholders; exit 1 on
 * errors), `appwatch rules list` (built-in and loaded rules with id, title, level, log source, status) and
 * `appwatch rules explain <rule>` (how a rule runs: kinds, index key, searches after repairs and mapping).
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/config.js';
import { allRepairs } from '../../detect/pipeline.js';
import { formatDiagnostic } from '../../sigma/diagnostics.js';
import { inertLine } from '../terminal.js';
import { loadRuleset, type LoadedRuleset } from '../rules-loading.js';
import { addRuleSetOptions, collect, EXIT } from './common.js';


function statusOf(r: LoadedRuleset['ruleset']['rules'][number]): string {
  if (!r.predicate) return `refused: ${r.refused}`;
  if (r.routing.inactive) return `inactive: ${r.routing.inactive}`;
  return `active (${r.routing.kinds.join(', ')})`;
}

export function rulesCommand(setExit: (code: number) => void): Command {
  const rules = new Command('rules').description('check and list Sigma rules');

  rules
    .command('lint')
    .description('parse and validate Sigma rules; show repairs and unresolved placeholders; exit 1 on errors')
    .argument('<paths...>', 'rule files or folders')
    .option('--placeholder <name=values>', 'values for a %name% placeholder (repeatable)', collect, [])
    .option('--config <file>', 'configuration file')
    .option('--json', 'diagnostics as JSON')
    .action(async (paths: string[], options: { placeholder: string[]; config?: string; json?: boolean }) => {
      const { config } = loadConfig(options.config);
      const loaded = await loadRuleset({ rules: paths, builtin: false, placeholders: options.placeholder }, config);
      const { ruleset } = loaded;
      const repaired = ruleset.rules.filter((r) => r.repairs.length > 0);
      const stale = allRepairs().filter((rep) => ruleset.rules.some((r) => r.rule.id === rep.rule) && !repaired.some((r) => r.repairs.some((x) => x.id === rep.id)));
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      if (options.json) {
        process.stdout.write(`${JSON.stringify({
          files: loaded.files,
          rules: ruleset.rules.length,
          correlations: ruleset.correlations.length,
          filters: ruleset.filters.length,
          diagnostics: loaded.diagnostics,
          repairs: repaired.map((r) => ({ rule: r.rule.id, title: r.rule.title, repairs: r.repairs })),
          staleRepairs: stale.map((s) => ({ id: s.id, rule: s.rule })),
          inactive: ruleset.inactive.map((r) => ({ rule: r.rule.id, title: r.rule.title, reason: r.routing.inactive })),
        }, null, 2)}\n`);
      } else {
        const out: string[] = [];
        for (const d of loaded.diagnostics) out.push(`${d.severity === 'error' ? 'error' : 'warning'}: ${inertLine(formatDiagnostic(d))}`);
        for (const r of repaired) for (const rep of r.repairs) out.push(`repair ${rep.id}: ${inertLine(r.rule.title)} (${r.rule.id}): ${rep.reason}`);
        for (const s of stale) out.push(`warning: repair ${s.id} names rule ${s.rule}, which no longer holds the value it repairs; not applied`);
        for (const r of ruleset.inactive) out.push(`inactive: ${inertLine(r.rule.title)} (${r.rule.id ?? '-'}): ${r.routing.inactive}`);
        out.push(`${loaded.files} files: ${ruleset.rules.length} rules, ${ruleset.correlations.length} correlations, ${ruleset.filters.length} filters; ${errors.length} errors, ${loaded.diagnostics.length - errors.length} warnings, ${repaired.length} rules repaired, ${ruleset.inactive.length} inactive`);
        process.stdout.write(`${out.join('\n')}\n`);
      }
      setExit(errors.length > 0 ? EXIT.alerts : EXIT.ok);
    });

  addRuleSetOptions(rules
    .command('list')
    .description('list built-in and loaded rules: id, title, level, log source, status'))
    .option('--config <file>', 'configuration file')
    .addOption(new Option('--format <format>', 'table or jsonl').choices(['table', 'jsonl']).default('table'))
    .action(async (options: { rules: string[]; builtin: boolean; placeholder: string[]; config?: string; format: string }) => {
      const { config } = loadConfig(options.config);
      const { ruleset } = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: options.placeholder }, config);
      const rows = ruleset.rules.map((r) => ({
        id: r.rule.id ?? '',
        title: r.rule.title,
        level: r.rule.level ?? '',
        logsource: [r.rule.logsource.product, r.rule.logsource.service, r.rule.logsource.category].filter(Boolean).join('/'),
        source: r.source,
        status: statusOf(r),
        repairs: r.repairs.map((x) => x.id),
      }));
      for (const c of ruleset.correlations) {
        rows.push({ id: c.id ?? '', title: c.title, level: c.level ?? '', logsource: `correlation/${c.type}`, source: 'sigma', status: `correlates ${c.rules.join(', ')} within ${c.timespanText}`, repairs: [] });
      }
      if (options.format === 'jsonl') {
        process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
      } else {
        const lines = rows.map((r) => [r.id.padEnd(36), r.level.padEnd(13), r.logsource.padEnd(22), inertLine(r.title).slice(0, 70).padEnd(70), inertLine(r.status)].join('  '));
        process.stdout.write(`${['id'.padEnd(36), 'level'.padEnd(13), 'logsource'.padEnd(22), 'title'.padEnd(70), 'status'].join('  ')}\n${lines.join('\n')}\n${rows.length} rules\n`);
      }
      setExit(EXIT.ok);
    });
  addRuleSetOptions(rules
    .command('explain')
    .description('show how appwatch runs a rule: event kinds, index key, searches after repairs and mapping')
    .argument('<rule>', 'rule id, name or title (searched in the built-in rules and --rules)'))
    .option('--config <file>', 'configuration file')
    .option('--json', 'as JSON')
    .action(async (wanted: string, options: { rules: string[]; builtin: boolean; placeholder: string[]; config?: string; json?: boolean }) => {
      const { config } = loadConfig(options.config);
      const { ruleset } = await loadRuleset({ rules: options.rules, builtin: options.builtin, placeholders: options.placeholder }, config);
      const needle = wanted.toLowerCase();
      const found = ruleset.rules.filter((r) => r.rule.id === wanted || r.rule.name === wanted || r.rule.title.toLowerCase().includes(needle));
      if (found.length === 0) {
        process.stderr.write(`[x] no rule with id, name or title ${JSON.stringify(wanted)}\n`);
        setExit(EXIT.usage);
        return;
      }
      const explained = found.map((r) => ({
        id: r.rule.id,
        title: r.rule.title,
        file: r.rule.location.file,
        logsource: r.rule.logsource,
        kinds: r.routing.kinds,
        ...(r.routing.inactive ? { inactive: r.routing.inactive } : {}),
        ...(r.refused ? { refused: r.refused } : {}),
        condition: r.rule.conditionText,
        indexedOn: r.indexKey ? { field: r.indexKey.field, values: [...r.indexKey.values] } : 'always tested (no required equality to index on)',
        repairs: r.repairs,
        filters: r.filters,
        searches: Object.fromEntries([...r.searches].map(([name, search]) => [name, search.alternatives.map((alt) =>
          alt.map((item) => `${item.field ?? '(keywords)'}${item.modifiers.length ? `|${item.modifiers.join('|')}` : ''}: ${JSON.stringify(item.values.length === 1 ? item.values[0] : item.values)}`))])),
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(explained, null, 2)}\n`);
      } else {
        const out: string[] = [];
        for (const e of explained) {
          out.push(`${inertLine(e.title)} (${e.id ?? 'no id'})  ${e.file ?? ''}`);
          out.push(`  log source: ${JSON.stringify(e.logsource)} → ${e.inactive ? `inactive: ${e.inactive}` : `event kinds ${e.kinds.join(', ')}`}`);
          if (e.refused) out.push(`  refused: ${e.refused}`);
          out.push(`  condition: ${e.condition}`);
          out.push(`  index: ${typeof e.indexedOn === 'string' ? e.indexedOn : `${e.indexedOn.field} ∈ {${e.indexedOn.values.join(', ')}}`}`);
          for (const rep of e.repairs) out.push(`  repair ${rep.id}: ${rep.reason}`);
          for (const f of e.filters) out.push(`  filter: ${f}`);
          for (const [name, alternatives] of Object.entries(e.searches)) {
            out.push(`  ${name}:${alternatives.length > 1 ? ' (any of)' : ''}`);
            for (const alt of alternatives) out.push(`    - ${alt.map(inertLine).join('  AND  ')}`);
          }
        }
        process.stdout.write(`${out.join('\n')}\n`);
      }
      setExit(EXIT.ok);
    });
  return rules;
}
