/**
 * @module cli/rules-loading
 * Loads the built-in rules (`rules/` in the package) and the user's (`--rules`), compiles them into a
 * ruleset with the configured placeholders, and says what is active, inactive and refused.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppwatchConfig } from '../config/config.js';
import { Ruleset, type RuleSource } from '../detect/ruleset.js';
import { formatDiagnostic, type SigmaDiagnostic } from '../sigma/diagnostics.js';
import { loadRules } from '../sigma/load.js';
import type { SigmaDocument } from '../sigma/types.js';
import type { Reporter } from './terminal.js';

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

export interface RuleLoadOptions {
  rules: string[];
  builtin: boolean;
  placeholders: string[];
}

/** `--placeholder name=v1,v2` and config `sigma.placeholders` → one map (the command line wins). */
export function placeholdersFrom(config: AppwatchConfig, flags: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(config.sigma.placeholders ?? {})) {
    out[name] = (Array.isArray(values) ? values : [values]).map(String);
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new Error(`--placeholder wants name=value[,value…], got ${JSON.stringify(flag)}`);
    out[flag.slice(0, eq).replace(/^%|%$/g, '')] = flag.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean);
  }
  return out;
}

export interface LoadedRuleset {
  ruleset: Ruleset;
  diagnostics: SigmaDiagnostic[];
  files: number;
}

export async function loadRuleset(options: RuleLoadOptions, config: AppwatchConfig): Promise<LoadedRuleset> {
  const documents: { document: SigmaDocument; source: RuleSource }[] = [];
  const diagnostics: SigmaDiagnostic[] = [];
  let files = 0;
  if (options.builtin && existsSync(BUILTIN_RULES_DIR)) {
    const builtin = await loadRules([BUILTIN_RULES_DIR]);
    documents.push(...builtin.documents.map((document) => ({ document, source: 'builtin' as const })));
    diagnostics.push(...builtin.diagnostics);
    files += builtin.files.length;
  }
  if (options.rules.length > 0) {
    const user = await loadRules(options.rules);
    documents.push(...user.documents.map((document) => ({ document, source: 'sigma' as const })));
    diagnostics.push(...user.diagnostics);
    files += user.files.length;
  }
  const ruleset = new Ruleset(documents, { placeholders: placeholdersFrom(config, options.placeholders), thresholds: config.thresholds });
  return { ruleset, diagnostics: [...diagnostics, ...ruleset.diagnostics], files };
}

/** One status line per outcome, and each problem on its own line. */
export function reportRuleset(loaded: LoadedRuleset, reporter: Reporter): void {
  const { ruleset } = loaded;
  const active = ruleset.rules.filter((r) => r.predicate && !r.routing.inactive).length;
  const inactive = ruleset.rules.filter((r) => r.predicate && r.routing.inactive);
  const refused = ruleset.rules.filter((r) => !r.predicate);
  const failedDocs = loaded.diagnostics.filter((d) => d.severity === 'error').length - refused.length;
  reporter.info(`${ruleset.rules.length} rules from ${loaded.files} files: ${active} active, ${inactive.length} inactive, ${refused.length} refused${failedDocs > 0 ? `; ${failedDocs} document${failedDocs === 1 ? '' : 's'} not loaded` : ''}${ruleset.correlations.length ? `; ${ruleset.correlations.length} correlations` : ''}${ruleset.filters.length ? `; ${ruleset.filters.length} filters` : ''}`);
  const reasons = new Map<string, number>();
  for (const r of inactive) reasons.set(r.routing.inactive!, (reasons.get(r.routing.inactive!) ?? 0) + 1);
  for (const [reason, count] of reasons) reporter.warn(`${count} inactive: ${reason}`);
  for (const d of loaded.diagnostics.filter((x) => x.severity === 'error')) reporter.warn(formatDiagnostic(d));
}
